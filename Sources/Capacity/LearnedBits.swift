import Foundation

/// The paper's bit-complexity lower bound on what a model learned, from its losses.
/// Losses are cross-entropies in nats, summed over the tokens of one name or value, then averaged
/// over people (never averaged per token). Bits come out of the formulas only.

public let nat: Double = 1 / log(2.0)          // bits per nat

/// Learned bits split into the paper's named components (App. A.4, Eq. A.1), in bits. Negative
/// components are kept (an untrained model's value term is negative); `displayTotal` floors at 0.
public struct LearnedBits: Codable, Hashable, Sendable {
    /// name + value + diversity (stored so a results line states it).
    public private(set) var total: Double
    public var name: Double
    public var value: Double
    public var diversity: Double
    public var displayTotal: Double { max(0, total) }
    public init(name: Double, value: Double, diversity: Double = 0) {
        self.name = name; self.value = value; self.diversity = diversity
        total = name + value + diversity
    }
}

/// bioS (Def. 4.3): p1 = mean name loss per person, p2 = mean over people of the value losses
/// summed over the counted attributes (nats).
/// bits = N·(log2 N0 − p1/ln 2) + N·(log2 S0 − p2/ln 2).
public func bioSLearnedBits(people n: Int, log2N0: Double, log2S0: Double, p1Nats: Double, p2Nats: Double) -> LearnedBits {
    let N = Double(n)
    return LearnedBits(name: N * (log2N0 - p1Nats * nat), value: N * (log2S0 - p2Nats * nat))
}

/// bioD (Theorem 3.2 without lower-order terms): p1 = mean name loss, p2 = mean over (person,
/// attribute) of the whole value's loss, p3 = the same for the value's first chunk (nats).
/// bits = N·log2(N0/e^{p1}) + N·K·log2(D^C/e^{p2}) + K·D·log2(T^L/(D·e^{p3})).
/// When D = T^L the diversity set is the whole chunk space: there is one possible set, nothing
/// to learn (log2 C(T^L, D) = 0, and the theorem's T^L − D factor vanishes), so the diversity
/// term is 0 rather than the approximation's −K·D·p3/ln 2.
public func bioDLearnedBits(people n: Int, log2N0: Double, attributes k: Int, chunks c: Int, diversity d: Int,
                            chunkLength l: Int, alphabet t: Int,
                            p1Nats: Double, p2Nats: Double, p3Nats: Double) -> LearnedBits {
    let N = Double(n), K = Double(k), D = Double(d)
    let chunkSpaceBits = Double(l) * log2(Double(t))            // log2 T^L
    let wholeSpace = log2(D) >= chunkSpaceBits - 1e-12
    return LearnedBits(name: N * (log2N0 - p1Nats * nat),
                       value: N * K * (Double(c) * log2(D) - p2Nats * nat),
                       diversity: wholeSpace ? 0 : K * D * (chunkSpaceBits - log2(D) - p3Nats * nat))
}

/// random(N, S, V) (Morris): Σ over sequences of max(0, S·log2 V − NLL in bits).
/// sequenceNLLNats: each sequence's summed loss over its S tokens.
public func randomLearnedBits(sequenceLength s: Int, vocabulary v: Int, sequenceNLLNats: [Double]) -> LearnedBits {
    let perSequence = Double(s) * log2(Double(v))
    return LearnedBits(name: 0, value: sequenceNLLNats.reduce(0) { $0 + max(0, perSequence - $1 * nat) })
}
