import Biographies
import Foundation
import Kernels
import Transformer
import XCTest
@testable import Experiments

/// `capacity export-model`: the safetensors file is well formed and holds exactly the checkpoint's
/// weights under the HF names; config, tokenizer and card say what the run is; models HF cannot
/// express exactly are refused. (That transformers scores the same bits is checked outside the
/// package, by scripts/hf/check_export.py.)
final class HFExportTests: XCTestCase {
    static let llama = #"{"layers": 2, "heads": 2, "width": 8, "mlp": "gatedSiLU", "norm": "rms", "normBias": false, "attentionBias": false, "tiedHead": false, "label": "llama"}"#

    /// Trains `models` on bioD(20) for 2 exposures with checkpoints; returns the results directory.
    func trainedWithCheckpoints(_ models: String) throws -> URL {
        let s = try scenario("""
        {"name": "hf", "datasets": [\(bioD("20"))], "models": [\(models)],
         "training": {"exposures": 2, "batchWindows": 2, "contextLength": 64, "learningRates": [0.01]}}
        """)
        let root = try temporaryDirectory()
        let store = ResultStore(resultsRoot: root, scenario: s.name)
        let summary = try ScenarioRunner(cores: 2, saveCheckpoints: true).run(s, store: store, progress: nil)
        XCTAssertEqual(summary.finished, s.runs.count)
        return root.appendingPathComponent("hf")
    }

    func testSafeTensorsHeaderOffsetsAndSizesAndTheirRoundTrip() throws {
        let a = SafeTensor(name: "a.weight", shape: [3, 2], values: [1, -2, 3.5, .leastNonzeroMagnitude, -0.0, 7])
        let b = SafeTensor(name: "b\"quoted\"", shape: [5], values: [1, 2, 3, 4, 5])
        let data = try safeTensorsData([a, b], metadata: ["format": "pt"])
        let n = (0..<8).reduce(0) { $0 | Int(data[$1]) << (8 * $1) }
        XCTAssertEqual(n % 8, 0, "the header is padded to 8 bytes")
        XCTAssertEqual(data.count, 8 + n + 4 * 11)
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
        XCTAssertEqual((header["a.weight"] as? [String: Any])?["data_offsets"] as? [Int], [0, 24])
        XCTAssertEqual((header["b\"quoted\""] as? [String: Any])?["data_offsets"] as? [Int], [24, 44])
        XCTAssertEqual((header["b\"quoted\""] as? [String: Any])?["shape"] as? [Int], [5])
        XCTAssertEqual(header["__metadata__"] as? [String: String], ["format": "pt"])
        let back = try readSafeTensors(data, file: "t")
        XCTAssertEqual(back.tensors.map(\.name), [a.name, b.name])
        XCTAssertEqual(back.tensors[0].values.map(\.bitPattern), a.values.map(\.bitPattern))
        XCTAssertEqual(back.tensors[1], b)

        var gap = data
        gap.append(contentsOf: [0, 0, 0, 0])
        XCTAssertThrowsError(try readSafeTensors(gap, file: "t")) { XCTAssertTrue("\($0)".contains("cover 44 of 48 data bytes"), "\($0)") }
        XCTAssertThrowsError(try readSafeTensors(data.prefix(8 + n + 40), file: "t")) { XCTAssertTrue("\($0)".contains("b\"quoted\""), "\($0)") }
    }

    /// Undoes the HF mapping with its own index arithmetic and compares with the checkpoint's flat
    /// buffer value for value: nothing lost, moved or changed, and the additions are zero biases.
    func testExportedWeightsAreTheCheckpointsUnderHFNames() throws {
        let results = try trainedWithCheckpoints(#"{"layers": 2, "heads": 2, "width": 8, "normBias": false}, "# + Self.llama)
        let records = try ResultStore.load(directory: results).records
        XCTAssertEqual(records.count, 2)
        for record in records {
            let ckpt = results.appendingPathComponent("checkpoints/\(record.key).ckpt").path
            let out = try temporaryDirectory().appendingPathComponent("hf")
            let summary = try exportHFModel(checkpointPath: ckpt, to: out.path)
            let (model, _) = try loadCheckpoint(ckpt)
            let c = model.config, L = model.layout, C = c.width, hd = c.headDim
            let file = out.appendingPathComponent("model.safetensors").path
            let read = try readSafeTensors(try Data(contentsOf: URL(fileURLWithPath: file)), file: file)
            let byName = Dictionary(uniqueKeysWithValues: read.tensors.map { ($0.name, $0) })
            XCTAssertEqual(byName.count, read.tensors.count)
            let flat = model.params.array
            var rebuilt = [Float](repeating: .nan, count: L.count)
            func put(_ name: String, at offset: Int?, count: Int, line: UInt = #line) {
                guard let t = byName[name] else { return XCTFail("\(record.key): no tensor \(name)", line: line) }
                XCTAssertEqual(t.values.count, count, name, line: line)
                if let offset { for i in 0..<count { rebuilt[offset + i] = t.values[i] } }
                else { XCTAssertTrue(t.values.allSatisfy { $0 == 0 }, "\(name): an added bias is zero", line: line) }
            }
            var expected: Int
            if summary.architecture == .gptNeoX {
                XCTAssertEqual(c.mlp, .gelu)
                put("gpt_neox.embed_in.weight", at: L.embedding, count: c.vocabularySize * C)
                for (i, o) in L.layers.enumerated() {
                    let n = "gpt_neox.layers.\(i)"
                    put("\(n).input_layernorm.weight", at: o.ln1.weight, count: C)
                    put("\(n).input_layernorm.bias", at: o.ln1.bias, count: C)
                    // HF row h·3hd + part·hd + j is our row part·C + h·hd + j.
                    let qkv = try XCTUnwrap(byName["\(n).attention.query_key_value.weight"]), qb = try XCTUnwrap(byName["\(n).attention.query_key_value.bias"])
                    XCTAssertEqual(qkv.shape, [3 * C, C])
                    for h in 0..<c.heads { for part in 0..<3 { for j in 0..<hd {
                        let hf = h * 3 * hd + part * hd + j, ours = part * C + h * hd + j
                        for k in 0..<C { rebuilt[o.qkv.weight + ours * C + k] = qkv.values[hf * C + k] }
                        rebuilt[o.qkv.bias! + ours] = qb.values[hf]
                    } } }
                    put("\(n).attention.dense.weight", at: o.proj.weight, count: C * C)
                    put("\(n).attention.dense.bias", at: o.proj.bias, count: C)
                    put("\(n).post_attention_layernorm.weight", at: o.ln2!.weight, count: C)
                    put("\(n).post_attention_layernorm.bias", at: o.ln2!.bias, count: C)
                    put("\(n).mlp.dense_h_to_4h.weight", at: o.mlp!.fc.weight, count: 4 * C * C)
                    put("\(n).mlp.dense_h_to_4h.bias", at: o.mlp!.fc.bias, count: 4 * C)
                    put("\(n).mlp.dense_4h_to_h.weight", at: o.mlp!.proj.weight, count: 4 * C * C)
                    put("\(n).mlp.dense_4h_to_h.bias", at: o.mlp!.proj.bias, count: C)
                }
                put("gpt_neox.final_layer_norm.weight", at: L.lnf.weight, count: C)
                put("gpt_neox.final_layer_norm.bias", at: L.lnf.bias, count: C)
                expected = L.count + (2 * c.layers + 1) * C            // the zero norm biases
            } else {
                XCTAssertEqual(summary.architecture, .llama)
                let F = ParameterLayout.mlpHidden(c)
                put("model.embed_tokens.weight", at: L.embedding, count: c.vocabularySize * C)
                for (i, o) in L.layers.enumerated() {
                    let n = "model.layers.\(i)"
                    put("\(n).input_layernorm.weight", at: o.ln1.weight, count: C)
                    for (part, p) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                        put("\(n).self_attn.\(p).weight", at: o.qkv.weight + part * C * C, count: C * C)
                    }
                    put("\(n).self_attn.o_proj.weight", at: o.proj.weight, count: C * C)
                    put("\(n).post_attention_layernorm.weight", at: o.ln2!.weight, count: C)
                    put("\(n).mlp.gate_proj.weight", at: o.mlp!.gate.weight, count: F * C)
                    put("\(n).mlp.up_proj.weight", at: o.mlp!.up.weight, count: F * C)
                    put("\(n).mlp.down_proj.weight", at: o.mlp!.down.weight, count: C * F)
                }
                put("model.norm.weight", at: L.lnf.weight, count: C)
                put("lm_head.weight", at: L.head, count: c.vocabularySize * C)
                expected = L.count
            }
            XCTAssertEqual(read.tensors.reduce(0) { $0 + $1.values.count }, expected, record.key)
            XCTAssertEqual(summary.parameters, expected)
            XCTAssertEqual(rebuilt.map(\.bitPattern), flat.map(\.bitPattern), "\(record.key): the re-read buffer is the checkpoint's")

            let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
            XCTAssertEqual(config["architectures"] as? [String], [summary.architecture.rawValue])
            XCTAssertEqual(config["vocab_size"] as? Int, c.vocabularySize)
            XCTAssertEqual(config["tie_word_embeddings"] as? Bool, c.tiedHead)
            XCTAssertEqual(config["attention_bias"] as? Bool, c.attentionBias)
            XCTAssertEqual(config["intermediate_size"] as? Int, ParameterLayout.mlpHidden(c))

            let dataset = try PreparedRun(record.spec).dataset
            let tok = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tokenizer.json"))) as? [String: Any])
            let vocab = try XCTUnwrap((tok["model"] as? [String: Any])?["vocab"] as? [String: Int])
            XCTAssertEqual(vocab.count, dataset.tokenizer.count)
            for (id, word) in dataset.tokenizer.vocabulary.enumerated() { XCTAssertEqual(vocab[word], id, word) }

            let card = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
            let m = try XCTUnwrap(record.metrics)
            XCTAssertTrue(card.contains(record.key))
            XCTAssertTrue(card.contains(String(format: "R = %.3f bits/param", m.capacityRatio)), card)
            XCTAssertTrue(summary.figuresSource.hasPrefix("recorded in"), summary.figuresSource)
        }
    }

    func testModelsHFCannotExpressExactlyAreRefusedNamingTheOption() {
        func refusal(_ edit: (inout ModelConfig) -> Void) -> String {
            var c = ModelConfig(layers: 1, heads: 1, width: 8, vocabularySize: 10)
            edit(&c)
            do { _ = try HFArchitecture.of(c); return "" } catch { return "\(error)" }
        }
        let cases: [(String, (inout ModelConfig) -> Void)] = [
            ("mlp none", { $0.mlp = .none }),
            ("mlp moe", { $0.mlp = .moe }),
            ("mlp gatedSiLU with norm layer", { $0.mlp = .gatedSiLU }),
            ("mlp gelu with norm rms", { $0.norm = .rms }),
            ("normBias true with norm rms", { $0.mlp = .gatedSiLU; $0.norm = .rms }),
        ]
        for (name, edit) in cases {
            let e = refusal(edit)
            XCTAssertTrue(e.hasPrefix("export-model: \(name)"), e)
            XCTAssertFalse(e.contains("\n"), e)
        }
        XCTAssertEqual(try HFArchitecture.of(ModelConfig(layers: 1, heads: 1, width: 8, mlp: .quarter)), .gptNeoX)
    }
}
