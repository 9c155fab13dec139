import Biographies
import Foundation
import Kernels
import XCTest
@testable import Experiments

/// A results directory never mixes settings: a rerun reuses a recorded run only when the scenario
/// would train it with the same spec (fingerprint), keys come from a run's own settings, and seeds
/// are paired (every model and rate at one N and replicate trains on the same people).
final class RunIdentityTests: XCTestCase {
    /// Two tiny runs (two learning rates) that train in well under a second each.
    func tiny(evaluationSeed: Int = 1, scenarioSeed: Int = 0, training: String = "", models: String = #"{"layers": 2, "heads": 1, "width": 4}"#) throws -> Scenario {
        try scenario("""
        {"name": "tiny", "seed": \(scenarioSeed), "datasets": [\(bioD("40"))], "models": [\(models)],
         "training": {"exposures": 3, "batchWindows": 2, "contextLength": 64, "learningRates": [0.01, 0.03]\(training)},
         "evaluation": {"seed": \(evaluationSeed)}}
        """)
    }

    func trained(_ s: Scenario) throws -> (ResultStore, ScenarioRunner.Summary) {
        let dir = try temporaryDirectory()
        let store = ResultStore(resultsRoot: dir, scenario: s.name)
        let summary = try ScenarioRunner(cores: 2, saveCheckpoints: false).run(s, store: store, progress: nil)
        XCTAssertEqual(summary.finished, s.runs.count)
        return (store, summary)
    }

    func identityError(_ body: () throws -> Void, line: UInt = #line) -> String {
        do { try body(); XCTFail("expected a RunIdentityError", line: line) } catch let e as RunIdentityError { return e.description } catch {
            XCTFail("expected a RunIdentityError, got \(error)", line: line)
        }
        return ""
    }

    func testASettingOutsideTheKeyThatChangedStopsTheRerunAndIsNamed() throws {
        let (store, _) = try trained(try tiny())
        let before = try Data(contentsOf: store.fileURL)
        let changed = try tiny(evaluationSeed: 2)
        XCTAssertEqual(changed.runs.map(\.key), try tiny().runs.map(\.key), "the evaluation is not in the key")
        let message = identityError { _ = try ScenarioRunner(cores: 2, saveCheckpoints: false).run(changed, store: store, progress: nil) }
        XCTAssertTrue(message.contains("2 recorded run(s) were trained with settings the scenario no longer has"), message)
        XCTAssertTrue(message.contains("evaluation.seed: 1 → 2"), message)
        XCTAssertTrue(message.contains(changed.runs[0].key), message)
        XCTAssertTrue(message.contains("--replace") && message.contains("--results"), message)
        XCTAssertEqual(try Data(contentsOf: store.fileURL), before, "nothing trained, nothing written")
        // The dry run says the same instead of "0 to do".
        let dry = identityError { _ = try DryRun.plan(changed, store: store, cores: 1, timer: StepTimer(budgetSeconds: 0.01)) }
        XCTAssertEqual(dry, message)
    }

    func testAChangedScenarioSeedIsAChangeOfEverySeed() throws {
        let (store, _) = try trained(try tiny())
        let message = identityError { try ScenarioRunner.reconcile(try tiny(scenarioSeed: 7), store: store, replace: false) }
        XCTAssertTrue(message.contains("seeds.dataset:") && message.contains("seeds.init:"), message)
    }

    func testASettingInTheKeyThatChangedLeavesNoOrphans() throws {
        let (store, _) = try trained(try tiny())
        let changed = try tiny(training: #", "weightDecay": 0.1"#)
        XCTAssertTrue(changed.runs.allSatisfy { $0.key.contains("-wd0.1-") }, "\(changed.runs.map(\.key))")
        let message = identityError { _ = try ScenarioRunner(cores: 2, saveCheckpoints: false).run(changed, store: store, progress: nil) }
        XCTAssertTrue(message.contains("2 recorded run(s) are not runs of the scenario"), message)
        XCTAssertTrue(message.contains(try tiny().runs[0].key), message)
        XCTAssertEqual(try store.loadAll().records.count, 2)
    }

    func testReplaceMovesTheOldLinesToSupersededAndRetrains() throws {
        // Two models; the changed scenario keeps only the first, so the second's runs are orphans.
        let (store, _) = try trained(try tiny(models: #"{"layers": 2, "heads": 1, "width": 4}, {"layers": 2, "heads": 1, "width": 6}"#))
        let old = try store.loadAll().records
        let curves = store.directory.appendingPathComponent("curves")
        let oldCurves = try old.map { try Data(contentsOf: curves.appendingPathComponent("\($0.key).jsonl")) }
        let orphans = old.map(\.key).filter { $0.contains("-2-1-6-") }
        XCTAssertEqual(orphans.count, 2)
        let changed = try tiny(evaluationSeed: 2)
        let plan = try DryRun.plan(changed, store: store, cores: 1, replace: true, timer: StepTimer(budgetSeconds: 0.01))
        XCTAssertEqual(Set(plan.replacing), Set(old.map(\.key)).subtracting(orphans))
        XCTAssertEqual(Set(plan.settingAside), Set(orphans))
        XCTAssertEqual(plan.runs.map(\.status), [.toDo, .toDo], "a changed run is to do again under --replace")
        let summary = try ScenarioRunner(cores: 2, saveCheckpoints: false, replace: true).run(changed, store: store, progress: nil)
        XCTAssertEqual(summary.finished, 2)
        XCTAssertEqual(summary.skipped, 0)
        let now = try store.loadAll().records
        XCTAssertEqual(Set(now.map(\.fingerprint)), Set(changed.runs.map(\.fingerprint)))
        XCTAssertTrue(now.allSatisfy { $0.spec.evaluation.seed == 2 })
        let superseded = try ResultStore.parse(Data(contentsOf: store.directory.appendingPathComponent("superseded.jsonl")), file: "superseded.jsonl")
        XCTAssertEqual(superseded.records.sorted { $0.key < $1.key }, old.sorted { $0.key < $1.key }, "the replaced lines are kept")
        let moved = store.directory.appendingPathComponent("superseded/curves")
        for (r, curve) in zip(old, oldCurves) {
            XCTAssertEqual(try Data(contentsOf: moved.appendingPathComponent("\(r.key).jsonl")), curve, "the old curve is kept beside its line")
            XCTAssertEqual(FileManager.default.fileExists(atPath: curves.appendingPathComponent("\(r.key).jsonl").path), !orphans.contains(r.key),
                           "curves/ holds the retrained runs' curves and no orphan's")
        }
        XCTAssertTrue(try store.checkIdentity(changed).isClean)
    }

    func testAddingAModelWithItsOwnTrainingNeverRenamesTheOthers() throws {
        let first = try tiny()
        let (store, _) = try trained(first)
        let grown = try tiny(models: #"{"layers": 2, "heads": 1, "width": 4}, {"layers": 2, "heads": 1, "width": 8, "training": {"batchWindows": 1}}"#)
        XCTAssertEqual(Array(grown.runs.prefix(2).map(\.key)), first.runs.map(\.key))
        XCTAssertEqual(Array(grown.runs.prefix(2).map(\.fingerprint)), first.runs.map(\.fingerprint))
        XCTAssertTrue(grown.runs[2].key.contains("-bw1-"), grown.runs[2].key)
        let summary = try ScenarioRunner(cores: 2, saveCheckpoints: false).run(grown, store: store, progress: nil)
        XCTAssertEqual(summary.skipped, 2, "the first model's runs are reused")
        XCTAssertEqual(summary.finished, 2)
    }

    func testKeysNameEveryNonDefaultSettingOfTheRunItself() throws {
        let s = try scenario("""
        {"datasets": [{"kind": "bioD", "people": 40, "attributes": 4, "diversity": 16, "alphabet": 16}],
         "models": [{"layers": 2, "heads": 1, "width": 8, "mlp": "gatedSiLU", "normBias": false, "label": "llama"},
                    {"layers": 2, "heads": 1, "width": 8, "mlp": "moe", "experts": 4}],
         "training": {"exposures": 3, "contextLength": 64, "weightPrecision": "bf16", "learningRates": 0.01}}
        """)
        XCTAssertEqual(s.runs.map(\.key), ["bioD-N40-K4-D16-T16-llama-2-1-8-gatedSiLU-noNormBias-E3-lr0.01-bf16-ctx64-s1",
                                           "bioD-N40-K4-D16-T16-gpt2-2-1-8-moe-experts4-E3-lr0.01-bf16-ctx64-s1"])
        XCTAssertEqual(s.runs[0].family, "bioD-N40-K4-D16-T16-llama-2-1-8-gatedSiLU-noNormBias-E3-bf16-ctx64")
    }

    func testSeedsArePairedAcrossModelsAndLearningRates() throws {
        let s = try scenario("""
        {"seed": 5, "seeds": [1, 2], "datasets": [\(bioD("[40, 60]"))],
         "models": [{"layers": 2, "heads": 1, "width": [4, 8]}, {"layers": 2, "heads": 1, "width": 4, "label": "other", "training": {"batchWindows": 1}}],
         "training": {"exposures": 3, "contextLength": 64, "learningRates": [0.01, 0.03]}}
        """)
        XCTAssertEqual(s.runs.count, 2 * 3 * 2 * 2)
        for (n, runs) in Dictionary(grouping: s.runs, by: { "\($0.people)|\($0.replicate)" }) {
            XCTAssertEqual(Set(runs.map(\.datasetSeed)).count, 1, "one draw of the people per N and replicate: \(n)")
            XCTAssertEqual(Set(runs.map(\.streamSeed)).count, 1, "one stream per N and replicate: \(n)")
        }
        XCTAssertEqual(Set(s.runs.map(\.datasetSeed)).count, 4, "2 N × 2 replicates")
        // The initial weights: one per model and replicate, the same at every N and rate.
        for (m, runs) in Dictionary(grouping: s.runs, by: { "\($0.model.width)|\($0.replicate)" }) {
            XCTAssertEqual(Set(runs.map(\.initSeed)).count, 1, m)
        }
        XCTAssertEqual(Set(s.runs.map(\.initSeed)).count, 4, "2 widths × 2 replicates (the label and the batch size are not the model)")
        // The same people, name for name, for two models at two rates.
        let a = s.runs.first { $0.people == 40 && $0.replicate == 1 && $0.model.width == 4 && $0.learningRate == 0.01 }!
        let b = s.runs.first { $0.people == 40 && $0.replicate == 1 && $0.model.width == 8 && $0.learningRate == 0.03 }!
        let c = s.runs.first { $0.people == 40 && $0.replicate == 2 && $0.model.width == 4 && $0.learningRate == 0.01 }!
        let (da, db, dc) = (try PreparedRun(a).dataset, try PreparedRun(b).dataset, try PreparedRun(c).dataset)
        let people = 0..<40
        XCTAssertEqual(people.map { da.name(of: $0) + da.valueStrings(of: $0).joined() }, people.map { db.name(of: $0) + db.valueStrings(of: $0).joined() })
        XCTAssertNotEqual(people.map(da.name(of:)), people.map(dc.name(of:)), "another replicate draws other people")
        XCTAssertNotEqual(a.fingerprint, b.fingerprint)
    }

    func testFingerprintIsTheRunsSettingsNotItsLabelsOrTrainedVocabulary() throws {
        let r = try tiny().runs[0]
        var trained = r
        trained.model.vocabularySize = 443
        trained.key = "renamed"; trained.index = 9; trained.datasetLabel = "x"
        XCTAssertEqual(trained.fingerprint, r.fingerprint)
        var other = r
        other.training.beta2 = 0.95
        XCTAssertNotEqual(other.fingerprint, r.fingerprint)
        XCTAssertEqual(r.differences(from: other), ["training.beta2: 0.98 → 0.95"])
        XCTAssertEqual(r.fingerprint.count, 16)
    }

    /// A line written before the paired rule (format 1): no fingerprint, no `seeds`, one run seed.
    func testFormatOneLinesStillReadWithTheirKeyedSeedsAndAreNeverReused() throws {
        let s = try tiny()
        let record = okRecord(s.runs[0], params: 1_000, bits: 500)
        var object = try JSONSerialization.jsonObject(with: ResultStore.encode(record)) as! [String: Any]
        var spec = object["spec"] as! [String: Any]
        let runSeed: UInt64 = 12_345_678_901_234_567_890
        for k in ["seeds", "scenarioSeed"] { spec.removeValue(forKey: k) }
        spec["seed"] = NSNumber(value: runSeed)
        object["spec"] = spec
        for k in ["format", "fingerprint", "seedStrings", "datasetSeed", "streamSeed", "initSeed"] { object.removeValue(forKey: k) }
        object["seed"] = NSNumber(value: runSeed)
        let line = try JSONSerialization.data(withJSONObject: object)
        let old = try ResultStore.decode(line: ArraySlice([UInt8](line)))
        XCTAssertEqual(old.format, 1)
        XCTAssertEqual(old.spec.seedRule, "keyed")
        XCTAssertEqual(old.datasetSeed, deriveSeed(runSeed, "dataset"))
        XCTAssertEqual(old.spec.initSeed, deriveSeed(runSeed, "init"))
        XCTAssertEqual(old.seedStrings["run"], "12345678901234567890")
        let check = IdentityCheck(scenario: s, records: [old])
        XCTAssertEqual(check.changed.map(\.key), [s.runs[0].key])
        XCTAssertTrue(check.changed[0].differences.contains { $0.hasPrefix("seed rule: keyed → paired") }, "\(check.changed[0].differences)")
    }

    func testNewLinesCarryFormatFingerprintAndSeedsAsStrings() throws {
        let r = try tiny(scenarioSeed: 3).runs[0]
        let object = try JSONSerialization.jsonObject(with: ResultStore.encode(okRecord(r, params: 1_000, bits: 500))) as! [String: Any]
        XCTAssertEqual(object["format"] as? Int, 2)
        XCTAssertEqual(object["fingerprint"] as? String, r.fingerprint)
        XCTAssertNil(object["seed"], "no run seed under the paired rule")
        let strings = object["seedStrings"] as! [String: String]
        XCTAssertEqual(strings, ["dataset": "\(r.datasetSeed)", "stream": "\(r.streamSeed)", "init": "\(r.initSeed)",
                                 "scenario": "3", "evaluation": "1"])
    }
}

/// The same rules through the binary: a refused rerun writes nothing (scenario.json included);
/// `evaluate` speaks the records' vocabulary and refuses options its run cannot honour.
final class RunIdentityCLITests: XCTestCase {
    func capacity(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try runCapacity(args) }

    func scenarioText(evaluationSeed: Int) -> String {
        """
        {"name": "cli", "datasets": [{"kind": "bioD", "people": 20, "attributes": 2, "diversity": 16, "alphabet": 16,
                                      "firstNames": 10, "middleNames": 10, "lastNames": 10}],
         "models": [{"layers": 1, "heads": 1, "width": 4}],
         "training": {"exposures": 4, "contextLength": 32, "batchWindows": 2, "learningRates": [0.01]},
         "evaluation": {"seed": \(evaluationSeed)}}
        """
    }

    func testARefusedRerunWritesNothingAndReplaceRetrains() throws {
        let dir = temporaryDirectory("identity")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cli.json"), results = dir.appendingPathComponent("results")
        try scenarioText(evaluationSeed: 1).write(to: file, atomically: true, encoding: .utf8)
        let first = try capacity(["run", file.path, "--results", results.path, "--cores", "1"])
        XCTAssertEqual(first.status, 0, first.err)
        let saved = results.appendingPathComponent("cli/scenario.json"), runs = results.appendingPathComponent("cli/runs.jsonl")
        let (savedBefore, runsBefore) = (try Data(contentsOf: saved), try Data(contentsOf: runs))

        try scenarioText(evaluationSeed: 2).write(to: file, atomically: true, encoding: .utf8)
        for args in [["run", file.path, "--results", results.path, "--cores", "1"],
                     ["run", file.path, "--results", results.path, "--cores", "1", "--dry-run"]] {
            let r = try capacity(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.out)")
            XCTAssertTrue(r.err.contains("evaluation.seed: 1 → 2") && r.err.contains("--replace"), r.err)
        }
        XCTAssertEqual(try Data(contentsOf: saved), savedBefore, "scenario.json still describes the runs beside it")
        XCTAssertEqual(try Data(contentsOf: runs), runsBefore)

        let replaced = try capacity(["run", file.path, "--results", results.path, "--cores", "1", "--replace"])
        XCTAssertEqual(replaced.status, 0, replaced.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("cli/superseded.jsonl").path))
        XCTAssertEqual(try String(contentsOf: saved, encoding: .utf8), scenarioText(evaluationSeed: 2))
    }

    func testEvaluateReportsTheRecordsNumbersUnderTheRecordsNames() throws {
        let dir = temporaryDirectory("evaluate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cli.json"), results = dir.appendingPathComponent("results")
        // Plain data, noise junk with a domain token and repetitive junk: the runs whose
        // parameter count (the embedding rows of the stream's tokens) differs from the dataset's.
        let bioD = #"{"kind": "bioD", "people": 20, "attributes": 2, "diversity": 16, "alphabet": 16, "firstNames": 10, "middleNames": 10, "lastNames": 10}"#
        let junkBioD = #"{"kind": "bioD", "people": 3, "attributes": 2, "diversity": 16, "alphabet": 16, "firstNames": 20, "middleNames": 20, "lastNames": 20}"#
        try """
        {"name": "cli", "datasets": [\(bioD)],
         "models": [{"layers": 1, "heads": 1, "width": 4}],
         "training": {"exposures": 4, "contextLength": 32, "batchWindows": 2, "learningRates": [0.01]},
         "junk": [{"name": "clean"},
                  {"name": "noise-domain", "fraction": 0.3, "freshPeople": true, "domainToken": true, "dataset": \(junkBioD)},
                  {"name": "repetitive", "fraction": 0.3, "dataset": \(junkBioD)}],
         "evaluation": {"seed": 1}}
        """.write(to: file, atomically: true, encoding: .utf8)
        let ran = try capacity(["run", file.path, "--results", results.path, "--cores", "1"])
        XCTAssertEqual(ran.status, 0, ran.err)
        let records = try ResultStore.load(directory: results.appendingPathComponent("cli")).records
        XCTAssertEqual(records.count, 3)
        let planned = try capacity(["run", file.path, "--results", results.path, "--dry-run", "--json"])
        XCTAssertEqual(planned.status, 0, planned.err)
        let plan = try planned.out.split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        var checkpoint = ""
        for record in records {
            checkpoint = results.appendingPathComponent("cli/checkpoints/\(record.key).ckpt").path
            let r = try capacity(["evaluate", checkpoint, "--json", "--threads", "1"])
            XCTAssertEqual(r.status, 0, r.err)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let m = try XCTUnwrap(record.metrics)
            XCTAssertEqual(json["key"] as? String, record.key)
            XCTAssertEqual(json["fingerprint"] as? String, record.fingerprint)
            XCTAssertEqual(json["paramsPaper"] as? Int, m.paramsPaper, record.key)
            XCTAssertEqual(json["paramsTotal"] as? Int, m.paramsTotal)
            XCTAssertEqual(plan.first { $0["key"] as? String == record.key }?["paramsPaper"] as? Int, m.paramsPaper, "the dry run's count")
            // The checkpoint scored again is the record (to the last digit or two that the two
            // JSON parsers, JSONSerialization here and JSONDecoder for the record, may round apart).
            func same(_ a: Double?, _ b: Double?, _ what: String) throws {
                let (a, b) = (try XCTUnwrap(a, what), try XCTUnwrap(b, what))
                XCTAssertEqual(a, b, accuracy: 1e-14 * max(1, abs(b)), "\(record.key): \(what)")
            }
            try same((json["bits"] as? [String: Any])?["total"] as? Double, m.bits.total, "bits")
            try same(json["capacityRatio"] as? Double, m.capacityRatio, "R")
            try same(json["capacityRatioMax"] as? Double, m.capacityRatioMax, "R_max")
            try same(json["valueNatsPerPerson"] as? Double, m.valueNatsPerPerson, "value loss")
            XCTAssertEqual(try XCTUnwrap(json["dataBits"] as? Double), m.dataBits, accuracy: 1e-9)
            XCTAssertNil(json["p2Nats"], "one name, one quantity: the per-person value loss is valueNatsPerPerson")
            XCTAssertNil(json["datasetBits"])
            XCTAssertEqual((json["seedStrings"] as? [String: String])?["dataset"], "\(record.datasetSeed)")
        }
        XCTAssertEqual(Set(records.compactMap { $0.metrics?.paramsPaper }).count, 3, "junk and the domain token add embedding rows")

        for (args, expected) in [([results.appendingPathComponent("cli").path], "is a directory; expected a checkpoint file"),
                                 ([checkpoint, "--people", "21"], "at most the run's 20 people"),
                                 ([checkpoint, "--renderings", "3"], "only bioS scores fresh renderings")] {
            let e = try capacity(["evaluate"] + args)
            XCTAssertEqual(e.status, 1, "\(args)")
            XCTAssertEqual(e.err.split(separator: "\n").count, 1, e.err)
            XCTAssertTrue(e.err.contains(expected), e.err)
        }
    }
}
