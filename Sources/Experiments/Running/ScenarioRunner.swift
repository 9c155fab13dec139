import Foundation
import Synchronization

/// Runs a scenario's pending runs: one run per core, single-threaded, when there are at least as
/// many runs as cores; otherwise the cores are split among the runs so each run's GEMMs use
/// several. Each finished run is appended to the store at once, so an interrupted sweep keeps it.
public struct ScenarioRunner {
    public var cores: Int
    public var shard: Shard?
    public var retryFailed: Bool
    public var saveCheckpoints: Bool
    /// When requested (SIGINT, SIGTERM), every run in flight snapshots and stops and no new run
    /// starts; `run` returns what was done, the stopped runs in `Summary.interrupted`.
    public var stop: StopSignal?
    /// Training seconds between two snapshots of a run (`RunExecutor.snapshotSeconds`).
    public var snapshotSeconds: Double = 300
    /// Tests: passed to every run (`RunExecutor.stopAfterStep`).
    var stopAfterStep: Int?

    /// Retrain recorded runs whose spec changed, setting their old lines aside (`--replace`).
    public var replace: Bool
    /// With a learning-rate search: train the scan and its extensions only, not the other seeds
    /// (`--scan-only`: a cluster's single job that runs every family's extensions in turn).
    public var scanOnly = false
    /// Tests: records what this returns instead of training (the sweep's logic without training).
    var fakeRun: (@Sendable (RunSpec) -> RunRecord)?

    public init(cores: Int, shard: Shard? = nil, retryFailed: Bool = false, saveCheckpoints: Bool = true, replace: Bool = false) {
        self.cores = max(1, cores); self.shard = shard; self.retryFailed = retryFailed; self.saveCheckpoints = saveCheckpoints
        self.replace = replace
    }

    /// Checks the directory's records against the scenario before anything trains: a recorded
    /// key whose spec is not the scenario's, or a recorded run the scenario does not have, is a
    /// `RunIdentityError`, unless `replace`, which moves their lines to `superseded.jsonl` (the
    /// changed runs then train again). Returns the check as it was.
    @discardableResult
    public static func reconcile(_ scenario: Scenario, store: ResultStore, replace: Bool,
                                 progress: ProgressDisplay? = nil) throws -> IdentityCheck {
        let check = try store.checkIdentity(scenario)
        guard !check.isClean else { return check }
        guard replace else { throw RunIdentityError(directory: store.directory.path, check: check) }
        let moved = try store.supersede(keys: Set(check.changed.map(\.key) + check.orphaned))
        progress?.log("--replace: \(moved) line(s) moved to \(store.directory.appendingPathComponent("superseded.jsonl").path) "
                      + "(\(check.changed.count) changed run(s) train again, \(check.orphaned.count) not in the scenario)")
        return check
    }

    public struct Summary: Sendable {
        /// total: this shard's grid runs, plus the learning-rate extension runs it has recorded;
        /// skipped: those recorded before this call; finished, failed: trained by this call.
        public var total: Int, skipped: Int, finished: Int, failed: Int
        /// Runs a stop request ended before their last step (not recorded; their snapshots resume them).
        public var interrupted: [InterruptedRun] = []
    }

    public func run(_ scenario: Scenario, store: ResultStore, progress: ProgressDisplay?) throws -> Summary {
        if let repaired = try store.repair() { progress?.log("repaired: \(repaired)") }
        try Self.reconcile(scenario, store: store, replace: replace, progress: progress)
        let mine = shard?.select(runs: scenario.runs) ?? scenario.runs
        let pending = try store.pendingRuns(scenario.runs, shard: shard, retryFailed: retryFailed)
        guard let search = scenario.learningRateSearch else {
            progress?.log("\(scenario.name) · \(pending.count) run(s) to do (\(mine.count - pending.count) already finished)")
            let done = try execute(pending, store: store, progress: progress)
            return Summary(total: mine.count, skipped: mine.count - pending.count, finished: done.finished, failed: done.failed,
                           interrupted: done.interrupted)
        }
        return try runSearch(scenario, search: search, store: store, progress: progress)
    }

    /// Trains `runs`, one per core (more cores each for the last ones), appending each record.
    func execute(_ pending: [RunSpec], store: ResultStore, progress: ProgressDisplay?) throws -> SweepProgress {
        guard !pending.isEmpty else { return SweepProgress() }
        let workers = min(cores, max(1, pending.count))
        // Runs still training; when fewer than `workers` remain, each takes more cores.
        let active = SharedCounter(workers)
        let cores = self.cores
        var configured = RunExecutor(threads: max(1, cores / workers),
                                   checkpointDirectory: saveCheckpoints ? store.directory.appendingPathComponent("checkpoints") : nil,
                                   currentThreads: { cores / max(1, active.value.load(ordering: .relaxed)) })
        configured.curveDirectory = store.directory.appendingPathComponent("curves")
        configured.snapshotDirectory = store.directory.appendingPathComponent("snapshots")
        configured.snapshotSeconds = snapshotSeconds
        configured.stop = stop
        configured.stopAfterStep = stopAfterStep
        let executor = configured, stop = self.stop, fakeRun = self.fakeRun
        progress?.log("\(pending.count) run(s) · \(workers) at a time, \(executor.threads) core(s) each")
        let sweep = Mutex(SweepProgress())
        // Run-level threads come from Dispatch, not the kernel pool, so a run's own kernels can use
        // the pool once it is the last one left.
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i: Int? = sweep.withLock { s in
                    guard s.next < pending.count, s.storeError == nil, stop?.isRequested != true else { return nil }
                    s.next += 1
                    return s.next - 1
                }
                guard let i else {
                    active.value.subtract(1, ordering: .relaxed)
                    return
                }
                let record: RunRecord
                switch fakeRun.map({ .finished($0(pending[i])) }) ?? executor.attempt(pending[i], progress: progress) {
                case .finished(let r): record = r
                case .interrupted(let r):
                    // Not recorded: its snapshot (if any) resumes it on a rerun.
                    progress?.finish(key: r.key)
                    sweep.withLock { $0.interrupted.append(r) }
                    continue
                }
                let line: String
                if let m = record.metrics {
                    line = String(format: "done  %@  R = %.3f bits/param (R_max %.2f), accuracy %.2f, %.0f s",
                                  record.key as NSString, m.capacityRatio, m.capacityRatioMax, m.meanAccuracy, record.wallSeconds)
                        + (record.checkpointError != nil ? " (no checkpoint)" : "")
                } else {
                    line = "FAILED \(record.key): \(record.reason ?? "unknown reason")"
                }
                progress?.finish(key: record.key, message: line)
                let appended: Bool = sweep.withLock { s in
                    do { try store.append(record) } catch { s.storeError = "\(error)"; return false }
                    if record.status == .ok { s.finished += 1 } else { s.failed += 1 }
                    return true
                }
                // The record holds the result now; its snapshot would only resume a finished run.
                if appended { executor.removeSnapshot(key: record.key) }
            }
        }
        let done = sweep.withLock { $0 }
        if let e = done.storeError { throw ResultStoreError(file: store.fileURL.path, line: nil, message: e) }
        return done
    }
}
