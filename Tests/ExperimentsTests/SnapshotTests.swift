import XCTest
import Foundation
import Synchronization
import Transformer
@testable import Experiments

/// A small bioD scenario of about a hundred steps per run: enough to stop one partway.
func snapshotScenario(exposures: String = "20", training extra: String = "") throws -> Scenario {
    try scenario("""
    {"name": "snap",
     "datasets": [{"kind": "bioD", "people": 30, "attributes": 2, "diversity": 16, "alphabet": 16,
                   "firstNames": 10, "middleNames": 10, "lastNames": 10}],
     "models": [{"layers": 1, "heads": 1, "width": 8}],
     "training": {"exposures": \(exposures), "contextLength": 32, "batchWindows": 2, "learningRates": 0.01\(extra)}}
    """, file: "snap.json")
}

/// Every metric of a record but the timings (tokens per second), for bit-for-bit comparisons.
func metricsWithoutTimings(_ record: RunRecord, file: StaticString = #filePath, line: UInt = #line) throws -> RunMetrics {
    var m = try XCTUnwrap(record.metrics, record.reason ?? "no metrics", file: file, line: line)
    m.tokensPerSecond = 0
    return m
}

/// Progress lines, collected (the executor logs from its own thread).
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func add(_ s: String) { lock.lock(); text += s; lock.unlock() }
    var all: String { lock.lock(); defer { lock.unlock() }; return text }
    lazy var display = ProgressDisplay(mode: .plain, plainInterval: 1e9, sink: { [unowned self] in self.add($0) })
}

final class SnapshotTests: XCTestCase {
    func executor(_ dir: URL, threads: Int, stopAfterStep: Int? = nil) -> RunExecutor {
        var e = RunExecutor(threads: threads)
        e.snapshotDirectory = dir.appendingPathComponent("snapshots")
        e.curveDirectory = dir.appendingPathComponent("curves")
        e.stopAfterStep = stopAfterStep
        return e
    }

    /// Stopped after 17 steps (2 threads), resumed and stopped again after 45 (1 thread), then
    /// resumed to the end (2 threads): every metric and every curve point (timings aside) is the
    /// uninterrupted run's, bit for bit. Also in Morris mode, whose plateau detector is carried
    /// over and stops the run at the same step.
    func testAnInterruptedRunResumesToTheSameBitsAsAnUninterruptedOne() throws {
        for (exposures, extra) in [("20", ""), ("200", #", "plateauSteps": 8, "plateauMinImprovementNats": 0.02"#)] {
            let spec = try snapshotScenario(exposures: exposures, training: extra).runs[0]
            let reference = temporaryDirectory("snap-reference")
            let dir = temporaryDirectory("snap-resumed")
            defer { try? FileManager.default.removeItem(at: reference); try? FileManager.default.removeItem(at: dir) }
            guard case .finished(let uninterrupted) = executor(reference, threads: 1).attempt(spec, progress: nil) else {
                return XCTFail("the reference run was interrupted")
            }
            let expected = try metricsWithoutTimings(uninterrupted)
            XCTAssertGreaterThan(expected.steps, 45, "the run is too short to stop partway")
            if !extra.isEmpty { XCTAssertNotNil(expected.stoppedAtStep, "the plateau rule should stop this run (after step 45)") }

            for (stop, threads) in [(17, 2), (45, 1)] {
                guard case .interrupted(let r) = executor(dir, threads: threads, stopAfterStep: stop).attempt(spec, progress: nil) else {
                    return XCTFail("the run was not stopped after step \(stop)")
                }
                XCTAssertEqual(r.stepsDone, stop)
                XCTAssertEqual(r.snapshot, dir.appendingPathComponent("snapshots/\(spec.key).snapshot"))
                XCTAssertNil(r.problem)
                XCTAssertTrue(FileManager.default.fileExists(atPath: r.snapshot!.path))
            }
            let log = LogLines()
            guard case .finished(let resumed) = executor(dir, threads: 2).attempt(spec, progress: log.display) else {
                return XCTFail("the resumed run was interrupted")
            }
            XCTAssertTrue(log.all.contains("resumed from its snapshot at step 45/"), log.all)
            XCTAssertEqual(resumed.status, .ok, resumed.reason ?? "")
            let got = try metricsWithoutTimings(resumed)
            XCTAssertEqual(got.bits, expected.bits)
            XCTAssertEqual(got.finalLossNatsPerToken, expected.finalLossNatsPerToken)
            XCTAssertEqual(got.steps, expected.steps)
            XCTAssertEqual(got.tokensTrained, expected.tokensTrained)
            XCTAssertEqual(got, expected, "every metric, field for field")

            // The curve: the same points, none repeated or missing, whatever the interruptions.
            func curve(_ d: URL) -> [CurvePoint] {
                TrainingCurve.load(d.appendingPathComponent("curves/\(spec.key).jsonl")).map { var p = $0; p.elapsedSeconds = 0; return p }
            }
            XCTAssertFalse(curve(reference).isEmpty)
            XCTAssertEqual(curve(dir), curve(reference))
        }
    }

    /// A run killed outright resumes from its last periodic snapshot: with `snapshotSeconds` 0 a
    /// snapshot follows every step, and the executor leaves the last one (the scheduler deletes
    /// it once the record is appended), which a second attempt resumes for the last step.
    func testAPeriodicSnapshotResumesLikeAStoppedOne() throws {
        let spec = try snapshotScenario().runs[0]
        let dir = temporaryDirectory("snap-periodic")
        defer { try? FileManager.default.removeItem(at: dir) }
        var e = executor(dir, threads: 1)
        e.snapshotSeconds = 0
        let first = e.run(spec, progress: nil)
        let snapshot = try RunSnapshot(contentsOf: try XCTUnwrap(e.snapshotURL(key: spec.key)))
        let steps = try XCTUnwrap(first.metrics?.steps)
        XCTAssertEqual(snapshot.header.stepsDone, steps - 1, "the last snapshot is taken before the last step")
        let log = LogLines()
        let second = e.run(spec, progress: log.display)
        XCTAssertTrue(log.all.contains("resumed from its snapshot at step \(steps - 1)/\(steps)"), log.all)
        XCTAssertEqual(try metricsWithoutTimings(second), try metricsWithoutTimings(first))
    }

    /// A snapshot is resumed only by the identical spec: one left by a run of another spec under
    /// the same key (here another learning rate), or a damaged one, is deleted with a log line,
    /// and the run trains from the start to the uninterrupted run's bits.
    func testASnapshotOfADifferentSpecIsDeletedAndNotUsed() throws {
        let spec = try snapshotScenario().runs[0]
        var other = spec
        other.training.peakLearningRate = 0.003
        let dir = temporaryDirectory("snap-other")
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .interrupted = executor(dir, threads: 1, stopAfterStep: 30).attempt(other, progress: nil) else {
            return XCTFail("the other spec's run was not stopped")
        }
        let url = try XCTUnwrap(executor(dir, threads: 1).snapshotURL(key: spec.key))
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))

        let log = LogLines()
        let record = executor(dir, threads: 1).run(spec, progress: log.display)
        XCTAssertTrue(log.all.contains("\(spec.key): snapshot \(url.path) not used (it is of a different run spec); deleted"), log.all)
        XCTAssertFalse(log.all.contains("resumed"), log.all)
        let fresh = RunExecutor(threads: 1).run(spec, progress: nil)
        XCTAssertEqual(try metricsWithoutTimings(record), try metricsWithoutTimings(fresh))

        // Deleted when found, so the finished run left none (snapshots are only written before the last step).
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        try Data("CAPSNAP1 but nothing after".utf8).write(to: url)
        let damaged = LogLines()
        let again = executor(dir, threads: 1).run(spec, progress: damaged.display)
        XCTAssertTrue(damaged.all.contains("not used ("), damaged.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        XCTAssertEqual(try metricsWithoutTimings(again), try metricsWithoutTimings(fresh))
    }
}

/// The runner hands a run more cores when others finish (`currentThreads`, asked every 64
/// steps). A run whose thread count changes mid-run records the bits of one that keeps one
/// thread: at width 128 and 8 windows a step its GEMMs are above the threading threshold, so the
/// second thread really computes.
final class ThreadSwitchTests: XCTestCase {
    func testARunWhoseThreadsChangeMidRunRecordsTheSameBits() throws {
        let s = try scenario("""
        {"datasets": [\(bioD("40"))], "models": [{"layers": 1, "heads": 2, "width": 128}],
         "training": {"exposures": 100, "contextLength": 32, "batchWindows": 8, "learningRates": 0.003}}
        """)
        let spec = try XCTUnwrap(s.runs.first)
        let steady = RunExecutor(threads: 1).run(spec, progress: nil)
        let calls = SharedCounter(0)
        // 1, 2, 1, 2, ... cores at each check.
        let switching = RunExecutor(threads: 1, currentThreads: { 1 + calls.value.wrappingAdd(1, ordering: .relaxed).oldValue % 2 })
            .run(spec, progress: nil)
        let a = try XCTUnwrap(steady.metrics, steady.reason ?? ""), b = try XCTUnwrap(switching.metrics, switching.reason ?? "")
        XCTAssertGreaterThan(a.steps, 3 * 64, "enough steps for the thread count to change several times")
        XCTAssertGreaterThan(calls.value.load(ordering: .relaxed), 3)
        XCTAssertEqual(a.bits, b.bits)
        XCTAssertEqual(a.finalLossNatsPerToken, b.finalLossNatsPerToken)
    }
}
