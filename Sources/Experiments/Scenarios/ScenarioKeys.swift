import Biographies
import Foundation
import Kernels
import Transformer

/// Turns the expanded combinations into `RunSpec`s with unique, readable keys.
///
/// A key is built from the run's own settings only, never from what other runs of the scenario
/// hold, so adding a run never renames another: `<dataset>-<model>-E<exposures>-lr<rate>
/// [-<training settings>][-<junk variant>]-s<replicate>`. The dataset part is its kind (or label)
/// and N, then every other field that is required or not at its default (`-K6-D256-T256`); the
/// model part `gpt2-L-H-W` (or the label for `gpt2`), the MLP kind when not gelu, then every other
/// field not at its default (`-noNormBias`, `-experts8`); the training part every setting not at
/// `TrainingConfig`'s default (`-bw2`, `-wd0.1`, `-bf16`) and the window length when not 128.
/// Whatever a key leaves out (the evaluation, the scenario seed, a junk variant's dataset) is in
/// the run's fingerprint, which decides whether a recorded run is reused (`IdentityCheck`).
struct Expansion {
    let scenario: String
    let scenarioSeed: UInt64
    let evaluation: EvaluationSettings

    struct Pending {
        var dataset: DatasetEntry
        var datasetInstance: GridInstance
        var model: ModelConfig
        var modelEntry: ModelEntry
        var modelInstance: GridInstance
        var exposures: Int
        var contextLength: Int
        var training: TrainingConfig
        var replicate: Int
        var junk: JunkVariant?
        /// A learning-rate search's extension run (`Scenario.extensionRuns`), not a grid run.
        var isExtension = false
    }
    private var pending: [Pending] = []
    var count: Int { pending.count }

    init(scenario: String, scenarioSeed: UInt64, evaluation: EvaluationSettings) {
        self.scenario = scenario; self.scenarioSeed = scenarioSeed; self.evaluation = evaluation
    }

    mutating func add(dataset: DatasetEntry, datasetInstance: GridInstance, model: ModelConfig, modelEntry: ModelEntry,
                      modelInstance: GridInstance, exposures: Int, contextLength: Int, training: TrainingConfig,
                      replicate: Int, junk: JunkVariant?) {
        pending.append(Pending(dataset: dataset, datasetInstance: datasetInstance, model: model, modelEntry: modelEntry,
                               modelInstance: modelInstance, exposures: exposures, contextLength: contextLength,
                               training: training, replicate: replicate, junk: junk))
    }

    /// Key abbreviations, in the order fields appear in a key (a dataset kind's are its own:
    /// `DatasetKind.keyAbbreviations`).
    static let modelAbbreviations: KeyedList = [
        ("rotaryBase", "rope"), ("norm", ""), ("attentionBias", "attentionBias"), ("normBias", "normBias"), ("tiedHead", "tiedHead"), ("experts", "experts"),
        ("trainingCapacityFactor", "cf"), ("evaluationCapacityFactor", "cfEval"), ("loadBalancingCoefficient", "lb"),
    ]
    static let trainingAbbreviations: KeyedList = [
        ("batchWindows", "bw"), ("warmupFraction", "warmup"), ("finalLearningRateRatio", "final"), ("weightDecay", "wd"),
        ("beta1", "b1"), ("beta2", "b2"), ("epsilon", "eps"), ("gradientClip", "clip"), ("weightPrecision", ""),
        ("plateauSteps", "plateau"), ("plateauMinImprovementNats", "plateauMin"),
    ]
    typealias KeyedList = [(field: String, short: String)]

    /// The dataset part of a key: `bioD-N1000-K6-D256-T256-first40-middle40-last100`.
    static func datasetLabel(_ spec: DatasetSpec, label: String?) -> String {
        let kind = spec.kind
        return "\(label ?? spec.kindName)-N\(spec.people)"
            + suffix(canonicalObject(spec), defaults: canonicalObject(kind.atDefaults.spec),
                     always: type(of: kind).requiredFields, order: type(of: kind).keyAbbreviations)
    }

    /// The model part of a key: `gpt2-2-2-24`, `llama-2-2-24-gatedSiLU-noNormBias`.
    static func modelLabel(_ c: ModelConfig, label: String?) -> String {
        var d = ModelConfig(layers: c.layers, heads: c.heads, width: c.width)
        d.mlp = c.mlp
        var own = canonicalObject(c), defaults = canonicalObject(d)
        for k in ["contextLength", "vocabularySize"] { own[k] = nil; defaults[k] = nil }
        return "\(label ?? "gpt2")-\(c.layers)-\(c.heads)-\(c.width)" + (c.mlp == .gelu ? "" : "-\(c.mlp.rawValue)")
            + suffix(own, defaults: defaults, always: [], order: modelAbbreviations)
    }

    /// The training part of a key after `E<exposures>-lr<rate>`: `-bw2-wd0.1-ctx256`.
    static func trainingSuffix(_ t: TrainingConfig, contextLength: Int) -> String {
        var own = canonicalObject(t), defaults = canonicalObject(TrainingConfig())
        own["peakLearningRate"] = nil; defaults["peakLearningRate"] = nil
        return suffix(own, defaults: defaults, always: [], order: trainingAbbreviations)
            + (contextLength == 128 ? "" : "-ctx\(contextLength)")
    }

    /// `-<abbreviation><value>` for each field of `object` that is in `always` or differs from
    /// `defaults`, in `order` (then any other field, alphabetically). Booleans read `-name` when
    /// true and `-noName` when false.
    static func suffix(_ object: JSONObject, defaults: JSONObject, always: Set<String>, order: KeyedList) -> String {
        let known = order.map(\.field)
        let fields = known.filter { object[$0] != nil } + object.keys.filter { !known.contains($0) && $0 != "kind" && $0 != "people" && $0 != "sequences" }.sorted()
        var out = ""
        for k in fields where always.contains(k) || object[k] != defaults[k] {
            let short = order.first { $0.field == k }?.short ?? k
            switch object[k] {
            case .number(let text): out += "-\(short)\(text)"
            case .string(let s): out += "-\(short)\(s)"
            case .bool(let b): out += b ? "-\(k)" : "-no\(k.prefix(1).uppercased())\(k.dropFirst())"
            default: break
            }
        }
        return out
    }

    /// A run's key parts: `configuration` (the key without the seed) and `family` (without the rate too).
    static func names(_ p: Pending) -> (datasetLabel: String, modelLabel: String, configuration: String, family: String) {
        let datasetLabel = Self.datasetLabel(p.dataset.spec, label: p.dataset.label)
        let modelLabel = Self.modelLabel(p.modelEntry.config, label: p.modelEntry.label)
        var parts = [datasetLabel, modelLabel, "E\(p.exposures)", "lr\(p.training.peakLearningRate)"]
        let extras = Self.trainingSuffix(p.training, contextLength: p.contextLength)
        if !extras.isEmpty { parts.append(String(extras.dropFirst())) }
        if let j = p.junk { parts.append(j.name!) }
        let configuration = parts.joined(separator: "-")
        parts.remove(at: 3)
        return (datasetLabel, modelLabel, configuration, parts.joined(separator: "-"))
    }

    /// Adds the learning-rate search's potential extension runs after the grid: for each family
    /// (in grid order), every seed at each rate `search.extensionRates` adds beyond the family's
    /// grid rates, above nearest first, then below. Each is the grid run at that edge with its
    /// rate replaced, so its seeds (which no rate enters) and every other setting are the grid's.
    /// Stops once the runs are more than `limit` (the loader's guard then fails the file).
    mutating func addRateExtensions(_ search: LearningRateSearch, limit: Int) {
        var order: [String] = [], byFamily: [String: [Pending]] = [:]
        for p in pending {
            let f = Self.names(p).family
            if byFamily[f] == nil { order.append(f) }
            byFamily[f, default: []].append(p)
        }
        for f in order {
            let members = byFamily[f]!
            guard pending.count <= limit else { return }
            let rates = unique(members.map(\.training.peakLearningRate)).sorted()
            var bounded = search
            bounded.maxExtensions = min(search.maxExtensions, limit)
            let (above, below) = bounded.extensionRates(beyond: rates)
            for (edge, added) in [(rates.last!, above), (rates.first!, below)] {
                for rate in added {
                    for var p in members where p.training.peakLearningRate == edge {
                        p.training.peakLearningRate = rate
                        p.isExtension = true
                        pending.append(p)
                    }
                }
            }
        }
    }

    /// The grid's runs and the extension runs, keyed; a key two runs share is the file's error.
    func finish(file: String) throws -> (runs: [RunSpec], extensions: [RunSpec]) {
        var runs: [RunSpec] = [], extensions: [RunSpec] = []
        var origin: [String: String] = [:]
        for (i, p) in pending.enumerated() {
            let (datasetLabel, modelLabel, configuration, family) = Self.names(p)
            let key = configuration + "-s\(p.replicate)"
            let from = "\(renderPath(p.datasetInstance.entryPath)) × \(renderPath(p.modelInstance.entryPath))"
                + (p.isExtension ? " (a learning-rate extension)" : "")
            if let other = origin[key] {
                throw ScenarioError(file: file, path: "", message: "two runs have the key \"\(key)\" (from \(other) and \(from)); make the entries differ or give them different labels")
            }
            origin[key] = from
            let junk = p.junk.flatMap { v in v.dataset.map { JunkSpec(dataset: $0, fraction: v.fraction ?? 0, freshPeople: v.freshPeople) } }
            let stream = StreamConfig(exposures: p.exposures, contextLength: p.contextLength, junk: junk,
                                      domainToken: p.junk?.domainToken ?? false)
            let spec = RunSpec(scenario: scenario, index: i, key: key, configuration: configuration, family: family,
                               datasetLabel: datasetLabel, modelLabel: modelLabel, junkLabel: p.junk?.name,
                               dataset: p.dataset.spec, stream: stream, model: p.model, training: p.training,
                               evaluation: evaluation, replicate: p.replicate, scenarioSeed: scenarioSeed)
            if p.isExtension { extensions.append(spec) } else { runs.append(spec) }
        }
        return (runs, extensions)
    }
}

/// A value's JSON encoding (every field, defaults included) as an ordered object.
func canonicalObject<T: Encodable>(_ value: T) -> JSONObject {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(value), let json = try? JSONParser.parse(data), case .object(let o) = json else {
        return JSONObject()
    }
    return o
}
