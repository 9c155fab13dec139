import Foundation

// Report sections that appear only when a scenario's grid calls for them: the capacity-limited
// fit (several models per series), passes (several exposure counts per model) and junk (junk
// variants beside a clean stream).

extension Report {
    /// Compute spent: the sum of the runs' wall times, and the span from the first run's start
    /// to the last run's finish (the sweep's wall time when it ran in one go, pauses included).
    static func computeLine(_ records: [RunRecord]) -> String {
        guard !records.isEmpty else { return "" }
        let total = records.map(\.wallSeconds).reduce(0, +)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        let finished = records.compactMap { r in f.date(from: r.finishedAt).map { ($0.timeIntervalSince1970, r.wallSeconds) } }
        guard let start = finished.map({ $0.0 - $0.1 }).min(), let end = finished.map(\.0).max() else {
            return "Compute: the runs took \(duration(total)) in all.\n"
        }
        return "Compute: the runs took \(duration(total)) in all (each on one core or more); "
            + "first start to last finish \(duration(end - start)).\n"
    }

    /// A model is capacity-limited when its data hold more than 2 bits per parameter (R_max > 2):
    /// chosen before any result, from the data and the parameter count alone.
    static let capacityLimitedRmax = 2.0

    /// Bits/param slope over the capacity-limited models of each series: least squares with an
    /// intercept, and through the origin (Σ params·bits / Σ params², bits per parameter).
    static func capacityLimitedFits(_ a: Analysis) -> String {
        var rows: [[String]] = []
        var seriesList = a.groups.map { g in (a.seriesName(g), a.families.filter { $0.group == g }) }
        if a.groups.count > 1 { seriesList.append(("all", a.families)) }
        for (name, families) in seriesList {
            let limited = families.filter { $0.best.metrics.capacityRatioMax > capacityLimitedRmax }
            guard !limited.isEmpty else { continue }
            let params = limited.map { Double($0.best.metrics.paramsPaper) }, bits = limited.map { $0.best.bits.mean }
            let lin = LinearFit.leastSquares(x: params, y: bits)
            let origin = zip(params, bits).map(*).reduce(0, +) / params.map { $0 * $0 }.reduce(0, +)
            let ratios = Spread(limited.map { $0.best.R.mean })
            rows.append([name, "\(limited.count)", fixed(origin, 3), lin.map { fixed($0.slope, 3) } ?? "—",
                         lin.map { grouped($0.intercept) } ?? "—", lin.map { fixed($0.rSquared, 3) } ?? "—",
                         "\(fixed(ratios.min, 3)) to \(fixed(ratios.max, 3))"])
        }
        guard !rows.isEmpty else { return "" }
        var md = "\n## Capacity-limited models\n\n"
        md += "Models whose data hold more than \(fixed(capacityLimitedRmax, 0)) bits per parameter (R_max > \(fixed(capacityLimitedRmax, 0))), "
        md += "each at its best learning rate, mean over seeds: the slope of learned bits against parameters, "
        md += "through the origin and with an intercept (bits per parameter), and the range of their R.\n\n"
        md += table(["series", "models", "bits/param (through origin)", "bits/param (slope)", "intercept (bits)", "linear R²", "R range"], rows)
        return md
    }

    /// The models trained at two or more exposure counts: (model, exposures) → that configuration.
    static func passesGrid(_ a: Analysis) -> (models: [Analysis.Family], exposures: [Int], byModel: [String: [Int: Analysis.Configuration]])? {
        var byModel: [String: [Int: Analysis.Configuration]] = [:], order: [String] = []
        var representative: [String: Analysis.Family] = [:]
        for f in a.families {
            let s = f.best.spec
            let model = [s.datasetLabel, s.modelLabel, s.junkLabel ?? ""].joined(separator: "|")
            if byModel[model] == nil { order.append(model); representative[model] = f }
            byModel[model, default: [:]][s.exposures] = f.best
        }
        let exposures = Array(Set(a.families.map { $0.best.spec.exposures })).sorted()
        guard exposures.count >= 2, order.contains(where: { byModel[$0]!.count >= 2 }) else { return nil }
        let models = order.map { representative[$0]! }
            .sorted { ($0.best.spec.datasetLabel, $0.best.metrics.paramsPaper) < ($1.best.spec.datasetLabel, $1.best.metrics.paramsPaper) }
        return (models, exposures, byModel)
    }

    static func passesKey(_ s: RunSpec) -> String { [s.datasetLabel, s.modelLabel, s.junkLabel ?? ""].joined(separator: "|") }

    /// Learned bits as a fraction of the data's bits, model × exposures (mean ± sd over seeds).
    static func passesTable(_ a: Analysis) -> String {
        guard let grid = passesGrid(a) else { return "" }
        var md = "\n## Passes\n\nLearned bits as a fraction of the data's bits, by model and exposures "
        md += "(best learning rate, mean ± sd over seeds): how many passes each size needs to store the data.\n\n"
        let rows: [[String]] = grid.models.map { f in
            let s = f.best.spec, m = f.best.metrics
            let cells = grid.exposures.map { e -> String in
                guard let c = grid.byModel[passesKey(s)]?[e] else { return "—" }
                let fractions = Spread(c.bitsValues.map { $0 / c.metrics.dataBits })
                return meanSpread(fractions, 3)
            }
            return [s.datasetLabel, s.modelLabel, grouped(m.paramsPaper), fixed(m.capacityRatioMax, 2)] + cells
        }
        md += table(["dataset", "model", "params", "R_max"] + grid.exposures.map { "E\($0)" }, rows)
        return md
    }

    /// Fraction of the data's bits learned against exposures (log x), one series per model.
    static func passesPlot(records: [RunRecord], settings: ReportSettings) -> SVGPlot? {
        let a = Analysis(records, settings: settings)
        guard let grid = passesGrid(a) else { return nil }
        var plot = SVGPlot(title: "\(records.first?.spec.scenario ?? "capacity"): learned fraction of the data's bits against exposures",
                           xLabel: "exposures", yLabel: "learned bits / data bits", yScale: .linear)
        plot.series = grid.models.map { f in
            let s = f.best.spec
            let points = grid.exposures.compactMap { e -> SVGPlot.Point? in
                guard let c = grid.byModel[passesKey(s)]?[e] else { return nil }
                let fractions = c.bitsValues.map { $0 / c.metrics.dataBits }, spread = Spread(fractions)
                return SVGPlot.Point(x: Double(e), y: spread.mean, low: fractions.count > 1 ? spread.min : nil,
                                     high: fractions.count > 1 ? spread.max : nil,
                                     label: "\(c.configuration): \(fixed(spread.mean, 3)) of the bits")
            }
            return SVGPlot.Series(name: "\(s.modelLabel) (\(grouped(f.best.metrics.paramsPaper)) params, R_max \(fixed(f.best.metrics.capacityRatioMax, 2)))",
                                  points: points)
        }
        plot.references = [.horizontal(1, label: "all the data's bits")]
        plot.notes = ["Each point: best learning rate, mean over seeds (bars: range over seeds)."]
        return plot
    }

    /// Each junk variant's R beside the clean stream's: at the same exposures and at the fewest
    /// exposures run (the paper's 100-exposure baseline). "k× lower" is clean R / junk R, from the
    /// means; the range pairs seeds (same replicate seed) and is left out when a junk R is ≤ 0.
    static func junkComparison(_ a: Analysis) -> String {
        let clean = a.configurations.filter { $0.spec.junkLabel != nil && $0.spec.stream.junk == nil && !$0.spec.stream.domainToken }
        guard !clean.isEmpty, a.configurations.contains(where: { $0.spec.stream.junk != nil }) else { return "" }
        func base(_ c: Analysis.Configuration) -> String { [c.spec.datasetLabel, c.spec.modelLabel, "\(c.spec.learningRate)"].joined(separator: "|") }
        let baseExposures = clean.map(\.spec.exposures).min()!
        func ratio(_ reference: Analysis.Configuration?, _ c: Analysis.Configuration) -> String {
            guard let reference else { return "—" }
            guard c.R.mean > 0 else { return "— (R ≤ 0)" }
            var text = fixed(reference.R.mean / c.R.mean, 2) + "×"
            let paired = c.RBySeed.keys.sorted().compactMap { s -> Double? in
                guard let r = reference.RBySeed[s], let j = c.RBySeed[s], j > 0 else { return nil }
                return r / j
            }
            if paired.count > 1 && paired.count == c.RBySeed.count {
                text += " (\(fixed(paired.min()!, 2)) to \(fixed(paired.max()!, 2)))"
            }
            return text
        }
        var rows: [[String]] = []
        for c in a.configurations.sorted(by: { ($0.spec.exposures, $0.spec.index) < ($1.spec.exposures, $1.spec.index) }) {
            let same = clean.first { base($0) == base(c) && $0.spec.exposures == c.spec.exposures }
            let first = clean.first { base($0) == base(c) && $0.spec.exposures == baseExposures }
            rows.append([c.spec.junkLabel ?? "—", "\(c.spec.exposures)", c.spec.modelLabel, meanSpread(c.R, 3),
                         "\(fixed(c.R.min, 3)) to \(fixed(c.R.max, 3))", "\(c.R.count)",
                         ratio(same, c), ratio(first, c)])
        }
        var md = "\n## Junk against no junk\n\n"
        md += "R of each stream variant (mean ± sd over seeds) and how many times lower it is than the clean stream's R, "
        md += "at the same exposures and at \(baseExposures) exposures (the paper's baseline): clean R / variant R from the means, "
        md += "with the range of the seed-by-seed ratios in brackets.\n\n"
        md += table(["variant", "exposures", "model", "R", "R range", "seeds", "lower than clean, same exposures",
                     "lower than clean at \(baseExposures) exposures"], rows)
        return md
    }
}

extension Report {
    /// R of each configuration before and after post-training quantization (mean ± sd over
    /// seeds), and R per stored bit of a weight (Result 8).
    static func quantizationTable(_ a: Analysis) -> String {
        let widths = unique(a.ok.flatMap { $0.metrics?.quantized?.map(\.bits) ?? [] }).sorted(by: >)
        guard !widths.isEmpty else { return "" }
        var rows: [[String]] = []
        for c in a.configurations {
            let runs = a.ok.filter { $0.spec.configuration == c.configuration }
            var row = [c.configuration, grouped(c.metrics.paramsPaper), fixed(c.metrics.capacityRatioMax, 2), meanSpread(c.R, 3)]
            for b in widths {
                let q = runs.compactMap { $0.metrics?.quantized?.first { $0.bits == b } }
                guard q.count == runs.count else { row += ["—", "—", "—"]; continue }
                let R = Spread(q.map(\.capacityRatio))
                row += [meanSpread(R, 3), c.R.mean > 0 ? fixed(R.mean / c.R.mean, 2) : "—", fixed(R.mean / Double(b), 3)]
            }
            rows.append(row)
        }
        var md = "\n## Quantization\n\nEvery weight matrix (embedding included) rounded after training to b-bit integers, "
        md += "symmetric per output row, round to nearest; biases and norms stay fp32. R before and after (mean ± sd over seeds), "
        md += "the ratio to fp32, and R per stored bit of a weight (R / b).\n\n"
        md += table(["configuration", "params", "R_max", "R (fp32)"] + widths.flatMap { ["R (int\($0))", "int\($0) / fp32", "R / \($0) bits"] }, rows)
        return md
    }

    /// Morris et al.'s measure on random-token data: each model's capacity is the most bits it
    /// memorizes over the dataset sizes (mean over seeds), and α the slope of capacity against
    /// all parameters (least squares through the origin), per training precision.
    static func memorizationTable(_ a: Analysis) -> String {
        let random = a.configurations.filter { if case .random = $0.spec.dataset { return true } else { return false } }
        guard !random.isEmpty else { return "" }
        func model(_ c: Analysis.Configuration) -> String { c.spec.modelLabel + " · " + c.spec.training.weightPrecision.rawValue }
        var order: [String] = [], best: [String: Analysis.Configuration] = [:]
        for c in random {
            let m = model(c)
            if best[m] == nil { order.append(m) }
            if best[m].map({ $0.bits.mean < c.bits.mean }) ?? true { best[m] = c }
        }
        var rows: [[String]] = []
        for m in order {
            let c = best[m]!, runs = a.ok.filter { $0.spec.configuration == c.configuration }
            let stops = runs.compactMap { $0.metrics?.stoppedAtStep }
            rows.append([m, grouped(c.metrics.paramsTotal), "\(c.spec.people)", meanSpread(c.bits, 0),
                         fixed(c.bits.mean / Double(c.metrics.paramsTotal), 3), fixed(c.metrics.dataBits, 0),
                         stops.isEmpty ? "no" : "\(stops.count) of \(runs.count) (step \(stops.min()!)–\(stops.max()!))"])
        }
        var alphaRows: [[String]] = []
        for precision in unique(order.map { best[$0]!.spec.training.weightPrecision.rawValue }) {
            let cs = order.map { best[$0]! }.filter { $0.spec.training.weightPrecision.rawValue == precision }
            let p = cs.map { Double($0.metrics.paramsTotal) }, b = cs.map { $0.bits.mean }
            let alpha = zip(p, b).map(*).reduce(0, +) / p.map { $0 * $0 }.reduce(0, +)
            let fit = LinearFit.leastSquares(x: p, y: b)
            alphaRows.append([precision, "\(cs.count)", fixed(alpha, 3), fit.map { fixed($0.slope, 3) } ?? "—", fit.map { grouped($0.intercept) } ?? "—"])
        }
        var md = "\n## Memorization capacity (Morris et al.)\n\n"
        md += "Each model's capacity: the most bits it memorizes over the dataset sizes (Σ over sequences of max(0, S·log2 V − NLL bits), "
        md += "mean over seeds), against all its parameters. Plateau stop: runs that stopped before the schedule's end.\n\n"
        md += table(["model · precision", "params (total)", "N at the maximum", "capacity (bits)", "bits / param", "data bits at that N", "stopped on a plateau"], rows)
        md += "\nα, bits per parameter: the slope of capacity against all parameters, through the origin and with an intercept.\n\n"
        md += table(["precision", "models", "α (through origin)", "α (slope)", "intercept (bits)"], alphaRows)
        return md
    }
}
