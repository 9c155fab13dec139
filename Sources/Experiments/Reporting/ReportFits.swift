import Foundation

// Every slope the report draws: bits against parameters per series (Fits), over the
// capacity-limited models, and Morris et al.'s α. One rule for all of them (`SizeRange`): at
// least 3 distinct sizes spanning at least 2× in parameters, within one series only. A row
// without enough sizes says so instead of showing a slope.

extension Report {
    static let fitRule = "A slope is drawn only within one series (one dataset, depth, MLP kind and every other setting; "
        + "only the width and heads vary) and only through at least \(SizeRange.minimumSizes) distinct sizes spanning "
        + "at least \(fixed(SizeRange.minimumSpan, 0))× in parameters (counts within \(fixed((SizeRange.sameSize - 1) * 100, 0))% "
        + "of each other are one size: a model's paper count moves a little between seeds with the tokens its data uses); "
        + "otherwise the row says how many sizes it had."

    /// Log-log and linear least squares of learned bits against parameters, per series.
    static func fitsTable(_ a: Analysis) -> String {
        var rows: [[String]] = []
        for g in a.groups {
            let families = a.families(in: g)
            let params = families.map { Double($0.best.metrics.paramsPaper) }, bits = families.map { $0.best.bits.mean }
            let range = SizeRange(params: params)
            var row = [a.seriesName(g), "\(families.count)", range.summary]
            // The log-log fit sees only the models with positive bits: the rule applies to those.
            let positive = SizeRange(params: zip(params, bits).filter { $0.1 > 0 }.map(\.0))
            if positive.allowsFit, let log = LinearFit.logLog(params: params, bits: bits) {
                row += [fixed(log.slope, 3), fixed(log.intercept, 3), fixed(log.rSquared, 3)]
            } else {
                row += [positive.sizes < range.sizes ? "not enough sizes with positive bits to fit " + positive.counted : range.refusal,
                        "—", "—"]
            }
            if range.allowsFit, let lin = LinearFit.leastSquares(x: params, y: bits) {
                row += [fixed(lin.slope, 3), grouped(lin.intercept), fixed(lin.rSquared, 3)]
            } else {
                row += [range.refusal, "—", "—"]
            }
            rows.append(row)
        }
        var md = "\n## Fits\n\nLeast squares over the models of each series (best learning rate, mean over seeds): "
        md += "log2(bits) = slope · log2(params) + intercept over models with positive bits, and bits = slope · params + intercept "
        md += "(the slope is then bits per parameter). " + fitRule + "\n\n"
        md += table(["series", "models", "params (sizes)", "log-log slope", "log-log intercept", "log-log R²",
                     "bits/param (slope)", "intercept (bits)", "linear R²"], rows)
        return md
    }

    /// The 95% interval cell of the bits-against-`params` slope over every seed's run of
    /// `configurations` (each model at its chosen rate, or N). With balanced seeds its slope is
    /// the slope over the means, and its residuals include the seed spread.
    static func slopeInterval(_ a: Analysis, configurations: [String], params: KeyPath<RunMetrics, Int>) -> String {
        let chosen = Set(configurations)
        let runs = a.ok.filter { chosen.contains($0.spec.configuration) }.compactMap(\.metrics)
        let fit = LinearFit.leastSquares(x: runs.map { Double($0[keyPath: params]) }, y: runs.map(\.bits.total))
        return fit?.slopeInterval95.map { span($0, 3) + " (\(runs.count) runs)" } ?? "—"
    }

    /// A model is capacity-limited when its data hold more than 2 bits per parameter (R_max > 2):
    /// chosen before any result, from the data and the parameter count alone.
    static let capacityLimitedRmax = 2.0

    /// Bits/param slope over the capacity-limited models of each series: least squares with an
    /// intercept, and through the origin (Σ params·bits / Σ params², bits per parameter).
    static func capacityLimitedFits(_ a: Analysis) -> String {
        var rows: [[String]] = []
        for g in a.groups {
            let limited = a.families(in: g).filter { $0.best.metrics.capacityRatioMax > capacityLimitedRmax }
            guard !limited.isEmpty else { continue }
            let params = limited.map { Double($0.best.metrics.paramsPaper) }, bits = limited.map { $0.best.bits.mean }
            let range = SizeRange(params: params)
            let ratios = Spread(limited.map { $0.best.R.mean })
            var row = [a.seriesName(g), "\(limited.count)", range.summary]
            if range.allowsFit, let lin = LinearFit.leastSquares(x: params, y: bits) {
                let origin = zip(params, bits).map(*).reduce(0, +) / params.map { $0 * $0 }.reduce(0, +)
                let interval = slopeInterval(a, configurations: limited.map(\.best.configuration), params: \.paramsPaper)
                row += [fixed(origin, 3), fixed(lin.slope, 3), interval, grouped(lin.intercept), fixed(lin.rSquared, 3)]
            } else {
                row += [range.refusal, "—", "—", "—", "—"]
            }
            rows.append(row + ["\(fixed(ratios.min, 3)) to \(fixed(ratios.max, 3))"])
        }
        guard !rows.isEmpty else { return "" }
        var md = "\n## Capacity-limited models\n\n"
        md += "Models whose data hold more than \(fixed(capacityLimitedRmax, 0)) bits per parameter (R_max > \(fixed(capacityLimitedRmax, 0))), "
        md += "each at its best learning rate, mean over seeds: the slope of learned bits against parameters, "
        md += "through the origin and with an intercept (bits per parameter), and the range of their R. "
        md += "The slope's 95% interval is t(0.975, runs − 2) standard errors of the same least squares over every seed's run "
        md += "at the best rate (so the seed spread counts). " + fitRule + "\n\n"
        md += table(["series", "models", "params (sizes)", "bits/param (through origin)", "bits/param (slope)", "slope 95% interval",
                     "intercept (bits)",
                     "linear R²", "R range"], rows)
        return md
    }

    /// Morris et al.'s measure on random-token data: each model's capacity is the most bits it
    /// memorizes over the dataset sizes (mean over seeds), and α the slope of capacity against
    /// all parameters (least squares through the origin and with an intercept), per series of
    /// models that share every setting but the size (N and its exposures are what the maximum
    /// runs over).
    static func memorizationTable(_ a: Analysis) -> String {
        let random = a.configurations.filter { if case .random = $0.spec.dataset { return true } else { return false } }
        guard !random.isEmpty else { return "" }
        let overN: Set<ReportColumn> = [.dataset, .people, .exposures]
        // The random data's own fields, where they differ (N aside), then the other axes.
        let shape = [ReportColumn.kind, .length, .vocabulary].filter { Report.varies($0, among: random.map(\.spec)) }
        func series(_ c: Analysis.Configuration) -> String {
            var parts = shape.compactMap { col in col.setting(c.spec).map { col.seriesLabel($0) } }
            parts += zip(a.axes, c.group).filter { !overN.contains($0.0) && !$0.1.isEmpty && !shape.contains($0.0) }
                .map { $0.0.seriesLabel($0.1) }
            if !a.axes.contains(.weightPrecision) { parts.append(c.spec.training.weightPrecision.rawValue) }
            return parts.joined(separator: " · ")
        }
        func model(_ c: Analysis.Configuration) -> String { c.spec.modelLabel + " · " + series(c) }
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
                         fixed(c.bits.mean / Double(c.metrics.paramsTotal), 3), grouped(c.metrics.dataBits),
                         stops.isEmpty ? "no" : "\(stops.count) of \(runs.count) (step \(stops.min()!)–\(stops.max()!))"])
        }
        var alphaRows: [[String]] = []
        for name in unique(order.map { series(best[$0]!) }) {
            let cs = order.map { best[$0]! }.filter { series($0) == name }
            let p = cs.map { Double($0.metrics.paramsTotal) }, b = cs.map { $0.bits.mean }
            let range = SizeRange(params: p)
            var row = [name, "\(cs.count)", range.summary]
            if range.allowsFit, let fit = LinearFit.leastSquares(x: p, y: b) {
                let alpha = zip(p, b).map(*).reduce(0, +) / p.map { $0 * $0 }.reduce(0, +)
                let interval = slopeInterval(a, configurations: cs.map(\.configuration), params: \.paramsTotal)
                row += [fixed(alpha, 3), fixed(fit.slope, 3), interval, grouped(fit.intercept)]
            } else {
                row += [range.refusal, "—", "—", "—"]
            }
            alphaRows.append(row)
        }
        var md = "\n## Memorization capacity (Morris et al.)\n\n"
        md += "Each model's capacity: the most bits it memorizes over the dataset sizes (Σ over sequences of max(0, S·log2 V − NLL bits), "
        md += "mean over seeds), against all its parameters. Plateau stop: runs that stopped before the schedule's end.\n\n"
        md += table(["model · series", "params (total)", "N at the maximum", "capacity (bits)", "bits / param", "data bits at that N", "stopped on a plateau"], rows)
        md += "\nα, bits per parameter: the slope of capacity against all parameters, through the origin and with an intercept. "
        md += "The slope's 95% interval is t(0.975, runs − 2) standard errors of the same least squares over every seed's run "
        md += "at each model's maximizing N. " + fitRule + "\n\n"
        md += table(["series", "models", "params (sizes, total)", "α (through origin)", "α (slope)", "α 95% interval", "intercept (bits)"], alphaRows)
        return md
    }
}
