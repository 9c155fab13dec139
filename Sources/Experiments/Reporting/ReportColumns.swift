import Biographies
import Foundation
import Transformer

// What a report column holds. A column is either a setting of a run (a field of its dataset,
// stream, model or training, named as in a scenario file) or a measurement. Settings are what
// the runs table adds and what plot series split on when they vary; measurements are not.

extension ReportColumn {
    /// The settings, in the order the runs table adds them and series names list them.
    static let settings: [ReportColumn] = [
        .dataset, .kind, .people, .attributes, .chunks, .diversity, .chunkLength, .alphabet,
        .firstNames, .middleNames, .lastNames, .birthYears, .birthCities, .universities, .majors, .employers,
        .templatesPerAttribute, .simple, .length, .vocabulary,
        .junk, .junkFraction, .freshPeople, .domainToken, .exposures, .contextLength,
        .model, .layers, .heads, .width, .mlp, .vocabularySize, .modelContextLength, .rotaryBase, .norm, .attentionBias,
        .normBias, .tiedHead,
        .experts, .trainingCapacityFactor, .evaluationCapacityFactor, .loadBalancingCoefficient,
        .lr, .batchWindows, .warmupFraction, .finalLearningRateRatio, .weightDecay, .beta1, .beta2, .epsilon,
        .gradientClip, .weightPrecision, .plateauSteps, .plateauMinImprovementNats, .seed,
    ]

    /// What makes one model of a series bigger than another: the x axis of a fit. Depth and the
    /// MLP kind change the architecture, so a series never mixes them.
    static let sizes: Set<ReportColumn> = [.width, .heads]

    /// Labels made of other settings (the dataset's and the model's fields), so the runs table
    /// shows the fields themselves.
    static let composites: Set<ReportColumn> = [.dataset, .model]

    var isSetting: Bool { Self.settings.contains(self) }

    /// The setting's value for a run, as a scenario file writes it: nil when the run has no such
    /// field (a bioS dataset's attributes, a dense model's experts) and for measurements.
    func setting(_ s: RunSpec) -> String? {
        var bioS: BioSConfig? { if case .bioS(let c) = s.dataset { return c } else { return nil } }
        var bioD: BioDConfig? { if case .bioD(let c) = s.dataset { return c } else { return nil } }
        var random: RandomConfig? { if case .random(let c) = s.dataset { return c } else { return nil } }
        let m = s.model, t = s.training, moe = m.mlp == .moe
        func text<T>(_ v: T?) -> String? { v.map { "\($0)" } }
        switch self {
        case .dataset: return s.datasetLabel
        case .kind: return s.dataset.kindName
        case .people: return "\(s.people)"
        case .attributes: return text(bioD?.attributes)
        case .chunks: return text(bioD?.chunks)
        case .diversity: return text(bioD?.diversity)
        case .chunkLength: return text(bioD?.chunkLength)
        case .alphabet: return text(bioD?.alphabet)
        case .firstNames: return text(bioD?.firstNames ?? bioS?.firstNames)
        case .middleNames: return text(bioD?.middleNames ?? bioS?.middleNames)
        case .lastNames: return text(bioD?.lastNames ?? bioS?.lastNames)
        case .birthYears: return text(bioS?.birthYears)
        case .birthCities: return text(bioS?.birthCities)
        case .universities: return text(bioS?.universities)
        case .majors: return text(bioS?.majors)
        case .employers: return text(bioS?.employers)
        case .templatesPerAttribute: return text(bioS?.templatesPerAttribute)
        case .simple: return text(bioS?.simple)
        case .length: return text(random?.length)
        case .vocabulary: return text(random?.vocabulary)
        case .junk: return s.junkLabel
        case .junkFraction: return text(s.stream.junk?.fraction)
        case .freshPeople: return text(s.stream.junk?.freshPeople)
        case .domainToken: return "\(s.stream.domainToken)"
        case .exposures: return "\(s.exposures)"
        case .contextLength: return "\(s.stream.contextLength)"
        case .model: return s.modelLabel
        case .layers: return "\(m.layers)"
        case .heads: return "\(m.heads)"
        case .width: return "\(m.width)"
        case .mlp: return m.mlp.rawValue
        case .vocabularySize: return "\(m.vocabularySize)"
        case .modelContextLength: return "\(m.contextLength)"
        case .rotaryBase: return "\(m.rotaryBase)"
        case .norm: return m.norm.rawValue
        case .attentionBias: return "\(m.attentionBias)"
        case .normBias: return "\(m.normBias)"
        case .tiedHead: return "\(m.tiedHead)"
        case .experts: return moe ? "\(m.experts)" : nil
        case .trainingCapacityFactor: return moe ? "\(m.trainingCapacityFactor)" : nil
        case .evaluationCapacityFactor: return moe ? "\(m.evaluationCapacityFactor)" : nil
        case .loadBalancingCoefficient: return moe ? "\(m.loadBalancingCoefficient)" : nil
        case .lr: return "\(s.learningRate)"
        case .batchWindows: return "\(t.batchWindows)"
        case .warmupFraction: return "\(t.warmupFraction)"
        case .finalLearningRateRatio: return "\(t.finalLearningRateRatio)"
        case .weightDecay: return "\(t.weightDecay)"
        case .beta1: return "\(t.beta1)"
        case .beta2: return "\(t.beta2)"
        case .epsilon: return "\(t.epsilon)"
        case .gradientClip: return "\(t.gradientClip)"
        case .weightPrecision: return t.weightPrecision.rawValue
        case .plateauSteps: return "\(t.plateauSteps)"
        case .plateauMinImprovementNats: return t.plateauSteps > 0 ? "\(t.plateauMinImprovementNats)" : nil
        case .seed: return "\(s.replicate)"
        default: return nil
        }
    }

    /// A setting's value in a series name: `bioD-N1000`, `E1000`, `K=6`, `2 layers`, `bf16`.
    func seriesLabel(_ value: String) -> String {
        func count(_ noun: String) -> String { "\(value) \(noun)\(value == "1" ? "" : "s")" }
        func flag(_ on: String, _ off: String) -> String { value == "true" ? on : off }
        switch self {
        case .dataset, .kind, .junk, .model, .mlp, .weightPrecision: return value
        case .people: return "N=\(value)"
        case .exposures: return "E\(value)"
        case .attributes: return "K=\(value)"
        case .chunks: return "C=\(value)"
        case .diversity: return "D=\(value)"
        case .chunkLength: return "L=\(value)"
        case .alphabet: return "T=\(value)"
        case .length: return "S=\(value)"
        case .vocabulary: return "V=\(value)"
        case .layers: return count("layer")
        case .heads: return count("head")
        case .experts: return count("expert")
        case .width: return "width \(value)"
        case .lr: return "lr \(value)"
        case .batchWindows: return "batch \(value)"
        case .contextLength: return "ctx \(value)"
        case .seed: return "seed \(value)"
        case .simple: return flag("bioS-simple", "bioS (not simple)")
        case .domainToken: return flag("domain token", "no domain token")
        case .freshPeople: return flag("fresh junk people", "repeated junk people")
        case .attentionBias: return flag("attention bias", "no attention bias")
        case .normBias: return flag("norm bias", "no norm bias")
        case .tiedHead: return flag("tied head", "untied head")
        default: return "\(header) \(value)"
        }
    }

    var header: String {
        switch self {
        case .people: return "N"
        case .mlp: return "MLP"
        case .params: return "params (paper)"
        case .paramsTotal: return "params (total)"
        case .Rmax: return "R_max"
        case .R: return "R (bits/param)"
        case .bitsName: return "bits (name)"
        case .bitsValue: return "bits (values)"
        case .bitsDiversity: return "bits (diversity)"
        case .tokensPerSecond: return "tokens/s"
        case .loss: return "final loss (nats/token)"
        case .p1: return "p1 (nats)"
        case .p2: return "value loss (nats/person)"
        case .p3: return "p3 (nats)"
        case .wallSeconds: return "wall time"
        case .peopleScored: return "people scored"
        case .learnedFraction: return "learned fraction"
        case .dataBits: return "data bits"
        case .attributes: return "K (attributes)"
        case .chunks: return "C (chunks)"
        case .diversity: return "D (diversity)"
        case .chunkLength: return "L (chunk length)"
        case .alphabet: return "T (alphabet)"
        case .length: return "S (length)"
        case .vocabulary: return "V (vocabulary)"
        case .templatesPerAttribute: return "templates"
        case .junkFraction: return "junk fraction"
        case .freshPeople: return "fresh junk people"
        case .domainToken: return "domain token"
        case .contextLength: return "context"
        case .batchWindows: return "batch windows"
        case .vocabularySize: return "vocabulary size"
        case .modelContextLength: return "model context"
        case .weightPrecision: return "precision"
        case .rotaryBase: return "rotary base"
        case .norm: return "norm"
        case .attentionBias: return "attention bias"
        case .normBias: return "norm bias"
        case .tiedHead: return "tied head"
        case .trainingCapacityFactor: return "capacity factor (training)"
        case .evaluationCapacityFactor: return "capacity factor (evaluation)"
        case .loadBalancingCoefficient: return "load balancing"
        case .warmupFraction: return "warm-up fraction"
        case .finalLearningRateRatio: return "final lr ratio"
        case .weightDecay: return "weight decay"
        case .gradientClip: return "gradient clip"
        case .plateauSteps: return "plateau steps"
        case .plateauMinImprovementNats: return "plateau min improvement (nats)"
        case .firstNames: return "first names"
        case .middleNames: return "middle names"
        case .lastNames: return "last names"
        case .birthYears: return "birth years"
        case .birthCities: return "birth cities"
        default: return rawValue
        }
    }

    /// The columns named in `text`, comma-separated (`key,model,params,R`): the one-line error
    /// names the first unknown one and lists every valid name.
    public static func parseList(_ text: String) throws -> [ReportColumn] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let valid = allCases.map(\.rawValue).joined(separator: ", ")
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ReportError("--columns: expected a comma-separated list of columns, found nothing; valid columns: \(valid)")
        }
        return try names.map { name in
            guard let c = ReportColumn(rawValue: name) else {
                throw ReportError("--columns: unknown column \"\(name)\"; valid columns: \(valid)")
            }
            return c
        }
    }
}

extension ReportDimension {
    /// The setting a `groupBy` entry names.
    var column: ReportColumn {
        switch self {
        case .dataset: return .dataset
        case .people: return .people
        case .exposures: return .exposures
        case .junk: return .junk
        case .mlp: return .mlp
        case .norm: return .norm
        case .attentionBias: return .attentionBias
        case .tiedHead: return .tiedHead
        case .layers: return .layers
        case .heads: return .heads
        case .lr: return .lr
        case .batchWindows: return .batchWindows
        case .contextLength: return .contextLength
        }
    }
}

/// A report that cannot be written, in one line that says what to do instead.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Report {
    /// One cell of the runs table.
    static func cell(_ column: ReportColumn, _ r: RunRecord) -> String {
        let s = r.spec
        guard let m = r.metrics else { return "" }
        switch column {
        case .key: return r.key
        case .people: return grouped(s.people)
        case .params: return grouped(m.paramsPaper)
        case .paramsTotal: return grouped(m.paramsTotal)
        case .Rmax: return fixed(m.capacityRatioMax, 2)
        case .bits: return grouped(m.bits.total)
        case .bitsName: return grouped(m.bits.name)
        case .bitsValue: return grouped(m.bits.value)
        case .bitsDiversity: return grouped(m.bits.diversity)
        case .dataBits: return grouped(m.dataBits)
        case .learnedFraction: return fixed(learnedFraction(m), 3)
        case .R: return fixed(m.capacityRatio, 3)
        case .accuracy: return fixed(m.meanAccuracy, 3)
        case .steps: return grouped(m.steps)
        case .tokens: return grouped(m.tokensTrained)
        case .tokensPerSecond: return compact(m.tokensPerSecond)
        case .loss: return fixed(m.finalLossNatsPerToken, 3)
        case .p1: return m.p1Nats.map { fixed($0, 3) } ?? "—"
        case .p2: return m.valueNatsPerPerson.map { fixed($0, 3) } ?? "—"
        case .p3: return m.p3Nats.map { fixed($0, 3) } ?? "—"
        case .wallSeconds: return duration(r.wallSeconds)
        case .peopleScored: return grouped(m.peopleScored)
        default: return column.setting(s) ?? "—"
        }
    }

    /// The share of the data's bits a run learned (bits / data bits; 0 for data of no bits).
    static func learnedFraction(_ m: RunMetrics) -> Double {
        m.dataBits > 0 ? m.bits.total / m.dataBits : 0
    }

    /// The runs table's columns: the configured ones, then every setting that takes two or more
    /// values among `records` and no configured column shows, then the learned fraction.
    static func runColumns(_ configured: [ReportColumn], records: [RunRecord]) -> [ReportColumn] {
        let specs = records.map(\.spec)
        var columns = configured
        for c in ReportColumn.settings where !ReportColumn.composites.contains(c) && !columns.contains(c)
            && varies(c, among: specs) {
            columns.append(c)
        }
        if !columns.contains(.learnedFraction) { columns.append(.learnedFraction) }
        return columns
    }

    /// Whether a setting takes two or more values among the runs it applies to.
    static func varies(_ c: ReportColumn, among specs: [RunSpec]) -> Bool {
        var first: String?
        for s in specs {
            guard let v = c.setting(s) else { continue }
            if let f = first, f != v { return true }
            first = v
        }
        return false
    }
}
