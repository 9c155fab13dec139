import Biographies
import Foundation
import Kernels
import Transformer
import XCTest
@testable import Experiments

/// A bioD dataset object small enough for tests, with `people` spliced in.
func bioD(_ people: String) -> String {
    #"{"kind": "bioD", "people": \#(people), "attributes": 6, "diversity": 256, "alphabet": 256, "firstNames": 40, "middleNames": 40, "lastNames": 100}"#
}

func scenario(_ json: String, file: String = "scenarios/test.json") throws -> Scenario {
    try Scenario.parse(Data(json.utf8), file: file)
}

/// The error message a malformed scenario gives (fails the test if it loads).
func scenarioError(_ json: String, file: String = "scenarios/x.json", line: UInt = #line) -> String {
    do {
        let s = try Scenario.parse(Data(json.utf8), file: file)
        XCTFail("expected an error, got \(s.runs.count) runs", line: line)
        return ""
    } catch let e as ScenarioError {
        return e.description
    } catch {
        XCTFail("expected a ScenarioError, got \(error)", line: line)
        return ""
    }
}

final class ScenarioGridTests: XCTestCase {
    let grid = """
    {
      "name": "grid",
      "seeds": [1, 2],
      "datasets": [\(bioD("[500, 1000]"))],
      "models": [
        {"layers": 2, "heads": [1, 2], "width": [16, 32]},
        {"layers": 2, "heads": 2, "width": 24, "learningRates": [0.003, 0.01, 0.03]}
      ],
      "training": {"exposures": [100, 1000], "learningRates": 0.01}
    }
    """

    /// The dataset's own rules (pools against the built-in name lists) reject at load time, with
    /// the file and the key path, for useful and junk datasets and inside grids.
    func testDatasetRulesRejectAtLoadTimeNamingTheField() {
        let model = #""models": [{"layers": 2, "heads": 1, "width": 8}], "training": {"exposures": 2}"#
        let pool = #"{"kind": "bioD", "people": 100, "attributes": 6, "diversity": 256, "alphabet": 256, "firstNames": 401}"#
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(pool)], \#(model)}"#),
                       "scenarios/x.json: datasets[0].firstNames: expected at most the 400 first names available, found 401")
        let grid = #"{"kind": "bioS", "people": 100, "lastNames": [50, 100000]}"#
        XCTAssertTrue(scenarioError(#"{"datasets": [\#(grid)], \#(model)}"#).hasPrefix("scenarios/x.json: datasets[0].lastNames[1]: expected at most the 1000 last names available, found 100000"))
        let junk = #""junk": [{"name": "j", "dataset": \#(pool), "fraction": 0.5}]"#
        XCTAssertTrue(scenarioError(#"{"datasets": [\#(bioD("100"))], \#(junk), \#(model)}"#).contains("firstNames: expected at most the 400 first names available, found 401"))
    }

    func testGridExpandsToTheProductOfItsAxes() throws {
        let s = try scenario(grid)
        // 2 datasets × (4 grid models × 1 lr + 1 model × 3 lrs) × 2 exposures × 2 seeds
        XCTAssertEqual(s.runs.count, 2 * (4 * 1 + 1 * 3) * 2 * 2)
        XCTAssertEqual(s.runs.map(\.index), Array(0..<s.runs.count))
    }

    func testKeysAreReadableUniqueAndDeterministic() throws {
        let a = try scenario(grid), b = try scenario(grid)
        XCTAssertEqual(a.runs.map(\.key), b.runs.map(\.key))
        XCTAssertEqual(a.runs.map(\.seeds), b.runs.map(\.seeds))
        XCTAssertEqual(Set(a.runs.map(\.key)).count, a.runs.count)
        XCTAssertEqual(a.runs[0].key, "bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-16-E100-lr0.01-s1")
        XCTAssertEqual(a.runs[1].key, "bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-16-E100-lr0.01-s2")
        XCTAssertEqual(a.runs[0].configuration, "bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-16-E100-lr0.01")
        XCTAssertTrue(a.runs.contains { $0.key == "bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E1000-lr0.03-s2" })
    }

    func testAxesNestInTheOrderWritten() throws {
        let s = try scenario(grid)
        // heads is written before width: heads is the outer axis.
        let models = s.runs.filter { $0.datasetLabel == "bioD-N500-K6-D256-T256-first40-middle40-last100" && $0.exposures == 100 && $0.replicate == 1 }.map(\.modelLabel)
        XCTAssertEqual(models, ["gpt2-2-1-16", "gpt2-2-1-32", "gpt2-2-2-16", "gpt2-2-2-32",
                                "gpt2-2-2-24", "gpt2-2-2-24", "gpt2-2-2-24"])
    }

    func testPerModelLearningRatesOverrideTheScenarioRate() throws {
        let s = try scenario(grid)
        let rates = { (model: String) in Set(s.runs.filter { $0.modelLabel == model }.map(\.learningRate)) }
        XCTAssertEqual(rates("gpt2-2-2-24"), [0.003, 0.01, 0.03])
        XCTAssertEqual(rates("gpt2-2-1-16"), [0.01])
    }

    func testRunSpecCarriesEverySetting() throws {
        let s = try scenario("""
        {"dataset": \(bioD("1000")), "model": {"layers": 2, "heads": 2, "width": 24},
         "training": {"exposures": 300, "contextLength": 64, "batchWindows": 4, "weightDecay": 0.02, "learningRates": [0.01]},
         "junk": [{"name": "clean"},
                  {"name": "noise", "dataset": \(bioD("20")), "fraction": 0.875, "freshPeople": true, "domainToken": true}],
         "evaluation": {"people": 200, "renderings": 3, "seed": 9}, "seed": 42}
        """)
        XCTAssertEqual(s.name, "test")
        XCTAssertEqual(s.runs.map(\.key), ["bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E300-lr0.01-bw4-wd0.02-ctx64-clean-s1",
                                           "bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E300-lr0.01-bw4-wd0.02-ctx64-noise-s1"])
        let r = s.runs[1]
        XCTAssertEqual(r.stream.contextLength, 64)
        XCTAssertEqual(r.model.contextLength, 64, "the model takes the window length when it does not give one")
        XCTAssertEqual(r.training.batchWindows, 4)
        XCTAssertEqual(r.training.weightDecay, 0.02)
        XCTAssertEqual(r.stream.junk?.fraction, 0.875)
        XCTAssertEqual(r.stream.junk?.freshPeople, true)
        XCTAssertTrue(r.stream.domainToken)
        XCTAssertNil(s.runs[0].stream.junk)
        XCTAssertEqual(r.evaluation, EvaluationSettings(people: .sample(200), renderings: 3, seed: 9))
        XCTAssertEqual(r.scenarioSeed, 42)
        XCTAssertEqual(r.seeds, .paired(scenarioSeed: 42, replicate: 1, dataset: r.dataset, stream: r.stream, model: r.model))
        // A RunSpec survives a JSON round trip.
        let data = try JSONEncoder().encode(r)
        XCTAssertEqual(try JSONDecoder().decode(RunSpec.self, from: data), r)
    }

    /// The example in `Scenario`'s documentation, verbatim.
    func testDocumentedExampleLoads() throws {
        let s = try scenario("""
        {
          "name": "quick",
          "description": "Three widths on bioD(500) at 1000 exposures: small models fill up near 2 bits/param.",
          "seed": 0,
          "seeds": [1, 2],
          "datasets": [
            {"kind": "bioD", "people": [500, 1000], "attributes": 6, "diversity": 256, "alphabet": 256,
             "firstNames": 40, "middleNames": 40, "lastNames": 100}
          ],
          "models": [
            {"layers": 2, "heads": 1, "width": [8, 16], "learningRates": [0.01, 0.03]},
            {"layers": 2, "heads": 2, "width": 32, "learningRates": 0.003,
             "training": {"batchWindows": 4}}
          ],
          "training": {"exposures": [1000], "contextLength": 128, "batchWindows": 8,
                       "learningRates": [0.01], "warmupFraction": 0.02, "weightDecay": 0.01},
          "junk": [
            {"name": "clean"},
            {"name": "noise", "dataset": {"kind": "bioD", "people": 20, "attributes": 6,
              "diversity": 256, "alphabet": 256}, "fraction": 0.875, "freshPeople": true,
              "domainToken": true}
          ],
          "evaluation": {"people": "all", "renderings": 1, "seed": 1},
          "report": {"columns": ["key", "model", "params", "Rmax", "bits", "R", "accuracy"],
                     "groupBy": ["dataset", "exposures", "junk"], "plots": true}
        }
        """)
        XCTAssertEqual(s.name, "quick")
        // 2 datasets × (2 widths × 2 rates + 1 model × 1 rate) × 1 exposure count × 2 seeds × 2 junk variants
        XCTAssertEqual(s.runs.count, 2 * 5 * 2 * 2)
        XCTAssertEqual(s.runs[0].key, "bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-8-E1000-lr0.01-clean-s1")
        XCTAssertEqual(s.report.columns, [.key, .model, .params, .Rmax, .bits, .R, .accuracy])
    }

    /// A key names the run's own non-default settings: the run at the defaults keeps its short
    /// key beside a neighbour with an override (adding that neighbour renamed nothing).
    func testNonDefaultSettingsOfTheRunItselfJoinTheKey() throws {
        let s = try scenario("""
        {"datasets": [\(bioD("1000")), {"kind": "bioD", "people": 1000, "attributes": 6, "diversity": 64, "alphabet": 256, "firstNames": 40, "middleNames": 40, "lastNames": 100}],
         "models": [{"layers": 2, "heads": 2, "width": 24}, {"layers": 2, "heads": 2, "width": 24, "training": {"batchWindows": 2}}],
         "training": {"exposures": 100}}
        """)
        XCTAssertEqual(s.runs.map(\.key), [
            "bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E100-lr0.01-s1", "bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E100-lr0.01-bw2-s1",
            "bioD-N1000-K6-D64-T256-first40-middle40-last100-gpt2-2-2-24-E100-lr0.01-s1",
            "bioD-N1000-K6-D64-T256-first40-middle40-last100-gpt2-2-2-24-E100-lr0.01-bw2-s1",
        ])
    }

    func testDatasetTrainingOverridesApplyToItsRunsOnly() throws {
        let s = try scenario("""
        {"datasets": [\(bioD("1000")), {"kind": "bioD", "people": 3000, "attributes": 6, "diversity": 256, "alphabet": 256, "firstNames": 40, "middleNames": 40, "lastNames": 100, "training": {"batchWindows": 2, "exposures": [100]}}],
         "models": {"layers": 2, "heads": 2, "width": 24}, "training": {"exposures": [1000]}}
        """)
        XCTAssertEqual(s.runs.map(\.key), ["bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E1000-lr0.01-s1", "bioD-N3000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E100-lr0.01-bw2-s1"])
    }

    func testIdenticalRunsAreRejected() {
        let message = scenarioError("""
        {"datasets": [\(bioD("1000"))], "models": [{"layers": 2, "heads": 2, "width": 24}, {"layers": 2, "heads": 2, "width": 24}],
         "training": {"exposures": 100}}
        """)
        XCTAssertTrue(message.contains("two runs have the key \"bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E100-lr0.01-s1\""), message)
        XCTAssertTrue(message.contains("models[0]") && message.contains("models[1]"), message)
    }
}

final class ScenarioErrorTests: XCTestCase {
    let model = #"{"layers": 2, "heads": 2, "width": 24}"#

    func testWrongTypeNamesFileKeyPathAndValue() {
        let m = scenarioError(#"{"datasets": [\#(bioD("1000"))], "models": [\#(model), {"layers": 2, "heads": 2, "width": "wide"}], "training": {"exposures": 100}}"#)
        XCTAssertEqual(m, #"scenarios/x.json: models[1].width: expected an integer, found "wide""#)
    }

    func testFractionWhereAnIntegerBelongsIsNamed() {
        let m = scenarioError(#"{"datasets": \#(bioD("2.5")), "models": \#(model), "training": {"exposures": 100}}"#)
        XCTAssertEqual(m, "scenarios/x.json: datasets.people: expected an integer, found 2.5")
    }

    func testNegativeSizeInAGridNamesTheElement() {
        let m = scenarioError(#"{"datasets": [\#(bioD("1000"))], "models": [{"layers": 2, "heads": 1, "width": [8, 16, -3]}], "training": {"exposures": 100}}"#)
        XCTAssertEqual(m, "scenarios/x.json: models[0].width[2]: expected a positive integer, found -3")
    }

    func testUnknownKeyIsRejectedWithASuggestion() {
        let m = scenarioError(#"{"datasets": [\#(bioD("1000"))], "models": [\#(model)], "training": {"exposures": 100, "lerningRate": 0.01}}"#)
        XCTAssertTrue(m.hasPrefix("scenarios/x.json: training.lerningRate: unknown key"), m)
        XCTAssertTrue(m.contains("did you mean \"learningRates\"?"), m)
    }

    func testUnknownKeysAreFoundInsideDatasetsModelsAndJunk() {
        var m = scenarioError(#"{"datasets": [{"kind": "bioD", "people": 10, "atributes": 6, "attributes": 6, "diversity": 4, "alphabet": 4}], "models": [\#(model)], "training": {"exposures": 100}}"#)
        XCTAssertTrue(m.hasPrefix("scenarios/x.json: datasets[0].atributes: unknown key"), m)
        m = scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [{"layers": 2, "heads": 2, "width": 24, "widht": 3}], "training": {"exposures": 100}}"#)
        XCTAssertTrue(m.hasPrefix("scenarios/x.json: models[0].widht: unknown key"), m)
        m = scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": 100}, "junk": [{"dataset": \#(bioD("5")), "fraction": 0.5, "fresh": true}]}"#)
        XCTAssertTrue(m.hasPrefix("scenarios/x.json: junk[0].fresh: unknown key"), m)
        m = scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": 100}, "evaluations": {}}"#)
        XCTAssertTrue(m.hasPrefix("scenarios/x.json: evaluations: unknown key"), m)
    }

    /// An odd head size used to pass the loader and trap in the rotary table (SIGILL), blocking
    /// the sweep at that run on every rerun; it is the file's error now.
    func testAnOddHeadSizeIsTheFilesError() {
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [{"layers": 2, "heads": 2, "width": 6}], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: models[0].width: expected an even head size (width / heads; width 6 / 2 heads is odd), found 6")
    }

    func testMissingRequiredKeysAreNamed() {
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [{"layers": 2, "heads": 2}], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: models[0].width: missing required key (expected a positive integer)")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)]}"#),
                       "scenarios/x.json: training.exposures: missing required key (expected a positive integer or a list of them)")
        XCTAssertEqual(scenarioError(#"{"models": [\#(model)], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets: missing required key (expected a dataset object or a list of them)")
        XCTAssertEqual(scenarioError(#"{"datasets": [{"kind": "bioD", "people": 10, "attributes": 6, "alphabet": 4}], "models": [\#(model)], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets[0].diversity: missing required key (expected a positive integer)")
        // A misspelt required key is named beside the one missing.
        XCTAssertEqual(scenarioError(#"{"datasets": [{"kind": "bioD", "people": 10, "atributes": 6, "diversity": 4, "alphabet": 4}], "models": [\#(model)], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets[0].attributes: missing required key (expected a positive integer); \"atributes\" is given: did you mean \"attributes\"?")
    }

    func testEmptyGridsAreRejected() {
        XCTAssertEqual(scenarioError(#"{"datasets": [], "models": [\#(model)], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets: expected at least one dataset, found an empty list")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [{"layers": 2, "heads": [], "width": 24}], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: models[0].heads: expected a value or a non-empty list, found an empty list")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": []}}"#),
                       "scenarios/x.json: training.exposures: expected at least one exposure count, found an empty list")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": 100}, "seeds": []}"#),
                       "scenarios/x.json: seeds: expected at least one seed, found an empty list")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": 100}, "seeds": 3}"#),
                       "scenarios/x.json: seeds: expected a list, found 3")
    }

    func testImpossibleValuesAreRejected() {
        let base = #""datasets": [\#(bioD("10"))], "training": {"exposures": 100}"#
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [{"layers": 2, "heads": 5, "width": 24}]}"#),
                       "scenarios/x.json: models[0].width: expected a multiple of heads (5), found 24")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": [100, 0]}}"#),
                       "scenarios/x.json: training.exposures[1]: expected a positive integer, found 0")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [{"layers": 2, "heads": 2, "width": 24, "learningRates": [0.01, -0.1]}], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: models[0].learningRates[1]: expected a positive number, found -0.1")
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [\#(model)], "junk": [{"dataset": \#(bioD("5")), "fraction": 1.0}]}"#),
                       "scenarios/x.json: junk[0].fraction: expected a number in [0, 1), found 1.0")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("200000"))], "models": [\#(model)], "training": {"exposures": 100}}"#),
                       "scenarios/x.json: datasets[0].people: expected at most firstNames × middleNames × lastNames = 160000 people (names are distinct), found 200000")
        XCTAssertEqual(scenarioError(#"{"datasets": [\#(bioD("10"))], "models": [\#(model)], "training": {"exposures": 100, "warmupFraction": 1.5}}"#),
                       "scenarios/x.json: training.warmupFraction: expected a number in [0, 1), found 1.5")
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [{"layers": 2, "heads": 2, "width": 24, "contextLength": 64}]}"#),
                       "scenarios/x.json: models[0].contextLength: expected at least the training windows' length (128), found 64")
        XCTAssertEqual(scenarioError(#"{"datasets": [{"kind": "bioX", "people": 10}], "models": [\#(model)], "training": {"exposures": 100}}"#),
                       #"scenarios/x.json: datasets[0].kind: expected "bioS", "bioD" or "random", found "bioX""#)
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [\#(model)], "evaluation": {"people": "some"}}"#),
                       #"scenarios/x.json: evaluation.people: expected "all" or a positive integer, found "some""#)
        XCTAssertEqual(scenarioError(#"{\#(base), "models": [\#(model)], "report": {"columns": ["key", "bitz"]}}"#).prefix(55),
                       "scenarios/x.json: report.columns[1]: expected one of ke")
    }

    func testBadJSONSyntaxGivesLineAndColumn() {
        XCTAssertEqual(scenarioError("{\n  \"datasets\": [],\n  \"models\": [} \n}"),
                       "scenarios/x.json: invalid JSON at line 3, column 14: expected a value, found '}'")
        XCTAssertEqual(scenarioError("{\"seeds\": [1, 2,]}"),
                       "scenarios/x.json: invalid JSON at line 1, column 17: trailing comma before ']'")
        XCTAssertEqual(scenarioError("{\"seeds\": 1, \"seeds\": 2}"),
                       "scenarios/x.json: invalid JSON at line 1, column 14: duplicate key \"seeds\"")
        XCTAssertEqual(scenarioError("{\"seeds\": 1"),
                       "scenarios/x.json: invalid JSON at line 1, column 12: unexpected end of file inside an object, expected '}'")
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try Scenario.load(path: "/nonexistent/none.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/none.json: cannot read the file"), "\(error)")
        }
    }
}

final class JSONTests: XCTestCase {
    func testParserKeepsKeyOrderNumberTextAndEscapes() throws {
        let json = try JSONParser.parse(Data(#"{"z": 1e-3, "a": [true, null, -0.5], "s": "tab\t \u00e9 \ud83d\ude00 \"q\""}"#.utf8))
        let o = try XCTUnwrap(json.object)
        XCTAssertEqual(o.keys, ["z", "a", "s"])
        XCTAssertEqual(o["z"], .number("1e-3"))
        XCTAssertEqual(o["a"], .array([.bool(true), .null, .number("-0.5")]))
        XCTAssertEqual(o["s"], .string("tab\t é 😀 \"q\""))
    }

    func testDecoderRejectsNumbersThatDoNotFitWithTheirPath() {
        struct S: Decodable { var n: UInt8 }
        let json = try! JSONParser.parse(Data(#"{"n": 300}"#.utf8))
        XCTAssertThrowsError(try JSONTreeDecoder().decode(S.self, from: json)) { error in
            guard case DecodingError.typeMismatch(_, let c) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(renderPath(c.codingPath), "n")
            XCTAssertEqual(c.debugDescription, "expected a non-negative integer up to 255, found 300")
        }
    }

    func testPathsRenderKeysAndIndices() {
        XCTAssertEqual(renderPath([PathKey("runs"), PathKey(index: 2), PathKey("model"), PathKey("width")]), "runs[2].model.width")
    }
}
