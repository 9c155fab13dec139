import Foundation

// Report sections that appear only when a scenario's grid calls for them: learning rates (several
// per model), passes (several exposure counts per model), junk (junk variants beside a clean
// stream) and quantization (quantized scores in the records).

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

    /// R at each learning rate of every family that tried several: how many seeds each mean
    /// covers, and a flag on a best rate at either end of the family's scan.
    static func learningRateTable(_ a: Analysis) -> String {
        let tuned = a.families.filter { $0.configurations.count > 1 }
        guard !tuned.isEmpty else { return "" }
        func seeds(_ n: Int) -> String { n == 1 ? "1 seed" : "\(n) seeds" }
        var atEdge = 0
        let rows: [[String]] = tuned.map { f in
            let byRate = f.configurations.sorted { $0.spec.learningRate < $1.spec.learningRate }
            let cells = byRate.map { c -> String in
                var text = "\(c.spec.learningRate): \(fixed(c.R.mean, 3)) (\(seeds(c.R.count))"
                // The best is chosen on the seeds every rate ran with: show that score where the mean covers more.
                if !f.commonSeeds.isEmpty && f.commonSeeds.count < c.R.count {
                    let which = f.commonSeeds.count == 1 ? "seed \(f.commonSeeds[0])" : "seeds " + f.commonSeeds.map(String.init).joined(separator: ", ")
                    text += "; \(which) alone: \(fixed(Analysis.score(c, f.commonSeeds), 3))"
                }
                text += ")"
                return c.configuration == f.best.configuration ? "**\(text)**" : text
            }
            var best = "\(f.best.spec.learningRate)"
            if let edge = f.edge {
                best += " — " + edgeNote(edge); atEdge += 1
            }
            return [f.best.spec.modelLabel, a.seriesName(f.group), cells.joined(separator: " · "), best]
        }
        var md = "\n## Learning rates\n\nR at each learning rate, the mean over the seeds in brackets. "
        md += "The best, kept in the tables and plots, has the highest mean R over the seeds every rate ran with "
        md += "(with a learning-rate search, the scan seed's R, shown as \"alone\" where the mean covers more seeds). "
        md += "A best rate that is the largest or smallest tried (a failed run's rate counts as tried) is at the edge of the scan, "
        md += "as when a learning-rate search's extensions reached their bound: the optimum may lie outside it"
        md += atEdge > 0 ? " (\(atEdge) of \(tuned.count) families here).\n\n" : " (no family here).\n\n"
        md += table(["model", "series", "R by learning rate", "best lr"], rows)
        return md
    }

    /// `best rate at the edge of the scan (the largest tried): the optimum may lie above`.
    static func edgeNote(_ edge: ScanEdge) -> String {
        edge == .largest ? "best rate at the edge of the scan (the largest tried): the optimum may lie above"
            : "best rate at the edge of the scan (the smallest tried): the optimum may lie below"
    }

    /// Under the peak-R table: its rows whose best rate is at the edge of the family's scan
    /// (their R may be an underestimate), or nothing.
    static func peakEdgeNote(_ peaks: [Analysis.Family], _ a: Analysis) -> String {
        let flagged = peaks.filter { $0.edge != nil }
        guard !flagged.isEmpty else { return "" }
        let rows = flagged.map { f in "\(f.best.spec.modelLabel) · \(a.seriesName(f.group)) at lr \(f.best.spec.learningRate): \(edgeNote(f.edge!))" }
        return "\nBest rate at the edge of the scan in \(flagged.count) of \(peaks.count) peak row(s), so their R may be an "
            + "underestimate (see Learning rates):\n\n" + rows.map { "- \($0)\n" }.joined()
    }

    /// The models trained at two or more exposure counts: (model, exposures) → that configuration,
    /// a model being the model label with every axis but the exposures.
    static func passesGrid(_ a: Analysis) -> (models: [Analysis.Family], exposures: [Int], byModel: [[String]: [Int: Analysis.Configuration]])? {
        var byModel: [[String]: [Int: Analysis.Configuration]] = [:], order: [[String]] = []
        var representative: [[String]: Analysis.Family] = [:]
        for f in a.families {
            let model = passesKey(a, f.best)
            if byModel[model] == nil { order.append(model); representative[model] = f }
            byModel[model, default: [:]][f.best.spec.exposures] = f.best
        }
        let exposures = Array(Set(a.families.map { $0.best.spec.exposures })).sorted()
        guard exposures.count >= 2, order.contains(where: { byModel[$0]!.count >= 2 }) else { return nil }
        let models = order.map { representative[$0]! }
            .sorted { ($0.best.spec.datasetLabel, $0.best.metrics.paramsPaper) < ($1.best.spec.datasetLabel, $1.best.metrics.paramsPaper) }
        return (models, exposures, byModel)
    }

    static func passesKey(_ a: Analysis, _ c: Analysis.Configuration) -> [String] {
        [c.spec.modelLabel] + a.values(c.group, without: [.exposures])
    }

    /// The axes (besides dataset and exposures) that tell the passes grid's models apart.
    static func passesAxes(_ a: Analysis, _ models: [Analysis.Family]) -> [ReportColumn] {
        a.axes.filter { axis in
            axis != .exposures && axis != .dataset && Set(models.map { axis.setting($0.best.spec) ?? "" }).count > 1
        }
    }

    /// Learned bits as a fraction of the data's bits, model × exposures (mean ± sd over seeds).
    static func passesTable(_ a: Analysis) -> String {
        guard let grid = passesGrid(a) else { return "" }
        let extra = passesAxes(a, grid.models)
        var md = "\n## Passes\n\nLearned bits as a fraction of the data's bits, by model and exposures "
        md += "(best learning rate, mean ± sd over seeds): how many passes each size needs to store the data.\n\n"
        let rows: [[String]] = grid.models.map { f in
            let s = f.best.spec, m = f.best.metrics
            let cells = grid.exposures.map { e -> String in
                guard let c = grid.byModel[passesKey(a, f.best)]?[e] else { return "—" }
                let fractions = Spread(c.bitsValues.map { $0 / c.metrics.dataBits })
                return meanSpread(fractions, 3)
            }
            return [s.datasetLabel, s.modelLabel] + extra.map { $0.setting(s) ?? "—" }
                + [grouped(m.paramsPaper), fixed(m.capacityRatioMax, 2)] + cells
        }
        md += table(["dataset", "model"] + extra.map(\.header) + ["params", "R_max"] + grid.exposures.map { "E\($0)" }, rows)
        return md
    }

    /// Each junk variant's R beside the clean stream's: at the same exposures and at the fewest
    /// exposures run (the paper's 100-exposure baseline). "k× lower" is clean R / junk R, from the
    /// means; the range pairs seeds (same replicate seed) and is left out when a junk R is ≤ 0.
    static func junkComparison(_ a: Analysis) -> String {
        let clean = a.configurations.filter { $0.spec.junkLabel != nil && $0.spec.stream.junk == nil && !$0.spec.stream.domainToken }
        guard !clean.isEmpty, a.configurations.contains(where: { $0.spec.stream.junk != nil }) else { return "" }
        // The clean run a variant compares with shares its model, learning rate and every axis but junk and exposures.
        func base(_ c: Analysis.Configuration) -> [String] {
            [c.spec.modelLabel, "\(c.spec.learningRate)"] + a.values(c.group, without: [.junk, .exposures])
        }
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
}
