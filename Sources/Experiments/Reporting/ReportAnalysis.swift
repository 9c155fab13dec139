import Foundation
import Transformer

/// Records grouped into configurations (over seeds), families (over learning rates) and series.
///
/// A series holds the families that agree on every axis (`axes`): the configured `groupBy`,
/// then every other setting that takes two or more values within one of those groups. Only the
/// model's size (width, heads), the learning rate and the seed vary inside a series, so a series
/// never mixes datasets, depths, MLP kinds or anything else, and its name says every axis.
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
        /// The seeds every learning rate of the family ran with: `best` is chosen on them.
        var commonSeeds: [Int]
        /// When the family tried several rates: `best` is the largest or smallest rate it tried
        /// (a failed run's rate counts as tried, as it stops a learning-rate search's extension),
        /// so the optimum may lie outside the scan.
        var edge: ScanEdge?
    }

    var ok: [RunRecord]
    var failed: [RunRecord]
    /// What the series split on, configured ones first.
    var axes: [ReportColumn]
    var configurations: [Configuration] = []
    var families: [Family] = []
    var groups: [[String]] = []

    init(_ records: [RunRecord], settings: ReportSettings) {
        let sorted = records.sorted { ($0.spec.index, $0.key) < ($1.spec.index, $1.key) }
        ok = sorted.filter { $0.status == .ok && $0.metrics != nil }
        failed = sorted.filter { $0.status != .ok || $0.metrics == nil }
        let anyJunk = records.contains { $0.spec.junkLabel != nil }
        axes = Self.axes(configured: unique(settings.groupBy.filter { $0 != .junk || anyJunk }.map(\.column)),
                         specs: ok.map(\.spec))
        let axes = self.axes
        var byConfiguration: [String: [RunRecord]] = [:], order: [String] = []
        for r in ok {
            if byConfiguration[r.spec.configuration] == nil { order.append(r.spec.configuration) }
            byConfiguration[r.spec.configuration, default: []].append(r)
        }
        configurations = order.map { key in
            let runs = byConfiguration[key]!
            return Configuration(configuration: key, spec: runs[0].spec, metrics: runs[0].metrics!,
                                 group: axes.map { $0.setting(runs[0].spec) ?? "" },
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
        let tried = Dictionary(grouping: sorted, by: \.spec.family).mapValues { $0.map(\.spec.learningRate) }
        families = familyOrder.map { f in
            let cs = byFamily[f]!
            let common = Self.commonSeeds(cs), best = Self.best(cs, common: common)
            return Family(family: cs[0].spec.family, group: cs[0].group, configurations: cs, best: best, commonSeeds: common,
                          edge: cs.count > 1 ? Self.edge(best.spec.learningRate, tried: tried[cs[0].spec.family]!) : nil)
        }
        groups = unique(families.map(\.group))
    }

    /// The configured axes, then each setting that takes two or more values within a group of
    /// the axes so far (sizes, learning rate and seed are what a series varies over).
    static func axes(configured: [ReportColumn], specs: [RunSpec]) -> [ReportColumn] {
        var axes = configured
        let candidates = ReportColumn.settings.filter {
            !ReportColumn.sizes.contains($0) && ![ReportColumn.model, .lr, .seed].contains($0) && !configured.contains($0)
        }
        for c in candidates {
            var groups: [[String]: [RunSpec]] = [:]
            for s in specs { groups[axes.map { $0.setting(s) ?? "" }, default: []].append(s) }
            if groups.values.contains(where: { Report.varies(c, among: $0) }) { axes.append(c) }
        }
        return axes
    }

    /// The seeds all configurations ran with, ascending.
    static func commonSeeds(_ cs: [Configuration]) -> [Int] {
        cs.dropFirst().reduce(Set(cs[0].RBySeed.keys)) { $0.intersection($1.RBySeed.keys) }.sorted()
    }

    /// The configuration with the highest mean R over the seeds all of them ran with (all seeds
    /// when they share none); the first one on a tie.
    static func best(_ cs: [Configuration], common: [Int]) -> Configuration {
        var best = cs[0]
        for c in cs.dropFirst() where score(c, common) > score(best, common) { best = c }
        return best
    }

    /// `rate` against the rates a family tried: its largest, its smallest, or inside.
    static func edge(_ rate: Float, tried: [Float]) -> ScanEdge? {
        rate == tried.max() ? .largest : rate == tried.min() ? .smallest : nil
    }

    /// Mean R over `seeds` (over every seed when `seeds` is empty).
    static func score(_ c: Configuration, _ seeds: [Int]) -> Double {
        guard !seeds.isEmpty else { return c.R.mean }
        return seeds.map { c.RBySeed[$0]! }.reduce(0, +) / Double(seeds.count)
    }

    /// `bioD-N1000 · E1000 · 2 layers`: every axis the series has a value for.
    func seriesName(_ group: [String]) -> String {
        zip(axes, group).filter { !$0.1.isEmpty }.map { $0.0.seriesLabel($0.1) }.joined(separator: " · ")
    }

    /// The group's values with some axes left out, for tables that put those axes in columns.
    func values(_ group: [String], without left: Set<ReportColumn>) -> [String] {
        zip(axes, group).filter { !left.contains($0.0) }.map(\.1)
    }

    func families(in group: [String]) -> [Family] { families.filter { $0.group == group } }
    /// The group's peak: its family with the highest mean R at the best rate (the report's peak
    /// table and `capacity peaks` take the same one).
    func peak(in group: [String]) -> Family? { families(in: group).max { $0.best.R.mean < $1.best.R.mean } }
}
