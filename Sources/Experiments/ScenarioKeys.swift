import Biographies
import Foundation
import Kernels
import Transformer

/// Turns the expanded combinations into `RunSpec`s with unique, readable keys.
///
/// A key always names the dataset kind and N, the model shape, exposures, learning rate and
/// replicate seed. Any other dataset field, model field or training setting appears only when
/// it differs between runs of the scenario, abbreviated (`-D64`, `-ctx256`, `-bw2`).
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

    static let datasetAbbreviations: [String: String] = [
        "attributes": "K", "chunks": "C", "diversity": "D", "chunkLength": "L", "alphabet": "T",
        "length": "S", "vocabulary": "V", "firstNames": "first", "middleNames": "middle", "lastNames": "last",
        "birthYears": "years", "birthCities": "cities", "universities": "univ", "majors": "majors",
        "employers": "employers", "templatesPerAttribute": "templates",
    ]
    static let modelAbbreviations: [String: String] = [
        "contextLength": "ctx", "vocabularySize": "vocab", "rotaryBase": "rope", "experts": "experts",
        "trainingCapacityFactor": "cf", "evaluationCapacityFactor": "cfEval", "loadBalancingCoefficient": "lb",
    ]
    static let trainingAbbreviations: [String: String] = [
        "batchWindows": "bw", "warmupFraction": "warmup", "finalLearningRateRatio": "final", "weightDecay": "wd",
        "beta1": "b1", "beta2": "b2", "epsilon": "eps", "gradientClip": "clip", "contextLength": "ctx",
        "weightPrecision": "", "plateauSteps": "plateau", "plateauMinImprovementNats": "plateauMin",
    ]

    func finish(file: String) throws -> [RunSpec] {
        // Distinct dataset and model instances, in order of first use.
        func identity(_ g: GridInstance) -> String {
            renderPath(g.entryPath) + g.axes.sorted { $0.key < $1.key }.map { "|\($0.key)=\($0.value)" }.joined()
        }
        var datasetIDs: [String] = [], datasetObjects: [String: JSONObject] = [:], datasetBase: [String: String] = [:]
        var modelIDs: [String] = [], modelObjects: [String: JSONObject] = [:], modelBase: [String: String] = [:]
        for p in pending {
            let d = identity(p.datasetInstance)
            if datasetObjects[d] == nil {
                datasetIDs.append(d)
                datasetObjects[d] = canonicalObject(p.dataset.spec)
                datasetBase[d] = "\(p.dataset.label ?? p.dataset.spec.kindName)-N\(p.dataset.spec.people)"
            }
            let m = identity(p.modelInstance)
            if modelObjects[m] == nil {
                modelIDs.append(m)
                modelObjects[m] = canonicalObject(p.modelEntry.config)
                let c = p.modelEntry.config
                modelBase[m] = p.modelEntry.label.map { "\($0)-\(c.layers)-\(c.heads)-\(c.width)" + (c.mlp == .gelu ? "" : "-\(c.mlp.rawValue)") } ?? c.name
            }
        }
        let datasetLabels = Self.labels(datasetIDs.map { datasetObjects[$0]! }, base: datasetIDs.map { datasetBase[$0]! },
                                        exclude: ["kind", "people", "sequences"], abbreviations: Self.datasetAbbreviations)
        let modelLabels = Self.labels(modelIDs.map { modelObjects[$0]! }, base: modelIDs.map { modelBase[$0]! },
                                      exclude: ["layers", "heads", "width", "mlp"], abbreviations: Self.modelAbbreviations)
        let datasetLabel = Dictionary(uniqueKeysWithValues: zip(datasetIDs, datasetLabels))
        let modelLabel = Dictionary(uniqueKeysWithValues: zip(modelIDs, modelLabels))
        try checkDistinct(datasetIDs, datasetLabel, datasetObjects, what: "dataset", file: file)
        try checkDistinct(modelIDs, modelLabel, modelObjects, what: "model", file: file)

        // Training settings that differ between runs join the key.
        let trainingObjects: [JSONObject] = pending.map { p in
            var o = canonicalObject(p.training)
            o["peakLearningRate"] = nil
            o["contextLength"] = .number("\(p.contextLength)")
            return o
        }
        let extras = Self.labels(trainingObjects, base: pending.map { _ in "" }, exclude: [],
                                 abbreviations: Self.trainingAbbreviations)

        var runs: [RunSpec] = []
        var origin: [String: String] = [:]
        for (i, p) in pending.enumerated() {
            var parts = [datasetLabel[identity(p.datasetInstance)]!, modelLabel[identity(p.modelInstance)]!,
                         "E\(p.exposures)", "lr\(p.training.peakLearningRate)"]
            if !extras[i].isEmpty { parts.append(String(extras[i].dropFirst())) }
            if let j = p.junk { parts.append(j.name!) }
            let configuration = parts.joined(separator: "-")
            parts.remove(at: 3)
            let family = parts.joined(separator: "-")
            let key = configuration + "-s\(p.replicate)"
            let from = "\(renderPath(p.datasetInstance.entryPath)) × \(renderPath(p.modelInstance.entryPath))"
            if let other = origin[key] {
                throw ScenarioError(file: file, path: "", message: "two runs have the key \"\(key)\" (from \(other) and \(from)); make the entries differ or give them different labels")
            }
            origin[key] = from
            let junk = p.junk.flatMap { v in v.dataset.map { JunkSpec(dataset: $0, fraction: v.fraction ?? 0, freshPeople: v.freshPeople) } }
            let stream = StreamConfig(exposures: p.exposures, contextLength: p.contextLength, junk: junk,
                                      domainToken: p.junk?.domainToken ?? false)
            runs.append(RunSpec(scenario: scenario, index: i, key: key, configuration: configuration, family: family,
                                datasetLabel: datasetLabel[identity(p.datasetInstance)]!,
                                modelLabel: modelLabel[identity(p.modelInstance)]!, junkLabel: p.junk?.name,
                                dataset: p.dataset.spec, stream: stream, model: p.model, training: p.training,
                                evaluation: evaluation, replicate: p.replicate, seed: deriveSeed(scenarioSeed, key)))
        }
        return runs
    }

    /// Two different instances must not share a label. (The same instance listed twice is fine
    /// if, say, its training differs; identical runs are caught by their keys.)
    private func checkDistinct(_ ids: [String], _ label: [String: String], _ objects: [String: JSONObject],
                               what: String, file: String) throws {
        var seen: [String: String] = [:]
        for id in ids {
            let l = label[id]!
            if let other = seen[l], objects[other] != objects[id] {
                let a = other.split(separator: "|").first.map(String.init) ?? other
                let b = id.split(separator: "|").first.map(String.init) ?? id
                throw ScenarioError(file: file, path: b,
                    message: "two different \(what)s are both labelled \"\(l)\" (\(a) and \(b)); give them different labels")
            }
            seen[l] = id
        }
    }

    /// `base[i]` followed by `-<abbreviation><value>` for each field whose value differs between objects.
    static func labels(_ objects: [JSONObject], base: [String], exclude: Set<String>, abbreviations: [String: String]) -> [String] {
        var keys: [String] = []
        for o in objects { for k in o.keys where !exclude.contains(k) && !keys.contains(k) { keys.append(k) } }
        let varying = keys.filter { k in objects.contains { $0[k] != objects[0][k] } }
        return objects.enumerated().map { i, o in
            var label = base[i]
            for k in varying {
                let short = abbreviations[k] ?? k
                switch o[k] {
                case .number(let text): label += "-\(short)\(text)"
                case .string(let s): label += "-\(short)\(s)"
                case .bool(let b): label += b ? "-\(k)" : "-no\(k.prefix(1).uppercased())\(k.dropFirst())"
                default: break
                }
            }
            return label
        }
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
