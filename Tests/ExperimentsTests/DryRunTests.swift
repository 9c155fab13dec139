import Foundation
import XCTest
@testable import Experiments

final class DryRunTests: XCTestCase {
    let tiny = """
    {"name": "tiny", "seeds": [1, 2],
     "datasets": [\(bioD("30"))],
     "models": [{"layers": 2, "heads": 1, "width": [4, 8]}],
     "training": {"exposures": [2, 4], "batchWindows": 2, "contextLength": 64, "learningRates": 0.01}}
    """

    func testDryRunWritesNothing() throws {
        let s = try scenario(tiny)
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let store = ResultStore(resultsRoot: root, scenario: s.name)
        let plan = try DryRun.plan(s, store: store, cores: 2, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.count, 8)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [], "no results directory, no file")
    }

    func testFinishedRunsAreMarkedAndNotCounted() throws {
        let s = try scenario(tiny)
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let store = ResultStore(resultsRoot: root, scenario: s.name)
        for r in s.runs.prefix(3) { try store.append(okRecord(r, params: 1_000, bits: 100)) }
        let before = try Data(contentsOf: store.fileURL)
        let plan = try DryRun.plan(s, store: store, cores: 2, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.filter { $0.status == .finished }.map(\.key), s.runs.prefix(3).map(\.key))
        XCTAssertTrue(plan.runs.filter { $0.status == .finished }.allSatisfy { $0.estimatedSeconds == nil })
        XCTAssertEqual(plan.toTrain.count, 5)
        XCTAssertEqual(try Data(contentsOf: store.fileURL), before, "the results file is untouched")
    }

    func testTotalsAddUpAndMatchTheStream() throws {
        let s = try scenario(tiny)
        let store = ResultStore(resultsRoot: try temporaryDirectory(), scenario: s.name)
        let plan = try DryRun.plan(s, store: store, cores: 2, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.totalTokens, plan.runs.map(\.tokens).reduce(0, +))
        XCTAssertEqual(plan.totalSteps, plan.runs.map(\.steps).reduce(0, +))
        XCTAssertEqual(plan.totalRunSeconds, plan.runs.compactMap(\.estimatedSeconds).reduce(0, +), accuracy: 1e-9)
        // Two cores: at least half the one-core time, at most all of it.
        XCTAssertGreaterThanOrEqual(plan.estimatedWallSeconds, plan.totalRunSeconds / 2 * 0.999)
        XCTAssertLessThanOrEqual(plan.estimatedWallSeconds, plan.totalRunSeconds * 1.001)
        // Doubling the exposures doubles the stream (N·E biographies of equal length; the first
        // token is never a target); steps = ⌈⌈tokens / 64⌉ / 2⌉.
        let e2 = plan.runs.first { $0.key.contains("gpt2-2-1-4-E2-") }!, e4 = plan.runs.first { $0.key.contains("gpt2-2-1-4-E4-") }!
        XCTAssertEqual(e4.tokens + 1, 2 * (e2.tokens + 1))
        XCTAssertEqual((e2.tokens + 1) % (30 * 2), 0)
        for r in plan.runs { XCTAssertEqual(r.steps, ((r.tokens + 63) / 64 + 1) / 2, r.key) }
    }

    func testScheduleGivesFreedCoresToTheLastRun() {
        // Two 10 s runs side by side, then the third alone on both cores (6 s).
        XCTAssertEqual(DryRun.schedule([(10, 6), (10, 6), (10, 6)], cores: 2), 16, accuracy: 1e-9)
        // One core: the sum.
        XCTAssertEqual(DryRun.schedule([(10, 6), (4, 3)], cores: 1), 14, accuracy: 1e-9)
        // A long and a short run: the short ends at 4, then the long one (6 of 10 left) takes
        // both cores: 0.6 · 6 = 3.6 more seconds.
        XCTAssertEqual(DryRun.schedule([(10, 6), (4, 3)], cores: 2), 7.6, accuracy: 1e-9)
    }

    func testWaitingSeedsOfARateSearchCountOncePerFamilyAndSeed() throws {
        let s = try scenario("""
        {"name": "search", "seeds": [1, 2, 3], "learningRateSearch": {"seed": 1},
         "datasets": [\(bioD("30"))], "models": [{"layers": 2, "heads": 1, "width": 4}],
         "training": {"exposures": 2, "batchWindows": 2, "contextLength": 64, "learningRates": [0.001, 0.01, 0.1]}}
        """)
        let store = ResultStore(resultsRoot: try temporaryDirectory(), scenario: s.name)
        var plan = try DryRun.plan(s, store: store, cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.filter { $0.status == .toDo }.count, 3)
        XCTAssertEqual(plan.runs.filter { $0.status == .afterScan }.count, 6)
        XCTAssertEqual(plan.toTrain.count, 3 + 2)
        // Once the scan is in (0.01 best), the other seeds are known: 2 to do, 4 never trained.
        for r in s.runs where r.replicate == 1 {
            try store.append(okRecord(r, params: 1_000, bits: r.learningRate == 0.01 ? 500 : 100))
        }
        plan = try DryRun.plan(s, store: store, cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.filter { $0.status == .toDo }.map(\.key), ["bioD-N30-K6-D256-T256-first40-middle40-last100-gpt2-2-1-4-E2-lr0.01-bw2-ctx64-s2", "bioD-N30-K6-D256-T256-first40-middle40-last100-gpt2-2-1-4-E2-lr0.01-bw2-ctx64-s3"])
        XCTAssertEqual(plan.runs.filter { $0.status == .notChosen }.count, 4)
        XCTAssertEqual(plan.toTrain.count, 2)
    }
}
