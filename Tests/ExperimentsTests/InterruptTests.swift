import XCTest
import Foundation
import Transformer
@testable import Experiments

final class InterruptTests: XCTestCase {
    /// The stop flag as SIGINT sets it: both runs in flight (2 cores, one run each) stop, write
    /// their snapshots and are not recorded, not even as failed, and no other run starts. A rerun
    /// resumes them to the uninterrupted runs' bits, records them, deletes their snapshots and
    /// writes complete curves, which the report plots as loss.svg.
    func testAStopRequestSnapshotsTheRunsInFlightAndRecordsNothingForThem() throws {
        let s = try snapshotScenario(exposures: "[20, 24, 28]")
        XCTAssertEqual(s.runs.count, 3)
        let dir = temporaryDirectory("interrupt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ResultStore(directory: dir.appendingPathComponent("snap"))

        var runner = ScenarioRunner(cores: 2, saveCheckpoints: false)
        runner.stop = StopSignal()
        runner.stopAfterStep = 10
        let stopped = try runner.run(s, store: store, progress: nil)
        XCTAssertEqual(runner.stop?.requestedSignal, SIGINT, "the test hook raises the flag as the handler would")
        XCTAssertEqual(stopped.finished, 0)
        XCTAssertEqual(stopped.failed, 0)
        // The first run raises the flag at step 10; the second stops at its next step if it has
        // started by then (its worker may start later), and no run starts after the flag.
        XCTAssertFalse(stopped.interrupted.isEmpty)
        XCTAssertTrue(Set(stopped.interrupted.map(\.key)).isSubset(of: s.runs.prefix(2).map(\.key)), "only runs in flight, not the third")
        XCTAssertEqual(try store.loadAll().records.count, 0, "nothing recorded, not even as failed")
        for r in stopped.interrupted {
            XCTAssertGreaterThanOrEqual(r.stepsDone, 1)
            XCTAssertNil(r.problem)
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(r.snapshot).path))
        }
        let line = InterruptedRun.summaryLine(recorded: 0, file: store.fileURL.path, inFlight: stopped.interrupted)
        XCTAssertTrue(line.hasPrefix("interrupted · 0 run(s) recorded in \(store.fileURL.path) · \(stopped.interrupted.count) in flight saved as snapshots ("), line)
        XCTAssertTrue(line.contains("\(stopped.interrupted[0].key) at step \(stopped.interrupted[0].stepsDone)/"), line)
        XCTAssertTrue(line.hasSuffix(" · rerun the same command to resume"), line)

        let resumed = try ScenarioRunner(cores: 2, saveCheckpoints: false).run(s, store: store, progress: nil)
        XCTAssertEqual(resumed.finished, 3)
        XCTAssertEqual(resumed.interrupted, [])
        let records = try store.loadAll().records
        XCTAssertEqual(records.map(\.status), [.ok, .ok, .ok])
        let snapshots = (try? FileManager.default.contentsOfDirectory(atPath: store.directory.appendingPathComponent("snapshots").path)) ?? []
        XCTAssertEqual(snapshots, [], "each snapshot is deleted once its record is appended")
        for (spec, record) in zip(s.runs, records) {
            XCTAssertEqual(record.key, spec.key)
            XCTAssertEqual(try metricsWithoutTimings(record), try metricsWithoutTimings(RunExecutor(threads: 1).run(spec, progress: nil)), spec.key)

            // The curve: a point every interval, the last one at the last step with the run's tokens.
            let m = try XCTUnwrap(record.metrics)
            let points = TrainingCurve.load(store.directory.appendingPathComponent("curves/\(spec.key).jsonl"))
            let interval = TrainingCurve.interval(totalSteps: m.steps)
            XCTAssertEqual(points.map(\.step), Array(stride(from: interval, to: m.steps, by: interval)) + [m.steps])
            XCTAssertEqual(points.last?.tokensTrained, m.tokensTrained)
            XCTAssertTrue(points.allSatisfy { $0.lossNatsPerToken.isFinite && $0.lossNatsPerToken > 0 && $0.learningRate > 0 })
        }

        let report = try Report.generate(directory: store.directory)
        XCTAssertTrue(report.files.map(\.lastPathComponent).contains("loss.svg"))
        let svg = try String(contentsOf: store.directory.appendingPathComponent("loss.svg"), encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 3, "one line per family")
        let md = try String(contentsOf: store.directory.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("](loss.svg)"))
    }

    /// No curves, no loss plot: a report from records alone is unchanged.
    func testAReportWithoutCurvesHasNoLossPlot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = try sampleRuns()
        let files = try Report.write(records: [okRecord(runs[0], params: 25_000, bits: 44_000)], to: dir, title: "sample")
        XCTAssertFalse(files.map(\.lastPathComponent).contains("loss.svg"))
        XCTAssertFalse(try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8).contains("loss.svg"))
    }

    /// A checkpoint that cannot be written (here the checkpoints path is a regular file) costs
    /// only the checkpoint: the run is scored and recorded as ok, with the reason in one plain
    /// line and in the record.
    func testACheckpointThatCannotBeWrittenLeavesTheRunRecordedAsOk() throws {
        let s = try snapshotScenario()
        let dir = temporaryDirectory("checkpoint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ResultStore(directory: dir.appendingPathComponent("snap"))
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        let blocker = store.directory.appendingPathComponent("checkpoints")
        try Data("not a directory".utf8).write(to: blocker)

        let log = LogLines()
        let summary = try ScenarioRunner(cores: 1).run(s, store: store, progress: log.display)
        XCTAssertEqual(summary.finished, 1)
        XCTAssertEqual(summary.failed, 0)
        let record = try XCTUnwrap(try store.loadAll().records.first)
        XCTAssertEqual(record.status, .ok)
        let problem = try XCTUnwrap(record.checkpointError)
        let path = blocker.appendingPathComponent(s.runs[0].key + ".ckpt").path
        XCTAssertTrue(problem.hasPrefix(path + ": "), problem)
        XCTAssertFalse(problem.contains("NSCocoaErrorDomain") || problem.contains("Error Domain"), problem)
        let lines = log.all.split(separator: "\n").filter { $0.hasPrefix("checkpoint not saved: ") }
        XCTAssertEqual(lines, ["checkpoint not saved: \(problem)"], log.all)
        XCTAssertEqual(try metricsWithoutTimings(record), try metricsWithoutTimings(RunExecutor(threads: 1).run(s.runs[0], progress: nil)))
    }
}
