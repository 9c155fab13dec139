import Biographies
import Foundation
import Kernels
import Transformer

/// One experiment, as a JSON scenario file describes it, expanded into an ordered list of runs.
///
/// # The scenario file
///
/// ```json
/// {
///   "name": "quick",
///   "description": "Three widths on bioD(500) at 1000 exposures: small models fill up near 2 bits/param.",
///   "seed": 0,
///   "seeds": [1, 2],
///   "datasets": [
///     {"kind": "bioD", "people": [500, 1000], "attributes": 6, "diversity": 256, "alphabet": 256,
///      "firstNames": 40, "middleNames": 40, "lastNames": 100}
///   ],
///   "models": [
///     {"layers": 2, "heads": 1, "width": [8, 16], "learningRates": [0.01, 0.03]},
///     {"layers": 2, "heads": 2, "width": 32, "learningRates": 0.003,
///      "training": {"batchWindows": 4}}
///   ],
///   "training": {"exposures": [1000], "contextLength": 128, "batchWindows": 8,
///                "learningRates": [0.01], "warmupFraction": 0.02, "weightDecay": 0.01},
///   "junk": [
///     {"name": "clean"},
///     {"name": "noise", "dataset": {"kind": "bioD", "people": 20, "attributes": 6,
///       "diversity": 256, "alphabet": 256}, "fraction": 0.875, "freshPeople": true,
///       "domainToken": true}
///   ],
///   "evaluation": {"people": "all", "renderings": 1, "seed": 1},
///   "report": {"columns": ["key", "model", "params", "Rmax", "bits", "R", "accuracy"],
///              "groupBy": ["dataset", "exposures", "junk"], "plots": true}
/// }
/// ```
///
/// Top-level keys (only `datasets` and `models` are required, `training.exposures` too):
/// - `name`: the results directory (`results/<name>/`); letters, digits, `.`, `_`, `-`.
///   Defaults to the file's name without `.json`.
/// - `description`: free text, copied into the report.
/// - `seed`: the scenario seed (default 0). A run's seeds are paired (`RunSeeds.paired`): its data
///   from this seed, the dataset spec and the replicate, its initial weights from this seed, the
///   model and the replicate.
/// - `seeds`: the list of replicate seeds (default `[1]`); each is a run (`-s1` in keys).
/// - `dataset` or `datasets`: one dataset object or a list. A dataset object is exactly what
///   `DatasetSpec` decodes (`{"kind": "bioS" | "bioD" | "random", ...}`, absent fields take their
///   defaults) plus two optional keys: `label` (replaces the kind in run keys, e.g.
///   `"bioSsimple"`) and `training` (settings that override the scenario's for this dataset).
/// - `model` or `models`: one model object or a list; a model object is a `ModelConfig`
///   (`layers`, `heads`, `width`, `mlp`: gelu | quarter | none | gatedSiLU | moe,
///   `contextLength`, `vocabularySize`, `rotaryBase`, `norm`: layer | rms (default layer),
///   `attentionBias` (default true), `normBias` (default true), `tiedHead` (default true); for `moe` only: `experts` (32), `trainingCapacityFactor` (2),
///   `evaluationCapacityFactor` (8), `loadBalancingCoefficient` (0.01)) plus optional `label`
///   (replaces `gpt2` in keys), `learningRates` (this model's learning rates) and `training`
///   (overrides). A model's context is the training windows' length and its vocabulary the
///   dataset's: `contextLength` may only repeat the former and `vocabularySize` only be 0.
/// - **Grids**: in a dataset or model object, any field written as a list instead of a single
///   value is a grid axis: `{"layers": 2, "heads": [1, 2], "width": [16, 32, 64]}` is six models.
///   Axes nest in the order they are written (the first is the outermost).
/// - `training`: `TrainingConfig`'s fields (`batchWindows`, `peakLearningRate`, `warmupFraction`,
///   `finalLearningRateRatio`, `weightDecay`, `beta1`, `beta2`, `epsilon`, `gradientClip`,
///   `weightPrecision`: fp32 | bf16, `plateauSteps` and `plateauMinImprovementNats`: stop early
///   on a loss plateau, Morris mode) plus
///   `exposures` (an integer or a list), `contextLength` (tokens per training window, default
///   128) and `learningRates` (a number or a list; instead of `peakLearningRate`).
///   Every learning rate and every exposure count is a run. Precedence: a model's own
///   `learningRates`, then its `training`, then its dataset's `training`, then this object.
/// - `junk`: optional list of stream variants, each a run: `name` (in keys; default derived),
///   `dataset` (the junk dataset; absent = no junk), `fraction` (of training windows, in [0, 1)),
///   `freshPeople` (noise junk: a new person every junk biography), `domainToken` (a special token
///   before every useful biography).
/// - `evaluation`: `people` (`"all"` or a sample size), `renderings` per person (bioS), `seed`
///   (the fixed evaluation seed, default 1), `quantization` (bit widths, each 2…8, to score the
///   trained model at after rounding its weight matrices, e.g. `[8, 4]`; default none).
/// - `learningRateSearch`: `{"seed": 1}` scans every learning rate with that replicate seed only;
///   the other seeds then run only at each family's best rate (the highest R of the scan seed,
///   the paper's rule). While a family's best is its largest (smallest) rate scanned, the scan
///   seed runs the next rate out, by `factor` or else the scan's own ratio at that edge, up to
///   `maxExtensions` (default 2) on each side (`LearningRateSearch`, `extensionRuns`). Without it
///   every rate runs with every seed.
/// - `report`: `columns` of the runs table (see `ReportColumn`), `groupBy` for the peak-R table
///   and the plot series (see `ReportDimension`; default dataset, exposures, junk), `plots`. The
///   report adds every setting that varies to both (docs/scenarios.md, "report").
///
/// Runs are ordered dataset × model × exposures × learning rate × seed × junk variant, and keyed
/// `<dataset>-<model>-E<exposures>-lr<rate>[-<training settings>][-<junk>]-s<seed>` from each run's
/// own settings (every field required or not at its default, abbreviated: `Expansion`), e.g.
/// `bioD-N1000-K6-D256-T256-gpt2-2-2-24-E1000-lr0.01-s1`, so adding a run never renames another
/// and keys are unique. Unknown keys, wrong types and impossible values are errors naming the
/// file and key path: `scenarios/x.json: models[1].width[2]: expected a positive integer, found -3`.
/// `null` is never a value: an optional key takes its default only when absent.
/// The full reference, with every default, is docs/scenarios.md.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    /// The file the scenario came from, as given to `load`.
    public var file: String
    public var seed: UInt64
    public var seeds: [Int]
    public var evaluation: EvaluationSettings
    public var report: ReportSettings
    /// When set, learning rates are scanned with one seed and the other seeds follow the best rate.
    public var learningRateSearch: LearningRateSearch?
    /// The expanded runs, in order; `runs[i].index == i`.
    public var runs: [RunSpec]
    /// The learning-rate search's potential extension runs, beyond each family's grid rates: every
    /// seed at `rate_max · f^i` and `rate_min / f^i`, i = 1…maxExtensions (`extensionRates`). The
    /// scan seed's train only while the scan's best is at that edge, the other seeds' only at a
    /// best rate found there. Indices follow the grid's: `extensionRuns[j].index == runs.count + j`.
    public var extensionRuns: [RunSpec] = []

    /// Every run the scenario may train: the grid, then the potential extensions.
    public var allRuns: [RunSpec] { runs + extensionRuns }

    /// Reads, decodes, validates and expands a scenario file. Throws `ScenarioError`.
    public static func load(path: String) throws -> Scenario {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ScenarioError(file: path, path: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: path)
    }

    /// Decodes, validates and expands scenario JSON; `file` names it in errors. Throws `ScenarioError`.
    public static func parse(_ data: Data, file: String) throws -> Scenario {
        try ScenarioLoader(file: file).load(data)
    }
}

/// A scenario decoding or validation error: `file: key.path[2]: what was expected, found what`.
public struct ScenarioError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// The key path, `models[1].width[2]`; empty for whole-file errors (JSON syntax, duplicate keys).
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file; self.path = path; self.message = message
    }

    public var description: String { path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)" }
}

/// How a trained model is scored.
public struct EvaluationSettings: Codable, Hashable, Sendable {
    public enum People: Hashable, Sendable {
        case all
        case sample(Int)
    }
    public var people: People = .all
    /// Fresh renderings scored per person (bioS; bioD and random have one canonical rendering).
    public var renderings: Int = 1
    /// The fixed evaluation seed (which people are sampled, which renderings are drawn).
    public var seed: UInt64 = 1

    /// Post-training quantization: also score the trained model with its weight matrices rounded
    /// to each of these bit widths (e.g. [8, 4]; see `quantizeWeights`). Empty: fp32 only.
    public var quantization: [Int] = []

    public init(people: People = .all, renderings: Int = 1, seed: UInt64 = 1, quantization: [Int] = []) {
        self.people = people; self.renderings = renderings; self.seed = seed; self.quantization = quantization
    }

    enum CodingKeys: String, CodingKey { case people, renderings, seed, quantization }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.people) {
            if let s = try? c.decode(String.self, forKey: .people), s == "all" {
                people = .all
            } else if let n = try? c.decode(Int.self, forKey: .people) {
                people = .sample(n)
            } else {
                let found = (try? c.decode(RawJSON.self, forKey: .people))?.value.quoted ?? "another value"
                throw DecodingError.typeMismatch(Int.self, .init(codingPath: c.codingPath + [PathKey("people")],
                    debugDescription: "expected \"all\" or a positive integer, found \(found)"))
            }
        }
        renderings = try c.decodeIfPresent(Int.self, forKey: .renderings) ?? 1
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        quantization = try c.decodeIfPresent([Int].self, forKey: .quantization) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch people {
        case .all: try c.encode("all", forKey: .people)
        case .sample(let n): try c.encode(n, forKey: .people)
        }
        try c.encode(renderings, forKey: .renderings)
        try c.encode(seed, forKey: .seed)
        if !quantization.isEmpty { try c.encode(quantization, forKey: .quantization) }   // old lines stay as they were
    }

    /// "all people, 1 rendering each, evaluation seed 1".
    public var summary: String {
        let who: String
        switch people {
        case .all: who = "all people"
        case .sample(let n): who = "a sample of \(n) people"
        }
        return "\(who), \(renderings) rendering\(renderings == 1 ? "" : "s") each, evaluation seed \(seed)"
    }
}

/// A column of the report's runs table: a measurement, or one of a run's settings named as in a
/// scenario file (the report adds every setting that varies among the runs on its own).
public enum ReportColumn: String, Codable, CaseIterable, Sendable {
    case key, dataset, people, model, mlp, params, paramsTotal, Rmax, bits, bitsName, bitsValue
    case bitsDiversity, R, accuracy, exposures, lr, batchWindows, junk, seed, steps, tokens
    case tokensPerSecond, loss, p1, p2, p3, wallSeconds, peopleScored
    /// bits / data bits, and the data's bits.
    case learnedFraction, dataBits
    /// Dataset fields (bioD: K, C, D, L, T; bioS: its pools; random: S, V; names: both bio kinds).
    case kind, attributes, chunks, diversity, chunkLength, alphabet, firstNames, middleNames, lastNames
    case birthYears, birthCities, universities, majors, employers, templatesPerAttribute, simple, length, vocabulary
    /// Stream, model and training fields.
    case contextLength, junkFraction, freshPeople, domainToken
    case layers, heads, width, vocabularySize, modelContextLength, rotaryBase, norm, attentionBias, normBias, tiedHead
    case experts, trainingCapacityFactor, evaluationCapacityFactor, loadBalancingCoefficient
    case warmupFraction, finalLearningRateRatio, weightDecay, beta1, beta2, epsilon, gradientClip
    case weightPrecision, plateauSteps, plateauMinImprovementNats

    public init(from decoder: Decoder) throws { self = try decodeNamed(decoder) }
}

/// A quantity the peak-R table groups by (one plot series per group).
public enum ReportDimension: String, Codable, CaseIterable, Sendable {
    case dataset, people, exposures, junk, mlp, norm, attentionBias, tiedHead, layers, heads, lr, batchWindows, contextLength

    public init(from decoder: Decoder) throws { self = try decodeNamed(decoder) }
}

/// Decodes a string-valued enum, listing the valid names when the string is not one of them.
private func decodeNamed<T: RawRepresentable & CaseIterable>(_ decoder: Decoder) throws -> T where T.RawValue == String {
    let s = try decoder.singleValueContainer().decode(String.self)
    guard let v = T(rawValue: s) else {
        let names = T.allCases.map(\.rawValue).joined(separator: ", ")
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected one of \(names); found \"\(s)\""))
    }
    return v
}

/// What the report tabulates.
public struct ReportSettings: Codable, Hashable, Sendable {
    public static let defaultColumns: [ReportColumn] = [.key, .model, .params, .Rmax, .bits, .R, .accuracy, .exposures, .lr, .wallSeconds]
    public var columns: [ReportColumn] = ReportSettings.defaultColumns
    public var groupBy: [ReportDimension] = [.dataset, .exposures, .junk]
    public var plots: Bool = true

    public init() {}

    enum CodingKeys: String, CodingKey { case columns, groupBy, plots }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        columns = try c.decodeIfPresent([ReportColumn].self, forKey: .columns) ?? ReportSettings.defaultColumns
        groupBy = try c.decodeIfPresent([ReportDimension].self, forKey: .groupBy) ?? [.dataset, .exposures, .junk]
        plots = try c.decodeIfPresent(Bool.self, forKey: .plots) ?? true
        if columns.isEmpty {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [PathKey("columns")],
                                                    debugDescription: "expected at least one column, found an empty list"))
        }
    }
}
