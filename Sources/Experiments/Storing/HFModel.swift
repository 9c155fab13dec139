import Foundation
import Transformer

/// The Hugging Face `transformers` class a trained model is exactly, and its tensors under that
/// class's names (docs/checkpoints.md, "Export to Hugging Face"). Exact means the same forward
/// pass to float rounding: a model HF cannot express exactly is refused, never approximated.
public enum HFArchitecture: String, Sendable {
    /// GPT-2 with rotary (gelu or quarter MLP, LayerNorm): sequential residual, full rotary.
    case gptNeoX = "GPTNeoXForCausalLM"
    /// Gated SiLU, RMSNorm without bias.
    case llama = "LlamaForCausalLM"

    /// The class for `c`, or an error naming the option HF has no exact equivalent for.
    public static func of(_ c: ModelConfig) throws -> HFArchitecture {
        switch (c.mlp, c.norm) {
        case (.gelu, .layer), (.quarter, .layer):
            return .gptNeoX                        // no norm bias, no attention bias: zeros, exact
        case (.gatedSiLU, .rms):
            guard !c.normBias else {
                throw HFExportError("normBias true with norm rms: LlamaRMSNorm has no bias; only normBias false exports as LlamaForCausalLM")
            }
            return .llama
        case (.gatedSiLU, .layer):
            throw HFExportError("mlp gatedSiLU with norm layer: LlamaForCausalLM uses RMSNorm (norm \"rms\"), and no HF class pairs a gated SiLU MLP with LayerNorm")
        case (.gelu, .rms), (.quarter, .rms):
            throw HFExportError("mlp \(c.mlp.rawValue) with norm rms: GPTNeoXForCausalLM uses LayerNorm, and no HF class pairs a GELU MLP with RMSNorm")
        case (.none, _):
            throw HFExportError("mlp none: every HF causal LM has an MLP in each block; a model without one has no exact HF equivalent")
        case (.moe, _):
            throw HFExportError("mlp moe: the top-1 GELU experts with a per-batch capacity have no exact HF equivalent")
        }
    }
}

public struct HFExportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = "export-model: " + description }
}

/// The model's weights under the HF class's names, in the order of `ParameterLayout` (fp32).
/// GPT-NeoX's `query_key_value` interleaves per head: its rows are [H × (q, k, v) × hd] where
/// ours are [(q, k, v) × H × hd]; a zero bias stands in for an absent norm bias.
public func hfTensors(_ model: GPT, as arch: HFArchitecture) -> [SafeTensor] {
    let c = model.config, L = model.layout, C = c.width, V = c.vocabularySize, H = c.heads, hd = c.headDim
    let p = UnsafePointer(model.params.pointer)
    func values(_ offset: Int, _ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: p + offset, count: count)) }
    func matrix(_ name: String, _ l: LinearOffsets) -> SafeTensor {
        SafeTensor(name: name, shape: [l.outFeatures, l.inFeatures], values: values(l.weight, l.outFeatures * l.inFeatures))
    }
    func bias(_ name: String, _ l: LinearOffsets) -> SafeTensor? {
        l.bias.map { SafeTensor(name: name, shape: [l.outFeatures], values: values($0, l.outFeatures)) }
    }
    func norm(_ name: String, _ n: NormOffsets) -> [SafeTensor] {
        var out = [SafeTensor(name: name + ".weight", shape: [C], values: values(n.weight, C))]
        if arch == .gptNeoX { out.append(SafeTensor(name: name + ".bias", shape: [C], values: n.bias.map { values($0, C) } ?? [Float](repeating: 0, count: C))) }
        return out
    }
    /// Rows [(q, k, v) × H × hd] → [H × (q, k, v) × hd], each row `width` floats long.
    func interleaveHeads(_ rows: [Float], width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count)
        for part in 0..<3 { for h in 0..<H { for i in 0..<hd {
            let from = (part * C + h * hd + i) * width, to = (h * 3 * hd + part * hd + i) * width
            for j in 0..<width { out[to + j] = rows[from + j] }
        } } }
        return out
    }

    var t: [SafeTensor] = []
    switch arch {
    case .gptNeoX:
        t.append(SafeTensor(name: "gpt_neox.embed_in.weight", shape: [V, C], values: values(L.embedding, V * C)))
        for (i, o) in L.layers.enumerated() {
            let n = "gpt_neox.layers.\(i)"
            t += norm("\(n).input_layernorm", o.ln1)
            let qkv = matrix("", o.qkv)
            t.append(SafeTensor(name: "\(n).attention.query_key_value.weight", shape: qkv.shape, values: interleaveHeads(qkv.values, width: C)))
            if let b = bias("", o.qkv) {
                t.append(SafeTensor(name: "\(n).attention.query_key_value.bias", shape: b.shape, values: interleaveHeads(b.values, width: 1)))
            }
            t.append(matrix("\(n).attention.dense.weight", o.proj))
            t += [bias("\(n).attention.dense.bias", o.proj)].compactMap { $0 }
            if let ln2 = o.ln2, let m = o.mlp {
                t += norm("\(n).post_attention_layernorm", ln2)
                t.append(matrix("\(n).mlp.dense_h_to_4h.weight", m.fc))
                t += [bias("\(n).mlp.dense_h_to_4h.bias", m.fc)].compactMap { $0 }
                t.append(matrix("\(n).mlp.dense_4h_to_h.weight", m.proj))
                t += [bias("\(n).mlp.dense_4h_to_h.bias", m.proj)].compactMap { $0 }
            }
        }
        t += norm("gpt_neox.final_layer_norm", L.lnf)
        if !c.tiedHead { t.append(SafeTensor(name: "embed_out.weight", shape: [V, C], values: values(L.head, V * C))) }
    case .llama:
        t.append(SafeTensor(name: "model.embed_tokens.weight", shape: [V, C], values: values(L.embedding, V * C)))
        for (i, o) in L.layers.enumerated() {
            let n = "model.layers.\(i)"
            t += norm("\(n).input_layernorm", o.ln1)
            let w = values(o.qkv.weight, 3 * C * C), b = o.qkv.bias.map { values($0, 3 * C) }
            for (part, proj) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                t.append(SafeTensor(name: "\(n).self_attn.\(proj).weight", shape: [C, C], values: Array(w[(part * C * C)..<((part + 1) * C * C)])))
                if let b { t.append(SafeTensor(name: "\(n).self_attn.\(proj).bias", shape: [C], values: Array(b[(part * C)..<((part + 1) * C)]))) }
            }
            t.append(matrix("\(n).self_attn.o_proj.weight", o.proj))
            t += [bias("\(n).self_attn.o_proj.bias", o.proj)].compactMap { $0 }
            if let ln2 = o.ln2, let m = o.mlp {
                t += norm("\(n).post_attention_layernorm", ln2)
                t.append(matrix("\(n).mlp.gate_proj.weight", m.gate))
                t.append(matrix("\(n).mlp.up_proj.weight", m.up))
                t.append(matrix("\(n).mlp.down_proj.weight", m.down))
            }
        }
        t += norm("model.norm", L.lnf)
        if !c.tiedHead { t.append(SafeTensor(name: "lm_head.weight", shape: [V, C], values: values(L.head, V * C))) }
    }
    return t
}

/// config.json: the fields that fix the forward pass, under both transformers 5's names
/// (`rope_parameters`) and 4.x's (`rotary_pct`, `rotary_emb_base`, `rope_theta`).
struct HFConfig: Encodable {
    struct Rope: Encodable {
        var ropeTheta: Double, ropeType = "default", partialRotaryFactor: Double?
        enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta", ropeType = "rope_type", partialRotaryFactor = "partial_rotary_factor" }
    }
    var architectures: [String], modelType: String
    var vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int
    var hiddenAct: String, maxPositionEmbeddings: Int, tieWordEmbeddings: Bool, attentionBias: Bool
    var ropeParameters: Rope
    var bosTokenId = 0, eosTokenId = 0, attentionDropout = 0.0, initializerRange = 0.02, dtype = "float32", useCache = true
    // GPT-NeoX only
    var layerNormEps: Double?, useParallelResidual: Bool?, rotaryPct: Double?, rotaryEmbBase: Double?, hiddenDropout: Double?
    // LLaMA only
    var rmsNormEps: Double?, numKeyValueHeads: Int?, headDim: Int?, mlpBias: Bool?, ropeTheta: Double?

    enum CodingKeys: String, CodingKey {
        case architectures, modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", maxPositionEmbeddings = "max_position_embeddings", tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias", ropeParameters = "rope_parameters", bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
        case attentionDropout = "attention_dropout", initializerRange = "initializer_range", dtype, useCache = "use_cache"
        case layerNormEps = "layer_norm_eps", useParallelResidual = "use_parallel_residual", rotaryPct = "rotary_pct"
        case rotaryEmbBase = "rotary_emb_base", hiddenDropout = "hidden_dropout"
        case rmsNormEps = "rms_norm_eps", numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", mlpBias = "mlp_bias", ropeTheta = "rope_theta"
    }

    init(_ c: ModelConfig, _ arch: HFArchitecture) {
        let base = Double(c.rotaryBase)
        architectures = [arch.rawValue]
        vocabSize = c.vocabularySize; hiddenSize = c.width; numHiddenLayers = c.layers; numAttentionHeads = c.heads
        intermediateSize = ParameterLayout.mlpHidden(c); maxPositionEmbeddings = c.contextLength
        tieWordEmbeddings = c.tiedHead; attentionBias = c.attentionBias
        switch arch {
        case .gptNeoX:
            modelType = "gpt_neox"; hiddenAct = "gelu_pytorch_tanh"    // GELU's tanh form, as GELUForward
            ropeParameters = Rope(ropeTheta: base, partialRotaryFactor: 1)
            layerNormEps = 1e-5; useParallelResidual = false; rotaryPct = 1; rotaryEmbBase = base; hiddenDropout = 0
        case .llama:
            modelType = "llama"; hiddenAct = "silu"
            ropeParameters = Rope(ropeTheta: base, partialRotaryFactor: nil)
            rmsNormEps = 1e-5; numKeyValueHeads = c.heads; headDim = c.headDim; mlpBias = false; ropeTheta = base
        }
    }
}
