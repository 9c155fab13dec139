import Foundation
import Kernels
import Biographies
import Transformer

/// What the evaluator measured. Losses in nats, summed over a name's or value's tokens.
public struct Evaluation: Codable, Hashable, Sendable {
    public var peopleScored: Int
    public var people: Int                       // N of the dataset
    public var renderingsPerPerson: Int
    public var description: String               // how people and renderings were chosen
    /// p1: mean name loss per person (nats). 0 for random data.
    public var p1Nats: Double
    /// Mean over people of the value losses summed over every counted attribute (nats), for
    /// every kind: bioS's p2, K × bioD's p2 (which is per attribute), random's mean sequence NLL.
    public var valueNatsPerPerson: Double
    /// p3: bioD — mean over (person, attribute) of the first chunk's loss; 0 otherwise.
    public var p3Nats: Double
    public var valueLossNatsPerAttribute: [Double]   // mean over people, attribute order
    public var attributeNames: [String]
    /// Greedy exact-match accuracy of each attribute's value (argmax at every value token).
    public var accuracyPerAttribute: [Double]
    public var meanAccuracy: Double
    /// Greedy exact-match accuracy of each name's tokens after its first: the first name token
    /// follows end-of-text (or the domain token) and cannot be predicted, so it is left out.
    /// Over the renderings whose name has at least two tokens (0 when none has).
    public var nameAccuracyAfterFirstToken: Double
    /// Learned bits for the whole dataset (extrapolated to N when people were sampled).
    public var bits: LearnedBits
    /// Standard error of `bits.total` from sampling people (0 when every person was scored).
    public var bitsStandardError: Double
    /// The dataset's closed-form bits (the paper's approximate name term).
    public var datasetBits: Double
}

public enum EvaluationError: Error, CustomStringConvertible {
    case renderingTooLong(Int, Int)
    public var description: String {
        switch self {
        case .renderingTooLong(let n, let ctx):
            return "a biography of \(n) tokens does not fit the model's context of \(ctx) tokens"
        }
    }
}

/// What the evaluator needs of a model: per-position losses and whether the target was the
/// greedy (argmax) choice, for short windows of biographies.
public protocol SequenceScorer {
    /// Longest window (tokens) and most tokens per call.
    var contextLength: Int { get }
    var maxTokensPerCall: Int { get }
    /// inputs, targets: [batch × seqLen] (target −1 = padding). Writes losses [batch × seqLen] in
    /// nats and greedy [batch × seqLen]: true where the target is the model's argmax (the first
    /// maximum: a tie with a lower token id is not a greedy hit).
    mutating func score(inputs: [Int32], targets: [Int32], batch: Int, seqLen: Int,
                        losses: UnsafeMutablePointer<Float>, greedy: UnsafeMutablePointer<Bool>)
}

/// Scores with a trained GPT (through its own copy sized for many short windows).
public struct GPTScorer: SequenceScorer {
    let model: GPT
    public var contextLength: Int { model.config.contextLength }
    public var maxTokensPerCall: Int { model.maxBatch * model.config.contextLength }

    public init(_ trained: GPT, threads: Int, tokensPerCall: Int = 8192) {
        let c = trained.config
        model = GPT(config: c, maxBatch: max(1, tokensPerCall / c.contextLength), seed: 0, threads: threads)
        model.params.pointer.update(from: trained.params.pointer, count: trained.layout.count)
    }

    public mutating func score(inputs: [Int32], targets: [Int32], batch: Int, seqLen: Int,
                               losses: UnsafeMutablePointer<Float>, greedy: UnsafeMutablePointer<Bool>) {
        model.forward(inputs: inputs, targets: targets, batch: batch, seqLen: seqLen)
        let V = model.config.vocabularySize, n = batch * seqLen
        losses.update(from: model.positionLosses, count: n)
        for pos in 0..<n {
            let t = Int(targets[pos])
            guard t >= 0 else { greedy[pos] = false; continue }
            // Greedy decoding takes the first maximum (as argmax does): a target tied with a
            // lower id is not what the decoder would write.
            let row = model.logits + pos * V
            let target = row[t]
            var best = true
            for v in 0..<V where row[v] > target || (v < t && row[v] == target) { best = false; break }
            greedy[pos] = best
        }
    }
}

/// Scores a trained `model` on `dataset`; see `evaluate(scorer:...)`.
public func evaluate(model: GPT, dataset: Dataset, people: Int? = nil, renderings: Int = 1,
                     seed: UInt64 = 1, domainToken: Bool = false, threads: Int = 1) throws -> Evaluation {
    var scorer = GPTScorer(model, threads: threads)
    return try evaluate(scorer: &scorer, dataset: dataset, people: people, renderings: renderings, seed: seed,
                        domainToken: domainToken)
}

/// Who and what the evaluator scores: `people` (sorted dataset indices) × `samples` renderings
/// each, in that order (`Dataset.evaluationRendering(person:sample:seed:domainToken:)`).
public struct EvaluationPlan: Hashable, Sendable {
    public var people: [Int]
    public var samples: Int
    /// How people and renderings were chosen, for the output.
    public var description: String

    /// `sampleSize`: nil scores all N, otherwise a sample of that many drawn from
    /// deriveSeed(seed, "evaluation sample"). bioS (not simple) scores `renderings` fresh
    /// renderings per person; every other kind its one canonical rendering.
    public init(dataset: Dataset, people sampleSize: Int? = nil, renderings: Int = 1, seed: UInt64 = 1) {
        let N = dataset.personCount
        var people = Array(0..<N)
        var description = "all \(N) people"
        if let n = sampleSize, n < N {
            var rng = SeededGenerator(seed: deriveSeed(seed, "evaluation sample"))
            rng.shuffle(&people)
            people = Array(people[0..<n]).sorted()
            description = "a seeded sample of \(n) of \(N) people (seed \(seed))"
        }
        let (samples, rendering) = dataset.spec.kind.evaluationRenderings(renderings, seed: seed)
        description += ", " + rendering
        self.people = people; self.samples = samples; self.description = description
    }
}

/// Scores `model` on `dataset` (science.md, "Learned bits"): per-person name and value losses,
/// learned bits, accuracies. Each biography starts right after an end-of-text token; bioS is
/// scored on `renderings` fresh renderings per person drawn from the evaluation `seed`, bioD on
/// the canonical attribute order. `people`: nil scores all N, otherwise a seeded sample of that
/// many (and the bits get a standard error). Renderings are batched into windows as long as the
/// longest one and run on `threads` cores.
public func evaluate<S: SequenceScorer>(scorer: inout S, dataset: Dataset, people sampleSize: Int? = nil,
                                        renderings: Int = 1, seed: UInt64 = 1,
                                        domainToken: Bool = false) throws -> Evaluation {
    let N = dataset.personCount
    let info = dataset.information
    let K = dataset.attributeNames.count
    let plan = EvaluationPlan(dataset: dataset, people: sampleSize, renderings: renderings, seed: seed)
    let people = plan.people, samples = plan.samples, description = plan.description

    let ctx = scorer.contextLength
    precondition(scorer.maxTokensPerCall >= ctx, "a scorer call must hold at least one full window")
    var losses = [Float](repeating: 0, count: scorer.maxTokensPerCall)
    var greedy = [Bool](repeating: false, count: scorer.maxTokensPerCall)

    // Per person: name loss, value loss per attribute, first-chunk loss per attribute (nats,
    // averaged over renderings), and exact-match counts.
    var scored = ScoredLosses(people: people.count, attributes: K)
    var valueCorrect = [Int](repeating: 0, count: K)
    var nameCorrect = 0, namesCounted = 0

    let jobs = people.indices.flatMap { i in (0..<samples).map { (i, $0) } }
    var start = 0
    while start < jobs.count {
        // As many renderings as fit one call; windows as long as the longest of them.
        var end = start, T = 1
        var renders: [Rendering] = []
        while end < jobs.count {
            let r = dataset.evaluationRendering(person: people[jobs[end].0], sample: jobs[end].1, seed: seed,
                                                domainToken: domainToken)
            guard r.tokens.count - 1 <= ctx else { throw EvaluationError.renderingTooLong(r.tokens.count, ctx) }
            let t = max(T, r.tokens.count - 1)
            if (renders.count + 1) * t > scorer.maxTokensPerCall { break }
            renders.append(r); T = t; end += 1
        }
        let rows = renders.count
        // Rows of T positions: input tokens[0..<n−1], target tokens[1..<n], padding −1.
        var inputs = [Int32](repeating: 0, count: rows * T)
        var targets = [Int32](repeating: -1, count: rows * T)
        for (r, rend) in renders.enumerated() {
            for i in 0..<(rend.tokens.count - 1) {
                inputs[r * T + i] = rend.tokens[i]
                targets[r * T + i] = rend.tokens[i + 1]
            }
        }
        losses.withUnsafeMutableBufferPointer { l in
            greedy.withUnsafeMutableBufferPointer { g in
                scorer.score(inputs: inputs, targets: targets, batch: rows, seqLen: T,
                             losses: l.baseAddress!, greedy: g.baseAddress!)
            }
        }
        /// Loss (nats) and exact match of the tokens in `span` (token i is predicted at position i − 1).
        func score(_ r: Int, _ span: Range<Int>, _ tokens: [Int32]) -> (Double, Bool) {
            var loss = 0.0, exact = true
            for i in span {
                let pos = r * T + i - 1
                loss += Double(losses[pos])
                exact = exact && greedy[pos]
            }
            return (loss, exact)
        }
        let w = 1 / Double(samples)
        for (r, rend) in renders.enumerated() {
            let i = jobs[start + r].0
            scored.name[i] += score(r, rend.nameSpan, rend.tokens).0 * w
            if rend.nameSpan.count >= 2 {
                namesCounted += 1
                if score(r, rend.nameSpan.dropFirst(), rend.tokens).1 { nameCorrect += 1 }
            }
            for a in 0..<K {
                let (vl, ok) = score(r, rend.valueSpans[a], rend.tokens)
                scored.value[i * K + a] += vl * w
                if ok { valueCorrect[a] += 1 }
                if a < rend.firstChunkSpans.count {
                    scored.firstChunk[i * K + a] += score(r, rend.firstChunkSpans[a], rend.tokens).0 * w
                }
            }
        }
        start = end
    }

    let n = Double(people.count)
    let scoredRenderings = Double(people.count * samples)
    let formula = BitsFormula(dataset)
    let bits = formula.bits(scored)
    // Each person's share c_i of the bits, so the total is N × their mean.
    let contribution = people.indices.map { formula.share(scored, person: $0) }

    var standardError = 0.0
    if people.count < N, people.count > 1 {
        let mean = contribution.reduce(0, +) / n
        let variance = contribution.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let fpc = (Double(N) - n) / (Double(N) - 1)
        standardError = Double(N) * (variance / n * fpc).squareRoot()
    }

    let accuracy = valueCorrect.map { Double($0) / scoredRenderings }
    return Evaluation(peopleScored: people.count, people: N, renderingsPerPerson: samples, description: description,
                      p1Nats: scored.meanNameNats, valueNatsPerPerson: scored.valueNatsPerPerson,
                      p3Nats: dataset.spec.hasChunks ? scored.meanFirstChunkNats : 0,
                      valueLossNatsPerAttribute: scored.meanValueNatsPerAttribute,
                      attributeNames: dataset.attributeNames, accuracyPerAttribute: accuracy,
                      meanAccuracy: accuracy.reduce(0, +) / Double(max(K, 1)),
                      nameAccuracyAfterFirstToken: namesCounted > 0 ? Double(nameCorrect) / Double(namesCounted) : 0,
                      bits: bits, bitsStandardError: standardError, datasetBits: info.total)
}
