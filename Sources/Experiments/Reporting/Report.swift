import Foundation
import Transformer

/// Reports from a results directory alone: `report.md`, `runs.csv`, `capacity.svg`, `ratio.svg`
/// (and `passes.svg`, `junk.svg` when the grid has them).
///
/// Replicates (runs differing only in seed) are averaged into a configuration (mean ± sample
/// standard deviation); of the configurations differing only in learning rate (a family: one
/// model on one dataset and stream), the best mean R is kept, the paper's rule for reporting
/// (compared over the seeds every rate ran with, so a scenario with `learningRateSearch` keeps
/// the rate its scan seed chose);
/// the peak-R table takes the best family of each group (by default: dataset, exposures, junk,
/// and every other setting that varies within them; see `Analysis`).
public enum Report {
    public struct Output: Sendable {
        public var files: [URL]
        public var warnings: [String]
        /// One line for the terminal: runs, failures and the overall peak.
        public var summary: String
    }

    /// Loads every `runs*.jsonl` in `directory` and writes the report files beside them. Report
    /// settings come from `settings`, else from `scenario.json` in the directory, else defaults;
    /// `columns`, when given, replaces their runs-table columns. A directory without a runs file
    /// is an error (`ReportError`), never an empty report.
    public static func generate(directory: URL, settings: ReportSettings? = nil, columns: [ReportColumn]? = nil) throws -> Output {
        let loaded = try ResultStore.load(directory: directory)
        guard !loaded.files.isEmpty else { throw noRunsError(directory) }
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
        if let columns { reportSettings.columns = columns }
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

    /// Writes report.md, runs.csv and (if `settings.plots`) capacity.svg and ratio.svg, with
    /// passes.svg when models ran at several exposures, junk.svg when there are junk variants and
    /// loss.svg when the directory has training curves (`curves/`).
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
            if let junk = junkPlot(records: records, settings: settings) { files.append(("junk.svg", junk.render())) }
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
        md += "Per \(a.axes.map(\.rawValue).joined(separator: ", ")): the model with the highest R "
        md += "(each model at its best learning rate; mean ± standard deviation over seeds when there are several, "
        md += "and the mean's 95% interval, mean ± t(0.975, seeds − 1) · sd / √seeds).\n\n"
        var peakRows: [[String]] = [], peaks: [Analysis.Family] = []
        for group in a.groups {
            guard let peak = a.peak(in: group) else { continue }
            let c = peak.best, m = c.metrics
            peaks.append(peak)
            peakRows.append(group.map { $0.isEmpty ? "—" : $0 }
                            + [meanSpread(c.R, 3), c.R.interval95.map { span($0, 3) } ?? "—",
                               c.spec.modelLabel, "\(c.spec.learningRate)", grouped(m.paramsPaper),
                               fixed(m.capacityRatioMax, 2), grouped(c.bits.mean), fixed(c.accuracy.mean, 3), "\(c.R.count)"])
        }
        md += table(a.axes.map(\.header) + ["peak R", "95% interval", "model", "lr", "params", "R_max", "bits", "accuracy", "seeds"], peakRows)
        md += peakEdgeNote(peaks, a)

        md += "\n## Runs\n\n"
        let columns = runColumns(settings.columns, records: a.ok)
        let added = columns.dropFirst(settings.columns.count)
        if !added.isEmpty {
            md += "The configured columns, then every setting that varies among these runs and no configured column shows, "
            md += "and the learned fraction (bits / data bits): " + added.map(\.header).joined(separator: ", ") + ".\n\n"
        }
        md += table(columns.map(\.header), a.ok.map { r in columns.map { cell($0, r) } })

        md += learningRateTable(a)

        let replicated = a.configurations.filter { $0.R.count > 1 }
        if !replicated.isEmpty {
            md += "\n## Seeds\n\nConfigurations run with several seeds: mean ± sample standard deviation, and the range of R.\n\n"
            md += table(["configuration", "seeds", "R", "R range", "bits", "accuracy"], replicated.map { c in
                [c.configuration, "\(c.R.count)", meanSpread(c.R, 3), "\(fixed(c.R.min, 3)) to \(fixed(c.R.max, 3))",
                 meanSpread(c.bits, 0), meanSpread(c.accuracy, 3)]
            })
        }

        md += fitsTable(a)
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
            if hasJunkVariants(a) { md += "\n![R by stream variant and exposures](junk.svg)\n" }
        }
        return md
    }

    /// Why a directory has no report: a results root holding scenario directories, or nothing.
    static func noRunsError(_ directory: URL) -> ReportError {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        let scenarios = names.filter { name in
            let inner = (try? fm.contentsOfDirectory(atPath: directory.appendingPathComponent(name).path)) ?? []
            return inner.contains { ($0.hasPrefix("runs") && $0.hasSuffix(".jsonl")) || $0 == "scenario.json" }
        }
        let path = directory.relativePath
        guard !scenarios.isEmpty else {
            return ReportError("\(path): no runs*.jsonl here: nothing to report (capacity run SCENARIO.json writes results/<scenario>/runs.jsonl)")
        }
        let listed = scenarios.count > 6 ? scenarios.prefix(6).joined(separator: ", ") + ", …" : scenarios.joined(separator: ", ")
        return ReportError("\(path): no runs*.jsonl here; this looks like a results root holding \(listed): run capacity report \(path)/<scenario>")
    }
}
