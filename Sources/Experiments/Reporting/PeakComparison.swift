import Foundation

/// `capacity peaks`: peak R against N across results directories (Result 1's "peak R ≥ 2 for
/// every N"), beside the paper's own peaks read off its Figure 1(a). Each point is one (dataset,
/// exposures) group of one directory: its best model at its best learning rate, as report.md's
/// peak table chooses it, with the mean's 95% interval over seeds.
public struct PeakPoint: Sendable {
    public var scenario: String
    public var dataset: String
    public var kind: String
    public var people: Int
    public var exposures: Int
    public var model: String
    public var learningRate: Float
    public var paramsPaper: Int
    public var capacityRatioMax: Double
    public var R: Double
    public var sd: Double
    public var seeds: Int
    public var interval95: ClosedRange<Double>?
    /// The best rate is at the edge of its family's scan (the peak may be an underestimate).
    public var atScanEdge: Bool
}

/// The paper's peak R per N at 1000 exposures on bioS, from the vector-exact digitisation of its
/// Figure 1(a) (`paper-digest.md` §5, [FIG1A]): only the N with a full size sweep (29–36 models);
/// N ≤ 20K (every model far too large) and N ≥ 2M (one model each) are left out.
public let paperFigure1aPeaks: [(people: Int, R: Double)] = [
    (50_000, 1.93), (100_000, 2.16), (200_000, 2.35), (500_000, 2.72), (1_000_000, 2.71),
]

/// The peak of every (dataset, exposures, junk) group among `records` (one results directory).
public func peakPoints(records: [RunRecord]) -> [PeakPoint] {
    let a = Analysis(records, settings: ReportSettings())
    return a.groups.compactMap { g in
        guard let f = a.peak(in: g) else { return nil }
        let c = f.best
        return PeakPoint(scenario: c.spec.scenario, dataset: c.spec.datasetLabel, kind: c.spec.dataset.kindName,
                         people: c.spec.people, exposures: c.spec.exposures, model: c.spec.modelLabel,
                         learningRate: c.spec.learningRate, paramsPaper: c.metrics.paramsPaper,
                         capacityRatioMax: c.metrics.capacityRatioMax, R: c.R.mean, sd: c.R.sd, seeds: c.R.count,
                         interval95: c.R.interval95, atScanEdge: f.edge != nil)
    }
}

/// The table `capacity peaks` prints (markdown), sorted by exposures then N.
public func peakTable(_ points: [PeakPoint]) -> String {
    let rows = points.sorted { ($0.exposures, $0.people) < ($1.exposures, $1.people) }.map { p in
        ["\(p.scenario)", p.dataset, grouped(p.people), "\(p.exposures)",
         fixed(p.R, 3) + (p.seeds > 1 ? " ± " + fixed(p.sd, 3) : ""),
         p.interval95.map { span($0, 3) } ?? "—",
         p.model + (p.atScanEdge ? " (best rate at the scan's edge)" : ""), "\(p.learningRate)", grouped(p.paramsPaper),
         fixed(p.capacityRatioMax, 2), "\(p.seeds)"]
    }
    var md = table(["scenario", "dataset", "N", "exposures", "peak R", "95% interval", "model", "lr", "params", "R_max", "seeds"], rows)
    md += "\nThe paper (Figure 1(a), bioS, 1000 exposures, digitised): "
    md += paperFigure1aPeaks.map { "\(fixed($0.R, 2)) at N = \(grouped($0.people))" }.joined(separator: ", ") + ".\n"
    return md
}

/// Peak R against N (log N): one series per (data kind, exposures) of ours, bars the 95%
/// interval over seeds, and the paper's Figure 1(a) peaks as their own series.
public func peakPlot(_ points: [PeakPoint]) -> SVGPlot {
    var plot = SVGPlot(title: "Peak capacity ratio against N", xLabel: "N (people)", yLabel: "peak R (bits per parameter)",
                       yScale: .linear)
    var order: [String] = [], bySeries: [String: [PeakPoint]] = [:]
    for p in points.sorted(by: { $0.people < $1.people }) {
        let name = "ours: \(p.kind), \(p.exposures) exposures"
        if bySeries[name] == nil { order.append(name) }
        bySeries[name, default: []].append(p)
    }
    plot.series = order.map { name in
        SVGPlot.Series(name: name, points: bySeries[name]!.map { p in
            SVGPlot.Point(x: Double(p.people), y: p.R, low: p.interval95?.lowerBound, high: p.interval95?.upperBound,
                          label: "\(p.dataset) · E\(p.exposures): \(p.model) at lr \(p.learningRate), R \(fixed(p.R, 3)) (\(p.scenario))")
        })
    }
    plot.series.append(SVGPlot.Series(name: "paper, Fig. 1(a): bioS, 1000 exposures", points: paperFigure1aPeaks.map {
        SVGPlot.Point(x: Double($0.people), y: $0.R, label: "paper: peak R \(fixed($0.R, 2)) at N = \(grouped($0.people))")
    }))
    plot.references = [.horizontal(2, label: "2 bits/param")]
    plot.notes = ["Ours: the best model of each N at its best learning rate, mean over seeds; bars: the mean's 95% interval.",
                  "The paper's peaks are bioS at N ≥ 50K with 1M–356M-parameter models (digitised); ours are bioD with 2K–60K."]
    return plot
}
