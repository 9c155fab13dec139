import Biographies
import Capacity
import Foundation
import Kernels
import Transformer

/// The seeds of one run. Each random draw of the run derives from one of them (docs/export.md):
/// the people from `dataset`, the stream (renderings, shuffles, junk) from `stream`, the initial
/// weights from `initialization`.
public struct RunSeeds: Codable, Hashable, Sendable {
    public var dataset: UInt64
    public var stream: UInt64
    public var initialization: UInt64

    public init(dataset: UInt64, stream: UInt64, initialization: UInt64) {
        self.dataset = dataset; self.stream = stream; self.initialization = initialization
    }

    enum CodingKeys: String, CodingKey { case dataset, stream, initialization = "init" }

    /// The paired rule (record format 2): the data depend on the scenario seed, the dataset spec
    /// and the replicate only, so every model and learning rate at one N and replicate trains on
    /// the same people; the stream adds the stream settings; the initial weights depend on the
    /// model and the replicate only. Specs enter as their canonical JSON (sorted keys, every field).
    public static func paired(scenarioSeed: UInt64, replicate: Int, dataset: DatasetSpec, stream: StreamConfig,
                              model: ModelConfig) -> RunSeeds {
        var untrained = model
        untrained.vocabularySize = 0                    // the dataset's, filled in at training
        let data = deriveSeed(deriveSeed(scenarioSeed, "dataset " + canonicalJSON(dataset)), UInt64(replicate))
        return RunSeeds(dataset: data,
                        stream: deriveSeed(data, "stream " + canonicalJSON(stream)),
                        initialization: deriveSeed(deriveSeed(scenarioSeed, "init " + canonicalJSON(untrained)), UInt64(replicate)))
    }

    /// The rule of record format 1: every seed from one run seed, `deriveSeed(scenario seed, key)`,
    /// so runs differing in model or learning rate trained on different people.
    public static func keyed(runSeed: UInt64) -> RunSeeds {
        RunSeeds(dataset: deriveSeed(runSeed, "dataset"), stream: deriveSeed(runSeed, "stream"),
                 initialization: deriveSeed(runSeed, "init"))
    }
}

/// One run of a scenario: everything needed to train and evaluate it, self-describing.
public struct RunSpec: Codable, Hashable, Sendable {
    public var scenario: String
    /// Position in the scenario's expanded run list (shards select on it).
    public var index: Int
    /// Unique within the scenario, human-readable, built from the run's own settings only (every
    /// setting not at its default, abbreviated): `bioD-N1000-K6-D256-T256-gpt2-2-2-24-E1000-lr0.01-s1`.
    public var key: String
    /// The key without the replicate seed: runs differing only in `replicate` share it.
    public var configuration: String
    /// The key without learning rate and replicate seed: reports keep the best learning rate of
    /// a family (the paper's "best of several learning rates").
    public var family: String
    public var datasetLabel: String         // `bioD-N1000-K6-D256-T256`
    public var modelLabel: String           // `gpt2-2-2-24`
    public var junkLabel: String?           // the junk variant's name, when the scenario has variants
    public var dataset: DatasetSpec
    public var stream: StreamConfig
    public var model: ModelConfig
    public var training: TrainingConfig
    public var evaluation: EvaluationSettings
    /// The replicate seed from the scenario's `seeds` list.
    public var replicate: Int
    /// The scenario's `seed` (nil in format-1 lines, which kept only their run seed).
    public var scenarioSeed: UInt64?
    /// Every random draw of the run derives from one of these.
    public var seeds: RunSeeds
    /// Format-1 lines only: the run seed `deriveSeed(scenario seed, key)` all their seeds came from.
    public var legacyRunSeed: UInt64?

    public init(scenario: String, index: Int, key: String, configuration: String, family: String, datasetLabel: String,
                modelLabel: String, junkLabel: String?, dataset: DatasetSpec, stream: StreamConfig,
                model: ModelConfig, training: TrainingConfig, evaluation: EvaluationSettings,
                replicate: Int, scenarioSeed: UInt64) {
        self.scenario = scenario; self.index = index; self.key = key; self.configuration = configuration
        self.family = family
        self.datasetLabel = datasetLabel; self.modelLabel = modelLabel; self.junkLabel = junkLabel
        self.dataset = dataset; self.stream = stream; self.model = model; self.training = training
        self.evaluation = evaluation; self.replicate = replicate; self.scenarioSeed = scenarioSeed
        self.seeds = .paired(scenarioSeed: scenarioSeed, replicate: replicate, dataset: dataset, stream: stream, model: model)
        self.legacyRunSeed = nil
    }

    enum CodingKeys: String, CodingKey {
        case scenario, index, key, configuration, family, datasetLabel, modelLabel, junkLabel, dataset, stream
        case model, training, evaluation, replicate, scenarioSeed, seeds, legacyRunSeed = "seed"
    }

    /// Reads both line formats: format 2 writes `scenarioSeed` and `seeds`; format 1 wrote only
    /// the run seed `seed`, from which its seeds derive by the keyed rule.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scenario = try c.decode(String.self, forKey: .scenario)
        index = try c.decode(Int.self, forKey: .index)
        key = try c.decode(String.self, forKey: .key)
        configuration = try c.decode(String.self, forKey: .configuration)
        family = try c.decode(String.self, forKey: .family)
        datasetLabel = try c.decode(String.self, forKey: .datasetLabel)
        modelLabel = try c.decode(String.self, forKey: .modelLabel)
        junkLabel = try c.decodeIfPresent(String.self, forKey: .junkLabel)
        dataset = try c.decode(DatasetSpec.self, forKey: .dataset)
        stream = try c.decode(StreamConfig.self, forKey: .stream)
        model = try c.decode(ModelConfig.self, forKey: .model)
        training = try c.decode(TrainingConfig.self, forKey: .training)
        evaluation = try c.decode(EvaluationSettings.self, forKey: .evaluation)
        replicate = try c.decode(Int.self, forKey: .replicate)
        scenarioSeed = try c.decodeIfPresent(UInt64.self, forKey: .scenarioSeed)
        legacyRunSeed = try c.decodeIfPresent(UInt64.self, forKey: .legacyRunSeed)
        if let s = try c.decodeIfPresent(RunSeeds.self, forKey: .seeds) {
            seeds = s
        } else if let run = legacyRunSeed {
            seeds = .keyed(runSeed: run)
        } else {
            throw DecodingError.keyNotFound(CodingKeys.seeds, .init(codingPath: c.codingPath,
                debugDescription: "missing required key (expected \"seeds\", or a format-1 run \"seed\")"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario); try c.encode(index, forKey: .index); try c.encode(key, forKey: .key)
        try c.encode(configuration, forKey: .configuration); try c.encode(family, forKey: .family)
        try c.encode(datasetLabel, forKey: .datasetLabel); try c.encode(modelLabel, forKey: .modelLabel)
        try c.encodeIfPresent(junkLabel, forKey: .junkLabel)
        try c.encode(dataset, forKey: .dataset); try c.encode(stream, forKey: .stream); try c.encode(model, forKey: .model)
        try c.encode(training, forKey: .training); try c.encode(evaluation, forKey: .evaluation)
        try c.encode(replicate, forKey: .replicate)
        try c.encodeIfPresent(scenarioSeed, forKey: .scenarioSeed)
        try c.encode(seeds, forKey: .seeds)
        try c.encodeIfPresent(legacyRunSeed, forKey: .legacyRunSeed)
    }

    /// N: people (bioS, bioD) or sequences (random).
    public var people: Int { dataset.people }
    public var exposures: Int { stream.exposures }
    public var learningRate: Float { training.peakLearningRate }
}

extension RunSpec {
    /// Seed of the run's useful dataset (people, names, values): every draw of `PreparedRun.dataset`.
    public var datasetSeed: UInt64 { seeds.dataset }
    /// Seed of the run's training stream (`TokenStream`): rendering, shuffles, junk people and positions.
    public var streamSeed: UInt64 { seeds.stream }
    /// Seed of the model's initial weights.
    public var initSeed: UInt64 { seeds.initialization }
    /// "paired" (format 2) or "keyed" (format 1: every seed from the run seed, i.e. from the key).
    public var seedRule: String { legacyRunSeed == nil ? "paired" : "keyed" }
}
