import Kernels

/// The MLP sublayer of a block, forward beside backward: out += MLP(x), where x = LayerNorm(res)
/// and out starts as the residual. Shapes: R = rows (B·T tokens), C = width, F = hidden.
///   gelu, quarter:  out += GELU(x·W1ᵀ + b1)·W2ᵀ + b2                       (F = 4C or C)
///   gatedSiLU:      out += (SiLU(x·Wgᵀ) ⊙ x·Wuᵀ)·Wdᵀ, no biases (LLaMA)    (F = round(8C/3))
///   moe:            see `MixtureOfExperts`
struct MLP {
    let config: ModelConfig
    let offsets: MLPOffsets
    let rows: Int
    let threads: Int

    var width: Int { config.width }
    var hidden: Int { ParameterLayout.mlpHidden(config) }

    /// x: [R × C] the normalized input; out: [R × C] the residual, added to.
    /// MoE only: `targets` [R] marks padding (−1), which is not routed; `training` picks the
    /// capacity factor.
    /// `seqLen`: tokens per window. A mixture's capacity counts per step in training and per
    /// window (one scored biography) in evaluation.
    func forward(_ p: UnsafePointer<Float>, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 targets: UnsafePointer<Int32>? = nil, acts a: MLPActivations, training: Bool, seqLen: Int) {
        let R = rows, F = hidden, o = offsets, th = threads
        switch config.mlp {
        case .gelu, .quarter:
            o.fc.forward(p, x: x, y: a.pre, rows: R, threads: th)
            geluForward(x: a.pre, y: a.act, count: R * F, threads: th)
            o.proj.forward(p, x: a.act, y: out, rows: R, accumulate: true, threads: th)
        case .gatedSiLU:
            o.gate.forward(p, x: x, y: a.pre, rows: R, threads: th)
            o.up.forward(p, x: x, y: a.up, rows: R, threads: th)
            gatedSiLUForward(gate: a.pre, up: a.up, y: a.act, count: R * F, threads: th)
            o.down.forward(p, x: a.act, y: out, rows: R, accumulate: true, threads: th)
        case .moe:
            MixtureOfExperts(config: config, offsets: o, rows: R, threads: th)
                .forward(p, x: x, out: out, targets: targets, acts: a.moe!,
                         capacityFactor: training ? config.trainingCapacityFactor : config.evaluationCapacityFactor,
                         group: training ? R : seqLen)
        case .none:
            break
        }
    }

    /// dy: [R × C] ∂loss/∂out (the residual's gradient, which also flows past the MLP untouched);
    /// x: the forward's input; dx: [R × C] ∂loss/∂x, overwritten. Parameter gradients accumulate.
    func backward(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                  x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, acts a: MLPActivations, scratch s: MLPScratch) {
        let R = rows, F = hidden, o = offsets, th = threads
        switch config.mlp {
        case .gelu, .quarter:
            o.proj.backward(p, g, dy: dy, x: a.act, dx: s.dpre, rows: R, threads: th)
            geluBackward(dx: s.dpre, dy: s.dpre, x: a.pre, count: R * F, threads: th)
            o.fc.backward(p, g, dy: s.dpre, x: x, dx: dx, rows: R, threads: th)
        case .gatedSiLU:
            o.down.backward(p, g, dy: dy, x: a.act, dx: s.dpre, rows: R, threads: th)
            gatedSiLUBackward(dgate: s.dpre, dup: s.dup, dy: s.dpre, gate: a.pre, up: a.up, count: R * F, threads: th)
            o.gate.backward(p, g, dy: s.dpre, x: x, dx: dx, rows: R, threads: th)
            o.up.backward(p, g, dy: s.dup, x: x, dx: dx, rows: R, accumulateDx: true, threads: th)
        case .moe:
            MixtureOfExperts(config: config, offsets: o, rows: R, threads: th)
                .backward(p, g, dy: dy, x: x, dx: dx, acts: a.moe!, scratch: s.moe!)
        case .none:
            dx.update(repeating: 0, count: R * width)
        }
    }
}

/// What an MLP keeps from its forward pass, sized from the config (empty for kinds that do not
/// use a buffer). R = rows, F = hidden.
final class MLPActivations {
    let pre: UnsafeMutablePointer<Float>      // [R × F] fc output before GELU, or the gate x·Wgᵀ
    let up: UnsafeMutablePointer<Float>       // [R × F] gatedSiLU: x·Wuᵀ
    let act: UnsafeMutablePointer<Float>      // [R × F] GELU(pre), or SiLU(pre) ⊙ up
    let moe: MoEActivations?

    init(arena: Arena, config c: ModelConfig, rows R: Int) {
        let F = ParameterLayout.mlpHidden(c)
        let dense = c.mlp.isDense
        pre = arena.take(dense ? R * F : 0)
        up = arena.take(c.mlp == .gatedSiLU ? R * F : 0)
        act = arena.take(dense ? R * F : 0)
        moe = c.mlp == .moe ? MoEActivations(arena: arena, config: c, rows: R) : nil
    }
}

/// The MLP's backward buffers, shared by every layer.
final class MLPScratch {
    let dpre: UnsafeMutablePointer<Float>     // [R × F] ∂loss/∂pre (and ∂loss/∂act before it)
    let dup: UnsafeMutablePointer<Float>      // [R × F] gatedSiLU: ∂loss/∂up
    let moe: MoEScratch?

    init(arena: Arena, config c: ModelConfig, rows R: Int) {
        let F = ParameterLayout.mlpHidden(c)
        let dense = c.mlp.isDense
        dpre = arena.take(dense ? R * F : 0)
        dup = arena.take(c.mlp == .gatedSiLU ? R * F : 0)
        moe = c.mlp == .moe ? MoEScratch(arena: arena, config: c, rows: R) : nil
    }
}
