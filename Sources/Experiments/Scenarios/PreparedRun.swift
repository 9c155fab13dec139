import Foundation
import Biographies
import Transformer
import Capacity

/// A run's recipe, built once from its spec with the run's own seeds: the dataset, the training
/// stream, the model as it trains, the step count and the parameter counts. The runner trains
/// from it, and the dry run, `export`, `export-model` and `evaluate` rebuild the same one, so a
/// figure they print is the record's by construction.
public struct PreparedRun {
    public let spec: RunSpec
    /// The useful dataset (its seed derives from the run's: `RunSpec.datasetSeed`).
    public let dataset: Dataset
    /// The training stream over `dataset` (junk and domain tokens included).
    public let stream: TokenStream
    /// `spec.model` with the vocabulary of the dataset and the context of the training windows.
    public let model: ModelConfig
    /// Optimizer steps: ⌈windows / batchWindows⌉ (a plateau stop may end the run earlier).
    public let totalSteps: Int
    /// The paper's count (embedding rows of the tokens that occur in the stream) and the total.
    public let params: ParameterCount

    public init(_ spec: RunSpec, threads: Int = 1) throws {
        self.spec = spec
        // A spec read from a checkpoint or a record has not been through a scenario loader: the
        // types' own rules make a bad one this run's error instead of a trap in the model.
        try spec.model.validate(at: "model.")
        try spec.training.validate(at: "training.")
        dataset = try Dataset(spec: spec.dataset, seed: spec.datasetSeed, stream: spec.stream)
        stream = try TokenStream(dataset: dataset, config: spec.stream, seed: spec.streamSeed, threads: threads)
        model = spec.trainedModel(vocabularySize: dataset.tokenizer.count)
        totalSteps = (stream.windowCount + spec.training.batchWindows - 1) / spec.training.batchWindows
        params = ParameterCount(config: model, usedTokens: stream.usedTokenIDs.count)
    }

    /// Scores `gpt` as the runner does, or with another sample (`people`, `renderings`, `seed`).
    public func evaluate(_ gpt: GPT, people: Int?? = nil, renderings: Int? = nil, seed: UInt64? = nil,
                         threads: Int) throws -> Evaluation {
        try Capacity.evaluate(model: gpt, dataset: dataset, people: people ?? spec.evaluation.sampleSize,
                              renderings: renderings ?? spec.evaluation.renderings, seed: seed ?? spec.evaluation.seed,
                              domainToken: spec.stream.domainToken, threads: threads)
    }

    /// R: learned bits per parameter of the paper's count.
    public func capacityRatio(bits: Double) -> Double { params.paper > 0 ? bits / Double(params.paper) : 0 }
    /// R_max: the data's bits per parameter, what a model that stored everything would reach.
    public var capacityRatioMax: Double { capacityRatio(bits: dataset.information.total) }
}

extension RunSpec {
    /// The model as it trains: its vocabulary is the dataset's (`vocabularySize` tokens) and its
    /// context the training windows' length (the loader allows no other values).
    public func trainedModel(vocabularySize: Int) -> ModelConfig {
        var m = model
        m.vocabularySize = vocabularySize
        m.contextLength = stream.contextLength
        return m
    }
}

extension EvaluationSettings {
    /// nil = every person.
    public var sampleSize: Int? {
        switch people { case .all: return nil; case .sample(let n): return n }
    }
}

/// A checkpoint saved by `capacity run` and the run it came from, prepared again from the spec
/// the checkpoint stores (`metadata["run"]`): what `evaluate` and `export-model` score.
public struct CheckpointedRun {
    public let model: GPT
    /// Optimizer steps the checkpoint was trained for.
    public let steps: Int
    public let run: PreparedRun

    public init(path: String, threads: Int) throws {
        let header: CheckpointHeader
        do { (model, header) = try loadCheckpoint(path, threads: threads) } catch {
            throw CheckpointRunError("\(path): not a readable checkpoint (\(Self.describe(error)))")
        }
        guard let json = header.metadata["run"] else {
            throw CheckpointRunError("\(path): the checkpoint has no run spec (metadata \"run\"); it was not saved by `capacity run`")
        }
        let spec = try decodeStrictJSON(RunSpec.self, from: Data(json.utf8), file: "\(path) (metadata \"run\")")
        run = try PreparedRun(spec, threads: threads)
        guard model.config.vocabularySize == run.model.vocabularySize else {
            throw CheckpointRunError("\(path): the model's vocabulary (\(model.config.vocabularySize) tokens) is not its run's dataset's (\(run.model.vocabularySize))")
        }
        steps = header.steps
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? CocoaError, let p = e.filePath { return "\(p): \(e.underlying.map { "\($0.localizedDescription)" } ?? e.localizedDescription)" }
        return "\(error)"
    }
}

public struct CheckpointRunError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
