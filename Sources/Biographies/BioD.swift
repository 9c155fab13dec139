import Foundation
import Kernels
import Coding

/// bioD(N, K, C, D, L, T) (paper §2.1): K attributes; attribute k has its own diversity set of D
/// distinct chunks, each chunk L symbols from an alphabet of T; a person's value of attribute k is
/// C chunks drawn uniformly with replacement from that set. One symbol = one token ("s0"...).
///
/// Rendering (one token each): EOS, [domain], first middle last, then for every attribute in a
/// random order (canonical order 1...K for evaluation): "IDk", the C·L value symbols (no separator
/// between chunks: chunk boundaries follow from the fixed length), ".". With K = 6, C = L = 1 a
/// biography is 1 + 3 + 6·3 = 22 tokens, the calibration setting of science.md.

extension BioDConfig {
    /// The pools names are drawn from.
    var pools: NamePools { NamePools(first: firstNames, middle: middleNames, last: lastNames) }

    /// T^L if it fits an Int.
    var chunkSpace: Int? {
        var p = 1
        for _ in 0..<chunkLength {
            let (r, overflow) = p.multipliedReportingOverflow(by: alphabet)
            if overflow { return nil }
            p = r
        }
        return p
    }

    public func validate(_ prefix: String) throws {
        try requireCount(firstNames, prefix + "firstNames", atMost: firstNamePool.count, what: "first names")
        try requireCount(middleNames, prefix + "middleNames", atMost: middleNamePool.count, what: "middle names")
        try requireCount(lastNames, prefix + "lastNames", atMost: lastNamePool.count, what: "last names")
        try requireCount(attributes, prefix + "attributes")
        try requireCount(chunks, prefix + "chunks")
        try requireCount(chunkLength, prefix + "chunkLength")
        try requireCount(alphabet, prefix + "alphabet")
        try requireCount(diversity, prefix + "diversity")
        try requireCount(alphabet, prefix + "alphabet", atMost: 1 << 24, what: "symbols (a vocabulary that large does not fit)")
        try requireProduct([attributes, chunks, chunkLength], atMost: 1 << 20, prefix + "attributes",
                           what: "the biography length attributes × chunks × chunkLength")
        try requireProduct([people, attributes, chunks], atMost: 1 << 31, prefix + "people",
                           what: "the stored values people × attributes × chunks")
        if let tl = chunkSpace {
            try require(diversity <= tl, prefix + "diversity",
                        expected: "at most alphabet^chunkLength = \(tl) distinct chunks", found: "\(diversity)")
        }
        try requireCount(people, prefix + "people")
        try pools.requireDistinctNames(people, prefix + "people")
    }

    static func attributeWord(_ k: Int) -> String { "ID\(k + 1)" }
    static func symbolWord(_ t: Int) -> String { "s\(t)" }

    var words: Set<String> {
        var w = Set(pools.words)
        w.insert(".")
        for k in 0..<attributes { w.insert(BioDConfig.attributeWord(k)) }
        for t in 0..<alphabet { w.insert(BioDConfig.symbolWord(t)) }
        return w
    }
}

final class BioDStore: Sendable {
    let config: BioDConfig
    let K: Int, C: Int, L: Int, D: Int
    private let nameStorage: Frozen<UInt32>      // [N] name codes
    private let chunkStorage: Frozen<Int32>      // [K × D × L] symbol indices: the diversity sets
    private let valueStorage: Frozen<Int32>      // [N × K × C] chunk indices into the diversity set
    private let excludedStorage: Frozen<UInt32>  // sorted names a fresh person must avoid
    private let tokenStorage: Frozen<Int32>      // first, middle, last, attribute and symbol tokens
    let view: BioDView
    // Array forms for code off the hot path.
    let nameTokens: NameTokens
    let attributeTokens: [Int32]             // [K]
    let symbolTokens: [Int32]                // [T]
    let period: Int32

    var names: UnsafeBufferPointer<UInt32> { nameStorage.buffer }
    var chunkSymbols: UnsafeBufferPointer<Int32> { chunkStorage.buffer }
    var values: UnsafeBufferPointer<Int32> { valueStorage.buffer }

    init(_ c: BioDConfig, seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws {
        config = c; K = c.attributes; C = c.chunks; L = c.chunkLength; D = c.diversity
        // Diversity sets: D distinct L-symbol chunks per attribute.
        var sets: [Int32] = []
        sets.reserveCapacity(K * D * L)
        for k in 0..<c.attributes {
            var rng = SeededGenerator(seed: deriveSeed(deriveSeed(seed, "bioD diversity"), UInt64(k)))
            sets += BioDStore.distinctChunks(c, &rng)
        }
        chunkStorage = Frozen(sets)
        var names: [UInt32] = [], values: [Int32] = []
        if storePeople {
            var nameRNG = SeededGenerator(seed: deriveSeed(seed, "bioD names"))
            names = c.pools.drawDistinct(c.people, excluding: excluding, &nameRNG)
            let valueSeed = deriveSeed(seed, "bioD values")
            values = [Int32](repeating: 0, count: c.people * K * C)
            for p in 0..<c.people {
                var rng = SeededGenerator(seed: deriveSeed(valueSeed, UInt64(p)))
                for i in 0..<(K * C) { values[p * K * C + i] = Int32(rng.nextInt(below: D)) }
            }
        }
        nameStorage = Frozen(names); valueStorage = Frozen(values)
        excludedStorage = Frozen(excluding.sorted())
        nameTokens = try NameTokens(c.pools, tokenizer)
        attributeTokens = try (0..<K).map { try tokenID(BioDConfig.attributeWord($0), tokenizer) }
        symbolTokens = try (0..<c.alphabet).map { try tokenID(BioDConfig.symbolWord($0), tokenizer) }
        period = try tokenID(".", tokenizer)
        var b = ArenaBuilder()
        let first = b.add(nameTokens.first), middle = b.add(nameTokens.middle), last = b.add(nameTokens.last)
        let attrs = b.add(attributeTokens), symbols = b.add(symbolTokens)
        tokenStorage = Frozen(b.ints)
        let base = UnsafePointer(tokenStorage.base)
        view = BioDView(K: K, C: C, L: L, D: D, pools: c.pools,
                        names: UnsafePointer(nameStorage.base), chunkSymbols: UnsafePointer(chunkStorage.base),
                        values: UnsafePointer(valueStorage.base),
                        excluded: SortedCodes(codes: UnsafePointer(excludedStorage.base), count: excludedStorage.count),
                        first: base + first, middle: base + middle, last: base + last,
                        attributeTokens: base + attrs, symbolTokens: base + symbols, period: period)
    }

    /// D distinct chunks of L symbols, uniform over all such sets, flattened [D × L].
    static func distinctChunks(_ c: BioDConfig, _ rng: inout SeededGenerator) -> [Int32] {
        let T = c.alphabet, L = c.chunkLength, D = c.diversity
        var out: [Int32] = []
        out.reserveCapacity(D * L)
        if let tl = c.chunkSpace, tl <= 4 * D {
            // Dense: partial Fisher-Yates over all T^L chunk codes, decoded base T.
            var codes = Array(0..<tl)
            for i in 0..<D {
                codes.swapAt(i, i + rng.nextInt(below: tl - i))
                var code = codes[i]
                var chunk = [Int32](repeating: 0, count: L)
                for j in stride(from: L - 1, through: 0, by: -1) { chunk[j] = Int32(code % T); code /= T }
                out += chunk
            }
            return out
        }
        var seen = Set<[Int32]>(minimumCapacity: D)
        while seen.count < D {
            let chunk = (0..<L).map { _ in Int32(rng.nextInt(below: T)) }
            if seen.insert(chunk).inserted { out += chunk }
        }
        return out
    }

    /// The value strings of one person (symbols joined by spaces), attribute order.
    func valueStrings(person p: Int) -> [String] {
        (0..<K).map { k in
            (0..<C).flatMap { c -> [String] in
                let base = (k * D + Int(values[(p * K + k) * C + c])) * L
                return (0..<L).map { BioDConfig.symbolWord(Int(chunkSymbols[base + $0])) }
            }.joined(separator: " ")
        }
    }
}

/// Raw-pointer view of a `BioDStore` (trivial value), valid while its store is alive.
struct BioDView: @unchecked Sendable {   // read-only pointers into memory its store owns
    let K: Int, C: Int, L: Int, D: Int
    let pools: NamePools
    let names: UnsafePointer<UInt32>
    let chunkSymbols: UnsafePointer<Int32>
    let values: UnsafePointer<Int32>
    let excluded: SortedCodes
    let first: UnsafePointer<Int32>, middle: UnsafePointer<Int32>, last: UnsafePointer<Int32>
    let attributeTokens: UnsafePointer<Int32>, symbolTokens: UnsafePointer<Int32>
    let period: Int32

    /// A fresh person (noise junk) from `seed`: a name outside `excluded`, and K·C chunk indices
    /// written into `values` (resized to K·C).
    @inline(__always)
    func freshPerson(_ seed: UInt64, values: inout [Int32]) -> UInt32 {
        var rng = SeededGenerator(seed: seed)
        var name = pools.draw(&rng)
        while excluded.contains(name) { name = pools.draw(&rng) }
        if values.count != K * C { values = [Int32](repeating: 0, count: K * C) }
        for i in 0..<(K * C) { values[i] = Int32(rng.nextInt(below: D)) }
        return name
    }

    /// Tokens of one biography (EOS and domain token included); the same for every rendering.
    func length(domain: Bool) -> Int { 1 + (domain ? 1 : 0) + 3 + K * (2 + C * L) }

    /// Appends a biography. `values` points at this person's K·C chunk indices; `orderSeed` nil
    /// means the canonical order 1...K, otherwise the attribute order is a shuffle drawn from it.
    func render(name: UInt32, values: UnsafePointer<Int32>, orderSeed: UInt64?, domain: Bool,
                eos: Int32, domainToken: Int32, order: inout [Int],
                into out: inout [Int32], spans: inout SpanSink) {
        if order.count != K { order = Array(0..<K) }
        for i in 0..<K { order[i] = i }
        if let orderSeed {
            var rng = SeededGenerator(seed: orderSeed)
            for i in stride(from: K - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        out.append(eos)
        if domain { out.append(domainToken) }
        let nameStart = out.count
        let parts = NamePools.parts(name)
        out.append(first[parts.first]); out.append(middle[parts.middle]); out.append(last[parts.last])
        if spans.record { spans.name = nameStart..<out.count }
        for u in 0..<K {
            let k = order[u]
            out.append(attributeTokens[k])
            let start = out.count
            for c in 0..<C {
                let symbols = chunkSymbols + (k * D + Int(values[k * C + c])) * L
                for j in 0..<L { out.append(symbolTokens[Int(symbols[j])]) }
            }
            if spans.record {
                spans.values[k] = start..<out.count
                spans.firstChunks[k] = start..<(start + L)
            }
            out.append(period)
        }
    }
}

// MARK: - The bioD kind

extension BioDConfig: StoredDatasetKind {
    public static let kindName = "bioD"
    public var hasNames: Bool { true }
    public var hasChunks: Bool { true }
    public var scoresFreshRenderings: Bool { false }
    public var information: InformationContent {
        let log2D = log2(Double(diversity))
        var info = InformationContent(kind: Self.kindName, people: people,
                                      namePool: Double(firstNames) * Double(middleNames) * Double(lastNames),
                                      log2ValueSpace: Double(attributes * chunks) * log2D)
        let log2TL = Double(chunkLength) * log2(Double(alphabet))
        info.diversityBits = Double(attributes) * Double(diversity) * (log2TL - log2D)
        info.diversityBitsExact = Double(attributes)
            * (chunkSpace.map { log2Binomial(Double($0), diversity) } ?? log2Binomial(log2N: log2TL, diversity))
        info.attributes = attributes; info.chunks = chunks; info.diversity = diversity
        info.chunkLength = chunkLength; info.alphabet = alphabet; info.log2ChunkSpace = log2TL
        return info
    }
    public var attributeNames: [String] { (1...attributes).map { "ID \($0)" } }
    public var attributeValueCounts: [Double] {
        Array(repeating: pow(Double(diversity), Double(chunks)), count: attributes)
    }
    public var attributeLog2ValueCounts: [Double] {
        Array(repeating: Double(chunks) * log2(Double(diversity)), count: attributes)
    }
    public func evaluationRenderings(_ renderings: Int, seed: UInt64) -> (samples: Int, description: String) {
        (1, "canonical attribute order, after end-of-text")
    }
    public static let keyAbbreviations: [(field: String, short: String)] = [
        ("attributes", "K"), ("chunks", "C"), ("diversity", "D"), ("chunkLength", "L"), ("alphabet", "T"),
        ("firstNames", "first"), ("middleNames", "middle"), ("lastNames", "last"),
    ]
    public static let requiredFields: Set<String> = ["attributes", "diversity", "alphabet"]
    public var atDefaults: BioDConfig {
        BioDConfig(people: people, attributes: attributes, diversity: diversity, alphabet: alphabet)
    }
    public var spec: DatasetSpec { .bioD(self) }
    var namePools: NamePools? { pools }
    func makeStore(seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws -> any PersonStore {
        try BioDStore(self, seed: seed, tokenizer: tokenizer, excluding: excluding, storePeople: storePeople)
    }
}

extension BioDStore: PersonStore {
    var personCount: Int { names.count }
    func name(of person: Int) -> String { NameTokens.string(names[person]) }
    func valueStrings(of person: Int) -> [String] { valueStrings(person: person) }
    var nameCodes: Set<UInt32> { Set(names) }
    var lengthIndependentOfExposure: Bool { true }
    func renderer(eos: Int32, domainToken: Int32) -> Renderer {
        Renderer(kind: .bioD(view), eos: eos, domainToken: domainToken, simple: false, simpleSeed: 0)
    }

    /// The attribute words, the period, and the names and value symbols of the N people.
    func usedTokens(_ tokenizer: Tokenizer) -> Set<Int32> {
        var used = Set<Int32>(attributeTokens)
        used.insert(period)
        for code in names {
            let parts = NamePools.parts(code)
            used.formUnion([nameTokens.first[parts.first], nameTokens.middle[parts.middle], nameTokens.last[parts.last]])
        }
        let n = K * C
        for p in 0..<names.count {
            for k in 0..<K {
                for c in 0..<C {
                    let base = (k * D + Int(values[p * n + k * C + c])) * L
                    for j in 0..<L { used.insert(symbolTokens[Int(chunkSymbols[base + j])]) }
                }
            }
        }
        return used
    }
}
