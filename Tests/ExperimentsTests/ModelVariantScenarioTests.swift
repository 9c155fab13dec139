import Biographies
import Foundation
import Kernels
import Transformer
import XCTest
@testable import Experiments

/// Scenario fields for the model variants, quantized evaluation, bf16 and Morris mode (issue 11).
final class ModelVariantScenarioTests: XCTestCase {
    /// scenarios/quick.json as committed: its keys and specs must not change.
    let quick = """
    {"name": "quick", "seed": 0, "seeds": [1],
     "datasets": [{"kind": "bioD", "people": 500, "attributes": 6, "chunks": 1, "chunkLength": 1, "diversity": 256,
                   "alphabet": 256, "firstNames": 40, "middleNames": 40, "lastNames": 100}],
     "models": [{"layers": 2, "heads": 1, "width": 8}, {"layers": 2, "heads": 1, "width": 16},
                {"layers": 2, "heads": 2, "width": 32}],
     "training": {"exposures": [1000], "contextLength": 128, "batchWindows": 8, "learningRates": [0.01],
                  "warmupFraction": 0.02, "weightDecay": 0.01},
     "evaluation": {"people": "all", "seed": 1}}
    """

    func testExistingScenarioKeysAndSpecsAreUnchanged() throws {
        let s = try scenario(quick)
        XCTAssertEqual(s.runs.map(\.key), ["bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-8-E1000-lr0.01-s1", "bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-16-E1000-lr0.01-s1",
                                           "bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-2-32-E1000-lr0.01-s1"])
        let json = String(decoding: try JSONEncoder().encode(s.runs[0]), as: UTF8.self)
        for key in ["normBias", "tiedHead", "experts", "CapacityFactor", "loadBalancing", "weightPrecision", "plateau", "quantization",
                    "\"norm\"", "attentionBias"] {
            XCTAssertFalse(json.contains(key), "\(key) must not appear in an existing run's spec")
        }
    }

    func testVariantsAreSelectedInTheModelObjectAndNamedInKeys() throws {
        let s = try scenario("""
        {"datasets": [\(bioD("100"))],
         "models": [{"layers": 2, "heads": 1, "width": 8},
                    {"layers": 2, "heads": 1, "width": 8, "mlp": "gatedSiLU", "normBias": false, "tiedHead": false, "label": "llama",
                     "training": {"weightPrecision": "bf16"}},
                    {"layers": 2, "heads": 1, "width": 8, "mlp": "moe", "experts": [4, 8], "trainingCapacityFactor": 1.5}],
         "training": {"exposures": 10, "learningRates": 0.01},
         "evaluation": {"quantization": [8, 4]}}
        """)
        XCTAssertEqual(s.runs.count, 4)
        let keys = s.runs.map(\.key)
        XCTAssertTrue(keys.contains("bioD-N100-K6-D256-T256-first40-middle40-last100-gpt2-2-1-8-E10-lr0.01-s1"), "\(keys)")
        XCTAssertTrue(keys.contains("bioD-N100-K6-D256-T256-first40-middle40-last100-llama-2-1-8-gatedSiLU-noNormBias-noTiedHead-E10-lr0.01-bf16-s1"), "\(keys)")
        XCTAssertTrue(keys.contains("bioD-N100-K6-D256-T256-first40-middle40-last100-gpt2-2-1-8-moe-experts4-cf1.5-E10-lr0.01-s1"), "\(keys)")
        let llama = s.runs.first { $0.model.mlp == .gatedSiLU }!
        XCTAssertFalse(llama.model.normBias)
        XCTAssertFalse(llama.model.tiedHead)
        let moe = s.runs.first { $0.model.mlp == .moe }!
        XCTAssertEqual(moe.model.experts, 4)
        XCTAssertEqual(moe.model.trainingCapacityFactor, 1.5)
        XCTAssertEqual(moe.model.evaluationCapacityFactor, 8)
        XCTAssertEqual(llama.training.weightPrecision, .bf16)
        XCTAssertEqual(s.runs[0].training.weightPrecision, .fp32)
        XCTAssertEqual(s.runs[0].evaluation.quantization, [8, 4])
    }

    /// The paper's LLaMA (RMSNorm, no attention or norm biases, gated SiLU) is named in its key
    /// by the two new options; a misspelt norm kind names the key path and the choices.
    func testRMSNormAndBiasFreeAttentionAreNamedInKeys() throws {
        let s = try scenario("""
        {"datasets": [\(bioD("100"))],
         "models": [{"layers": 2, "heads": 1, "width": 8, "mlp": "gatedSiLU", "norm": "rms", "attentionBias": false,
                     "normBias": false, "tiedHead": false, "label": "llama"}],
         "training": {"exposures": 10, "learningRates": 0.01}}
        """)
        XCTAssertEqual(s.runs.map(\.key),
                       ["bioD-N100-K6-D256-T256-first40-middle40-last100-llama-2-1-8-gatedSiLU-rms-noAttentionBias-noNormBias-noTiedHead-E10-lr0.01-s1"])
        XCTAssertEqual(s.runs[0].model.norm, .rms)
        XCTAssertFalse(s.runs[0].model.attentionBias)
        XCTAssertThrowsError(try scenario("""
        {"datasets": [\(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": 8, "norm": "rmsnorm"}],
         "training": {"exposures": 10, "learningRates": 0.01}}
        """)) { error in
            XCTAssertTrue("\(error)".contains("models[0].norm: expected one of layer, rms, found \"rmsnorm\""), "\(error)")
        }
    }

    func testVariantMistakesNameTheKeyPath() {
        func model(_ fields: String) -> String {
            #"{"datasets": [\#(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": 8, \#(fields)}], "training": {"exposures": 10}}"#
        }
        XCTAssertEqual(scenarioError(model(#""mlp": "llama""#)),
                       #"scenarios/x.json: models[0].mlp: expected one of gelu, quarter, none, gatedSiLU, moe, found "llama""#)
        XCTAssertEqual(scenarioError(model(#""mlp": "moe", "experts": [4, 0]"#)),
                       "scenarios/x.json: models[0].experts[1]: expected a positive integer, found 0")
        XCTAssertEqual(scenarioError(model(#""experts": 4"#)),
                       #"scenarios/x.json: models[0].experts: only for "mlp": "moe" (this model's mlp is "gelu")"#)
        XCTAssertEqual(scenarioError(model(#""mlp": "moe", "evaluationCapacityFactor": 0"#)),
                       "scenarios/x.json: models[0].evaluationCapacityFactor: expected a positive number, found 0")
        XCTAssertEqual(scenarioError(model(#""tiedHead": "no""#)),
                       #"scenarios/x.json: models[0].tiedHead: expected true or false, found "no""#)
        let training = #"{"datasets": [\#(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": 8}], "training": {"exposures": 10, "weightPrecision": "fp16"}}"#
        XCTAssertEqual(scenarioError(training), #"scenarios/x.json: training.weightPrecision: expected one of fp32, bf16, found "fp16""#)
        func evaluation(_ e: String) -> String {
            #"{"datasets": [\#(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": 8}], "training": {"exposures": 10}, "evaluation": \#(e)}"#
        }
        XCTAssertEqual(scenarioError(evaluation(#"{"quantization": [8, 1]}"#)),
                       "scenarios/x.json: evaluation.quantization[1]: expected a bit width from 2 to 8, found 1")
        XCTAssertEqual(scenarioError(evaluation(#"{"quantization": [4, 4]}"#)),
                       "scenarios/x.json: evaluation.quantization[1]: the bit width 4 is listed twice")
        XCTAssertTrue(scenarioError(evaluation(#"{"quantization": 8}"#)).hasPrefix("scenarios/x.json: evaluation.quantization: expected"))
    }

    func testRecordLinesWithoutTheNewMetricsStillDecode() throws {
        let spec = try scenario(quick).runs[0]
        let record = okRecord(spec, params: 1000, bits: 2000)
        let line = try JSONEncoder().encode(record)
        let text = String(decoding: line, as: UTF8.self)
        XCTAssertFalse(text.contains("quantized") || text.contains("stoppedAtStep"))
        let back = try JSONDecoder().decode(RunRecord.self, from: line)
        XCTAssertEqual(back, record)
        XCTAssertNil(back.metrics?.quantized)
    }

    /// A tiny run end to end: quantized scores are recorded (int8 close to fp32), and the plateau
    /// rule stops training early and says so. A mixture and bf16 weights train too.
    func testQuantizedEvaluationAndPlateauStopAreRecorded() throws {
        let s = try scenario("""
        {"datasets": [\(bioD("40"))],
         "models": [{"layers": 1, "heads": 1, "width": 16},
                    {"layers": 1, "heads": 1, "width": 16, "mlp": "moe", "experts": 2, "normBias": false, "tiedHead": false}],
         "training": {"exposures": 20, "contextLength": 64, "batchWindows": 2, "learningRates": 0.01,
                      "plateauSteps": 3, "plateauMinImprovementNats": 100, "weightPrecision": "bf16"},
         "evaluation": {"quantization": [8, 4]}}
        """)
        for run in s.runs {
            let record = RunExecutor(threads: 1).run(run, progress: nil)
            let m = try XCTUnwrap(record.metrics, record.reason ?? "")
            XCTAssertEqual(m.stoppedAtStep, 6, run.key)              // the first check: two windows of 3
            XCTAssertEqual(m.steps, 6)
            XCTAssertTrue(m.stopReason?.contains("plateau") == true)
            let q = try XCTUnwrap(m.quantized)
            XCTAssertEqual(q.map(\.bits), [8, 4])
            XCTAssertEqual(q[0].capacityRatio, m.capacityRatio, accuracy: 0.05 * abs(m.capacityRatio) + 1e-3, run.key)
            XCTAssertEqual(q[1].capacityRatioPerStoredBit, q[1].capacityRatio / 4, accuracy: 1e-12)
            // Scored on rounded weights, not on a copy of the trained ones.
            XCTAssertNotEqual(q[0].bitsLearned.total, m.bits.total, run.key)
            XCTAssertNotEqual(q[1].bitsLearned.total, m.bits.total, run.key)
            XCTAssertGreaterThan(q[0].storedBitsPerParameter, 8)
        }
    }
}
