import Kernels

/// Post-training quantization (Result 8): every weight matrix — attention, MLP, router, experts,
/// the embedding and an untied head — rounded to symmetric per-output-row integers of `bits`
/// bits (round to nearest; see `quantizeRows`) and scored by dequantizing into the ordinary fp32
/// forward pass. A matrix [out × in] has one fp32 step per output row (the embedding and head:
/// one per token row). Biases and LayerNorm gains and biases stay fp32: they are vectors, under
/// 1% of the parameters of any model here, and quantizers (GPTQ included) keep them in float.

/// Quantizes the matrices of a flat parameter buffer in place (vectors untouched).
public func quantizeWeights(_ params: UnsafeMutablePointer<Float>, layout: ParameterLayout, bits: Int) {
    for t in layout.tensors where t.isMatrix {
        quantizeRows(params + t.offset, rows: t.rows, columns: t.columns, bits: bits)
    }
}

/// Storage of a quantized model: integers for the matrices, an fp32 step per matrix row, fp32
/// vectors. `bitsPerParameter` = all of it over the parameter count (8 for int8 plus the
/// overheads), the denominator of "bits per stored bit".
public struct QuantizedStorage: Codable, Hashable, Sendable {
    public var bits: Int
    public var matrixParameters: Int
    public var vectorParameters: Int
    public var rowSteps: Int
    public var totalBits: Int { bits * matrixParameters + 32 * (vectorParameters + rowSteps) }
    public var bitsPerParameter: Double { Double(totalBits) / Double(max(1, matrixParameters + vectorParameters)) }

    public init(layout: ParameterLayout, bits: Int) {
        self.bits = bits
        matrixParameters = layout.tensors.filter(\.isMatrix).reduce(0) { $0 + $1.count }
        vectorParameters = layout.count - matrixParameters
        rowSteps = layout.tensors.filter(\.isMatrix).reduce(0) { $0 + $1.rows }
    }
}

extension GPT {
    /// A copy of this model (buffers for `maxBatch` windows) with its weights quantized to
    /// `bits` bits and dequantized; this model is untouched.
    public func quantizedCopy(bits: Int, maxBatch: Int = 1) -> GPT {
        let copy = GPT(config: config, maxBatch: maxBatch, seed: 0, threads: threads)
        copy.params.pointer.update(from: params.pointer, count: layout.count)
        quantizeWeights(copy.params.pointer, layout: layout, bits: bits)
        return copy
    }
}
