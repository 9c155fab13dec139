import Foundation
import Biographies

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
/// summed over the counted attributes (nats: `valueNatsPerPerson`).
/// bits = N·(log2 N0 − p1/ln 2) + N·(log2 S0 − p2/ln 2).
public func bioSLearnedBits(people n: Int, log2N0: Double, log2S0: Double, p1Nats: Double, valueNatsPerPerson: Double) -> LearnedBits {
    let N = Double(n)
    return LearnedBits(name: N * (log2N0 - p1Nats * nat), value: N * (log2S0 - valueNatsPerPerson * nat))
}

/// bioD (Theorem 3.2 without lower-order terms): p1 = mean name loss, p2 = mean over (person,
/// attribute) of the whole value's loss (`valueNatsPerValue`: the per-person value loss / K),
/// p3 = the same for the value's first chunk (nats).
/// bits = N·log2(N0/e^{p1}) + N·K·log2(D^C/e^{p2}) + K·D·log2(T^L/(D·e^{p3})).
/// When D = T^L the diversity set is the whole chunk space: there is one possible set, nothing
/// to learn (log2 C(T^L, D) = 0, and the theorem's T^L − D factor vanishes), so the diversity
/// term is 0 rather than the approximation's −K·D·p3/ln 2.
public func bioDLearnedBits(people n: Int, log2N0: Double, attributes k: Int, chunks c: Int, diversity d: Int,
                            chunkLength l: Int, alphabet t: Int,
                            p1Nats: Double, valueNatsPerValue: Double, p3Nats: Double) -> LearnedBits {
    let N = Double(n), K = Double(k), D = Double(d)
    let chunkSpaceBits = Double(l) * log2(Double(t))            // log2 T^L
    let wholeSpace = log2(D) >= chunkSpaceBits - 1e-12
    return LearnedBits(name: N * (log2N0 - p1Nats * nat),
                       value: N * K * (Double(c) * log2(D) - valueNatsPerValue * nat),
                       diversity: wholeSpace ? 0 : K * D * (chunkSpaceBits - log2(D) - p3Nats * nat))
}

/// random(N, S, V) (Morris): Σ over sequences of max(0, S·log2 V − NLL in bits).
/// sequenceNLLNats: each sequence's summed loss over its S tokens.
public func randomLearnedBits(sequenceLength s: Int, vocabulary v: Int, sequenceNLLNats: [Double]) -> LearnedBits {
    let perSequence = Double(s) * log2(Double(v))
    return LearnedBits(name: 0, value: sequenceNLLNats.reduce(0) { $0 + max(0, perSequence - $1 * nat) })
}

/// Losses of the people an evaluation scored (nats summed over a name's or value's tokens, each
/// averaged over the person's renderings), in the order the people were scored.
public struct ScoredLosses: Sendable {
    /// K: attributes per person (random data: 1, the whole sequence).
    public let attributes: Int
    /// [people]: each person's name loss (0 for random data).
    public var name: [Double]
    /// [people × K]: each person's loss of each attribute's value.
    public var value: [Double]
    /// [people × K]: bioD's loss of each value's first chunk (0 for other kinds).
    public var firstChunk: [Double]

    public init(people: Int, attributes: Int) {
        self.attributes = attributes
        name = [Double](repeating: 0, count: people)
        value = [Double](repeating: 0, count: people * attributes)
        firstChunk = [Double](repeating: 0, count: people * attributes)
    }
    public var people: Int { name.count }
    /// p1: the mean name loss per person.
    public var meanNameNats: Double { name.reduce(0, +) / Double(people) }
    /// Mean over people of each attribute's value loss, in attribute order.
    public var meanValueNatsPerAttribute: [Double] {
        (0..<attributes).map { a in (0..<people).reduce(0.0) { $0 + value[$1 * attributes + a] } / Double(people) }
    }
    /// The mean over people of the value losses summed over every attribute.
    public var valueNatsPerPerson: Double { meanValueNatsPerAttribute.reduce(0, +) }
    /// p3 (bioD): the mean over (person, attribute) of the first chunk's loss.
    public var meanFirstChunkNats: Double { firstChunk.reduce(0, +) / (Double(people) * Double(attributes)) }
    /// Person `i`'s value losses summed over the attributes.
    public func valueNats(person i: Int) -> Double { (0..<attributes).reduce(0.0) { $0 + value[i * attributes + $1] } }
    /// Person `i`'s first-chunk losses summed over the attributes.
    public func firstChunkNats(person i: Int) -> Double { (0..<attributes).reduce(0.0) { $0 + firstChunk[i * attributes + $1] } }
}

/// Each data kind's learned-bits formula with its dataset's constants: the one place where a
/// kind's losses become bits, for the whole dataset and for each person's share.
public enum BitsFormula: Sendable {
    case bioS(people: Int, log2NamePool: Double, log2ValueSpace: Double)
    case bioD(people: Int, log2NamePool: Double, BioDConfig)
    case random(people: Int, RandomConfig)

    public init(_ dataset: Dataset) {
        let N = dataset.personCount, info = dataset.information
        switch dataset.spec {
        case .bioS: self = .bioS(people: N, log2NamePool: info.log2NamePool, log2ValueSpace: info.log2ValueSpace)
        case .bioD(let d): self = .bioD(people: N, log2NamePool: info.log2NamePool, d)
        case .random(let r): self = .random(people: N, r)
        }
    }

    /// The dataset's learned bits from the people scored: the formula at their mean losses
    /// (bioS, bioD), or N × the mean per-sequence term (random, whose terms are floored at 0).
    public func bits(_ l: ScoredLosses) -> LearnedBits {
        switch self {
        case .bioS(let N, let log2N0, let log2S0):
            return bioSLearnedBits(people: N, log2N0: log2N0, log2S0: log2S0, p1Nats: l.meanNameNats,
                                   valueNatsPerPerson: l.valueNatsPerPerson)
        case .bioD(let N, let log2N0, let d):
            return bioDLearnedBits(people: N, log2N0: log2N0, attributes: d.attributes, chunks: d.chunks, diversity: d.diversity,
                                   chunkLength: d.chunkLength, alphabet: d.alphabet, p1Nats: l.meanNameNats,
                                   valueNatsPerValue: l.valueNatsPerPerson / Double(l.attributes), p3Nats: l.meanFirstChunkNats)
        case .random(let N, let r):
            let scored = randomLearnedBits(sequenceLength: r.length, vocabulary: r.vocabulary, sequenceNLLNats: l.value)
            return LearnedBits(name: 0, value: scored.value * Double(N) / Double(l.people))
        }
    }

    /// Person `i`'s share of the bits: the same formula with person i's losses, the terms that
    /// grow with N counted once and the dataset-wide diversity term divided by N, so the bits of
    /// a full evaluation are the sum of the shares (a sample's, N × their mean).
    public func share(_ l: ScoredLosses, person i: Int) -> Double {
        let K = Double(l.attributes)
        switch self {
        case .bioS(_, let log2N0, let log2S0):
            return bioSLearnedBits(people: 1, log2N0: log2N0, log2S0: log2S0, p1Nats: l.name[i],
                                   valueNatsPerPerson: l.valueNats(person: i)).total
        case .bioD(let N, let log2N0, let d):
            let b = bioDLearnedBits(people: 1, log2N0: log2N0, attributes: d.attributes, chunks: d.chunks, diversity: d.diversity,
                                    chunkLength: d.chunkLength, alphabet: d.alphabet, p1Nats: l.name[i],
                                    valueNatsPerValue: l.valueNats(person: i) / K, p3Nats: l.firstChunkNats(person: i) / K)
            return b.name + b.value + b.diversity / Double(N)
        case .random(_, let r):
            return randomLearnedBits(sequenceLength: r.length, vocabulary: r.vocabulary, sequenceNLLNats: [l.value[i]]).total
        }
    }
}
