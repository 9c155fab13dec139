import Foundation

/// `loss.svg`: training curves from `curves/<key>.jsonl` (see `TrainingCurve`).
extension Report {
    /// Families drawn at most (one colour each).
    static let lossPlotSeries = 10

    /// The line report.md gets when loss.svg is written.
    static let lossPlotMarkdown = "\n![Training loss against tokens trained](loss.svg)\n"

    /// Training loss (nats/token, the mean over each curve point's steps) against tokens trained,
    /// one line per family: its best configuration (the one the tables keep) at its first seed
    /// with a curve file. Nil when no finished run has a curve.
    static func lossPlot(records: [RunRecord], directory: URL, settings: ReportSettings) -> SVGPlot? {
        let curves = directory.appendingPathComponent("curves")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: curves.path),
              names.contains(where: { $0.hasSuffix(".jsonl") }) else { return nil }
        let a = Analysis(records, settings: settings)
        var series: [SVGPlot.Series] = []
        for f in a.families {
            let seeds = a.ok.filter { $0.spec.configuration == f.best.configuration }.sorted { $0.spec.replicate < $1.spec.replicate }
            for r in seeds {
                let points = TrainingCurve.load(curves.appendingPathComponent(r.key + ".jsonl"))
                guard !points.isEmpty else { continue }
                var name = r.spec.modelLabel
                if a.groups.count > 1 { name += " · " + a.seriesName(f.group) }
                if f.configurations.count > 1 { name += " · lr \(r.spec.learningRate)" }
                var s = SVGPlot.Series(name: name, points: points.map {
                    SVGPlot.Point(x: Double($0.tokensTrained), y: $0.lossNatsPerToken)
                })
                s.connected = true
                series.append(s)
                break
            }
        }
        guard !series.isEmpty else { return nil }
        var plot = SVGPlot(title: "\(records.first?.spec.scenario ?? "capacity"): training loss",
                           xLabel: "tokens trained", yLabel: "training loss (nats/token)", xScale: .log10, yScale: .linear)
        plot.series = Array(series.prefix(lossPlotSeries))
        plot.notes = ["Each line: a family's best learning rate at its first seed; each point the mean loss over the steps since the previous one."]
        if series.count > lossPlotSeries {
            plot.notes.append("The first \(lossPlotSeries) of \(series.count) families (scenario order).")
        }
        return plot
    }
}

extension SVGPlot {
    /// A connected series: one polyline through its points inside the x axis, no markers.
    func polyline(_ points: [Point], xAxis: Axis, yAxis: Axis, px: (Double) -> Double, py: (Double) -> Double) -> String {
        let inside = points.filter { $0.x.isFinite && $0.y.isFinite && xAxis.contains($0.x) && yAxis.contains($0.y) }
        guard !inside.isEmpty else { return "" }
        let coordinates = inside.map { String(format: "%.2f,%.2f", px($0.x), py($0.y)) }.joined(separator: " ")
        return "<polyline points=\"\(coordinates)\" fill=\"none\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>\n"
    }
}
