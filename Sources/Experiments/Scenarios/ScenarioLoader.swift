import Biographies
import Coding
import Foundation
import Kernels
import Transformer

// The scenario file's typed layers. Dataset and model entries stay raw JSON until their grids
// are expanded; each expanded instance is then decoded as the module's own Codable type.

struct ScenarioFile: Decodable {
    var name: String?
    var description: String
    var seed: UInt64
    var seeds: [Int]
    var seedsPath: [CodingKey]
    var datasets: RawJSON
    var models: RawJSON
    var training: RawJSON?
    var junk: [JunkVariant]?
    var evaluation: EvaluationSettings
    var report: ReportSettings
    var learningRateSearch: LearningRateSearch?
    var learningRateSearchPath: [CodingKey]

    enum CodingKeys: String, CodingKey {
        case name, description, seed, seeds, dataset, datasets, model, models, training, junk, evaluation, report
        case learningRateSearch
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        seeds = try c.decodeIfPresent([Int].self, forKey: .seeds) ?? [1]
        seedsPath = c.codingPath + [PathKey("seeds")]
        datasets = try Self.either(c, .dataset, .datasets, what: "a dataset object or a list of them")
        models = try Self.either(c, .model, .models, what: "a model object or a list of them")
        training = try c.decodeIfPresent(RawJSON.self, forKey: .training)
        junk = try c.decodeIfPresent([JunkVariant].self, forKey: .junk)
        evaluation = try c.decodeIfPresent(EvaluationSettings.self, forKey: .evaluation) ?? EvaluationSettings()
        report = try c.decodeIfPresent(ReportSettings.self, forKey: .report) ?? ReportSettings()
        learningRateSearch = try c.decodeIfPresent(LearningRateSearch.self, forKey: .learningRateSearch)
        learningRateSearchPath = c.codingPath + [PathKey("learningRateSearch"), PathKey("seed")]
    }

    /// `"dataset": {...}` or `"datasets": [...]`, exactly one of them.
    static func either(_ c: KeyedDecodingContainer<CodingKeys>, _ one: CodingKeys, _ many: CodingKeys, what: String) throws -> RawJSON {
        let hasOne = c.contains(one), hasMany = c.contains(many)
        if hasOne && hasMany {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [PathKey(many.stringValue)],
                debugDescription: "give either \"\(one.stringValue)\" or \"\(many.stringValue)\", not both"))
        }
        if !hasOne && !hasMany {
            throw DecodingError.keyNotFound(many, .init(codingPath: c.codingPath, debugDescription: "missing required key (expected \(what))"))
        }
        return try c.decode(RawJSON.self, forKey: hasOne ? one : many)
    }
}

/// Training settings as one object of the file writes them (scenario, dataset or model level).
struct TrainingSettings: Decodable {
    var config: TrainingConfig
    var exposures: [Int]?
    var contextLength: Int?
    var learningRates: [Float]?

    enum Extra: String, CodingKey { case exposures, contextLength, learningRates, peakLearningRate }

    init(from decoder: Decoder) throws {
        config = try TrainingConfig(from: decoder)
        let c = try decoder.container(keyedBy: Extra.self)
        exposures = try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .exposures)?.values
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength)
        learningRates = try c.decodeIfPresent(OneOrMany<Float>.self, forKey: .learningRates)?.values
        if learningRates != nil && c.contains(.peakLearningRate) {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [PathKey("learningRates")],
                debugDescription: "give either learningRates or peakLearningRate, not both"))
        }
    }
}

/// One entry of `junk`: a stream variant (with or without junk, with or without a domain token).
struct JunkVariant: Decodable {
    var name: String?
    var dataset: DatasetSpec?
    var datasetRaw: RawJSON?
    var fraction: Double?
    var freshPeople: Bool
    var domainToken: Bool
    var path: [CodingKey]

    enum CodingKeys: String, CodingKey { case name, dataset, fraction, freshPeople, domainToken }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = c.codingPath
        name = try c.decodeIfPresent(String.self, forKey: .name)
        dataset = try c.decodeIfPresent(DatasetSpec.self, forKey: .dataset)
        datasetRaw = try c.decodeIfPresent(RawJSON.self, forKey: .dataset)
        fraction = try c.decodeIfPresent(Double.self, forKey: .fraction)
        freshPeople = try c.decodeIfPresent(Bool.self, forKey: .freshPeople) ?? false
        domainToken = try c.decodeIfPresent(Bool.self, forKey: .domainToken) ?? false
    }

    var defaultName: String {
        var parts: [String] = []
        if let f = fraction, dataset != nil {
            parts.append("junk\(f)")
            if freshPeople { parts.append("fresh") }
        }
        if domainToken { parts.append("domain") }
        return parts.isEmpty ? "nojunk" : parts.joined(separator: "-")
    }
}

struct DatasetEntry: Decodable {
    var spec: DatasetSpec
    var label: String?
    var training: RawJSON?
    enum Extra: String, CodingKey { case label, training }
    init(from decoder: Decoder) throws {
        spec = try DatasetSpec(from: decoder)
        let c = try decoder.container(keyedBy: Extra.self)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        training = try c.decodeIfPresent(RawJSON.self, forKey: .training)
    }
}

struct ModelEntry: Decodable {
    var config: ModelConfig
    var label: String?
    var learningRates: RawJSON?
    var training: RawJSON?
    enum Extra: String, CodingKey { case label, learningRates, training }
    init(from decoder: Decoder) throws {
        config = try ModelConfig(from: decoder)
        let c = try decoder.container(keyedBy: Extra.self)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        learningRates = try c.decodeIfPresent(RawJSON.self, forKey: .learningRates)
        _ = try c.decodeIfPresent(OneOrMany<Float>.self, forKey: .learningRates)  // type check, with its path
        training = try c.decodeIfPresent(RawJSON.self, forKey: .training)
    }
}

/// One point of a grid entry: the entry's object with every list-valued field replaced by one
/// of its values. `axes` remembers which element each field took, so errors say `width[2]`.
struct GridInstance {
    var object: JSONObject
    var entryPath: [CodingKey]
    var axes: [String: Int]

    /// The file's path for a path inside this instance: `models[0].width` → `models[0].width[2]`.
    func filePath(_ path: [CodingKey]) -> [CodingKey] {
        let n = entryPath.count
        guard path.count > n, (path[n] as? PathKey)?.isIndex != true, let j = axes[path[n].stringValue] else { return path }
        return Array(path[...n]) + [PathKey(index: j)] + Array(path[(n + 1)...])
    }
    func filePath(_ key: String) -> [CodingKey] { filePath(entryPath + [PathKey(key)]) }
    func found(_ key: String) -> String { object[key]?.quoted ?? "nothing" }
}

struct ScenarioLoader {
    let file: String
    /// A guard against a typo turning a sweep into millions of runs.
    static let maximumRuns = 100_000

    func fail(_ path: [CodingKey], _ message: String) -> ScenarioError {
        ScenarioError(file: file, path: renderPath(path), message: message)
    }

    /// Turns a decoding error into a ScenarioError naming the file and the key path.
    func converting(_ error: Error, _ mapPath: ([CodingKey]) -> [CodingKey] = { $0 }) -> Error {
        guard let e = error as? DecodingError else { return error }
        switch e {
        case .typeMismatch(let type, let c), .valueNotFound(let type, let c):
            let message = c.debugDescription.hasPrefix("expected") ? c.debugDescription : "expected \(describeExpected(type))"
            return fail(mapPath(c.codingPath), message)
        case .keyNotFound(let key, let c):
            let message = c.debugDescription.hasPrefix("missing") ? c.debugDescription : "missing required key"
            return fail(mapPath(c.codingPath + [PathKey(key.stringValue)]), message)
        case .dataCorrupted(let c):
            return fail(mapPath(c.codingPath), c.debugDescription)
        @unknown default:
            return fail([], "\(e)")
        }
    }

    /// Decodes `T` from `value` and rejects keys no decoder asked about.
    func decode<T: Decodable>(_ type: T.Type, _ value: JSON, at path: [CodingKey],
                              mapPath: ([CodingKey]) -> [CodingKey] = { $0 }) throws -> T {
        let tracker = KeyTracker()
        let result: T
        do { result = try JSONTreeDecoder(tracker: tracker).decode(type, from: value, path: path) } catch {
            throw converting(error, mapPath)
        }
        if let (keyPath, known) = tracker.firstUnknownKey() {
            let key = keyPath.last!.stringValue
            let near = known.filter { editDistance($0, key) <= max(2, key.count / 3) }.sorted { editDistance($0, key) < editDistance($1, key) }
            throw fail(keyPath, "unknown key" + (near.first.map { " (did you mean \"\($0)\"?)" } ?? ""))
        }
        return result
    }

    func load(_ data: Data) throws -> Scenario {
        let root: JSON
        do { root = try JSONParser.parse(data) } catch let e as JSONSyntaxError {
            throw ScenarioError(file: file, path: "", message: "invalid JSON at line \(e.line), column \(e.column): \(e.message)")
        }
        guard case .object = root else { throw fail([], "expected a JSON object at the top level, found \(root.quoted)") }
        try rejectNulls(root, at: [])
        let top = try decode(ScenarioFile.self, root, at: [])
        let name = top.name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        try checkName(name, [PathKey("name")], what: "a name")
        try checkSeeds(top.seeds, top.seedsPath)
        try checkEvaluation(top.evaluation)
        if let search = top.learningRateSearch, !top.seeds.contains(search.seed) {
            throw fail(top.learningRateSearchPath, "expected one of the scenario's seeds (\(top.seeds.map(String.init).joined(separator: ", "))), found \(search.seed)")
        }

        let base = try trainingObject(top.training)
        let datasets = try gridInstances(top.datasets, what: "dataset", listFields: ["label", "training"])
        let models = try gridInstances(top.models, what: "model", listFields: ["label", "training", "learningRates"])
        let variants = try junkVariants(top.junk)

        let junkChoices: [JunkVariant?] = variants.map { $0.map(Optional.some) } ?? [nil]
        var expansion = Expansion(scenario: name, scenarioSeed: top.seed, evaluation: top.evaluation)
        var datasetEntries: [(DatasetEntry, GridInstance)] = []
        for d in datasets {
            let entry = try decode(DatasetEntry.self, .object(d.object), at: d.entryPath, mapPath: d.filePath)
            try checkDataset(entry.spec, d)
            if let label = entry.label { try checkName(label, d.filePath("label"), what: "a label") }
            datasetEntries.append((entry, d))
        }
        var modelEntries: [(ModelEntry, GridInstance)] = []
        for m in models {
            if case .string(let kind)? = m.object["mlp"], MLPKind(rawValue: kind) == nil {
                let known = MLPKind.allCases.map(\.rawValue)
                throw fail(m.filePath("mlp"), "expected one of \(known.joined(separator: ", ")), found \"\(kind)\"")
            }
            if case .string(let kind)? = m.object["norm"], NormKind(rawValue: kind) == nil {
                let known = NormKind.allCases.map(\.rawValue)
                throw fail(m.filePath("norm"), "expected one of \(known.joined(separator: ", ")), found \"\(kind)\"")
            }
            let entry = try decode(ModelEntry.self, .object(m.object), at: m.entryPath, mapPath: m.filePath)
            try checkModel(entry.config, m)
            if let label = entry.label { try checkName(label, m.filePath("label"), what: "a label") }
            if let raw = entry.learningRates {
                let rates = try decode(OneOrMany<Float>.self, raw.value, at: raw.path).values
                try checkList(rates.map(Double.init), raw.value, raw.path, what: "learning rate", ok: { $0 > 0 }, expected: "a positive number")
            }
            modelEntries.append((entry, m))
        }
        for (dEntry, d) in datasetEntries {
            let dTraining = try trainingObject(dEntry.training)
            for (mEntry, m) in modelEntries {
                var merged = base.object
                for override in [dTraining.object, try trainingObject(mEntry.training).object] {
                    merged = mergeTraining(merged, override)
                }
                if let rates = mEntry.learningRates { merged = mergeTraining(merged, rateObject(rates.value)) }
                let settings = try decode(TrainingSettings.self, .object(merged), at: [PathKey("training")])
                guard let exposures = settings.exposures else {
                    throw fail([PathKey("training"), PathKey("exposures")], "missing required key (expected a positive integer or a list of them)")
                }
                let context = settings.contextLength ?? 128
                var model = mEntry.config
                // A model's context is its training windows' length: the runner builds it so.
                if m.object["contextLength"] == nil {
                    model.contextLength = context
                } else if model.contextLength < context {
                    throw fail(m.filePath("contextLength"), "expected at least the training windows' length (\(context)), found \(model.contextLength)")
                } else if model.contextLength > context {
                    throw fail(m.filePath("contextLength"), "expected the training windows' length (\(context); set training.contextLength to change it), found \(model.contextLength)")
                }
                let rates = settings.learningRates ?? [settings.config.peakLearningRate]
                if expansion.count + exposures.count * rates.count * top.seeds.count * junkChoices.count > Self.maximumRuns {
                    throw fail([], "the grids expand to more than \(Self.maximumRuns) runs; split the scenario")
                }
                for e in exposures {
                    for lr in rates {
                        var training = settings.config
                        training.peakLearningRate = lr
                        for s in top.seeds {
                            for v in junkChoices {
                                expansion.add(dataset: dEntry, datasetInstance: d, model: model, modelEntry: mEntry,
                                              modelInstance: m, exposures: e, contextLength: context,
                                              training: training, replicate: s, junk: v)
                            }
                        }
                    }
                }
            }
        }
        if let search = top.learningRateSearch {
            let grid = expansion.count
            expansion.addRateExtensions(search, limit: Self.maximumRuns)
            if expansion.count > Self.maximumRuns {
                throw fail([PathKey("learningRateSearch"), PathKey("maxExtensions")],
                           "the grid's \(grid) runs and their learning-rate extensions are more than \(Self.maximumRuns) runs; lower maxExtensions or split the scenario")
            }
        }
        let (runs, extensions) = try expansion.finish(file: file)
        return Scenario(name: name, description: top.description, file: file, seed: top.seed, seeds: top.seeds,
                        evaluation: top.evaluation, report: top.report, learningRateSearch: top.learningRateSearch,
                        runs: runs, extensionRuns: extensions)
    }

    // MARK: Grids

    /// The instances of `dataset(s)` or `model(s)`: one object or a list of objects, each a grid.
    func gridInstances(_ raw: RawJSON, what: String, listFields: Set<String>) throws -> [GridInstance] {
        var entries: [(JSONObject, [CodingKey])] = []
        switch raw.value {
        case .object(let o): entries = [(o, raw.path)]
        case .array(let items):
            guard !items.isEmpty else { throw fail(raw.path, "expected at least one \(what), found an empty list") }
            for (i, item) in items.enumerated() {
                guard case .object(let o) = item else { throw fail(raw.path + [PathKey(index: i)], "expected a \(what) object, found \(item.quoted)") }
                entries.append((o, raw.path + [PathKey(index: i)]))
            }
        default: throw fail(raw.path, "expected a \(what) object or a list of them, found \(raw.value.quoted)")
        }
        var out: [GridInstance] = []
        for (object, path) in entries {
            let axes = object.keys.filter { key in
                if listFields.contains(key) { return false }
                if case .array = object[key]! { return true }
                return false
            }
            for key in axes where object[key]!.array!.isEmpty {
                throw fail(path + [PathKey(key)], "expected a value or a non-empty list, found an empty list")
            }
            var partial = [GridInstance(object: object, entryPath: path, axes: [:])]
            for key in axes {
                let values = object[key]!.array!
                partial = partial.flatMap { g in
                    values.enumerated().map { j, v in
                        var next = g
                        next.object[key] = v
                        next.axes[key] = j
                        return next
                    }
                }
            }
            out += partial
        }
        return out
    }

    // MARK: Training objects

    struct TrainingObject { var object: JSONObject }

    /// A `training` object, decoded and validated on its own so errors name where it was written.
    func trainingObject(_ raw: RawJSON?) throws -> TrainingObject {
        guard let raw else { return TrainingObject(object: JSONObject()) }
        guard case .object(let o) = raw.value else { throw fail(raw.path, "expected an object of training settings, found \(raw.value.quoted)") }
        if case .string(let p)? = o["weightPrecision"], WeightPrecision(rawValue: p) == nil {
            let known = WeightPrecision.allCases.map(\.rawValue)
            throw fail(raw.path + [PathKey("weightPrecision")], "expected one of \(known.joined(separator: ", ")), found \"\(p)\"")
        }
        let s = try decode(TrainingSettings.self, raw.value, at: raw.path)
        let c = s.config
        // The trainer's rules are `TrainingConfig`'s own; the stream's context length is this file's.
        try owned({ try c.validate() }, at: { raw.path + [PathKey($0)] }, found: { o[$0]?.quoted })
        if let t = s.contextLength, t < 2 {
            throw fail(raw.path + [PathKey("contextLength")], "expected an integer of at least 2, found \(o["contextLength"]!.quoted)")
        }
        if let e = s.exposures {
            try checkList(e.map(Double.init), o["exposures"]!, raw.path + [PathKey("exposures")], what: "exposure count",
                          ok: { $0 >= 1 }, expected: "a positive integer")
        }
        if let r = s.learningRates {
            try checkList(r.map(Double.init), o["learningRates"]!, raw.path + [PathKey("learningRates")], what: "learning rate",
                          ok: { $0 > 0 }, expected: "a positive number")
        }
        return TrainingObject(object: o)
    }

    /// A list of values given as one value or a list: non-empty, each valid, no repeats.
    func checkList(_ values: [Double], _ raw: JSON, _ path: [CodingKey], what: String,
                   ok: (Double) -> Bool, expected: String) throws {
        guard case .array(let items) = raw else {
            if !ok(values[0]) { throw fail(path, "expected \(expected), found \(raw.quoted)") }
            return
        }
        if items.isEmpty { throw fail(path, "expected at least one \(what), found an empty list") }
        for (i, v) in values.enumerated() {
            if !ok(v) { throw fail(path + [PathKey(index: i)], "expected \(expected), found \(items[i].quoted)") }
            if values[..<i].contains(v) { throw fail(path + [PathKey(index: i)], "the \(what) \(items[i].quoted) is listed twice") }
        }
    }

    /// Lays `override` over `base`; a learning rate in either form replaces both forms.
    func mergeTraining(_ base: JSONObject, _ override: JSONObject) -> JSONObject {
        var b = base
        if override["learningRates"] != nil || override["peakLearningRate"] != nil {
            b["learningRates"] = nil
            b["peakLearningRate"] = nil
        }
        return b.merging(override)
    }

    func rateObject(_ value: JSON) -> JSONObject {
        var o = JSONObject()
        o["learningRates"] = value
        return o
    }

    /// The null rule: `null` is never a value. An optional key takes its default only when it is
    /// absent, so `"lastNames": null` is an error like `"attributes": null`.
    func rejectNulls(_ value: JSON, at path: [CodingKey]) throws {
        switch value {
        case .null: throw fail(path, "expected a value, found null (omit an optional key to take its default)")
        case .array(let items): for (i, v) in items.enumerated() { try rejectNulls(v, at: path + [PathKey(index: i)]) }
        case .object(let o): for k in o.keys { try rejectNulls(o[k]!, at: path + [PathKey(k)]) }
        default: break
        }
    }

    // MARK: Semantic checks

    func checkName(_ name: String, _ path: [CodingKey], what: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")
        if name.isEmpty || !name.allSatisfy(allowed.contains) || name.hasPrefix(".") {
            throw fail(path, "expected \(what) of letters, digits, '.', '_', '+' or '-', found \"\(name)\"")
        }
    }

    func checkSeeds(_ seeds: [Int], _ path: [CodingKey]) throws {
        if seeds.isEmpty { throw fail(path, "expected at least one seed, found an empty list") }
        for (i, s) in seeds.enumerated() {
            if s < 0 { throw fail(path + [PathKey(index: i)], "expected a non-negative integer, found \(s)") }
            if seeds[..<i].contains(s) { throw fail(path + [PathKey(index: i)], "the seed \(s) is listed twice") }
        }
    }

    func checkEvaluation(_ e: EvaluationSettings) throws {
        let path: [CodingKey] = [PathKey("evaluation")]
        if case .sample(let n) = e.people, n <= 0 {
            throw fail(path + [PathKey("people")], "expected \"all\" or a positive integer, found \(n)")
        }
        if e.renderings <= 0 { throw fail(path + [PathKey("renderings")], "expected a positive integer, found \(e.renderings)") }
        for (i, bits) in e.quantization.enumerated() {
            let at = path + [PathKey("quantization"), PathKey(index: i)]
            if !(2...8).contains(bits) { throw fail(at, "expected a bit width from 2 to 8, found \(bits)") }
            if e.quantization[..<i].contains(bits) { throw fail(at, "the bit width \(bits) is listed twice") }
        }
    }

    /// The dataset's own rules (counts, pool sizes against the built-in lists, distinct names, sizes
    /// that fit): `DatasetSpec.validate` owns them; the loader says where in the file the field is.
    func checkDataset(_ spec: DatasetSpec, _ g: GridInstance) throws {
        try owned({ try spec.validate() }, at: { g.filePath($0) }, found: { g.object[$0]?.quoted })
    }

    /// Runs a type's own validation; a `SpecError` becomes this file's error at the field's path,
    /// quoting the file's text for the value found.
    func owned(_ validate: () throws -> Void, at path: (String) -> [CodingKey], found: (String) -> String?) throws {
        do { try validate() } catch let e as SpecError {
            if let expected = e.expected, let text = found(e.key) {
                throw fail(path(e.key), "expected \(expected), found \(text)")
            }
            throw fail(path(e.key), e.message)
        }
    }

    func checkModel(_ m: ModelConfig, _ g: GridInstance) throws {
        func check(_ key: String, _ ok: Bool, _ expected: String) throws {
            if !ok { throw fail(g.filePath(key), "expected \(expected), found \(g.found(key))") }
        }
        // The vocabulary is the dataset's (its words and special tokens); nothing else trains.
        try check("vocabularySize", m.vocabularySize == 0, "0 or no key (the vocabulary is the dataset's)")
        // Mixture-of-experts settings mean nothing for a dense MLP: a typo'd "mlp" should not
        // silently train a dense model.
        for key in ModelConfig.mixtureKeys where g.object[key] != nil && m.mlp != .moe {
            throw fail(g.filePath(key), "only for \"mlp\": \"moe\" (this model's mlp is \"\(m.mlp.rawValue)\")")
        }
        // The rest (sizes, an even head size for rotary, MoE factors) are `ModelConfig`'s own.
        try owned({ try m.validate() }, at: { g.filePath($0) }, found: { g.object[$0]?.quoted })
    }

    func junkVariants(_ variants: [JunkVariant]?) throws -> [JunkVariant]? {
        guard let variants else { return nil }
        if variants.isEmpty { throw fail([PathKey("junk")], "expected at least one variant (omit \"junk\" for none), found an empty list") }
        var names: [String] = []
        var out: [JunkVariant] = []
        for var v in variants {
            if let raw = v.datasetRaw, let spec = v.dataset, case .object(let o) = raw.value {
                let g = GridInstance(object: o, entryPath: raw.path, axes: [:])
                try checkDataset(spec, g)
                guard let f = v.fraction else { throw fail(v.path + [PathKey("fraction")], "missing required key (expected a number in [0, 1))") }
                if !(f >= 0 && f < 1) { throw fail(v.path + [PathKey("fraction")], "expected a number in [0, 1), found \(f)") }
            } else if v.fraction != nil {
                throw fail(v.path + [PathKey("fraction")], "a junk fraction needs a junk \"dataset\"")
            } else if v.freshPeople {
                throw fail(v.path + [PathKey("freshPeople")], "freshPeople needs a junk \"dataset\"")
            }
            let name = v.name ?? v.defaultName
            try checkName(name, v.path + [PathKey("name")], what: "a name")
            if names.contains(name) {
                throw fail(v.path + [PathKey("name")], "the junk variant name \"\(name)\" is used twice; give each variant its own name")
            }
            names.append(name)
            v.name = name
            out.append(v)
        }
        return out
    }
}

/// The scenario files' strict JSON reading for any other input (`capacity generate`'s dataset spec,
/// the run spec in a checkpoint): syntax errors with line and column, no `null`, wrong types and
/// unknown keys named with `file` and the key path. Throws `ScenarioError`.
public func decodeStrictJSON<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
    let loader = ScenarioLoader(file: file)
    let root: JSON
    do { root = try JSONParser.parse(data) } catch let e as JSONSyntaxError {
        throw ScenarioError(file: file, path: "", message: "invalid JSON at line \(e.line), column \(e.column): \(e.message)")
    }
    try loader.rejectNulls(root, at: [])
    return try loader.decode(type, root, at: [])
}
