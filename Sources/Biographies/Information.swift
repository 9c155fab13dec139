import Foundation

/// How many bits of knowledge a dataset holds, in closed form. All quantities are in **bits**.
///
/// - bioS (paper Def. 4.3): name = N·log2(N0/N), value = N·log2 S0 with
///   S0 = 2 · (12·28·years) · cities · universities · majors · employers; no diversity term
///   (the value lists are prior knowledge). Paper pools: log2 S0 = 47.5916.
/// - bioD (Prop. 2.3): name = N·log2(N0/N), value = N·K·C·log2 D, diversity = K·D·log2(T^L/D).
/// - random (Morris): value = N·S·log2 V, no name or diversity term.
/// The `…Exact` variants replace the approximations by log2 C(N0, N) and K·log2 C(T^L, D).
/// `total` (approximate form) is the numerator of the paper's R_max.
public struct InformationContent: Codable, Hashable, Sendable {
    public var kind: String                   // "bioS", "bioD" or "random"
    public var people: Int                    // N (sequences for random)
    public var namePool: Double               // N0 = first · middle · last (0 for random)
    public var log2NamePool: Double           // log2 N0, bits (0 for random)
    /// Bits of one person's counted values: log2 S0 (bioS), K·C·log2 D (bioD), S·log2 V (random).
    public var log2ValueSpace: Double
    public var nameBits: Double               // N·log2(N0/N)
    public var nameBitsExact: Double          // log2 C(N0, N)
    public var valueBits: Double              // N·log2ValueSpace
    public var diversityBits: Double          // K·D·log2(T^L/D) (bioD), else 0
    public var diversityBitsExact: Double     // K·log2 C(T^L, D) (bioD), else 0
    public var total: Double { nameBits + valueBits + diversityBits }
    /// bioS: log2 S0, bits per person (the same number as `log2ValueSpace`); nil otherwise.
    public var log2S0: Double? { kind == "bioS" ? log2ValueSpace : nil }
    public var totalExact: Double { nameBitsExact + valueBits + diversityBitsExact }

    // Per-dataset constants the evaluator needs for Theorem 3.2 (nil where they do not apply).
    public var attributes: Int? = nil          // K (bioD)
    public var chunks: Int? = nil              // C (bioD)
    public var diversity: Int? = nil           // D (bioD)
    public var chunkLength: Int? = nil         // L (bioD)
    public var alphabet: Int? = nil            // T (bioD)
    public var log2ChunkSpace: Double? = nil   // L·log2 T, bits (bioD)
    public var sequenceLength: Int? = nil      // S (random)
    public var vocabulary: Int? = nil          // V (random)

    enum CodingKeys: String, CodingKey {
        case kind, people, namePool, log2NamePool, log2ValueSpace, nameBits, nameBitsExact
        case valueBits, diversityBits, diversityBitsExact, total, totalExact
        case attributes, chunks, diversity, chunkLength, alphabet, log2ChunkSpace
        case sequenceLength, vocabulary
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind); try c.encode(people, forKey: .people)
        try c.encode(namePool, forKey: .namePool); try c.encode(log2NamePool, forKey: .log2NamePool)
        try c.encode(log2ValueSpace, forKey: .log2ValueSpace)
        try c.encode(nameBits, forKey: .nameBits); try c.encode(nameBitsExact, forKey: .nameBitsExact)
        try c.encode(valueBits, forKey: .valueBits)
        try c.encode(diversityBits, forKey: .diversityBits)
        try c.encode(diversityBitsExact, forKey: .diversityBitsExact)
        try c.encode(total, forKey: .total); try c.encode(totalExact, forKey: .totalExact)
        try c.encodeIfPresent(attributes, forKey: .attributes); try c.encodeIfPresent(chunks, forKey: .chunks)
        try c.encodeIfPresent(diversity, forKey: .diversity); try c.encodeIfPresent(chunkLength, forKey: .chunkLength)
        try c.encodeIfPresent(alphabet, forKey: .alphabet); try c.encodeIfPresent(log2ChunkSpace, forKey: .log2ChunkSpace)
        try c.encodeIfPresent(sequenceLength, forKey: .sequenceLength)
        try c.encodeIfPresent(vocabulary, forKey: .vocabulary)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind); people = try c.decode(Int.self, forKey: .people)
        namePool = try c.decode(Double.self, forKey: .namePool)
        log2NamePool = try c.decode(Double.self, forKey: .log2NamePool)
        log2ValueSpace = try c.decode(Double.self, forKey: .log2ValueSpace)
        nameBits = try c.decode(Double.self, forKey: .nameBits)
        nameBitsExact = try c.decode(Double.self, forKey: .nameBitsExact)
        valueBits = try c.decode(Double.self, forKey: .valueBits)
        diversityBits = try c.decode(Double.self, forKey: .diversityBits)
        diversityBitsExact = try c.decode(Double.self, forKey: .diversityBitsExact)
        attributes = try c.decodeIfPresent(Int.self, forKey: .attributes)
        chunks = try c.decodeIfPresent(Int.self, forKey: .chunks)
        diversity = try c.decodeIfPresent(Int.self, forKey: .diversity)
        chunkLength = try c.decodeIfPresent(Int.self, forKey: .chunkLength)
        alphabet = try c.decodeIfPresent(Int.self, forKey: .alphabet)
        log2ChunkSpace = try c.decodeIfPresent(Double.self, forKey: .log2ChunkSpace)
        sequenceLength = try c.decodeIfPresent(Int.self, forKey: .sequenceLength)
        vocabulary = try c.decodeIfPresent(Int.self, forKey: .vocabulary)
    }
    init(kind: String, people: Int, namePool: Double, log2ValueSpace: Double) {
        self.kind = kind; self.people = people; self.namePool = namePool
        self.log2NamePool = namePool > 0 ? log2(namePool) : 0
        self.log2ValueSpace = log2ValueSpace
        let n = Double(people)
        nameBits = namePool > 0 ? n * log2(namePool / n) : 0
        nameBitsExact = namePool > 0 ? log2Binomial(namePool, people) : 0
        valueBits = n * log2ValueSpace
        diversityBits = 0; diversityBitsExact = 0
    }
}

/// log2 S0 of bioS, bits: one person's counted attributes (birth date, birth city, university,
/// major, employer, gender), each uniform and independent.
public func bioSLog2ValueSpace(_ c: BioSConfig) -> Double {
    log2(2) + log2(Double(12 * 28 * c.birthYears)) + log2(Double(c.birthCities))
        + log2(Double(c.universities)) + log2(Double(c.majors)) + log2(Double(c.employers))
}

/// log2 C(n, k), bits, for 0 ≤ k ≤ n (n may be non-integral only through rounding; it is a count).
public func log2Binomial(_ n: Double, _ k: Int) -> Double {
    let kk = Double(k)
    if k == 0 || kk == n { return 0 }
    return (lgamma(n + 1) - lgamma(kk + 1) - lgamma(n - kk + 1)) / M_LN2
}

/// log2 C(n, k) given log2 n, for n too large for an Int (T^L with large L):
/// Σ_{i<k} log2(n − i) − log2 k!  =  k·log2 n + Σ_{i<k} log2(1 − i/n) − log2 k!.
public func log2Binomial(log2N: Double, _ k: Int) -> Double {
    var sum = Double(k) * log2N
    for i in 1..<max(k, 1) {
        let ratio = exp2(log2(Double(i)) - log2N)      // i/n without forming n
        sum += log1p(-ratio) / M_LN2
    }
    return sum - lgamma(Double(k) + 1) / M_LN2
}
