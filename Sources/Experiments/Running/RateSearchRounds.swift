import Foundation

/// The learning-rate search as the scheduler runs it: rounds of scan, extension and chosen-seed
/// runs (which run is in which phase is `RateSearchPhases`, RateSearch.swift).
extension ScenarioRunner {
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

}
