import Foundation
import XCTest
@testable import Experiments

/// Fake training for the sweep's logic: R (bits/param) from `R(spec)`, nil for a failed run;
/// remembers every call in order, and what each call saw recorded before it (`violations`).
final class FakeTrainer: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [RunSpec] = []
    private var problems: [String] = []
    let R: @Sendable (RunSpec) -> Double?
    /// Called before each run is recorded: what is wrong about training it now, or nil.
    var check: (@Sendable (RunSpec) -> String?)?
    /// Called after each run, e.g. to request a stop.
    var after: (@Sendable (RunSpec) -> Void)?

    init(R: @escaping @Sendable (RunSpec) -> Double?) { self.R = R }

    var order: [RunSpec] { lock.withLock { calls } }
    var violations: [String] { lock.withLock { problems } }

    func run(_ spec: RunSpec) -> RunRecord {
        let problem = check?(spec)
        lock.withLock {
            calls.append(spec)
            if let problem { problems.append(problem) }
        }
        after?(spec)
        guard let r = R(spec) else { return RunRecord(spec: spec, failure: "training diverged (fake)", wallSeconds: 1) }
        return okRecord(spec, params: 1_000, bits: r * 1_000)
    }
}

/// `learningRateSearch` extensions: a family whose best rate is the largest (smallest) scanned
/// runs the next rate out with the scan seed, one at a time, until the best is inside the scan or
/// `maxExtensions` is reached; only then do its other seeds run, at the best rate.
final class RateExtensionTests: XCTestCase {
    func extendScenario(rates: String = "[0.01, 0.03]", search: String = #"{"seed": 1}"#, widths: String = "4") throws -> Scenario {
        try scenario("""
        {"name": "extend", "seeds": [1, 2, 3], "learningRateSearch": \(search),
         "datasets": [\(bioD("40"))], "models": [{"layers": 2, "heads": 1, "width": \(widths)}],
         "training": {"exposures": 3, "batchWindows": 2, "contextLength": 64, "learningRates": \(rates)}}
        """)
    }

    /// R peaking at `peak` on a log scale: 2 at the peak, 1 lower per factor of 10 away.
    static func peaked(at peak: Double) -> @Sendable (RunSpec) -> Double? {
        { 2 - abs(log10(Double("\($0.learningRate)")! / peak)) }
    }

    func sweep(_ s: Scenario, _ dir: URL, _ fake: FakeTrainer, shard: Shard? = nil, retryFailed: Bool = false,
               stop: StopSignal? = nil) throws -> ScenarioRunner.Summary {
        var runner = ScenarioRunner(cores: 2, shard: shard, retryFailed: retryFailed, saveCheckpoints: false)
        runner.fakeRun = fake.run
        runner.stop = stop
        return try runner.run(s, store: ResultStore(resultsRoot: dir, scenario: s.name, shard: shard), progress: nil)
    }

    func records(_ s: Scenario, _ dir: URL) throws -> [RunRecord] {
        try ResultStore.load(directory: dir.appendingPathComponent(s.name)).records
    }

    /// The rates recorded for `seed`, ascending, as keys print them.
    func rates(_ records: [RunRecord], seed: Int, width: Int = 4) -> [String] {
        records.filter { $0.spec.replicate == seed && $0.spec.model.width == width }.map(\.spec.learningRate).sorted().map { "\($0)" }
    }

    // MARK: The scenario's extension runs

    func testExtensionRunsFollowTheScansOwnRatioAtEachEdgeWithTheGridsSeeds() throws {
        let s = try extendScenario(rates: "[0.001, 0.003, 0.01]")
        XCTAssertEqual(s.runs.count, 9)
        // Above: 0.01 · (0.01 / 0.003)^i; below: 0.001 / (0.003 / 0.001)^i; every seed at each rate.
        let seed1 = s.extensionRuns.filter { $0.replicate == 1 }
        XCTAssertEqual(seed1.map { "\($0.learningRate)" }, ["0.0333333", "0.111111", "0.000333333", "0.000111111"])
        XCTAssertEqual(seed1[0].key, "bioD-N40-K6-D256-T256-first40-middle40-last100-gpt2-2-1-4-E3-lr0.0333333-bw2-ctx64-s1")
        XCTAssertEqual(s.extensionRuns.count, 4 * 3)
        XCTAssertEqual(s.extensionRuns.map(\.index), Array(9..<21), "indices go on after the grid's")
        XCTAssertEqual(Set(s.allRuns.map(\.key)).count, 21)
        // Seeds are paired: no rate enters them, so an extension trains on its grid runs' people and initial weights.
        for e in s.extensionRuns {
            let grid = s.runs.first { $0.replicate == e.replicate && $0.family == e.family }!
            XCTAssertEqual(e.seeds, grid.seeds, e.key)
            XCTAssertEqual(e.family, grid.family)
            XCTAssertNotEqual(e.fingerprint, grid.fingerprint)
        }
        let factor = try extendScenario(rates: "[0.001, 0.003, 0.01]", search: #"{"seed": 1, "factor": 3, "maxExtensions": 1}"#)
        XCTAssertEqual(factor.extensionRuns.filter { $0.replicate == 1 }.map { "\($0.learningRate)" }, ["0.03", "0.000333333"])
    }

    func testASingleRateExtendsOnlyWithAFactorUpwardFirstThenDownward() throws {
        XCTAssertEqual(try extendScenario(rates: "0.01").extensionRuns.count, 0, "no ratio to extend by")
        let s = try extendScenario(rates: "0.01", search: #"{"seed": 1, "factor": 2}"#)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrainer(R: Self.peaked(at: 0.005))
        _ = try sweep(s, dir, fake)
        // 0.02 is worse, so the best (0.01) is the smallest: 0.005 is better, 0.0025 worse.
        XCTAssertEqual(fake.order.filter { $0.replicate == 1 }.map { "\($0.learningRate)" }, ["0.01", "0.02", "0.005", "0.0025"])
        let r = try records(s, dir)
        XCTAssertEqual(rates(r, seed: 2), ["0.005"])
        XCTAssertEqual(rates(r, seed: 3), ["0.005"])
    }

    func testAnExtensionRateThatIsAnotherFamilysGridRateDoesNotClash() throws {
        let s = try scenario("""
        {"name": "extend", "seeds": [1, 2], "learningRateSearch": {"seed": 1},
         "datasets": [\(bioD("40"))],
         "models": [{"layers": 2, "heads": 1, "width": 4, "learningRates": [0.01, 0.03]},
                    {"layers": 2, "heads": 1, "width": 8, "learningRates": [0.09, 0.27, 0.81]}],
         "training": {"exposures": 3, "batchWindows": 2, "contextLength": 64}}
        """)
        let width4At009 = s.extensionRuns.filter { $0.model.width == 4 && $0.learningRate == 0.09 }
        let width8At009 = s.runs.filter { $0.model.width == 8 && $0.learningRate == 0.09 }
        XCTAssertEqual(width4At009.count, 2)
        XCTAssertTrue(Set(width4At009.map(\.key)).isDisjoint(with: width8At009.map(\.key)))
        XCTAssertEqual(Set(s.allRuns.map(\.key)).count, s.allRuns.count)
        // Width 4 peaks at 0.09 (reached by extension), width 8 inside its grid at 0.27: each
        // family decides on its own runs, and its other seeds follow its own best.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrainer(R: { $0.model.width == 4 ? Self.peaked(at: 0.09)($0) : Self.peaked(at: 0.27)($0) })
        _ = try sweep(s, dir, fake)
        let r = try records(s, dir)
        XCTAssertEqual(rates(r, seed: 1, width: 4), ["0.01", "0.03", "0.09", "0.27"])
        XCTAssertEqual(rates(r, seed: 2, width: 4), ["0.09"])
        XCTAssertEqual(rates(r, seed: 1, width: 8), ["0.09", "0.27", "0.81"])
        XCTAssertEqual(rates(r, seed: 2, width: 8), ["0.27"])
        XCTAssertTrue(try ResultStore(resultsRoot: dir, scenario: s.name).checkIdentity(s).isClean)
    }

    // MARK: The rule

    func testBestAtTheTopEdgeExtendsUpwardByTheRatioOneRunAtATime() throws {
        let s = try extendScenario()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrainer(R: Self.peaked(at: 0.09))
        let summary = try sweep(s, dir, fake)
        let r = try records(s, dir)
        // 0.03 beats 0.01: up by 3 to 0.09 (better), then 0.27 (worse): 0.09 is inside the scan.
        XCTAssertEqual(rates(r, seed: 1), ["0.01", "0.03", "0.09", "0.27"])
        XCTAssertEqual(rates(r, seed: 2), ["0.09"])
        XCTAssertEqual(rates(r, seed: 3), ["0.09"])
        XCTAssertEqual(summary.finished, 6)
        XCTAssertEqual(summary.total, 6 + 4, "the grid's 6 runs and the 4 extension-rate runs that trained")
        // Sequential: 0.09 before 0.27, the other seeds after both.
        let order = fake.order.map { "\($0.learningRate)-s\($0.replicate)" }
        XCTAssertLessThan(order.firstIndex(of: "0.09-s1")!, order.firstIndex(of: "0.27-s1")!)
        XCTAssertEqual(Set(order.suffix(2)), ["0.09-s2", "0.09-s3"])
        XCTAssertEqual(ScenarioRunner.bestRates(s, seed: 1, records: r), [s.runs[0].family: 0.09])
        let again = try sweep(s, dir, fake)
        XCTAssertEqual(again.finished, 0, "a rerun has nothing left to do")
        XCTAssertEqual(again.skipped, 6, "4 runs of seed 1, 2 of the other seeds")
    }

    func testBestAtTheBottomEdgeExtendsDownward() throws {
        let s = try extendScenario()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try sweep(s, dir, FakeTrainer(R: Self.peaked(at: 0.0033)))
        let r = try records(s, dir)
        XCTAssertEqual(rates(r, seed: 1), ["0.00111111", "0.00333333", "0.01", "0.03"])
        XCTAssertEqual(rates(r, seed: 2), ["0.00333333"])
    }

    func testAnInteriorBestDoesNotExtend() throws {
        let s = try extendScenario(rates: "[0.01, 0.03, 0.1]")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrainer(R: Self.peaked(at: 0.03))
        _ = try sweep(s, dir, fake)
        let r = try records(s, dir)
        XCTAssertEqual(rates(r, seed: 1), ["0.01", "0.03", "0.1"])
        XCTAssertEqual(rates(r, seed: 2), ["0.03"])
        XCTAssertTrue(r.allSatisfy { $0.spec.index < s.runs.count }, "no extension run")
        XCTAssertFalse(Report.markdown(records: r, title: "extend").contains("edge of the scan ("), "nothing to flag")
    }

    func testAtTheBoundTheOtherSeedsRunAtTheEdgeAndTheReportFlagsIt() throws {
        let s = try extendScenario()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try sweep(s, dir, FakeTrainer(R: { Double("\($0.learningRate)")! * 10 }))     // ever better upward
        let r = try records(s, dir)
        XCTAssertEqual(rates(r, seed: 1), ["0.01", "0.03", "0.09", "0.27"], "two extensions, the default bound")
        XCTAssertEqual(rates(r, seed: 2), ["0.27"])
        XCTAssertEqual(rates(r, seed: 3), ["0.27"])
        let md = Report.markdown(records: r, title: "extend")
        XCTAssertTrue(md.contains("| 0.27 — best rate at the edge of the scan (the largest tried): the optimum may lie above |"), md)
        XCTAssertTrue(md.contains("Best rate at the edge of the scan in 1 of 1 peak row(s)"), md)
        XCTAssertTrue(md.contains("- gpt2-2-1-4 · bioD-N40-K6-D256-T256-first40-middle40-last100 · E3 at lr 0.27: best rate at the edge of the scan (the largest tried)"), md)
        // The dry run has nothing left that may extend.
        let plan = try DryRun.plan(s, store: ResultStore(resultsRoot: dir, scenario: s.name), cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertTrue(plan.extending.isEmpty)
        XCTAssertTrue(plan.runs.allSatisfy { $0.status == .finished || $0.status == .notChosen }, "\(plan.runs.map(\.status))")
    }

    func testAFailedExtensionStopsThatSideAndIsNotAnEdge() throws {
        let s = try extendScenario()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrainer(R: { $0.learningRate == 0.09 ? nil : Double("\($0.learningRate)")! * 10 })
        let summary = try sweep(s, dir, fake)
        XCTAssertEqual(summary.failed, 1)
        let r = try records(s, dir)
        XCTAssertEqual(rates(r, seed: 1), ["0.01", "0.03", "0.09"], "0.27 never runs")
        XCTAssertEqual(rates(r, seed: 2), ["0.03"], "decided at the largest rate that trained")
        let md = Report.markdown(records: r, title: "extend")
        XCTAssertFalse(md.contains("best rate at the edge of the scan (the largest tried)"), "a failed larger rate was tried: \(md)")
        // --retry-failed tries the failed extension once more, and the search goes on from it.
        let retried = try sweep(s, dir, FakeTrainer(R: Self.peaked(at: 0.09)), retryFailed: true)
        XCTAssertEqual(retried.finished, 4, "0.09 and 0.27 with seed 1, 0.09 with seeds 2 and 3")
        XCTAssertEqual(rates(try records(s, dir), seed: 2), ["0.03", "0.09"])
        // A retry that fails again is recorded once, not retried in a loop.
        let dir2 = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir2) }
        _ = try sweep(s, dir2, fake)
        let failing = FakeTrainer(R: fake.R)
        XCTAssertEqual(try sweep(s, dir2, failing, retryFailed: true).failed, 1)
        XCTAssertEqual(failing.order.map(\.key), [s.extensionRuns.first { $0.replicate == 1 && $0.learningRate == 0.09 }!.key])
    }

    func testMaxExtensionsZeroIsTheGridScanAlone() throws {
        let zero = try extendScenario(rates: "[0.01, 0.03]", search: #"{"seed": 1, "maxExtensions": 0}"#)
        let two = try extendScenario(rates: "[0.01, 0.03]")
        XCTAssertEqual(zero.extensionRuns.count, 0)
        XCTAssertEqual(zero.runs.map(\.key), two.runs.map(\.key))
        XCTAssertEqual(zero.runs.map(\.fingerprint), two.runs.map(\.fingerprint), "the grid is the same with or without extensions")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeTrainer(R: { Double("\($0.learningRate)")! * 10 })
        let summary = try sweep(zero, dir, fake)
        // The scan, then the other seeds at the edge it found, as before extensions existed.
        XCTAssertEqual(summary.finished, 4)
        XCTAssertEqual(summary.total, 6)
        XCTAssertEqual(summary.skipped, 0)
        let order = fake.order.map { "\($0.learningRate)-s\($0.replicate)" }
        XCTAssertEqual(Set(order.prefix(2)), ["0.01-s1", "0.03-s1"])
        XCTAssertEqual(Set(order.suffix(2)), ["0.03-s2", "0.03-s3"])
        let r = try records(zero, dir)
        XCTAssertEqual(ScenarioRunner.bestRates(zero, seed: 1, records: r), [zero.runs[0].family: 0.03])
        let plan = try DryRun.plan(zero, store: ResultStore(resultsRoot: dir, scenario: zero.name), cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.map(\.key), zero.runs.map(\.key))
        XCTAssertEqual(plan.runs.filter { $0.status == .notChosen }.count, 2)
        XCTAssertTrue(plan.extending.isEmpty)
        XCTAssertTrue(Report.markdown(records: r, title: "extend").contains("| 0.03 — best rate at the edge of the scan (the largest tried)"))
    }

    // MARK: Shards, resumes, the dry run

    func testShardsDecideAFamilyOnlyOnceItsScanAndExtensionsAreRecorded() throws {
        let s = try extendScenario(widths: "[4, 8]")
        let dir = try temporaryDirectory(), alone = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: alone) }
        let R: @Sendable (RunSpec) -> Double? = { $0.model.width == 4 ? Self.peaked(at: 0.09)($0) : Self.peaked(at: 0.0033)($0) }
        let fake = FakeTrainer(R: R)
        let directory = dir.appendingPathComponent(s.name)
        // Before each run: an extension needs its family's grid and the nearer extension recorded;
        // another seed needs its family decided at its rate.
        fake.check = { spec in
            let recorded = (try? ResultStore.load(directory: directory).records) ?? []
            let keys = Set(recorded.map(\.key))
            if spec.replicate != 1 {
                let best = ScenarioRunner.bestRates(s, seed: 1, records: recorded)[spec.family]
                return best == spec.learningRate ? nil : "\(spec.key) trained with its family's best \(best.map { "\($0)" } ?? "undecided")"
            }
            guard spec.index >= s.runs.count else { return nil }
            let scan = s.rateScans.first { $0.family == spec.family }!
            let side = scan.above.contains(spec) ? scan.above : scan.below
            let needed = scan.grid + side.prefix(while: { $0 != spec })
            let missing = needed.filter { !keys.contains($0.key) }
            return missing.isEmpty ? nil : "\(spec.key) trained before \(missing.map(\.key))"
        }
        var cycles = 0
        while cycles < 10 {
            let trained = try (0..<2).map { try sweep(s, dir, fake, shard: try Shard(index: $0, count: 2)).finished }.reduce(0, +)
            cycles += 1
            if trained == 0 { break }
        }
        XCTAssertEqual(fake.violations, [])
        XCTAssertGreaterThan(cycles, 2, "extensions of one shard wait for the other's records, a rerun picks them up")
        // The same runs as one process trains alone.
        _ = try sweep(s, alone, FakeTrainer(R: R))
        XCTAssertEqual(Set(try records(s, dir).map(\.key)), Set(try records(s, alone).map(\.key)))
        XCTAssertEqual(rates(try records(s, dir), seed: 2, width: 8), ["0.00333333"])
    }

    func testAResumeMidExtensionPicksUpTheNextOne() throws {
        let s = try extendScenario()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stop = StopSignal()
        let first = FakeTrainer(R: Self.peaked(at: 0.09))
        first.after = { if $0.learningRate == 0.09 { _ = stop.request(signal: SIGTERM) } }
        _ = try sweep(s, dir, first, stop: stop)
        XCTAssertEqual(rates(try records(s, dir), seed: 1), ["0.01", "0.03", "0.09"])
        XCTAssertEqual(rates(try records(s, dir), seed: 2), [], "undecided: 0.09 is at the edge and 0.27 not recorded")
        // The dry run: 0.27 is next, the other seeds wait; below the scan nothing may come.
        let plan = try DryRun.plan(s, store: ResultStore(resultsRoot: dir, scenario: s.name), cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.filter { $0.status == .toDo }.map(\.key), [s.extensionRuns.first { $0.replicate == 1 && $0.learningRate == 0.27 }!.key])
        XCTAssertEqual(plan.runs.filter { $0.status == .afterScan }.count, 4)
        XCTAssertTrue(plan.extending.isEmpty, "0.27 is the last extension the bound allows")
        let second = FakeTrainer(R: Self.peaked(at: 0.09))
        _ = try sweep(s, dir, second)
        XCTAssertEqual(second.order.map { "\($0.learningRate)-s\($0.replicate)" }.first, "0.27-s1")
        XCTAssertEqual(Set(second.order.map { "\($0.learningRate)-s\($0.replicate)" }), ["0.27-s1", "0.09-s2", "0.09-s3"])
    }

    func testTheDryRunShowsTheFamiliesThatMayStillExtend() throws {
        let s = try extendScenario()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ResultStore(resultsRoot: dir, scenario: s.name)
        var plan = try DryRun.plan(s, store: store, cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        // Before the scan: either side may extend (two each), one side at most will.
        XCTAssertEqual(plan.runs.filter { $0.status == .mayExtend }.count, 4)
        XCTAssertEqual(plan.extending.map(\.runsAtMost), [2])
        XCTAssertGreaterThan(plan.extensionSecondsAtMost, 0)
        XCTAssertEqual(plan.toTrain.count, 2 + 2, "the scan and one stand-in per other seed; extensions are not in the total")
        // The scan's best is its largest rate: 0.09 is to do, 0.27 may follow.
        for r in s.runs where r.replicate == 1 { try store.append(okRecord(r, params: 1_000, bits: r.learningRate == 0.03 ? 900 : 500)) }
        plan = try DryRun.plan(s, store: store, cores: 1, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(plan.runs.filter { $0.status == .toDo }.map(\.key), [s.extensionRuns.first { $0.replicate == 1 && $0.learningRate == 0.09 }!.key])
        XCTAssertEqual(plan.runs.filter { $0.status == .mayExtend }.map(\.key), [s.extensionRuns.first { $0.replicate == 1 && $0.learningRate == 0.27 }!.key])
        XCTAssertEqual(plan.extending.map(\.runsAtMost), [1])
    }

    // MARK: Identity

    func testIdentityAcceptsExtensionRecordsAndAChangedFactorOrphansThem() throws {
        let s = try extendScenario(search: #"{"seed": 1, "factor": 3}"#)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try sweep(s, dir, FakeTrainer(R: { Double("\($0.learningRate)")! * 10 }))
        let store = ResultStore(resultsRoot: dir, scenario: s.name)
        let recorded = try store.loadAll().records
        let extensions = recorded.filter { $0.spec.index >= s.runs.count }.map(\.key)
        XCTAssertEqual(extensions.count, 4, "0.09 and 0.27 with seed 1, 0.27 with seeds 2 and 3")
        let same = try store.checkIdentity(s)
        XCTAssertTrue(same.isClean)
        XCTAssertEqual(same.current.count, recorded.count)
        // Another factor puts the extensions at other rates, so under other keys.
        let factor2 = try store.checkIdentity(try extendScenario(search: #"{"seed": 1, "factor": 2}"#))
        XCTAssertEqual(Set(factor2.orphaned), Set(extensions))
        XCTAssertTrue(factor2.changed.isEmpty)
        // The scan's own ratio is 3 here: the same rates, the same runs.
        XCTAssertTrue(try store.checkIdentity(try extendScenario()).isClean)
        // A lower bound leaves the farther extension out; no search leaves every extension out.
        let one = try store.checkIdentity(try extendScenario(search: #"{"seed": 1, "maxExtensions": 1}"#))
        XCTAssertEqual(Set(one.orphaned), Set(recorded.filter { $0.spec.learningRate == 0.27 }.map(\.key)))
        let message = "\(RunIdentityError(directory: "d", check: one))"
        XCTAssertTrue(message.contains("3 recorded run(s) are not runs of the scenario"), message)
        // A setting outside the key changes the extension runs like the grid's.
        let changedEvaluation = try scenario("""
        {"name": "extend", "seeds": [1, 2, 3], "learningRateSearch": {"seed": 1, "factor": 3}, "evaluation": {"seed": 2},
         "datasets": [\(bioD("40"))], "models": [{"layers": 2, "heads": 1, "width": 4}],
         "training": {"exposures": 3, "batchWindows": 2, "contextLength": 64, "learningRates": [0.01, 0.03]}}
        """)
        let changed = try store.checkIdentity(changedEvaluation)
        XCTAssertEqual(Set(changed.changed.map(\.key)), Set(recorded.map(\.key)))
        XCTAssertTrue(changed.changed.first { $0.key == extensions[0] }!.differences.contains("evaluation.seed: 1 → 2"))
        // Report and export read an extension record like any other.
        let ext = recorded.first { $0.key == extensions[0] }!
        let out = dir.appendingPathComponent("export.jsonl").path
        XCTAssertGreaterThan(try exportRun(ext, to: out).windows, 0)
        XCTAssertTrue(Report.markdown(records: recorded, title: "extend").contains(ext.key))
    }

    // MARK: Loader

    func testSearchKeysAreValidatedWithTheirPaths() {
        let rest = #""datasets": [\#(bioD("40"))], "models": [{"layers": 2, "heads": 1, "width": 8}], "training": {"exposures": 3}"#
        XCTAssertEqual(scenarioError(#"{"learningRateSearch": {"seed": 1, "factor": 1}, \#(rest)}"#),
                       "scenarios/x.json: learningRateSearch.factor: expected a number greater than 1 (the ratio between two scanned rates), found 1")
        XCTAssertEqual(scenarioError(#"{"learningRateSearch": {"seed": 1, "factor": 0.5}, \#(rest)}"#),
                       "scenarios/x.json: learningRateSearch.factor: expected a number greater than 1 (the ratio between two scanned rates), found 0.5")
        XCTAssertEqual(scenarioError(#"{"learningRateSearch": {"seed": 1, "factor": "3"}, \#(rest)}"#),
                       #"scenarios/x.json: learningRateSearch.factor: expected a number, found "3""#)
        XCTAssertEqual(scenarioError(#"{"learningRateSearch": {"seed": 1, "maxExtensions": -1}, \#(rest)}"#),
                       "scenarios/x.json: learningRateSearch.maxExtensions: expected a non-negative integer (0: scan the listed rates only), found -1")
        XCTAssertEqual(scenarioError(#"{"learningRateSearch": {"seed": 1, "maxExtensions": 1.5}, \#(rest)}"#),
                       "scenarios/x.json: learningRateSearch.maxExtensions: expected an integer, found 1.5")
        XCTAssertTrue(scenarioError(#"{"learningRateSearch": {"seed": 1, "maxExtension": 1}, \#(rest)}"#)
                        .contains(#"learningRateSearch.maxExtension: unknown key (did you mean "maxExtensions"?)"#))
        XCTAssertTrue(scenarioError(#"{"learningRateSearch": {"seed": 1, "factor": 1.0001, "maxExtensions": 100000}, "seeds": [1], \#(rest.replacingOccurrences(of: #""exposures": 3"#, with: #""exposures": 3, "learningRates": [0.01, 0.02]"#))}"#)
                        .hasPrefix("scenarios/x.json: learningRateSearch.maxExtensions: the grid's 2 runs and their learning-rate extensions are more than 100000 runs"))
    }

    func testTheSearchDefaultsToTwoExtensionsAndTheScansOwnRatio() throws {
        let s = try extendScenario()
        XCTAssertEqual(s.learningRateSearch, LearningRateSearch(seed: 1, factor: nil, maxExtensions: 2))
        XCTAssertEqual(s.extensionRuns.filter { $0.replicate == 1 }.map { "\($0.learningRate)" }, ["0.09", "0.27", "0.00333333", "0.00111111"])
    }
}
