import Kernels

/// random(N, S, V) (Morris et al.): N sequences of S tokens drawn uniformly from V symbols
/// ("t0"...). A biography is EOS, [domain], the S tokens; the whole sequence is its one value span
/// and there is no name.

extension RandomConfig {
    func validate(_ prefix: String) throws {
        try requireCount(sequences, prefix + "sequences")
        try requireCount(length, prefix + "length")
        try requireCount(vocabulary, prefix + "vocabulary", atMost: 1 << 24, what: "symbols (a vocabulary that large does not fit)")
        try requireCount(length, prefix + "length", atMost: 1 << 20, what: "tokens per sequence")
        try requireProduct([sequences, length], atMost: 1 << 31, prefix + "sequences", what: "the stored tokens sequences × length")
    }
    static func symbolWord(_ v: Int) -> String { "t\(v)" }
    var words: Set<String> { Set((0..<vocabulary).map(RandomConfig.symbolWord)) }
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
