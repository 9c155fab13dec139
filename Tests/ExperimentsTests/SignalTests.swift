import XCTest
import Foundation
@testable import Experiments

/// Real signals, sent to child processes of the built `capacity` binary (never to the test
/// process). Skipped when the binary is missing, except under CI=true, where that fails
/// (`capacityBinary`, as for every test that runs the binary).
final class SignalTests: XCTestCase {
    /// SIGINT stops a training run with exit status 130, SIGTERM stops the resumed run with 143,
    /// each leaving a snapshot, no record and one line saying so; a third run resumes to the end
    /// and records the bits an uninterrupted run gets, with a complete curve and no snapshot left.
    func testSIGINTAndSIGTERMSaveSnapshotsAndARerunResumesToTheSameBits() throws {
        let binary = try capacityBinary()
        let dir = temporaryDirectory("signals")
        defer { try? FileManager.default.removeItem(at: dir) }
        // One run of about 12,500 steps: a few seconds on one core.
        let scenarioFile = dir.appendingPathComponent("sig.json")
        try """
        {"name": "sig",
         "datasets": [{"kind": "bioD", "people": 50, "attributes": 2, "diversity": 16, "alphabet": 16,
                       "firstNames": 10, "middleNames": 10, "lastNames": 10}],
         "models": [{"layers": 1, "heads": 1, "width": 32}],
         "training": {"exposures": 800, "contextLength": 32, "batchWindows": 2, "learningRates": 0.01}}
        """.write(to: scenarioFile, atomically: true, encoding: .utf8)
        let spec = try Scenario.load(path: scenarioFile.path).runs[0]
        let results = dir.appendingPathComponent("results")
        let runs = results.appendingPathComponent("sig/runs.jsonl")
        let snapshot = results.appendingPathComponent("sig/snapshots/\(spec.key).snapshot")

        /// Runs the binary; once its stderr contains `waitFor`, sends `signal`. Exit status and stderr.
        func run(_ name: String, signal: Int32? = nil, waitFor: String = "") throws -> (status: Int32, stderr: String) {
            let errFile = dir.appendingPathComponent("\(name).stderr")
            _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
            let p = Process()
            p.executableURL = binary
            p.arguments = ["run", scenarioFile.path, "--results", results.path, "--cores", "1", "--no-checkpoints"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = try FileHandle(forWritingTo: errFile)
            try p.run()
            if let signal {
                let deadline = Date().addingTimeInterval(120)
                while p.isRunning && Date() < deadline,
                      !((try? String(contentsOf: errFile, encoding: .utf8)) ?? "").contains(waitFor) { usleep(10_000) }
                XCTAssertTrue(p.isRunning, "\(name): the run ended before it could be signalled")
                kill(p.processIdentifier, signal)
            }
            p.waitUntilExit()
            return (p.terminationStatus, (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
        }
        func lastLine(_ s: String) -> String { s.split(separator: "\n").last.map(String.init) ?? "" }

        let first = try run("sigint", signal: SIGINT, waitFor: "step ")
        XCTAssertEqual(first.status, 130, first.stderr)
        XCTAssertTrue(lastLine(first.stderr).hasPrefix("interrupted · 0 run(s) recorded in \(runs.path) · 1 in flight saved as snapshots (\(spec.key) at step "),
                      first.stderr)
        XCTAssertTrue(lastLine(first.stderr).hasSuffix(" · rerun the same command to resume"), first.stderr)
        XCTAssertFalse(first.stderr.contains("FAILED"), first.stderr)
        XCTAssertEqual(keysInFile(runs), [], "a stopped run is not recorded")
        XCTAssertTrue(FileManager.default.fileExists(atPath: snapshot.path))

        let second = try run("sigterm", signal: SIGTERM, waitFor: "resumed from its snapshot")
        XCTAssertEqual(second.status, 143, second.stderr)
        XCTAssertTrue(lastLine(second.stderr).hasPrefix("interrupted · 0 run(s) recorded"), second.stderr)
        XCTAssertEqual(keysInFile(runs), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: snapshot.path))

        let third = try run("finish")
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("resumed from its snapshot"), third.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: snapshot.path), "deleted once the record is appended")
        let record = try XCTUnwrap(try ResultStore.load(directory: results.appendingPathComponent("sig")).records.first)
        XCTAssertEqual(record.status, .ok)
        XCTAssertEqual(try metricsWithoutTimings(record), try metricsWithoutTimings(RunExecutor(threads: 1).run(spec, progress: nil)))
        let points = TrainingCurve.load(results.appendingPathComponent("sig/curves/\(spec.key).jsonl"))
        let steps = try XCTUnwrap(record.metrics?.steps)
        let interval = TrainingCurve.interval(totalSteps: steps)
        XCTAssertEqual(points.map(\.step), Array(stride(from: interval, to: steps, by: interval)) + [steps],
                       "one point per interval across three processes: none repeated, none missing")
    }
}
