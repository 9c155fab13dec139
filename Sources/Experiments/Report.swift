import Foundation
import Transformer

/// Reports from a results directory alone: `report.md`, `runs.csv`, `capacity.svg`, `ratio.svg`.
///
/// Replicates (runs differing only in seed) are averaged into a configuration (mean ± sample
/// standard deviation); of the configurations differing only in learning rate (a family: one
/// model on one dataset and stream), the best mean R is kept, the paper's rule for reporting
/// (compared over the seeds every rate ran with, so a scenario with `learningRateSearch` keeps
/// the rate its scan seed chose);
/// the peak-R table takes the best family of each group (by default: dataset, exposures, junk).
public enum Report {
    public struct Output: Sendable {
        public var files: [URL]
        public var warnings: [String]
        /// One line for the terminal: runs, failures and the overall peak.
        public var summary: String
    }

    /// Loads every `runs*.jsonl` in `directory` and writes the report files beside them. Report
    /// settings come from `settings`, else from `scenario.json` in the directory, else defaults.
    public static func generate(directory: URL, settings: ReportSettings? = nil) throws -> Output {
        let loaded = try ResultStore.load(directory: directory)
        var warnings = loaded.warnings
        var reportSettings = settings ?? ReportSettings()
        var description = ""
        let scenarioFile = directory.appendingPathComponent("scenario.json")
        if FileManager.default.fileExists(atPath: scenarioFile.path) {
            do {
                let s = try Scenario.load(path: scenarioFile.path)
                if settings == nil { reportSettings = s.report }
                description = s.description
            } catch { warnings.append("\(error) (report uses default settings)") }
        }
        let title = loaded.records.first?.spec.scenario ?? directory.lastPathComponent
        let files = try write(records: loaded.records, to: directory, settings: reportSettings, title: title,
                              description: description, warnings: warnings)
        let analysis = Analysis(loaded.records, settings: reportSettings)
        var summary = "\(loaded.records.count) runs (\(analysis.ok.count) ok, \(analysis.failed.count) failed)"
        if let best = analysis.families.max(by: { $0.best.R.mean < $1.best.R.mean }) {
            summary += " · peak R \(fixed(best.best.R.mean, 3)) bits/param (\(best.best.spec.modelLabel), \(best.best.spec.datasetLabel), E\(best.best.spec.exposures))"
        }
        return Output(files: files, warnings: warnings, summary: summary)
    }

    /// Writes report.md, runs.csv and (if `settings.plots`) capacity.svg and ratio.svg, and loss.svg
    /// when the directory has training curves (`curves/`).
    public static func write(records: [RunRecord], to directory: URL, settings: ReportSettings = ReportSettings(),
                             title: String, description: String = "", warnings: [String] = []) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let loss = settings.plots ? lossPlot(records: records, directory: directory, settings: settings) : nil
        var files: [(String, String)] = [
            ("report.md", markdown(records: records, settings: settings, title: title, description: description, warnings: warnings)
                + (loss != nil ? lossPlotMarkdown : "")),
            ("runs.csv", csv(records: records)),
        ]
        if settings.plots {
            files.append(("capacity.svg", capacityPlot(records: records, settings: settings).render()))
            files.append(("ratio.svg", ratioPlot(records: records, settings: settings).render()))
            if let passes = passesPlot(records: records, settings: settings) { files.append(("passes.svg", passes.render())) }
        }
        if let loss { files.append(("loss.svg", loss.render())) }
        return try files.map { name, text in
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            return url
        }
    }

    // MARK: Markdown

    public static func markdown(records: [RunRecord], settings: ReportSettings = ReportSettings(), title: String,
                                description: String = "", warnings: [String] = []) -> String {
        let a = Analysis(records, settings: settings)
        var md = "# \(title): knowledge capacity\n\n"
        if !description.isEmpty { md += description + "\n\n" }
        md += "\(records.count) runs: \(a.ok.count) ok, \(a.failed.count) failed. "
        md += "Bits are the evaluator's lower bound on learned knowledge; R = bits / params, with the paper's "
        md += "parameter count (embedding rows only for tokens the data uses). Losses are in nats.\n"
        md += computeLine(records)
        let evaluations = unique(a.ok.compactMap { $0.metrics?.evaluation })
        if !evaluations.isEmpty { md += "\nEvaluation: " + evaluations.joined(separator: "; ") + ".\n" }
        for w in warnings { md += "\n> warning: \(w)\n" }

        md += "\n## Peak capacity ratio\n\n"
        md += "Per \(a.dimensions.map(\.rawValue).joined(separator: ", ")): the model with the highest R "
        md += "(each model at its best learning rate; mean ± standard deviation over seeds when there are several).\n\n"
        var peakRows: [[String]] = []
        for group in a.groups {
            guard let peak = a.families.filter({ $0.group == group }).max(by: { $0.best.R.mean < $1.best.R.mean }) else { continue }
            let c = peak.best, m = c.metrics
            peakRows.append(group + [meanSpread(c.R, 3), c.spec.modelLabel, "\(c.spec.learningRate)", grouped(m.paramsPaper),
                                     fixed(m.capacityRatioMax, 2), grouped(c.bits.mean), fixed(c.accuracy.mean, 3), "\(c.R.count)"])
        }
        md += table(a.dimensions.map(\.header) + ["peak R", "model", "lr", "params", "R_max", "bits", "accuracy", "seeds"], peakRows)

        md += "\n## Runs\n\n"
        let runRows = a.ok.map { r in settings.columns.map { cell($0, r) } }
        md += table(settings.columns.map(\.header), runRows)

        let tuned = a.families.filter { $0.configurations.count > 1 }
        if !tuned.isEmpty {
            md += "\n## Learning rates\n\nR (mean over seeds) at each learning rate. The best, kept in the tables and plots, has the highest mean R over the seeds every rate ran with: with a learning-rate search, the scan seed's R.\n\n"
            md += table(["model", "dataset", "exposures", "R by learning rate", "best lr"], tuned.map { f in
                let rates = f.configurations.map { c in
                    let r = "\(c.spec.learningRate): \(fixed(c.R.mean, 3))"
                    return c.configuration == f.best.configuration ? "**\(r)**" : r
                }
                return [f.best.spec.modelLabel, f.best.spec.datasetLabel, "\(f.best.spec.exposures)",
                        rates.joined(separator: " · "), "\(f.best.spec.learningRate)"]
            })
        }

        let replicated = a.configurations.filter { $0.R.count > 1 }
        if !replicated.isEmpty {
            md += "\n## Seeds\n\nConfigurations run with several seeds: mean ± sample standard deviation, and the range of R.\n\n"
            md += table(["configuration", "seeds", "R", "R range", "bits", "accuracy"], replicated.map { c in
                [c.configuration, "\(c.R.count)", meanSpread(c.R, 3), "\(fixed(c.R.min, 3)) to \(fixed(c.R.max, 3))",
                 meanSpread(c.bits, 0), meanSpread(c.accuracy, 3)]
            })
        }

        md += "\n## Fits\n\nLeast squares over the models of each series (best learning rate, mean over seeds): "
        md += "log2(bits) = slope · log2(params) + intercept over models with positive bits, and bits = slope · params + intercept "
        md += "(the slope is then bits per parameter).\n\n"
        var fitRows: [[String]] = []
        var seriesList = a.groups.map { g in (a.seriesName(g), a.families.filter { $0.group == g }) }
        if a.groups.count > 1 { seriesList.append(("all", a.families)) }
        for (name, families) in seriesList {
            let params = families.map { Double($0.best.metrics.paramsPaper) }, bits = families.map { $0.best.bits.mean }
            let log = LinearFit.logLog(params: params, bits: bits)
            let lin = LinearFit.leastSquares(x: params, y: bits)
            fitRows.append([name, "\(families.count)",
                            log.map { fixed($0.slope, 3) } ?? "—", log.map { fixed($0.intercept, 3) } ?? "—", log.map { fixed($0.rSquared, 3) } ?? "—",
                            lin.map { fixed($0.slope, 3) } ?? "—", lin.map { grouped($0.intercept) } ?? "—", lin.map { fixed($0.rSquared, 3) } ?? "—"])
        }
        md += table(["series", "models", "log-log slope", "log-log intercept", "log-log R²", "bits/param (slope)", "intercept (bits)", "linear R²"], fitRows)
        md += capacityLimitedFits(a)
        md += passesTable(a)
        md += junkComparison(a)
        md += quantizationTable(a)
        md += memorizationTable(a)

        if !a.failed.isEmpty {
            md += "\n## Failed runs\n\n"
            md += table(["key", "reason", "wall time"], a.failed.map { [$0.key, $0.reason ?? "unknown", duration($0.wallSeconds)] })
        }
        if a.ok.contains(where: { ($0.metrics?.bits.total ?? 1) <= 0 }) {
            md += "\nSome runs learned no net bits (a negative lower bound: the model does worse than uniform on some terms). "
            md += "Tables keep the raw values; capacity.svg draws them at its floor.\n"
        }
        if settings.plots {
            md += "\n![Learned bits against parameters](capacity.svg)\n\n![Capacity ratio against parameters](ratio.svg)\n"
            if passesGrid(a) != nil { md += "\n![Learned fraction against exposures](passes.svg)\n" }
        }
        return md
    }

    static func cell(_ column: ReportColumn, _ r: RunRecord) -> String {
        let s = r.spec
        guard let m = r.metrics else { return "" }
        switch column {
        case .key: return r.key
        case .dataset: return s.datasetLabel
        case .people: return grouped(s.people)
        case .model: return s.modelLabel
        case .mlp: return s.model.mlp.rawValue
        case .params: return grouped(m.paramsPaper)
        case .paramsTotal: return grouped(m.paramsTotal)
        case .Rmax: return fixed(m.capacityRatioMax, 2)
        case .bits: return grouped(m.bits.total)
        case .bitsName: return grouped(m.bits.name)
        case .bitsValue: return grouped(m.bits.value)
        case .bitsDiversity: return grouped(m.bits.diversity)
        case .R: return fixed(m.capacityRatio, 3)
        case .accuracy: return fixed(m.meanAccuracy, 3)
        case .exposures: return "\(s.exposures)"
        case .lr: return "\(s.learningRate)"
        case .batchWindows: return "\(s.training.batchWindows)"
        case .junk: return s.junkLabel ?? "—"
        case .seed: return "\(s.replicate)"
        case .steps: return grouped(m.steps)
        case .tokens: return grouped(m.tokensTrained)
        case .tokensPerSecond: return compact(m.tokensPerSecond)
        case .loss: return fixed(m.finalLossNatsPerToken, 3)
        case .p1: return m.p1Nats.map { fixed($0, 3) } ?? "—"
        case .p2: return m.p2Nats.map { fixed($0, 3) } ?? "—"
        case .p3: return m.p3Nats.map { fixed($0, 3) } ?? "—"
        case .wallSeconds: return duration(r.wallSeconds)
        case .peopleScored: return grouped(m.peopleScored)
        }
    }

    // MARK: CSV

    /// Every record (failed ones too), every numeric field; RFC 4180 (CRLF, quoted when needed).
    public static func csv(records: [RunRecord]) -> String {
        let attributes = unique(records.flatMap { $0.metrics?.accuracy.map(\.attribute) ?? [] })
        var header = ["key", "status", "scenario", "index", "configuration", "family", "dataset", "kind", "people",
                      "model", "layers", "heads", "width", "mlp", "vocabularySize", "modelContextLength",
                      "junk", "junkFraction", "junkFreshPeople", "domainToken", "exposures", "contextLength",
                      "batchWindows", "learningRate", "warmupFraction", "finalLearningRateRatio", "weightDecay",
                      "beta1", "beta2", "epsilon", "gradientClip", "replicate", "seed",
                      "paramsPaper", "paramsTotal", "p1Nats", "p2Nats", "p3Nats", "bits", "bitsName", "bitsValue",
                      "bitsDiversity", "dataBits", "R", "Rmax", "meanAccuracy"]
        header += attributes.map { "accuracy.\($0)" }
        header += ["peopleScored", "tokensTrained", "steps", "tokensPerSecond", "finalLossNatsPerToken",
                   "wallSeconds", "finishedAt", "evaluation", "reason"]
        var lines = [header.map(csvField).joined(separator: ",")]
        for r in records {
            let s = r.spec, t = s.training, m = r.metrics
            func o<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "" }
            var row: [String] = [r.key, r.status.rawValue, s.scenario, "\(s.index)", s.configuration, s.family,
                                 s.datasetLabel, s.dataset.kindName, "\(s.people)", s.modelLabel, "\(s.model.layers)",
                                 "\(s.model.heads)", "\(s.model.width)", s.model.mlp.rawValue, "\(s.model.vocabularySize)",
                                 "\(s.model.contextLength)", s.junkLabel ?? "", o(s.stream.junk?.fraction),
                                 o(s.stream.junk?.freshPeople), "\(s.stream.domainToken)", "\(s.exposures)",
                                 "\(s.stream.contextLength)", "\(t.batchWindows)", "\(t.peakLearningRate)",
                                 "\(t.warmupFraction)", "\(t.finalLearningRateRatio)", "\(t.weightDecay)", "\(t.beta1)",
                                 "\(t.beta2)", "\(t.epsilon)", "\(t.gradientClip)", "\(s.replicate)", "\(r.seed)",
                                 o(m?.paramsPaper), o(m?.paramsTotal), o(m?.p1Nats), o(m?.p2Nats), o(m?.p3Nats),
                                 o(m?.bits.total), o(m?.bits.name), o(m?.bits.value), o(m?.bits.diversity), o(m?.dataBits),
                                 o(m?.capacityRatio), o(m?.capacityRatioMax), o(m?.meanAccuracy)]
            row += attributes.map { a in o(m?.accuracy.first { $0.attribute == a }?.accuracy) }
            row += [o(m?.peopleScored), o(m?.tokensTrained), o(m?.steps), o(m?.tokensPerSecond), o(m?.finalLossNatsPerToken),
                    "\(r.wallSeconds)", r.finishedAt, m?.evaluation ?? "", r.reason ?? ""]
            lines.append(row.map(csvField).joined(separator: ","))
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    // MARK: Plots

    /// Learned bits against parameters on log-log axes, with lines at 2, 1, 0.5 and 0.25 bits
    /// per parameter (the paper's Figure 1). Bits at or below the axis floor are drawn on it.
    public static func capacityPlot(records: [RunRecord], settings: ReportSettings = ReportSettings()) -> SVGPlot {
        let a = Analysis(records, settings: settings)
        var plot = SVGPlot(title: "\(records.first?.spec.scenario ?? "capacity"): learned bits against parameters",
                           xLabel: "parameters (paper count)", yLabel: "learned bits")
        plot.series = a.groups.map { g in
            SVGPlot.Series(name: a.seriesName(g), points: a.families.filter { $0.group == g }.map { f in
                let c = f.best
                return SVGPlot.Point(x: Double(c.metrics.paramsPaper), y: c.bits.mean,
                                     low: c.bits.count > 1 ? c.bits.min : nil, high: c.bits.count > 1 ? c.bits.max : nil,
                                     label: "\(c.configuration): \(grouped(c.bits.mean)) bits, R \(fixed(c.R.mean, 3))")
            })
        }
        plot.references = [(2.0, "2 bits/param"), (1, "1 bit/param"), (0.5, "0.5 bit/param"), (0.25, "0.25 bit/param")]
            .map { .proportional($0.0, label: $0.1) }
        // The paper's Figure 1 also marks each dataset's total bits: no model can learn more.
        var dataBits: [String: Double] = [:], order: [String] = []
        for c in a.configurations where dataBits[c.spec.datasetLabel] == nil {
            order.append(c.spec.datasetLabel); dataBits[c.spec.datasetLabel] = c.metrics.dataBits
        }
        plot.references += order.map { .horizontal(dataBits[$0]!, label: "\($0): \(grouped(dataBits[$0]!)) bits") }
        plot.notes = ["One point per model: its best learning rate, mean over seeds (bars: range over seeds)."]
        let ys = plot.series.flatMap { $0.points.flatMap { [$0.y, $0.low, $0.high].compactMap { $0 } } }
        let floor = SVGPlot.logAxis(ys).lo
        let low = plot.series.flatMap(\.points).filter { !($0.y > floor) }
        if !low.isEmpty {
            let negative = low.filter { $0.y <= 0 }.count
            plot.notes.append("Open markers on the bottom axis: \(low.count) model(s) with at most \(grouped(floor)) bits"
                + (negative > 0 ? " (\(negative) negative)" : "") + ", drawn at the floor; report.md keeps the raw values.")
        }
        return plot
    }

    /// R against parameters (log x), with lines at 2 and 1 bit per parameter.
    public static func ratioPlot(records: [RunRecord], settings: ReportSettings = ReportSettings()) -> SVGPlot {
        let a = Analysis(records, settings: settings)
        var plot = SVGPlot(title: "\(records.first?.spec.scenario ?? "capacity"): capacity ratio against parameters",
                           xLabel: "parameters (paper count)", yLabel: "R (bits per parameter)", yScale: .linear)
        plot.series = a.groups.map { g in
            SVGPlot.Series(name: a.seriesName(g), points: a.families.filter { $0.group == g }.map { f in
                let c = f.best
                return SVGPlot.Point(x: Double(c.metrics.paramsPaper), y: c.R.mean,
                                     low: c.R.count > 1 ? c.R.min : nil, high: c.R.count > 1 ? c.R.max : nil,
                                     label: "\(c.configuration): R \(fixed(c.R.mean, 3)), R_max \(fixed(c.metrics.capacityRatioMax, 2))")
            })
        }
        plot.references = [.horizontal(2, label: "2 bits/param"), .horizontal(1, label: "1 bit/param")]
        plot.notes = ["One point per model: its best learning rate, mean over seeds (bars: range over seeds)."]
        return plot
    }
}

// MARK: - Aggregation

/// Records grouped into configurations (over seeds), families (over learning rates) and groups.
struct Analysis {
    struct Configuration {
        var configuration: String
        var spec: RunSpec
        var metrics: RunMetrics
        var group: [String]
        /// R of each replicate seed.
        var RBySeed: [Int: Double]
        /// Learned bits of each replicate, in record order.
        var bitsValues: [Double]
        var R: Spread
        var bits: Spread
        var accuracy: Spread
    }
    struct Family {
        var family: String
        var group: [String]
        var configurations: [Configuration]
        var best: Configuration
    }

    var ok: [RunRecord]
    var failed: [RunRecord]
    var dimensions: [ReportDimension]
    var configurations: [Configuration] = []
    var families: [Family] = []
    var groups: [[String]] = []

    init(_ records: [RunRecord], settings: ReportSettings) {
        let sorted = records.sorted { ($0.spec.index, $0.key) < ($1.spec.index, $1.key) }
        ok = sorted.filter { $0.status == .ok && $0.metrics != nil }
        failed = sorted.filter { $0.status != .ok || $0.metrics == nil }
        let anyJunk = records.contains { $0.spec.junkLabel != nil }
        dimensions = settings.groupBy.filter { $0 != .junk || anyJunk }
        let dims = dimensions
        var byConfiguration: [String: [RunRecord]] = [:], order: [String] = []
        for r in ok {
            if byConfiguration[r.spec.configuration] == nil { order.append(r.spec.configuration) }
            byConfiguration[r.spec.configuration, default: []].append(r)
        }
        configurations = order.map { key in
            let runs = byConfiguration[key]!
            return Configuration(configuration: key, spec: runs[0].spec, metrics: runs[0].metrics!,
                                 group: dims.map { $0.value(runs[0].spec) },
                                 RBySeed: Dictionary(runs.map { ($0.spec.replicate, $0.metrics!.capacityRatio) }, uniquingKeysWith: max),
                                 bitsValues: runs.map { $0.metrics!.bits.total },
                                 R: Spread(runs.map { $0.metrics!.capacityRatio }),
                                 bits: Spread(runs.map { $0.metrics!.bits.total }),
                                 accuracy: Spread(runs.map { $0.metrics!.meanAccuracy }))
        }
        var byFamily: [String: [Configuration]] = [:], familyOrder: [String] = []
        for c in configurations {
            let f = c.spec.family + "|" + c.group.joined(separator: "|")
            if byFamily[f] == nil { familyOrder.append(f) }
            byFamily[f, default: []].append(c)
        }
        families = familyOrder.map { f in
            let cs = byFamily[f]!
            return Family(family: cs[0].spec.family, group: cs[0].group, configurations: cs, best: Self.best(cs))
        }
        groups = unique(families.map(\.group))
    }

    /// The configuration with the highest mean R over the seeds all of them ran with (all seeds
    /// when they share none); the first one on a tie.
    static func best(_ cs: [Configuration]) -> Configuration {
        let common = cs.dropFirst().reduce(Set(cs[0].RBySeed.keys)) { $0.intersection($1.RBySeed.keys) }
        func score(_ c: Configuration) -> Double {
            guard !common.isEmpty else { return c.R.mean }
            return common.map { c.RBySeed[$0]! }.reduce(0, +) / Double(common.count)
        }
        var best = cs[0]
        for c in cs.dropFirst() where score(c) > score(best) { best = c }
        return best
    }

    func seriesName(_ group: [String]) -> String {
        zip(dimensions, group).map { $0.label($1) }.joined(separator: " · ")
    }
}

extension ReportDimension {
    func value(_ s: RunSpec) -> String {
        switch self {
        case .dataset: return s.datasetLabel
        case .people: return "\(s.people)"
        case .exposures: return "\(s.exposures)"
        case .junk: return s.junkLabel ?? "—"
        case .mlp: return s.model.mlp.rawValue
        case .layers: return "\(s.model.layers)"
        case .heads: return "\(s.model.heads)"
        case .lr: return "\(s.learningRate)"
        case .batchWindows: return "\(s.training.batchWindows)"
        case .contextLength: return "\(s.stream.contextLength)"
        }
    }
    /// In a plot legend: `bioD-N1000 · E1000 · noise`.
    func label(_ value: String) -> String {
        switch self {
        case .dataset, .junk, .mlp: return value
        case .people: return "N=\(value)"
        case .exposures: return "E\(value)"
        case .layers: return "L=\(value)"
        case .heads: return "H=\(value)"
        case .lr: return "lr \(value)"
        case .batchWindows: return "batch \(value)"
        case .contextLength: return "ctx \(value)"
        }
    }
    var header: String {
        switch self {
        case .dataset: return "dataset"
        case .people: return "N"
        case .exposures: return "exposures"
        case .junk: return "junk"
        case .mlp: return "MLP"
        case .layers: return "layers"
        case .heads: return "heads"
        case .lr: return "lr"
        case .batchWindows: return "batch windows"
        case .contextLength: return "context"
        }
    }
}

extension ReportColumn {
    var header: String {
        switch self {
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
        case .p2: return "p2 (nats)"
        case .p3: return "p3 (nats)"
        case .wallSeconds: return "wall time"
        case .peopleScored: return "people scored"
        case .seed: return "seed"
        default: return rawValue
        }
    }
}

// MARK: - Formatting

func table(_ header: [String], _ rows: [[String]]) -> String {
    func line(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
    }
    if rows.isEmpty { return "_(none)_\n" }
    return line(header) + "|" + header.map { _ in "---|" }.joined() + "\n" + rows.map(line).joined()
}

func unique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}

func fixed(_ v: Double, _ digits: Int) -> String {
    v.isFinite ? String(format: "%.\(digits)f", v) : "\(v)"
}

/// `1.780 ± 0.080` (just the mean for a single value).
func meanSpread(_ s: Spread, _ digits: Int) -> String {
    let value = digits == 0 ? grouped(s.mean) : fixed(s.mean, digits)
    guard s.count > 1 else { return value }
    return value + " ± " + (digits == 0 ? grouped(s.sd) : fixed(s.sd, digits))
}

/// An integer with thousands separators: `25,176`, `-1,204`.
func grouped(_ v: Int) -> String {
    let digits = String(v.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (v < 0 ? "-" : "") + out
}

func grouped(_ v: Double) -> String {
    guard v.isFinite, abs(v) < 9e18 else { return "\(v)" }
    return grouped(Int(v.rounded()))
}

/// `850`, `41.2K`, `1.3M`.
func compact(_ v: Double) -> String {
    switch abs(v) {
    case 1e9...: return fixed(v / 1e9, 1) + "G"
    case 1e6...: return fixed(v / 1e6, 1) + "M"
    case 1e3...: return fixed(v / 1e3, 1) + "K"
    default: return fixed(v, 0)
    }
}

/// `8.4 s`, `128 s`, `21:05` (minutes), `1:02:03`.
func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "—" }
    if seconds < 10 { return fixed(seconds, 1) + " s" }
    if seconds < 600 { return fixed(seconds, 0) + " s" }
    return clock(seconds)
}

/// `0:37`, `12:05`, `1:02:03`.
func clock(_ seconds: Double) -> String {
    let t = Int(seconds.rounded())
    let h = t / 3600, m = (t % 3600) / 60, s = t % 60
    return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
}
