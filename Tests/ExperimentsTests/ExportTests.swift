import XCTest
import Foundation
import Kernels
import Coding
import Biographies
import Transformer
import Capacity
@testable import Experiments

/// Collects what a run trains on (thread-safe: the executor calls it from its own thread).
final class WindowLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var inputs: [[Int32]] = []
    private(set) var targets: [[Int32]] = []
    func add(_ i: [Int32], _ t: [Int32], windows: Int, T: Int) {
        lock.lock(); defer { lock.unlock() }
        for w in 0..<windows {
            inputs.append(Array(i[(w * T)..<((w + 1) * T)]))
            targets.append(Array(t[(w * T)..<((w + 1) * T)]))
        }
    }
}

/// A scorer that remembers every row the evaluator asks about and scores nothing.
struct RecordingScorer: SequenceScorer {
    var contextLength: Int
    var maxTokensPerCall: Int { 4 * contextLength }
    var rows: [[Int32]] = []
    mutating func score(inputs: [Int32], targets: [Int32], batch: Int, seqLen: Int,
                        losses: UnsafeMutablePointer<Float>, greedy: UnsafeMutablePointer<Bool>) {
        for r in 0..<batch {
            // The rendering: its first input, then every target up to the padding.
            var row = [inputs[r * seqLen]]
            for j in 0..<seqLen where targets[r * seqLen + j] >= 0 { row.append(targets[r * seqLen + j]) }
            rows.append(row)
        }
        for p in 0..<(batch * seqLen) { losses[p] = 0; greedy[p] = false }
    }
}

func jsonLines(_ url: URL) throws -> [[String: Any]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

final class ExportTests: XCTestCase {
    /// bioS with noise junk, a domain token, a sample of people and two renderings each: every
    /// part of the export that can differ from the plain case.
    static let scenario = #"""
    {"name": "export",
     "datasets": [{"kind": "bioS", "people": 30, "firstNames": 20, "middleNames": 20, "lastNames": 50,
                   "templatesPerAttribute": 3}],
     "models": [{"layers": 1, "heads": 1, "width": 8}],
     "training": {"exposures": 2, "contextLength": 128, "batchWindows": 3, "learningRates": 0.01},
     "junk": [{"name": "noise", "dataset": {"kind": "bioS", "people": 10, "firstNames": 20, "middleNames": 20,
               "lastNames": 50, "templatesPerAttribute": 3}, "fraction": 0.5, "freshPeople": true, "domainToken": true}],
     "evaluation": {"people": 12, "renderings": 2, "seed": 7}}
    """#

    func testExportMatchesTheRunsOwnStreamAndEvaluationTokenForToken() throws {
        let spec = try Scenario.parse(Data(Self.scenario.utf8), file: "export.json").runs[0]
        let T = spec.stream.contextLength
        let log = WindowLog()
        var executor = RunExecutor(threads: 1)
        executor.observeWindows = { i, t, n in log.add(i, t, windows: n, T: T) }
        let record = executor.run(spec, progress: nil)
        XCTAssertEqual(record.status, .ok, record.reason ?? "")

        let dir = temporaryDirectory("export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("run.jsonl")
        let summary = try exportRun(record, to: file.path)
        let lines = try jsonLines(file)
        let header = lines[0]
        XCTAssertEqual(header["type"] as? String, "header")
        XCTAssertEqual(header["key"] as? String, spec.key)
        XCTAssertEqual((header["datasetSeed"] as? NSNumber)?.uint64Value, record.spec.datasetSeed)
        XCTAssertEqual((header["streamSeed"] as? NSNumber)?.uint64Value, record.spec.streamSeed)
        XCTAssertEqual(header["seedRule"] as? String, "paired")
        XCTAssertEqual(header["fingerprint"] as? String, spec.fingerprint)
        XCTAssertEqual((header["seedStrings"] as? [String: String])?["init"], "\(spec.initSeed)")

        // The training stream, window by window, as the trainer received it.
        let windows = lines.filter { $0["type"] as? String == "window" }
        XCTAssertEqual(windows.count, log.inputs.count)
        XCTAssertEqual(summary.windows, log.inputs.count)
        XCTAssertEqual(header["windows"] as? Int, log.inputs.count)
        var junkWindows = 0, domainTokens = 0
        let domain = (header["domainToken"] as! NSNumber).int32Value
        for (w, line) in windows.enumerated() {
            let tokens = (line["tokens"] as! [NSNumber]).map(\.int32Value)
            let trained = line["targets"] as! Int
            XCTAssertEqual(tokens.count, T + 1)
            XCTAssertEqual(Array(tokens[0..<T]), log.inputs[w], "inputs of window \(w)")
            let targets = (0..<T).map { j in j < trained ? tokens[j + 1] : -1 }
            XCTAssertEqual(targets, log.targets[w], "targets of window \(w)")
            if line["junk"] as! Bool { junkWindows += 1 }
            domainTokens += tokens[0..<T].filter { $0 == domain }.count
        }
        XCTAssertGreaterThan(junkWindows, 0)
        XCTAssertEqual(header["junkWindows"] as? Int, junkWindows)
        XCTAssertGreaterThan(domainTokens, 0)

        // The evaluation set, rendering by rendering, as the evaluator scores it.
        let dataset = try PreparedRun(spec).dataset
        var scorer = RecordingScorer(contextLength: T)
        let evaluation = try evaluate(scorer: &scorer, dataset: dataset, people: spec.evaluation.sampleSize,
                                      renderings: spec.evaluation.renderings, seed: spec.evaluation.seed,
                                      domainToken: spec.stream.domainToken)
        let scored = lines.filter { $0["type"] as? String == "score" }
        XCTAssertEqual(scored.count, 12 * 2)
        XCTAssertEqual(scored.count, scorer.rows.count)
        XCTAssertEqual(Set(scored.map { $0["person"] as! Int }).count, evaluation.peopleScored)
        XCTAssertEqual(record.metrics?.peopleScored, evaluation.peopleScored)
        for (i, line) in scored.enumerated() {
            XCTAssertEqual((line["tokens"] as! [NSNumber]).map(\.int32Value), scorer.rows[i], "scored rendering \(i)")
            let r = dataset.evaluationRendering(person: line["person"] as! Int, sample: line["sample"] as! Int,
                                                seed: spec.evaluation.seed, domainToken: true)
            XCTAssertEqual(line["nameSpan"] as! [Int], [r.nameSpan.lowerBound, r.nameSpan.upperBound])
            XCTAssertEqual((line["valueSpans"] as! [[Int]]).count, dataset.attributeNames.count)
        }
    }

    /// A spec that never went through a scenario loader (a checkpoint's, a hand-built one) meets the
    /// types' own rules when the run is prepared: a bad model or optimizer setting is that run's
    /// failed record, naming the field, instead of a trap in the rotary table or the optimizer.
    func testASpecOutsideTheLoaderFailsAsARecordNotATrap() throws {
        let good = try Scenario.parse(Data(Self.scenario.utf8), file: "export.json").runs[0]
        var oddHead = good
        oddHead.model.heads = 2; oddHead.model.width = 6
        var badRate = good
        badRate.training.peakLearningRate = -1
        for (spec, parameter, message) in [(oddHead, "model.width", "model.width: expected an even head size"),
                                           (badRate, "training.peakLearningRate", "training.peakLearningRate: expected a positive number, found -1")] {
            XCTAssertThrowsError(try PreparedRun(spec)) { XCTAssertEqual(($0 as? SpecError)?.parameter, parameter) }
            let record = RunExecutor(threads: 1).run(spec, progress: nil)
            XCTAssertEqual(record.status, .failed)
            XCTAssertNil(record.metrics)
            XCTAssertTrue(record.reason?.contains(message) == true, record.reason ?? "no reason")
        }
    }

    /// Records say what trained, and carry the derived seeds.
    func testRecordsHoldTheTrainedVocabularyContextAndSeeds() throws {
        let spec = try Scenario.parse(Data(Self.scenario.utf8), file: "export.json").runs[0]
        XCTAssertEqual(spec.model.vocabularySize, 0, "the scenario leaves the vocabulary to the dataset")
        let record = RunExecutor(threads: 1).run(spec, progress: nil)
        XCTAssertEqual(record.spec.model.vocabularySize, try PreparedRun(spec).dataset.tokenizer.count)
        XCTAssertEqual(record.spec.model.contextLength, 128)
        XCTAssertEqual(record.key, spec.key)
        XCTAssertEqual(record.datasetSeed, spec.seeds.dataset)
        XCTAssertEqual(record.streamSeed, spec.seeds.stream)
        XCTAssertEqual(record.initSeed, spec.seeds.initialization)
        XCTAssertEqual(record.fingerprint, spec.fingerprint, "the trained vocabulary is not part of the identity")
        let line = try ResultStore.encode(record)
        XCTAssertEqual(try ResultStore.decode(line: ArraySlice(line)), record)
    }

    /// A line written before the seeds and `valueNatsPerPerson` still reads; bioD's per-attribute
    /// p2 becomes a per-person value loss (× K), bioS's stays.
    func testOldLinesReadWithP2PerPerson() throws {
        let scenario = #"""
        {"datasets": [{"kind": "bioD", "people": 20, "attributes": 4, "diversity": 16, "alphabet": 16,
                       "firstNames": 10, "middleNames": 10, "lastNames": 10},
                      {"kind": "bioS", "people": 20, "firstNames": 20, "middleNames": 20, "lastNames": 50}],
         "models": [{"layers": 1, "heads": 1, "width": 4}], "training": {"exposures": 2}}
        """#
        let runs = try Scenario.parse(Data(scenario.utf8), file: "old.json").runs
        for (spec, factor) in zip(runs, [4.0, 1.0]) {
            let metrics = RunMetrics(paramsPaper: 100, paramsTotal: 120, p1Nats: 3, valueNatsPerPerson: 2.5, p3Nats: nil,
                                     bits: LearnedBits(name: 1, value: 2), dataBits: 10, accuracy: [], peopleScored: 20,
                                     tokensTrained: 1000, steps: 10, tokensPerSecond: 1, finalLossNatsPerToken: 1, evaluation: "e")
            let record = RunRecord(spec: spec, metrics: metrics, wallSeconds: 1)
            var object = try JSONSerialization.jsonObject(with: ResultStore.encode(record)) as! [String: Any]
            for k in ["datasetSeed", "streamSeed", "initSeed"] { XCTAssertNotNil(object.removeValue(forKey: k)) }
            var m = object["metrics"] as! [String: Any]
            XCTAssertEqual(m.removeValue(forKey: "valueNatsPerPerson") as? Double, 2.5)
            m["p2Nats"] = 2.5
            object["metrics"] = m
            let old = try ResultStore.decode(line: ArraySlice(try JSONSerialization.data(withJSONObject: object)))
            XCTAssertEqual(old.datasetSeed, spec.datasetSeed, "derived from the spec when the line lacks it")
            XCTAssertEqual(old.metrics?.valueNatsPerPerson, 2.5 * factor)
            XCTAssertEqual(old.metrics?.valueNatsPerPerson, 2.5 * factor)
            XCTAssertFalse(String(decoding: try ResultStore.encode(old), as: UTF8.self).contains("\"p2Nats\""))
        }
    }
}

final class StrictInputTests: XCTestCase {
    let base = #""datasets": [{"kind": "bioD", "people": 10, "attributes": 2, "diversity": 16, "alphabet": 16}], "training": {"exposures": 100}"#

    /// One null rule everywhere: null is never a value, optional or required key alike.
    func testNullIsRejectedForEveryKey() {
        XCTAssertEqual(scenarioError(#"{"datasets": [{"kind": "bioD", "people": 10, "attributes": 2, "diversity": 16, "alphabet": 16, "lastNames": null}], "models": [{"layers": 1, "heads": 1, "width": 4}], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets[0].lastNames: expected a value, found null (omit an optional key to take its default)")
        XCTAssertEqual(scenarioError(#"{"datasets": [{"kind": "bioD", "people": 10, "attributes": null, "diversity": 16, "alphabet": 16}], "models": [{"layers": 1, "heads": 1, "width": 4}], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets[0].attributes: expected a value, found null (omit an optional key to take its default)")
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [{"layers": 1, "heads": 1, "width": [4, null]}]}"#),
                       "scenarios/x.json: models[0].width[1]: expected a value, found null (omit an optional key to take its default)")
    }

    /// The model's vocabulary and context are the data's and the windows'; other values are errors.
    func testModelVocabularyAndContextMustBeWhatTrains() {
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [{"layers": 1, "heads": 1, "width": 4, "vocabularySize": 500}]}"#),
                       "scenarios/x.json: models[0].vocabularySize: expected 0 or no key (the vocabulary is the dataset's), found 500")
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [{"layers": 1, "heads": 1, "width": 4, "contextLength": 256}]}"#),
                       "scenarios/x.json: models[0].contextLength: expected the training windows' length (128; set training.contextLength to change it), found 256")
    }

    /// `generate` and `evaluate` read JSON as scenarios do: unknown keys and bad types named.
    func testStrictDecoderNamesUnknownKeysAndPaths() {
        func error(_ json: String) -> String {
            do { _ = try decodeStrictJSON(DatasetSpec.self, from: Data(json.utf8), file: "spec.json"); return "" }
            catch { return "\(error)" }
        }
        XCTAssertEqual(error(#"{"kind": "bioD", "people": 10, "attributes": 2, "diversity": 16, "alphabet": 16, "atributes": 3}"#),
                       #"spec.json: atributes: unknown key (did you mean "attributes"?)"#)
        XCTAssertEqual(error(#"{"kind": "bioS", "people": -2.5}"#), "spec.json: people: expected an integer, found -2.5")
        XCTAssertEqual(error(#"{"kind": "bioS", "people": 10, "lastNames": null}"#),
                       "spec.json: lastNames: expected a value, found null (omit an optional key to take its default)")
    }
}

/// Runs the built `capacity` with `args`: exit status, stdout, stderr.
func runCapacity(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try capacityBinary()
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

final class CLIInputTests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try runCapacity(args) }

    /// No CLI input ends in a trap: bad values are one-line errors with exit status 1.
    func testBadOptionValuesAreOneLineErrors() throws {
        let dir = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("d.jsonl").path
        let spec = #"{"kind": "bioD", "people": 10, "attributes": 2, "diversity": 16, "alphabet": 16}"#
        // A scenario that loads, so `run` gets as far as reading its options.
        let scenarioFile = dir.appendingPathComponent("ok.json")
        try #"{"datasets": [\#(spec)], "models": [{"layers": 1, "heads": 1, "width": 4}], "training": {"exposures": 1}}"#
            .write(to: scenarioFile, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["generate", spec, "--out", out, "--seed", "-1"], #"--seed: expected an integer from 0 to 18446744073709551615, found "-1""#),
            (["generate", spec, "--out", out, "--seed", "18446744073709551616"], #"--seed: expected an integer from 0"#),
            (["generate", spec, "--out", out, "--exposures", "0"], #"--exposures: expected an integer from 1"#),
            (["generate", spec, "--out", out, "--context", "-5"], #"--context: expected an integer from 2"#),
            (["generate", spec, "--out", out, "--exposures", "99999999999999999999"], #"--exposures: expected an integer from 1"#),
            (["generate", #"{"kind": "bioD", "people": 10, "attributes": 2, "diversity": 16, "alphabet": 16, "x": 1}"#, "--out", out], "x: unknown key"),
            (["generate", #"{"kind": "bioD", "people": -10, "attributes": 2, "diversity": 16, "alphabet": 16}"#, "--out", out], "bioD.people: expected a positive integer, found -10"),
            (["bench", "--threads", "0"], #"--threads: expected an integer from 1"#),
            (["run", scenarioFile.path, "--cores", "-3"], #"--cores: expected an integer from 1 to 4096, found "-3""#),
            (["run", dir.appendingPathComponent("missing.json").path, "--cores", "-3"], #"--cores: expected an integer from 1 to 4096"#),
            (["run", dir.appendingPathComponent("missing.json").path, "--shard", "3/2"], "--shard"),
            (["evaluate", dir.appendingPathComponent("missing.ckpt").path, "--threads", "x"], #"--threads: expected an integer from 1"#),
            (["evaluate", dir.appendingPathComponent("missing.ckpt").path], "missing.ckpt: no such file"),
            (["export", dir.path, "no-such-key", "--out", out], #"no run "no-such-key""#),
            (["export-model", dir.appendingPathComponent("missing.ckpt").path, "--out", dir.appendingPathComponent("hf").path], "missing.ckpt: no such file"),
            (["export-model", dir.path, "--out", dir.appendingPathComponent("hf").path], "is a directory; expected a checkpoint file"),
            (["peaks", dir.appendingPathComponent("nothing").path], "no such results directory"),
            (["report", dir.appendingPathComponent("nothing").path], "nothing: no such results directory"),
            (["export", dir.appendingPathComponent("nothing").path, "KEY", "--out", out], "nothing: no such results directory"),
        ]
        for (args, expected) in cases {
            let r = try run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(expected), "\(args): expected \(expected), got \(r.err)")
        }
        // Any UInt64 is a seed, including those ≥ 2^63.
        let ok = try run(["generate", spec, "--out", out, "--seed", "18446744073709551615"])
        XCTAssertEqual(ok.status, 0, ok.err)
    }

    func testVersionAndEveryHelpListsItsFlags() throws {
        let v = try run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.out.hasPrefix("capacity "))
        let flags: [String: [String]] = [
            "run": ["--results", "--cores", "--shard", "--retry-failed", "--no-checkpoints", "--replace", "--dry-run", "--json"],
            "evaluate": ["--people", "--renderings", "--seed", "--threads", "--json"],
            "generate": ["--out", "--exposures", "--context", "--seed", "--domain-token"],
            "export": ["--out"],
            "export-model": ["--out", "--threads"],
            "peaks": ["--out"],
            "bench": ["--threads", "--steps", "--json", "--gemm"],
            "report": [],
        ]
        for (command, names) in flags {
            let h = try run([command, "--help"])
            XCTAssertEqual(h.status, 0, command)
            for f in names { XCTAssertTrue(h.out.contains(f), "\(command) --help lacks \(f)") }
        }
    }
}
