import Foundation

// The report's figures. Series are the analysis's series, so a plot never draws two depths,
// datasets or stream variants as one colour, and each legend entry names every axis.

extension Report {
    static let pointNote = "One point per model: its best learning rate, mean over seeds (bars: range over seeds)."

    /// Learned bits against parameters on log-log axes, with lines at 2, 1, 0.5 and 0.25 bits
    /// per parameter (the paper's Figure 1). Bits at or below the axis floor are drawn on it.
    public static func capacityPlot(records: [RunRecord], settings: ReportSettings = ReportSettings()) -> SVGPlot {
        let a = Analysis(records, settings: settings)
        var plot = SVGPlot(title: "\(records.first?.spec.scenario ?? "capacity"): learned bits against parameters",
                           xLabel: "parameters (paper count)", yLabel: "learned bits")
        plot.series = a.groups.map { g in
            SVGPlot.Series(name: a.seriesName(g), points: a.families(in: g).map { f in
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
        plot.notes = [pointNote]
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
            SVGPlot.Series(name: a.seriesName(g), points: a.families(in: g).map { f in
                let c = f.best
                return SVGPlot.Point(x: Double(c.metrics.paramsPaper), y: c.R.mean,
                                     low: c.R.count > 1 ? c.R.min : nil, high: c.R.count > 1 ? c.R.max : nil,
                                     label: "\(c.configuration): R \(fixed(c.R.mean, 3)), R_max \(fixed(c.metrics.capacityRatioMax, 2))")
            })
        }
        plot.references = [.horizontal(2, label: "2 bits/param"), .horizontal(1, label: "1 bit/param")]
        plot.notes = [pointNote]
        return plot
    }

    /// Fraction of the data's bits learned against exposures (log x), one series per model.
    static func passesPlot(records: [RunRecord], settings: ReportSettings) -> SVGPlot? {
        let a = Analysis(records, settings: settings)
        guard let grid = passesGrid(a) else { return nil }
        // A legend entry names the model, then whatever else tells it from the others.
        var extra = passesAxes(a, grid.models)
        if Set(grid.models.map(\.best.spec.datasetLabel)).count > 1 { extra.insert(.dataset, at: 0) }
        var plot = SVGPlot(title: "\(records.first?.spec.scenario ?? "capacity"): learned fraction of the data's bits against exposures",
                           xLabel: "exposures", yLabel: "learned bits / data bits", yScale: .linear)
        plot.series = grid.models.map { f in
            let s = f.best.spec
            let points = grid.exposures.compactMap { e -> SVGPlot.Point? in
                guard let c = grid.byModel[passesKey(a, f.best)]?[e] else { return nil }
                let fractions = c.bitsValues.map { $0 / c.metrics.dataBits }, spread = Spread(fractions)
                return SVGPlot.Point(x: Double(e), y: spread.mean, low: fractions.count > 1 ? spread.min : nil,
                                     high: fractions.count > 1 ? spread.max : nil,
                                     label: "\(c.configuration): \(fixed(spread.mean, 3)) of the bits")
            }
            let name = ([s.modelLabel] + extra.compactMap { axis in axis.setting(s).map { axis.seriesLabel($0) } })
                .joined(separator: " · ")
            return SVGPlot.Series(name: "\(name) (\(grouped(f.best.metrics.paramsPaper)) params, R_max \(fixed(f.best.metrics.capacityRatioMax, 2)))",
                                  points: points)
        }
        plot.references = [.horizontal(1, label: "all the data's bits")]
        plot.notes = ["Each point: best learning rate, mean over seeds (bars: range over seeds)."]
        return plot
    }

    static func hasJunkVariants(_ a: Analysis) -> Bool { a.families.contains { $0.best.spec.junkLabel != nil } }

    /// R of each junk variant as grouped bars: one group per exposure count (and per model or
    /// other axis where those differ), one bar per variant, whiskers over seeds.
    static func junkPlot(records: [RunRecord], settings: ReportSettings) -> SVGBarChart? {
        let a = Analysis(records, settings: settings)
        guard hasJunkVariants(a) else { return nil }
        let variants = unique(a.families.compactMap { $0.best.spec.junkLabel })
        func clusterKey(_ f: Analysis.Family) -> [String] { [f.best.spec.modelLabel] + a.values(f.group, without: [.junk]) }
        var keys: [[String]] = [], byKey: [[String]: [String: Analysis.Configuration]] = [:], first: [[String]: Analysis.Family] = [:]
        for f in a.families {
            let k = clusterKey(f)
            if byKey[k] == nil { keys.append(k); first[k] = f }
            byKey[k, default: [:]][f.best.spec.junkLabel ?? "—"] = f.best
        }
        keys.sort { first[$0]!.best.spec.exposures < first[$1]!.best.spec.exposures }
        // A cluster's name: the axes (and the model) that differ between clusters; all of them for one cluster.
        let specs = keys.map { first[$0]!.best.spec }
        let named = ([ReportColumn.model] + a.axes.filter { $0 != .junk }).filter { axis in
            keys.count == 1 ? axis != .model : Set(specs.map { axis.setting($0) ?? "" }).count > 1
        }
        var chart = SVGBarChart(title: "\(records.first?.spec.scenario ?? "junk"): R by stream variant",
                                yLabel: "R (bits per parameter)", categories: variants)
        let shared = ([ReportColumn.model] + a.axes.filter { $0 != .junk }).filter { !named.contains($0) }
        chart.xLabel = shared.compactMap { axis in specs.first.flatMap { axis.setting($0) }.map { axis.seriesLabel($0) } }
            .joined(separator: " · ")
        chart.clusters = keys.map { k in
            let s = first[k]!.best.spec
            let name = named.compactMap { axis in axis.setting(s).map { axis.seriesLabel($0) } }.joined(separator: " · ")
            return SVGBarChart.Cluster(name: name, bars: variants.map { v in
                byKey[k]![v].map { c in
                    SVGBarChart.Bar(value: c.R.mean, low: c.R.count > 1 ? c.R.min : nil, high: c.R.count > 1 ? c.R.max : nil,
                                    label: "\(c.configuration): R \(fixed(c.R.mean, 3)) over \(c.R.count) seed(s)")
                }
            })
        }
        chart.notes = ["Bars: mean R over seeds at each model's best learning rate; whiskers: the range over seeds."]
        return chart
    }
}
