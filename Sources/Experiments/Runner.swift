import Foundation
import Synchronization
import Kernels
import Biographies
import Transformer
import Capacity
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Trains and evaluates one run: dataset → stream → model → training → evaluation → record.
/// Never throws for a run's own trouble (bad spec, NaN loss, divergence): that becomes a failed
/// record with the reason, so a sweep goes on. A checkpoint that cannot be written does not fail
/// the run: the record is ok and says so (`checkpointError`).
///
/// With `snapshotDirectory` set the run keeps a snapshot of its whole training state every
/// `snapshotSeconds` and when a stop is requested, and a run that finds its snapshot (of the
/// identical spec) resumes from it: same bits as an uninterrupted run, whatever the thread count.
public struct RunExecutor: Sendable {
    /// Cores this run's GEMMs and row kernels use.
    public var threads: Int
    /// Where to save the trained model (`<key>.ckpt`), or nil.
    public var checkpointDirectory: URL?
    /// Where to write the training curve (`<key>.jsonl`, see `TrainingCurve`), or nil.
    public var curveDirectory: URL?
    /// Where to keep the resumable snapshot (`<key>.snapshot`, see `RunSnapshot`), or nil.
    public var snapshotDirectory: URL?
    /// Training seconds between two snapshots (one is always written when a stop is requested).
    public var snapshotSeconds: Double = 300
    /// Checked after every step: once requested, the run writes its snapshot and stops
    /// (`attempt` returns `.interrupted`; nothing is recorded).
    public var stop: StopSignal?
    /// Asked now and then during training for the cores the run may use now (a sweep's last
    /// runs take over the cores of finished ones). Results do not depend on it.
    public var currentThreads: (@Sendable () -> Int)?
    /// Tests: called with every batch of windows the run trains on (inputs, targets [B × T], windows).
    var observeWindows: (@Sendable (_ inputs: [Int32], _ targets: [Int32], _ windows: Int) -> Void)?
    /// Tests: once this many steps are done, request `stop` as a signal would (without one, the
    /// run stops alone).
    var stopAfterStep: Int?

    public init(threads: Int, checkpointDirectory: URL? = nil, currentThreads: (@Sendable () -> Int)? = nil) {
        self.threads = threads; self.checkpointDirectory = checkpointDirectory; self.currentThreads = currentThreads
    }

    public enum Outcome: Sendable {
        /// Trained and scored, or failed: a record to append.
        case finished(RunRecord)
        /// Stopped by a stop request before its last step: not to be recorded.
        case interrupted(InterruptedRun)
    }

    /// The run's record. A run interrupted by `stop` comes back as a failed record saying so
    /// (the scheduler uses `attempt`, which tells the two apart, and records neither).
    public func run(_ spec: RunSpec, progress: ProgressDisplay?) -> RunRecord {
        switch attempt(spec, progress: progress) {
        case .finished(let record): return record
        case .interrupted(let r):
            return RunRecord(spec: spec, failure: "interrupted at step \(r.stepsDone)/\(r.totalSteps)", wallSeconds: 0)
        }
    }

    /// Trains (from the run's snapshot when it has one of this spec) and scores the run.
    public func attempt(_ spec: RunSpec, progress: ProgressDisplay?) -> Outcome {
        let start = Date()
        do {
            let t = try trainAndEvaluate(spec, progress: progress)
            // The record says what trained: the model's vocabulary and context come from the data.
            var recorded = spec
            recorded.model = t.model
            var record = RunRecord(spec: recorded, metrics: t.metrics, wallSeconds: t.wallSecondsBefore + Date().timeIntervalSince(start))
            record.checkpointError = t.checkpointError
            return .finished(record)
        } catch let stopped as RunStopped {
            return .interrupted(stopped.run)
        } catch {
            return .finished(RunRecord(spec: spec, failure: "\(error)", wallSeconds: Date().timeIntervalSince(start)))
        }
    }

    /// `<snapshotDirectory>/<key>.snapshot`, or nil without snapshots.
    public func snapshotURL(key: String) -> URL? {
        snapshotDirectory?.appendingPathComponent(key + ".snapshot")
    }

    /// Deletes a run's snapshot once its record is appended.
    public func removeSnapshot(key: String) {
        if let url = snapshotURL(key: key) { try? FileManager.default.removeItem(at: url) }
    }

    struct Diverged: Error, CustomStringConvertible { let description: String }

    /// Steps in the ring of recent losses: the divergence check and the final loss average them.
    static let recentLossSteps = 50

    struct Trained {
        var metrics: RunMetrics
        /// The model config as trained (vocabulary and context filled in).
        var model: ModelConfig
        /// `<path>: <reason>` when the checkpoint could not be written.
        var checkpointError: String?
        /// Wall time of the sessions before a resumed one, seconds.
        var wallSecondsBefore: Double
    }

    /// Reads the next batch of `B` windows; returns how many (0 at the stream's end).
    static func read(_ stream: TokenStream, _ B: Int, _ inputs: inout [Int32], _ targets: inout [Int32]) -> Int {
        inputs.withUnsafeMutableBufferPointer { i in
            targets.withUnsafeMutableBufferPointer { t in stream.nextWindows(B, inputs: i.baseAddress!, targets: t.baseAddress!) }
        }
    }

    func trainAndEvaluate(_ spec: RunSpec, progress: ProgressDisplay?) throws -> Trained {
        let sessionStart = DispatchTime.now().uptimeNanoseconds
        let run = try PreparedRun(spec, threads: threads)
        let (stream, modelConfig, totalSteps) = (run.stream, run.model, run.totalSteps)
        let B = spec.training.batchWindows, T = spec.stream.contextLength
        let model = GPT(config: modelConfig, maxBatch: B, seed: spec.initSeed, threads: threads)
        let trainer = Trainer(model: model, training: spec.training, totalSteps: totalSteps)

        // [B × T] token windows, reused every step.
        var inputs = [Int32](repeating: 0, count: B * T), targets = [Int32](repeating: -1, count: B * T)
        let uniformLoss = log(Double(modelConfig.vocabularySize))
        var recent = [Double](repeating: 0, count: Self.recentLossSteps)
        var lastReport = 0.0
        // Morris mode: stop once the loss has plateaued (recorded in the metrics).
        var plateau = spec.training.plateauSteps > 0
            ? PlateauDetector(window: spec.training.plateauSteps, minImprovementNats: spec.training.plateauMinImprovementNats) : nil
        var stoppedAtStep: Int? = nil
        let curve = curveDirectory.map { TrainingCurve(url: $0.appendingPathComponent(spec.key + ".jsonl"), totalSteps: totalSteps) }

        // Resume from the run's snapshot, if it is this spec's: the stream skips the windows
        // already trained, everything else the loop carries is restored.
        let snapshotURL = snapshotURL(key: spec.key)
        // The spec as the snapshot stores it (sorted keys: equal specs give equal text).
        let specJSON = canonicalJSON(spec)
        var startStep = 0
        var before = (trainSeconds: 0.0, wallSeconds: 0.0)      // spent by earlier sessions
        if let url = snapshotURL, let snap = loadSnapshot(url, key: spec.key, specJSON: specJSON, parameterCount: model.layout.count,
                                                          totalSteps: totalSteps, plateauRing: plateau?.ring.count ?? 0, progress: progress) {
            let h = snap.header
            for _ in 0..<h.stepsDone { _ = Self.read(stream, B, &inputs, &targets) }
            if stream.windowsEmitted == h.windowsEmitted && stream.tokensTrained == h.tokensTrained {
                snap.copyFloats(section: 0, to: model.params.pointer)
                snap.copyFloats(section: 1, to: trainer.optimizer.m.pointer)
                snap.copyFloats(section: 2, to: trainer.optimizer.v.pointer)
                trainer.resume(stepsDone: h.stepsDone, optimizerStep: h.optimizerStep)
                let d = snap.doubles
                recent = Array(d[0..<h.recentCount])
                if let seen = h.plateauRecorded { plateau?.restore(ring: Array(d[h.recentCount..<(d.count - 1)]), recorded: seen) }
                curve?.start(resuming: (h.curve, d[d.count - 1], h.curvePendingSteps))
                startStep = h.stepsDone
                before = (h.trainSeconds, h.wallSeconds)
                progress?.log("\(spec.key): resumed from its snapshot at step \(h.stepsDone)/\(totalSteps)")
            } else {
                stream.reset()
                discardSnapshot(url, key: spec.key, why: "its stream position (\(h.windowsEmitted) windows, \(h.tokensTrained) tokens) is not this stream's after \(h.stepsDone) steps", progress: progress)
            }
        }
        if startStep == 0 { curve?.start() }

        let trainStart = DispatchTime.now().uptimeNanoseconds
        var lastSnapshot = 0.0                                   // this session's training seconds
        func elapsedSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - trainStart) / 1e9 }
        /// Writes the snapshot of the state after `trainer.stepsDone` steps; the problem if it could not.
        func saveSnapshot(_ url: URL, trainSeconds: Double) -> String? {
            let header = RunSnapshot.Header(
                spec: specJSON, parameterCount: model.layout.count, totalSteps: totalSteps, stepsDone: trainer.stepsDone,
                optimizerStep: trainer.optimizer.step, windowsEmitted: stream.windowsEmitted, tokensTrained: stream.tokensTrained,
                recentCount: recent.count, plateauRingCount: plateau?.ring.count ?? 0, plateauRecorded: plateau?.recorded,
                curve: curve?.text ?? "", curvePendingSteps: curve?.pendingSteps ?? 0, trainSeconds: trainSeconds,
                wallSeconds: before.wallSeconds + Double(DispatchTime.now().uptimeNanoseconds - sessionStart) / 1e9)
            let o = trainer.optimizer
            do {
                try RunSnapshot.save(header, floats: [UnsafeBufferPointer(model.params.buffer), UnsafeBufferPointer(o.m.buffer), UnsafeBufferPointer(o.v.buffer)],
                                     doubles: recent + (plateau?.ring ?? []) + [curve?.lossSum ?? 0], to: url)
                return nil
            } catch {
                progress?.log("snapshot not saved: \(error)")
                return "\(error)"
            }
        }

        var stopAlone = false                                    // `stopAfterStep` without a `stop`
        for step in startStep..<totalSteps {
            let windows = Self.read(stream, B, &inputs, &targets)
            if windows == 0 { break }
            observeWindows?(inputs, targets, windows)
            let loss = Double(trainer.step(inputs: inputs, targets: targets, batch: windows))
            recent[step % recent.count] = loss
            guard loss.isFinite else { throw Diverged(description: "training loss became \(loss) at step \(step + 1)") }
            let window = min(step + 1, recent.count)
            let recentMean = recent.prefix(window).reduce(0, +) / Double(window)
            if step >= totalSteps / 10, window == recent.count, recentMean > 1.5 * uniformLoss + 1 {
                throw Diverged(description: String(format: "training diverged: mean loss %.2f nats/token over the last %d steps at step %d (uniform guessing is %.2f)",
                                                   recentMean, recent.count, step + 1, uniformLoss))
            }
            if let currentThreads, step % 64 == 0 {
                let t = max(1, currentThreads())
                if t != model.threads { model.threads = t; stream.threads = t }
            }
            let elapsed = elapsedSeconds()
            if let curve {
                curve.add(loss)
                if curve.pointDue {
                    curve.point(step: step + 1, tokensTrained: stream.tokensTrained, learningRate: trainer.schedule.rate(at: step),
                                elapsedSeconds: before.trainSeconds + elapsed)
                }
            }
            if let progress, elapsed - lastReport >= 0.25 || step + 1 == totalSteps {
                lastReport = elapsed
                progress.update(key: spec.key, step: step + 1, totalSteps: totalSteps, lossNatsPerToken: recentMean,
                                tokensPerSecond: Double(stream.tokensTrained) / max(before.trainSeconds + elapsed, 1e-9))
            }
            if plateau?.record(loss) == true, step + 1 < totalSteps {
                stoppedAtStep = step + 1
                break
            }
            // Stop or snapshot between two steps; after the last one the run finishes instead.
            guard step + 1 < totalSteps else { continue }
            if stopAfterStep == step + 1 { if let stop { stop.request(signal: SIGINT) } else { stopAlone = true } }
            let stopping = stopAlone || stop?.isRequested == true
            if stopping || (snapshotURL != nil && elapsed - lastSnapshot >= snapshotSeconds) {
                lastSnapshot = elapsed
                let problem = snapshotURL.map { saveSnapshot($0, trainSeconds: before.trainSeconds + elapsed) } ?? "snapshots are off"
                if stopping {
                    throw RunStopped(run: InterruptedRun(key: spec.key, stepsDone: step + 1, totalSteps: totalSteps,
                                                         snapshot: problem == nil ? snapshotURL : nil, problem: problem))
                }
            }
        }
        let trainSeconds = before.trainSeconds + elapsedSeconds()
        // Mean over the last (up to) 50 steps: the ring buffer's filled entries.
        let filled = min(trainer.stepsDone, recent.count)
        let finalLoss = filled > 0 ? recent.prefix(filled).reduce(0, +) / Double(filled) : .nan
        if let curve {
            curve.point(step: trainer.stepsDone, tokensTrained: stream.tokensTrained,
                        learningRate: trainer.schedule.rate(at: max(0, trainer.stepsDone - 1)), elapsedSeconds: trainSeconds)
            if let failure = curve.failure { progress?.log("curve not written: \(failure)") }
        }

        // A checkpoint that cannot be written (a full disk, a file in the way) loses only the
        // checkpoint: the trained model is still scored and recorded.
        var checkpointError: String? = nil
        if let dir = checkpointDirectory {
            let path = dir.appendingPathComponent(spec.key + ".ckpt").path
            do {
                try makeDirectory(dir)
                let specJSON = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
                try saveCheckpoint(model, steps: trainer.stepsDone, metadata: ["run": specJSON], to: path)
            } catch {
                checkpointError = "\(path): \(plainReason(error))"
                progress?.log("checkpoint not saved: \(checkpointError!)")
            }
        }

        let evaluation = try run.evaluate(model, threads: model.threads)
        let params = run.params
        let accuracy = zip(evaluation.attributeNames, evaluation.accuracyPerAttribute).map {
            AttributeAccuracy(attribute: $0, accuracy: $1)
        }
        // Post-training quantization: the same evaluation on a quantized copy of the weights
        // (the trained fp32 model itself is never modified).
        var quantized: [QuantizedMetrics] = []
        for bits in spec.evaluation.quantization {
            let q = try run.evaluate(model.quantizedCopy(bits: bits), threads: model.threads)
            quantized.append(QuantizedMetrics(bits: bits, bitsLearned: q.bits, paramsPaper: params.paper, meanAccuracy: q.meanAccuracy,
                                              storedBitsPerParameter: QuantizedStorage(layout: model.layout, bits: bits).bitsPerParameter))
        }
        var metrics = RunMetrics(paramsPaper: params.paper, paramsTotal: params.total,
                          p1Nats: spec.dataset.hasNames ? evaluation.p1Nats : nil, p2Nats: evaluation.valueNatsPerPerson,
                          p3Nats: spec.dataset.hasChunks ? evaluation.p3Nats : nil,
                          bits: evaluation.bits, dataBits: evaluation.datasetBits, accuracy: accuracy,
                          peopleScored: evaluation.peopleScored, tokensTrained: stream.tokensTrained,
                          steps: trainer.stepsDone, tokensPerSecond: Double(stream.tokensTrained) / max(trainSeconds, 1e-9),
                          finalLossNatsPerToken: finalLoss, evaluation: evaluation.description)
        if !quantized.isEmpty { metrics.quantized = quantized }
        if let stoppedAtStep, let plateau {
            metrics.stoppedAtStep = stoppedAtStep
            metrics.stopReason = plateau.reason
        }
        return Trained(metrics: metrics, model: modelConfig, checkpointError: checkpointError, wallSecondsBefore: before.wallSeconds)
    }
}

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

    /// A learning-rate search, in rounds until nothing this shard may train is left. A round
    /// trains the next extension of each family whose best rate so far is at an edge, the scan's
    /// grid runs still to do, and the other seeds of the families already decided (not with
    /// `scanOnly`); then the directory is read again, other shards' files included. So an
    /// extension trains only once the one before it is recorded, and a family's other seeds
    /// only once its whole scan is (`RateScan.state`).
    func runSearch(_ scenario: Scenario, search: LearningRateSearch, store: ResultStore, progress: ProgressDisplay?) throws -> Summary {
        let mine: (RunSpec) -> Bool = { [shard] r in shard?.contains(runIndex: r.index) ?? true }
        let start = try store.loadAll().records
        // --retry-failed retries a run recorded failed once in this invocation, not again after it fails again.
        let retry = retryFailed ? Set(start.filter { $0.status != .ok }.map(\.key)) : []
        let recordedAtStart = Set(start.map(\.key)).subtracting(retry)
        var summary = Summary(total: 0, skipped: scenario.allRuns.filter { mine($0) && recordedAtStart.contains($0.key) }.count,
                              finished: 0, failed: 0)
        var attempted = Set<String>()
        var phases: RateSearchPhases
        var round = 0
        while true {
            let records = try store.loadAll().records
            let recorded = Set(records.map(\.key))
            phases = RateSearchPhases(scenario, seed: search.seed, records: records,
                                      toDo: { !recorded.contains($0.key) || (retry.contains($0.key) && !attempted.contains($0.key)) },
                                      mine: mine)
            let batch = phases.extending + phases.scanning + (scanOnly ? [] : phases.chosen)
            logRound(round, scenario, search, phases, alreadyFinished: summary.skipped, progress: progress)
            guard !batch.isEmpty else { break }
            let done = try execute(batch, store: store, progress: progress)
            attempted.formUnion(batch.map(\.key))
            summary.finished += done.finished
            summary.failed += done.failed
            summary.interrupted += done.interrupted
            // Stopped runs are not recorded: a rerun resumes them and goes on from there.
            if stop?.isRequested == true || !done.interrupted.isEmpty { break }
            round += 1
        }
        if stop?.isRequested != true { logUndecided(scenario, search, phases, progress: progress) }
        let recorded = Set(try store.loadAll().records.map(\.key))
        summary.total = scenario.runs.filter(mine).count + scenario.extensionRuns.filter { mine($0) && recorded.contains($0.key) }.count
        return summary
    }

    /// What a round of the search trains, one line.
    func logRound(_ round: Int, _ scenario: Scenario, _ search: LearningRateSearch, _ p: RateSearchPhases,
                  alreadyFinished: Int, progress: ProgressDisplay?) {
        guard let progress else { return }
        let others = scanOnly ? "other seeds wait (--scan-only)" : "\(p.chosen.count) run(s) of other seeds at decided best rates"
        if round == 0 {
            let more = p.extensionsAtMost.map(\.runs).reduce(0, +) - p.extending.count
            progress.log("\(scenario.name) · learning-rate scan with seed \(search.seed): \(p.scanning.count) run(s) to do, "
                         + "\(p.extending.count) extension(s) due and up to \(max(0, more)) more while a best rate is at an edge "
                         + "(at most \(search.maxExtensions) each side); \(others); up to \(p.undecided.count) more once their scans "
                         + "are decided (\(alreadyFinished) already finished)")
        } else if !(p.extending.isEmpty && p.scanning.isEmpty && (scanOnly || p.chosen.isEmpty)) {
            let next = p.extending.map { "\($0.family) at lr \($0.learningRate)" }
            progress.log("\(scenario.name) · round \(round + 1): "
                         + (next.isEmpty ? "no extension due" : "extending " + next.joined(separator: ", "))
                         + (p.scanning.isEmpty ? "" : "; \(p.scanning.count) scan run(s) retried") + "; \(others)")
        }
    }

    /// Why the families not decided wait, and which decided ones stayed at an edge.
    func logUndecided(_ scenario: Scenario, _ search: LearningRateSearch, _ p: RateSearchPhases, progress: ProgressDisplay?) {
        guard let progress else { return }
        for scan in scenario.rateScans {
            switch p.states[scan.family] {
            case .scanning?:
                progress.log("\(scan.family): scan with seed \(search.seed) not complete (another shard's runs, or interrupted); its other seeds wait for a rerun")
            case .extending(let next)?:
                progress.log("\(scan.family): its next extension \(next.key) is another shard's; its other seeds wait for a rerun")
            case .decided(nil, _)?:
                progress.log("\(scan.family): every scan run failed; its other seeds wait for a rerun (--retry-failed)")
            case .decided(let rate?, let edge?)? where search.maxExtensions > 0:
                progress.log("\(scan.family): best rate \(rate) is still the \(edge.rawValue) scanned after \(search.maxExtensions) extension(s); "
                             + "its other seeds run there (the report flags it)")
            default: break
            }
        }
        if !scanOnly && !p.notChosen.isEmpty {
            progress.log("\(scenario.name) · \(p.notChosen.count) run(s) of other seeds at rates the scans did not choose: not run")
        }
    }

    /// Each family's best learning rate: the highest R among its runs with replicate `seed`, for
    /// the families whose scan is decided: every grid run recorded (ok or failed), and every
    /// extension the scan needs (`RateScan.state`). A family with a scan or extension run still
    /// missing (another shard's, or one interrupted) is left out: undecided.
    public static func bestRates(_ scenario: Scenario, seed: Int, records: [RunRecord]) -> [String: Float] {
        let phases = RateSearchPhases(scenario, seed: seed, records: records, toDo: { _ in false }, mine: { _ in true })
        var best: [String: Float] = [:]
        for (family, state) in phases.states {
            if case .decided(let rate?, _) = state { best[family] = rate }
        }
        return best
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

/// Shared state of a sweep's workers.
struct SweepProgress: Sendable {
    var next = 0, finished = 0, failed = 0
    var interrupted: [InterruptedRun] = []
    var storeError: String? = nil
}

/// An atomic integer shared between threads.
final class SharedCounter: Sendable {
    let value: Atomic<Int>
    init(_ v: Int) { value = Atomic(v) }
}
