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
                          p1Nats: spec.dataset.hasNames ? evaluation.p1Nats : nil, valueNatsPerPerson: evaluation.valueNatsPerPerson,
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
