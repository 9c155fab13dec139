import Foundation

// The learning-rate search: one replicate seed scans a family's rates (a family: a run's settings
// but its rate and seed), extending the scan past an edge while the best rate sits there; the
// other seeds then train only at the family's best rate. The runner and the dry run both read a
// family's state from the recorded runs alone (`RateScan.state`), so shards and reruns agree.

/// `"learningRateSearch": {"seed": 1, "factor": 3, "maxExtensions": 2}`: scan every learning rate
/// with replicate `seed`; while a family's best rate is its largest (smallest) scanned, scan the
/// next rate out, up to `maxExtensions` on each side; then run the other seeds at the best rate.
public struct LearningRateSearch: Codable, Hashable, Sendable {
    /// The replicate seed (one of the scenario's `seeds`) that runs every learning rate.
    public var seed: Int
    /// Ratio between an extension rate and the rate before it (> 1). nil: the scan's own ratio at
    /// that edge (the two grid rates nearest it), so a family with a single rate never extends.
    public var factor: Double?
    /// Extension runs allowed on each side of a family's grid rates; 0 scans the grid alone.
    public var maxExtensions: Int

    public static let defaultMaxExtensions = 2

    public init(seed: Int, factor: Double? = nil, maxExtensions: Int = LearningRateSearch.defaultMaxExtensions) {
        self.seed = seed; self.factor = factor; self.maxExtensions = maxExtensions
    }

    enum CodingKeys: String, CodingKey { case seed, factor, maxExtensions }

    /// Validates itself, so errors name `learningRateSearch.factor` and what was expected.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decode(Int.self, forKey: .seed)
        factor = try c.decodeIfPresent(Double.self, forKey: .factor)
        maxExtensions = try c.decodeIfPresent(Int.self, forKey: .maxExtensions) ?? Self.defaultMaxExtensions
        if let f = factor, !(f > 1 && f.isFinite) {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [PathKey("factor")],
                debugDescription: "expected a number greater than 1 (the ratio between two scanned rates), found \(String(format: "%g", f))"))
        }
        if maxExtensions < 0 {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [PathKey("maxExtensions")],
                debugDescription: "expected a non-negative integer (0: scan the listed rates only), found \(maxExtensions)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(factor, forKey: .factor)
        try c.encode(maxExtensions, forKey: .maxExtensions)
    }

    /// The rates an extension may add beyond a family's grid `rates` (ascending, distinct): above,
    /// `rates.last · f^i`; below, `rates.first / f^i`; i = 1…maxExtensions, nearest first. f is
    /// `factor`, else the ratio of the two grid rates nearest that edge. A side stops early where
    /// a rate would leave Float's range or not move past the one before it (after rounding).
    public func extensionRates(beyond rates: [Float]) -> (above: [Float], below: [Float]) {
        guard maxExtensions > 0, let low = rates.first, let high = rates.last else { return ([], []) }
        // Decimal values of the rates as the file writes them, so 0.03 · 3 reads 0.09, not 0.089999996.
        let r = rates.map { Double("\($0)")! }
        let up = factor ?? (r.count > 1 ? r[r.count - 1] / r[r.count - 2] : nil)
        let down = factor ?? (r.count > 1 ? r[1] / r[0] : nil)
        /// `edge · step^(direction · i)` for i = 1…maxExtensions, each strictly past the one before.
        func side(from edge: Float, step: Double?, direction: Double) -> [Float] {
            guard let step, step > 1 else { return [] }
            var out: [Float] = [], last = edge
            for i in 1...maxExtensions {
                guard let next = Self.keyRate(Double("\(edge)")! * pow(step, direction * Double(i))),
                      direction > 0 ? next > last : next < last else { break }
                out.append(next)
                last = next
            }
            return out
        }
        return (side(from: high, step: up, direction: 1), side(from: low, step: down, direction: -1))
    }

    /// `x` rounded to 6 significant digits as a Float (keys print the Float's shortest decimal);
    /// nil outside Float's positive finite range.
    static func keyRate(_ x: Double) -> Float? {
        guard x.isFinite, x > 0, let f = Float(String(format: "%.6g", x)), f.isFinite, f > 0 else { return nil }
        return f
    }
}

/// Where a family's best rate sits among the rates its scan recorded.
public enum ScanEdge: String, Codable, Sendable {
    case largest, smallest
}

/// One family's learning-rate scan: the scan seed's runs at its grid rates and the extension runs
/// the search may add on each side (`Scenario.extensionRuns`, scan seed only).
struct RateScan {
    var family: String
    /// The scan seed's grid runs, ascending by rate.
    var grid: [RunSpec]
    /// Extension runs above the largest grid rate, nearest first.
    var above: [RunSpec]
    /// Extension runs below the smallest grid rate, nearest first.
    var below: [RunSpec]

    enum State: Equatable {
        /// A grid run of the scan is still to do (this shard's or another's).
        case scanning
        /// The best rate so far is the largest or smallest scanned and the bound leaves room:
        /// this extension run is next (sequential: the one after it waits for its record).
        case extending(RunSpec)
        /// The scan is recorded, every extension it needs included: the best rate (nil when every
        /// scan run failed), and the edge it is still at when the bound stopped the extension.
        case decided(rate: Float?, edge: ScanEdge?)
    }

    /// The family's state from `records` (the directory's, keyed) and `toDo` (a recorded run
    /// retried with --retry-failed is still to do). Extensions count as recorded in order, nearest
    /// first; a failed one is a scanned rate like any other, so the best is never beyond it and
    /// that side stops.
    func state(records: [String: RunRecord], toDo: (RunSpec) -> Bool) -> State {
        func settled(_ r: RunSpec) -> Bool { records[r.key] != nil && !toDo(r) }
        guard grid.allSatisfy(settled) else { return .scanning }
        let up = above.prefix(while: settled).count, down = below.prefix(while: settled).count
        let scanned = grid + above.prefix(up) + below.prefix(down)
        // The highest R; on a tie the first in scenario order (as the report chooses).
        var best: (rate: Float, R: Double)? = nil
        for r in scanned.sorted(by: { $0.index < $1.index }) {
            guard let record = records[r.key], record.status == .ok, let m = record.metrics else { continue }
            if let b = best, b.R >= m.capacityRatio { continue }
            best = (r.learningRate, m.capacityRatio)
        }
        guard let best else { return .decided(rate: nil, edge: nil) }
        let rates = scanned.map(\.learningRate)
        let atTop = best.rate == rates.max()!, atBottom = best.rate == rates.min()!
        if atTop && up < above.count { return .extending(above[up]) }
        if atBottom && down < below.count { return .extending(below[down]) }
        // One rate scanned is no scan: nothing to flag.
        guard rates.count > 1 else { return .decided(rate: best.rate, edge: nil) }
        return .decided(rate: best.rate, edge: atTop ? .largest : atBottom ? .smallest : nil)
    }

    /// The extension runs that may still train after `state`'s next one, and the most of them
    /// (with the next one) that will: an undecided scan extends on one side only, except a single
    /// scanned rate, which tries above first and then, if that is no better, below.
    func remainingExtensions(_ state: State, records: [String: RunRecord], toDo: (RunSpec) -> Bool) -> (runs: [RunSpec], atMost: Int) {
        func settled(_ r: RunSpec) -> Bool { records[r.key] != nil && !toDo(r) }
        let up = Array(above.drop(while: settled)), down = Array(below.drop(while: settled))
        let single = Set((grid + above.filter(settled) + below.filter(settled)).map(\.learningRate)).count <= 1
        switch state {
        case .decided: return ([], 0)
        case .extending(let next) where !single:
            let side = above.contains(next) ? up : down
            return (side.filter { $0 != next }, side.count)
        case .scanning, .extending:
            let atMost = single ? max(up.count, min(up.count, 1) + down.count) : max(up.count, down.count)
            var next: RunSpec? = nil
            if case .extending(let r) = state { next = r }
            return ((up + down).filter { $0 != next }, atMost)
        }
    }
}

extension Scenario {
    /// The search's families in scenario order, each with its scan and potential extensions.
    /// Empty without a `learningRateSearch`.
    var rateScans: [RateScan] {
        guard let search = learningRateSearch else { return [] }
        var order: [String] = [], byFamily: [String: RateScan] = [:]
        for r in runs where r.replicate == search.seed {
            if byFamily[r.family] == nil { order.append(r.family); byFamily[r.family] = RateScan(family: r.family, grid: [], above: [], below: []) }
            byFamily[r.family]!.grid.append(r)
        }
        for r in extensionRuns where r.replicate == search.seed {
            guard var scan = byFamily[r.family], let top = scan.grid.map(\.learningRate).max() else { continue }
            if r.learningRate > top { scan.above.append(r) } else { scan.below.append(r) }
            byFamily[r.family] = scan
        }
        return order.map { f in
            var s = byFamily[f]!
            s.grid.sort { $0.learningRate < $1.learningRate }
            s.above.sort { $0.learningRate < $1.learningRate }
            s.below.sort { $0.learningRate > $1.learningRate }
            return s
        }
    }
}

/// A learning-rate search's runs still to do, split the way the runner and the dry run both treat
/// them: the scan seed's grid runs train first, then each family's next extension while its best
/// rate is at an edge with room left; another seed trains only at its family's best rate, once
/// the family is decided (`RateScan.State.decided`).
struct RateSearchPhases {
    /// The scan seed's grid runs still to do.
    var scanning: [RunSpec] = []
    /// The next extension run of each family whose best rate so far is at an edge.
    var extending: [RunSpec] = []
    /// Other seeds at their family's decided best rate (a grid or an extension rate).
    var chosen: [RunSpec] = []
    /// Other seeds (at grid rates) of a family still scanning or extending, or whose scan runs all failed.
    var undecided: [RunSpec] = []
    /// Other seeds at a grid rate the decided scan did not choose: never trained.
    var notChosen: [RunSpec] = []
    /// The scan seed's potential extensions of undecided families, beyond the next ones: they
    /// train only if the scan keeps finding its best at the edge.
    var mayExtend: [RunSpec] = []
    /// Each family's state, by family.
    var states: [String: RateScan.State] = [:]
    /// Undecided families in scenario order, with the most extension runs still to come.
    var extensionsAtMost: [(family: String, runs: Int)] = []

    /// `toDo`: a run not recorded yet (or recorded failed and retried); `mine`: this shard's.
    init(_ scenario: Scenario, seed: Int, records: [RunRecord], toDo: (RunSpec) -> Bool, mine: (RunSpec) -> Bool) {
        let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for scan in scenario.rateScans {
            let state = scan.state(records: byKey, toDo: toDo)
            states[scan.family] = state
            let remaining = scan.remainingExtensions(state, records: byKey, toDo: toDo)
            if remaining.atMost > 0 { extensionsAtMost.append((scan.family, remaining.atMost)) }
            scanning += scan.grid.filter { toDo($0) && mine($0) }
            if case .extending(let r) = state, mine(r) { extending.append(r) }
            mayExtend += remaining.runs.filter(mine)
        }
        scanning.sort { $0.index < $1.index }
        for r in scenario.runs + scenario.extensionRuns where r.replicate != seed && toDo(r) && mine(r) {
            let isExtension = r.index >= scenario.runs.count
            switch states[r.family] {
            case .decided(let rate?, _)?:
                if rate == r.learningRate { chosen.append(r) } else if !isExtension { notChosen.append(r) }
            default:
                if !isExtension { undecided.append(r) }
            }
        }
    }
}
