import Foundation
import Kernels
import Biographies
import Transformer

/// What a sweep will cost, before running it: every run still to do with its tokens, optimizer
/// steps, parameters, the data's bits, R_max and an estimated wall time, and the scenario's
/// total under the runner's own scheduling. Trains nothing and writes nothing; the estimate
/// comes from timing a few training steps of each distinct model shape on this machine.
public struct DryRun: Sendable {
    /// One run of the plan.
    public struct Run: Codable, Sendable {
        public enum Status: String, Codable, Sendable {
            case toDo = "to do"
            /// Already in the results file: a real run skips it.
            case finished
            /// A seed that follows its family's best learning rate, not known before the scan
            /// finishes: one of a family's rates per seed will train (the plan counts the first,
            /// the cost is the same at any rate).
            case afterScan = "after scan"
            /// A seed at a rate the finished scan did not choose: a real run never trains it.
            case notChosen = "not chosen"
            /// A learning-rate extension of the scan seed that trains only if the scan's best
            /// rate stays at that edge: counted in `extending`, not in the total.
            case mayExtend = "may extend"
        }
        public var key: String
        public var status: Status
        public var tokens: Int                  // tokens trained (useful + junk windows)
        public var steps: Int                   // optimizer steps
        public var paramsPaper: Int
        public var paramsTotal: Int
        public var dataBits: Double             // the useful data's information content, bits
        public var capacityRatioMax: Double     // R_max = dataBits / paramsPaper
        /// Estimated seconds on one core; nil for runs that will not train (and for all but one
        /// rate of each family and seed waiting for the scan).
        public var estimatedSeconds: Double?
    }

    public var scenario: String
    public var cores: Int
    public var runs: [Run]
    /// Estimated wall time of the runs to do (including those after the scan), seconds, with the
    /// runner's scheduling: one run per core, freed cores joining the last runs.
    public var estimatedWallSeconds: Double
    /// Distinct model shapes timed, and the seconds the timing took.
    public var shapesTimed: Int
    public var timingSeconds: Double
    /// With `replace`: recorded runs whose spec changed (they train again) and recorded runs the
    /// scenario does not have; a real run moves both sets of lines to superseded.jsonl.
    public var replacing: [String] = []
    public var settingAside: [String] = []
    /// A family whose learning-rate scan may still extend beyond the runs to do now.
    public struct Extending: Codable, Sendable {
        public var family: String
        /// The most extension runs of this shard still to come after those to do now.
        public var runsAtMost: Int
        /// Their estimated seconds on one core, at most.
        public var secondsAtMost: Double
    }
    /// Families whose scan may still extend (the runs `mayExtend`), in scenario order.
    public var extending: [Extending] = []
    public var extensionRunsAtMost: Int { extending.map(\.runsAtMost).reduce(0, +) }
    public var extensionSecondsAtMost: Double { extending.map(\.secondsAtMost).reduce(0, +) }

    /// The runs that will train (one per family and seed among those waiting for the scan; no
    /// possible extension: see `extending`).
    public var toTrain: [Run] { runs.filter { $0.estimatedSeconds != nil } }
    public var totalTokens: Int { toTrain.map(\.tokens).reduce(0, +) }
    public var totalSteps: Int { toTrain.map(\.steps).reduce(0, +) }
    public var totalRunSeconds: Double { toTrain.compactMap(\.estimatedSeconds).reduce(0, +) }

    /// Plans `scenario` against the results already in `store` (read only).
    /// A directory whose records conflict with the scenario (`IdentityCheck`) is the runner's
    /// error too, unless `replace`: then the changed runs are to do and `replacing` lists them.
    public static func plan(_ scenario: Scenario, store: ResultStore, cores: Int, shard: Shard? = nil,
                            retryFailed: Bool = false, replace: Bool = false, timer: StepTimer = StepTimer()) throws -> DryRun {
        let cores = max(1, cores)
        let check = try store.checkIdentity(scenario)
        if !check.isClean && !replace { throw RunIdentityError(directory: store.directory.path, check: check) }
        let pending = Set(try store.pendingRuns(scenario.allRuns, shard: nil, retryFailed: retryFailed).map(\.key))
        let inShard: (RunSpec) -> Bool = { shard?.contains(runIndex: $0.index) ?? true }
        // The grid's runs, and the extension runs that are recorded or may train.
        var mine = scenario.runs.filter(inShard)
        var afterScan = Set<String>(), standIns = Set<String>(), notChosen = Set<String>(), mayExtend = Set<String>()
        var phases: [[String]] = [mine.filter { pending.contains($0.key) }.map(\.key)]
        var split: RateSearchPhases? = nil
        if let search = scenario.learningRateSearch {
            let p = RateSearchPhases(scenario, seed: search.seed, records: check.current,
                                     toDo: { pending.contains($0.key) }, mine: inShard)
            afterScan = Set(p.undecided.map(\.key))
            notChosen = Set(p.notChosen.map(\.key))
            mayExtend = Set(p.mayExtend.map(\.key))
            // One run per (family, seed) waiting for the scan will train; the first rate's stands in for it.
            var seen = Set<String>()
            for r in p.undecided where seen.insert("\(r.family)|\(r.replicate)").inserted { standIns.insert(r.key) }
            let later = Set(p.chosen.map(\.key)).union(standIns)
            let listed = later.union(mayExtend).union(p.extending.map(\.key))
            mine += scenario.extensionRuns.filter { inShard($0) && (!pending.contains($0.key) || listed.contains($0.key)) }
            phases = [(p.extending + p.scanning).map(\.key), mine.filter { later.contains($0.key) }.map(\.key)]
            split = p
        }

        var runs: [Run] = []
        var seconds: [String: (one: Double, all: Double)] = [:]
        for spec in mine {
            let run = try PreparedRun(spec)
            let (dataset, stream, model, steps, params) = (run.dataset, run.stream, run.model, run.totalSteps, run.params)
            let B = spec.training.batchWindows
            let status: Run.Status = !pending.contains(spec.key) ? .finished
                : afterScan.contains(spec.key) ? .afterScan : notChosen.contains(spec.key) ? .notChosen
                : mayExtend.contains(spec.key) ? .mayExtend : .toDo
            var estimate: Double? = nil
            if status == .toDo || status == .mayExtend || standIns.contains(spec.key) {
                let one = timer.secondsPerStep(model: model, training: spec.training, threads: 1)
                // More cores never make the runner slower on an idle machine; a timing taken
                // under other load can say otherwise, and then one core's time stands.
                let all = cores > 1 ? min(one, timer.secondsPerStep(model: model, training: spec.training, threads: cores)) : one
                // Scoring: a forward pass (about a third of a training step per token) over every
                // person's renderings.
                let people = Double(spec.evaluation.sampleSize ?? dataset.personCount)
                let tokensPerBiography = Double(stream.usefulTokenCount) / Double(max(1, dataset.personCount * spec.exposures))
                let scoreSteps = people * Double(spec.evaluation.renderings) * tokensPerBiography / Double(B * spec.stream.contextLength) / 3
                let total = Double(steps) + scoreSteps
                seconds[spec.key] = (total * one, total * all)
                // A possible extension is an upper bound (`extending`), not a run that will train.
                if status != .mayExtend { estimate = total * one }
            }
            runs.append(Run(key: spec.key, status: status, tokens: stream.plannedTrainedTokens, steps: steps,
                            paramsPaper: params.paper, paramsTotal: params.total, dataBits: dataset.information.total,
                            capacityRatioMax: run.capacityRatioMax, estimatedSeconds: estimate))
        }
        let extending = split.map { Self.extending($0, seconds: seconds) } ?? []
        let wall = phases.map { keys in schedule(keys.compactMap { seconds[$0] }, cores: cores) }.reduce(0, +)
        return DryRun(scenario: scenario.name, cores: cores, runs: runs, estimatedWallSeconds: wall,
                      shapesTimed: timer.shapesTimed, timingSeconds: timer.timingSeconds,
                      replacing: check.changed.map(\.key), settingAside: check.orphaned, extending: extending)
    }

    /// Each family that may still extend: its most runs after the one due now (`RateScan.remainingExtensions`)
    /// and the seconds of that many of its possible extensions, the longest first.
    static func extending(_ p: RateSearchPhases, seconds: [String: (one: Double, all: Double)]) -> [Extending] {
        let due = Set(p.extending.map(\.family))
        let possible = Dictionary(grouping: p.mayExtend, by: \.family)
        return p.extensionsAtMost.compactMap { family, atMost in
            let runs = (possible[family] ?? []).compactMap { seconds[$0.key]?.one }.sorted(by: >)
            let n = min(runs.count, atMost - (due.contains(family) ? 1 : 0))
            guard n > 0 else { return nil }
            return Extending(family: family, runsAtMost: n, secondsAtMost: runs.prefix(n).reduce(0, +))
        }
    }

    /// Wall time of running `durations` in order the way `ScenarioRunner` does: `cores` workers,
    /// one single-threaded run each; when the queue is empty, finished workers' cores go to the
    /// runs still going (`all` is a run's time with every core; in between, interpolated).
    static func schedule(_ durations: [(one: Double, all: Double)], cores: Int) -> Double {
        guard !durations.isEmpty else { return 0 }
        let workers = min(cores, durations.count)
        func rate(_ d: (one: Double, all: Double), threads: Int) -> Double {
            if threads <= 1 || cores <= 1 { return 1 / d.one }
            let t = Double(threads - 1) / Double(cores - 1)
            return 1 / (d.one + (d.all - d.one) * min(1, t))
        }
        var next = workers, now = 0.0
        var active: [(index: Int, left: Double)] = (0..<workers).map { ($0, 1.0) }   // fraction of the run left
        while !active.isEmpty {
            let threads = next < durations.count ? 1 : cores / active.count
            let rates = active.map { rate(durations[$0.index], threads: threads) }
            let dt = zip(active, rates).map { $0.left / $1 }.min()!
            now += dt
            var still: [(index: Int, left: Double)] = []
            for (a, r) in zip(active, rates) {
                let left = a.left - r * dt
                if left > 1e-12 { still.append((a.index, left)) }
                else if next < durations.count { still.append((next, 1.0)); next += 1 }
            }
            active = still
        }
        return now
    }
}

/// Seconds per optimizer step of a model shape on this machine, measured by training a freshly
/// initialized model on random tokens for a fraction of a second; cached per shape and threads.
public final class StepTimer: @unchecked Sendable {
    /// Seconds of stepping per shape and thread count (after one warm-up step).
    public var budgetSeconds: Double
    private var cache: [String: Double] = [:]
    public private(set) var timingSeconds = 0.0
    public var shapesTimed: Int { Set(cache.keys.map { $0.split(separator: "|").dropLast().joined(separator: "|") }).count }

    public init(budgetSeconds: Double = 0.5) { self.budgetSeconds = budgetSeconds }

    public func secondsPerStep(model: ModelConfig, training: TrainingConfig, threads: Int) -> Double {
        let B = training.batchWindows, T = model.contextLength
        let key = "\(model)|\(B)|\(threads)"
        if let s = cache[key] { return s }
        let start = DispatchTime.now().uptimeNanoseconds
        let gpt = GPT(config: model, maxBatch: B, seed: 1, threads: threads)
        let trainer = Trainer(model: gpt, training: training, totalSteps: 1_000)
        var rng = SeededGenerator(seed: 1)
        let inputs = (0..<(B * T)).map { _ in Int32(truncatingIfNeeded: rng.next() % UInt64(model.vocabularySize)) }
        let targets = (0..<(B * T)).map { _ in Int32(truncatingIfNeeded: rng.next() % UInt64(model.vocabularySize)) }
        _ = trainer.step(inputs: inputs, targets: targets, batch: B)                 // warm-up
        var steps = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while steps < 2 || (elapsed < budgetSeconds && steps < 200) {
            _ = trainer.step(inputs: inputs, targets: targets, batch: B)
            steps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let perStep = elapsed / Double(steps)
        cache[key] = perStep
        timingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return perStep
    }
}
