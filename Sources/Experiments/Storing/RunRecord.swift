import Biographies
import Capacity
import Foundation
import Kernels
import Transformer

public enum RunStatus: String, Codable, Sendable {
    case ok
    case failed
}

/// Exact-match accuracy of greedy decoding for one attribute.
public struct AttributeAccuracy: Codable, Hashable, Sendable {
    public var attribute: String
    public var accuracy: Double             // in [0, 1]
    public init(attribute: String, accuracy: Double) { self.attribute = attribute; self.accuracy = accuracy }
}

/// What a finished run measured.
public struct RunMetrics: Codable, Hashable, Sendable {
    /// The paper's count: every parameter, but embedding rows only for tokens the data uses.
    public var paramsPaper: Int
    /// Every parameter, the full embedding included.
    public var paramsTotal: Int
    /// Mean over people of the name loss, in nats summed over the name's tokens (bioS, bioD).
    public var p1Nats: Double?
    /// Mean over people of the value losses summed over every counted attribute, in nats: one
    /// convention for every kind (bioS: six attributes; bioD: all K, i.e. K times the paper's
    /// per-attribute p2; random: the whole sequence's NLL). Lines written before this field read
    /// their `p2Nats` into it, bioD's multiplied by K.
    public var valueNatsPerPerson: Double?
    /// bioD: mean over (person, attribute) of the first chunk's loss, in nats (the paper's p3).
    public var p3Nats: Double?
    /// Only while decoding a line written before `valueNatsPerPerson`: its `p2Nats`, whose meaning
    /// depended on the kind (`RunRecord` converts it). Never written.
    var legacyP2Nats: Double? = nil
    public var bits: LearnedBits
    /// The data's information content, in bits (so R_max = dataBits / paramsPaper).
    public var dataBits: Double
    /// R = bits.total / paramsPaper.
    public var capacityRatio: Double
    /// R_max = dataBits / paramsPaper.
    public var capacityRatioMax: Double
    public var accuracy: [AttributeAccuracy]
    public var meanAccuracy: Double
    public var peopleScored: Int
    public var tokensTrained: Int
    public var steps: Int
    /// Training throughput (evaluation excluded).
    public var tokensPerSecond: Double
    /// Mean training loss over the last steps, in nats per token.
    public var finalLossNatsPerToken: Double
    /// How the model was scored, e.g. "all 1000 people, canonical rendering after end-of-text".
    public var evaluation: String
    /// The same scoring after post-training quantization, one entry per bit width the scenario's
    /// `evaluation.quantization` asks for (nil when it asks for none).
    public var quantized: [QuantizedMetrics]? = nil
    /// Morris mode: the step training stopped at before the schedule's end, and why (nil when
    /// it ran every step).
    public var stoppedAtStep: Int? = nil
    public var stopReason: String? = nil

    enum CodingKeys: String, CodingKey {
        case paramsPaper, paramsTotal, p1Nats, valueNatsPerPerson, p3Nats, legacyP2Nats = "p2Nats", bits, dataBits
        case capacityRatio, capacityRatioMax, accuracy, meanAccuracy, peopleScored, tokensTrained, steps
        case tokensPerSecond, finalLossNatsPerToken, evaluation, quantized, stoppedAtStep, stopReason
    }

    /// R, R_max and the mean accuracy are computed here, so they always agree with their parts.
    public init(paramsPaper: Int, paramsTotal: Int, p1Nats: Double?, valueNatsPerPerson: Double?, p3Nats: Double?,
                bits: LearnedBits, dataBits: Double, accuracy: [AttributeAccuracy], peopleScored: Int,
                tokensTrained: Int, steps: Int, tokensPerSecond: Double, finalLossNatsPerToken: Double,
                evaluation: String) {
        self.paramsPaper = paramsPaper; self.paramsTotal = paramsTotal
        self.p1Nats = p1Nats; self.valueNatsPerPerson = valueNatsPerPerson; self.p3Nats = p3Nats
        self.bits = bits; self.dataBits = dataBits
        self.capacityRatio = paramsPaper > 0 ? bits.total / Double(paramsPaper) : 0
        self.capacityRatioMax = paramsPaper > 0 ? dataBits / Double(paramsPaper) : 0
        self.accuracy = accuracy
        self.meanAccuracy = accuracy.isEmpty ? 0 : accuracy.map(\.accuracy).reduce(0, +) / Double(accuracy.count)
        self.peopleScored = peopleScored; self.tokensTrained = tokensTrained; self.steps = steps
        self.tokensPerSecond = tokensPerSecond; self.finalLossNatsPerToken = finalLossNatsPerToken
        self.evaluation = evaluation
    }
}

/// A trained model scored again with its weight matrices quantized to `bits` bits (symmetric,
/// per output row, round to nearest; biases and norms fp32), through the same evaluator.
public struct QuantizedMetrics: Codable, Hashable, Sendable {
    public var bits: Int
    public var bitsLearned: LearnedBits
    /// R = bitsLearned.total / paramsPaper, as for the fp32 model.
    public var capacityRatio: Double
    /// R per stored bit of a weight: R / bits (Result 8's "bits per stored bit").
    public var capacityRatioPerStoredBit: Double
    public var meanAccuracy: Double
    /// What the quantized model really stores per parameter: the integers, one fp32 step per
    /// matrix row, and the fp32 vectors, over the total parameter count.
    public var storedBitsPerParameter: Double

    public init(bits: Int, bitsLearned: LearnedBits, paramsPaper: Int, meanAccuracy: Double, storedBitsPerParameter: Double) {
        self.bits = bits; self.bitsLearned = bitsLearned
        capacityRatio = paramsPaper > 0 ? bitsLearned.total / Double(paramsPaper) : 0
        capacityRatioPerStoredBit = capacityRatio / Double(bits)
        self.meanAccuracy = meanAccuracy; self.storedBitsPerParameter = storedBitsPerParameter
    }
}

/// One line of `runs.jsonl`: a finished run, with its full spec so the line stands alone.
public struct RunRecord: Codable, Hashable, Sendable {
    /// The line format written now. 2: paired seeds (`RunSeeds.paired`), keys from a run's own
    /// settings, the spec's `fingerprint`. 1 (or absent): seeds from the key, keys from what
    /// varied in the scenario. `report` and `export` read both.
    public static let currentFormat = 2
    public var format: Int = RunRecord.currentFormat
    public var key: String
    public var status: RunStatus
    /// Why the run failed (nil when ok).
    public var reason: String?
    /// `RunSpec.fingerprint`: a hash of everything that decides what the run trains and how it is
    /// scored. A rerun skips the run only when the scenario's spec has the same fingerprint.
    public var fingerprint: String
    /// Format 1 only: the run seed all its seeds derived from.
    public var seed: UInt64?
    /// The run's seeds (`RunSpec.seeds`), written out so its data can be rebuilt elsewhere
    /// (`capacity export`); derived from `seed` when reading a line that lacks them.
    public var datasetSeed: UInt64
    public var streamSeed: UInt64
    public var initSeed: UInt64
    /// The same seeds as decimal strings (`dataset`, `stream`, `init`, `scenario`, `evaluation`),
    /// for readers that parse JSON numbers as doubles (jq, pandas) and lose digits above 2^53.
    public var seedStrings: [String: String]
    /// The run's spec. In lines written since the records started to say what trained, `model`
    /// holds the vocabulary size and context length the model was built with (older lines: 0 for
    /// the vocabulary, which meant "from the dataset").
    public var spec: RunSpec
    /// Wall-clock time of the whole run (data, training, evaluation), in seconds.
    public var wallSeconds: Double
    /// ISO 8601 time the run finished.
    public var finishedAt: String
    /// Nil when the run failed.
    public var metrics: RunMetrics?
    /// `<path>: <reason>` when the trained model could not be saved as a checkpoint (the run is
    /// still ok: it was scored); nil when it was saved or checkpoints were off.
    public var checkpointError: String? = nil

    public init(spec: RunSpec, metrics: RunMetrics, wallSeconds: Double, finishedAt: Date = Date()) {
        self.init(spec: spec, status: .ok, reason: nil, metrics: metrics, wallSeconds: wallSeconds, finishedAt: finishedAt)
    }

    public init(spec: RunSpec, failure reason: String, wallSeconds: Double, finishedAt: Date = Date()) {
        self.init(spec: spec, status: .failed, reason: reason, metrics: nil, wallSeconds: wallSeconds, finishedAt: finishedAt)
    }

    private init(spec: RunSpec, status: RunStatus, reason: String?, metrics: RunMetrics?, wallSeconds: Double, finishedAt: Date) {
        self.key = spec.key; self.status = status; self.reason = reason; self.spec = spec
        self.fingerprint = spec.fingerprint
        self.seed = spec.legacyRunSeed
        self.datasetSeed = spec.datasetSeed; self.streamSeed = spec.streamSeed; self.initSeed = spec.initSeed
        self.seedStrings = Self.seedStrings(of: spec)
        self.wallSeconds = wallSeconds; self.finishedAt = isoTime(finishedAt); self.metrics = metrics
    }

    /// A spec's seeds as decimal strings, as records write them in `seedStrings`.
    public static func seedStrings(of spec: RunSpec) -> [String: String] {
        var s = ["dataset": "\(spec.datasetSeed)", "stream": "\(spec.streamSeed)", "init": "\(spec.initSeed)",
                 "evaluation": "\(spec.evaluation.seed)"]
        if let scenario = spec.scenarioSeed { s["scenario"] = "\(scenario)" }
        if let run = spec.legacyRunSeed { s["run"] = "\(run)" }
        return s
    }

    enum CodingKeys: String, CodingKey {
        case format, key, status, reason, fingerprint, seed, datasetSeed, streamSeed, initSeed, seedStrings, spec
        case wallSeconds, finishedAt, metrics, checkpointError
    }

    /// Reads every line format written so far: a format-1 line's seeds derive from its run seed,
    /// its fingerprint from its spec, and a line from before `valueNatsPerPerson` has its per-kind
    /// `p2Nats` converted (bioD's was per attribute).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(Int.self, forKey: .format) ?? 1
        key = try c.decode(String.self, forKey: .key)
        status = try c.decode(RunStatus.self, forKey: .status)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        var spec = try c.decode(RunSpec.self, forKey: .spec)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        if spec.legacyRunSeed == nil && spec.scenarioSeed == nil, let run = seed {
            spec.legacyRunSeed = run
            spec.seeds = .keyed(runSeed: run)
        }
        self.spec = spec
        fingerprint = try c.decodeIfPresent(String.self, forKey: .fingerprint) ?? spec.fingerprint
        datasetSeed = try c.decodeIfPresent(UInt64.self, forKey: .datasetSeed) ?? spec.datasetSeed
        streamSeed = try c.decodeIfPresent(UInt64.self, forKey: .streamSeed) ?? spec.streamSeed
        initSeed = try c.decodeIfPresent(UInt64.self, forKey: .initSeed) ?? spec.initSeed
        seedStrings = try c.decodeIfPresent([String: String].self, forKey: .seedStrings) ?? Self.seedStrings(of: spec)
        wallSeconds = try c.decode(Double.self, forKey: .wallSeconds)
        finishedAt = try c.decode(String.self, forKey: .finishedAt)
        metrics = try c.decodeIfPresent(RunMetrics.self, forKey: .metrics)
        checkpointError = try c.decodeIfPresent(String.self, forKey: .checkpointError)
        if var m = metrics, let legacy = m.legacyP2Nats {
            if m.valueNatsPerPerson == nil {
                // Old lines held the per-kind p2 of the bits formula: bioD's per (person, attribute).
                if case .bioD(let d) = spec.dataset { m.valueNatsPerPerson = legacy * Double(d.attributes) }
                else { m.valueNatsPerPerson = legacy }
            }
            m.legacyP2Nats = nil
            metrics = m
        }
    }
}

func isoTime(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
}
