import Foundation
import Kernels
import Coding

/// random(N, S, V) (Morris et al.): N sequences of S tokens drawn uniformly from V symbols
/// ("t0"...). A biography is EOS, [domain], the S tokens; the whole sequence is its one value span
/// and there is no name.

extension RandomConfig {
    public func validate(_ prefix: String) throws {
        try requireCount(sequences, prefix + "sequences")
        try requireCount(length, prefix + "length")
        try requireCount(vocabulary, prefix + "vocabulary", atMost: 1 << 24, what: "symbols (a vocabulary that large does not fit)")
        try requireCount(length, prefix + "length", atMost: 1 << 20, what: "tokens per sequence")
        try requireProduct([sequences, length], atMost: 1 << 31, prefix + "sequences", what: "the stored tokens sequences × length")
    }
    static func symbolWord(_ v: Int) -> String { "t\(v)" }
    var words: Set<String> { Set((0..<vocabulary).map(RandomConfig.symbolWord)) }
}

// MARK: - The random kind

extension RandomConfig: StoredDatasetKind {
    public static let kindName = "random"
    public var people: Int { sequences }
    public var hasNames: Bool { false }
    public var hasChunks: Bool { false }
    public var scoresFreshRenderings: Bool { false }
    public var information: InformationContent {
        var info = InformationContent(kind: Self.kindName, people: sequences, namePool: 0,
                                      log2ValueSpace: Double(length) * log2(Double(vocabulary)))
        info.sequenceLength = length; info.vocabulary = vocabulary
        return info
    }
    public var attributeNames: [String] { ["sequence"] }
    public var attributeValueCounts: [Double] { [pow(Double(vocabulary), Double(length))] }
    public var attributeLog2ValueCounts: [Double] { [Double(length) * log2(Double(vocabulary))] }
    public func evaluationRenderings(_ renderings: Int, seed: UInt64) -> (samples: Int, description: String) {
        (1, "each sequence after end-of-text")
    }
    public static let keyAbbreviations: [(field: String, short: String)] = [("length", "S"), ("vocabulary", "V")]
    public static let requiredFields: Set<String> = ["length", "vocabulary"]
    public var atDefaults: RandomConfig { self }
    public var spec: DatasetSpec { .random(self) }
    var namePools: NamePools? { nil }
    func makeStore(seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws -> any PersonStore {
        try RandomStore(self, seed: seed, tokenizer: tokenizer, storePeople: storePeople)
    }
}

extension RandomStore: PersonStore {
    var personCount: Int { sequences.count / S }
    func name(of person: Int) -> String { "" }
    func valueStrings(of person: Int) -> [String] {
        [(0..<S).map { RandomConfig.symbolWord(Int(sequences[person * S + $0])) }.joined(separator: " ")]
    }
    var nameCodes: Set<UInt32> { [] }
    var lengthIndependentOfExposure: Bool { true }
    func renderer(eos: Int32, domainToken: Int32) -> Renderer {
        Renderer(kind: .random(view), eos: eos, domainToken: domainToken, simple: false, simpleSeed: 0)
    }
    /// The symbols of the N sequences.
    func usedTokens(_ tokenizer: Tokenizer) -> Set<Int32> { Set(sequences.map { symbolTokens[Int($0)] }) }
}

final class RandomStore: Sendable {
    let config: RandomConfig
    let S: Int
    private let sequenceStorage: Frozen<Int32>   // [N × S] symbol indices
    private let tokenStorage: Frozen<Int32>      // [V] token id of each symbol
    let view: RandomView

    var sequences: UnsafeBufferPointer<Int32> { sequenceStorage.buffer }
    var symbolTokens: UnsafeBufferPointer<Int32> { tokenStorage.buffer }

    init(_ c: RandomConfig, seed: UInt64, tokenizer: Tokenizer, storePeople: Bool) throws {
        config = c; S = c.length
        var s: [Int32] = []
        if storePeople {
            s = [Int32](repeating: 0, count: c.sequences * c.length)
            let base = deriveSeed(seed, "random sequences")
            for n in 0..<c.sequences {
                var rng = SeededGenerator(seed: deriveSeed(base, UInt64(n)))
                for i in 0..<c.length { s[n * c.length + i] = Int32(rng.nextInt(below: c.vocabulary)) }
            }
        }
        sequenceStorage = Frozen(s)
        tokenStorage = Frozen(try (0..<c.vocabulary).map { try tokenID(RandomConfig.symbolWord($0), tokenizer) })
        view = RandomView(S: c.length, V: c.vocabulary, sequences: UnsafePointer(sequenceStorage.base),
                          symbolTokens: UnsafePointer(tokenStorage.base))
    }
}

/// Raw-pointer view of a `RandomStore` (trivial value), valid while its store is alive.
struct RandomView: @unchecked Sendable {   // read-only pointers into memory its store owns
    let S: Int, V: Int
    let sequences: UnsafePointer<Int32>
    let symbolTokens: UnsafePointer<Int32>

    /// A fresh sequence from `seed`, written into `values` (resized to S).
    func freshSequence(_ seed: UInt64, values: inout [Int32]) {
        var rng = SeededGenerator(seed: seed)
        if values.count != S { values = [Int32](repeating: 0, count: S) }
        for i in 0..<S { values[i] = Int32(rng.nextInt(below: V)) }
    }

    func length(domain: Bool) -> Int { 1 + (domain ? 1 : 0) + S }

    func render(_ symbols: UnsafePointer<Int32>, domain: Bool, eos: Int32, domainToken: Int32,
                into out: inout [Int32], spans: inout SpanSink) {
        out.append(eos)
        if domain { out.append(domainToken) }
        let start = out.count
        for i in 0..<S { out.append(symbolTokens[Int(symbols[i])]) }
        if spans.record { spans.name = start..<start; spans.values[0] = start..<out.count }
    }
}
