import Kernels

/// The MLP sublayer of a block, forward beside backward: out += MLP(x), where x = LayerNorm(res)
/// and out starts as the residual. Shapes: R = rows (B·T tokens), C = width, F = hidden.
///   gelu, quarter:  out += GELU(x·W1ᵀ + b1)·W2ᵀ + b2                       (F = 4C or C)
///   gatedSiLU:      out += (SiLU(x·Wgᵀ) ⊙ x·Wuᵀ)·Wdᵀ, no biases (LLaMA)    (F = round(8C/3))
///   moe:            see `MixtureOfExperts`
// MARK: - What each kind holds: hidden width, tensors, buffers (forward and backward below)

extension MLPKind {
    /// Hidden width F at model width C: 4C (GPT-2), C (quarter MLP and each MoE expert),
    /// round(8C/3) (gated, so its three matrices hold 3·C·F ≈ 8C² parameters like GPT-2's two),
    /// 0 (no MLP).
    public func hidden(width C: Int) -> Int {
        switch self {
        case .gelu: return 4 * C
        case .quarter, .moe: return C
        case .gatedSiLU: return Int((Double(8 * C) / 3).rounded())
        case .none: return 0
        }
    }

    /// One block's MLP tensors (`MLPOffsets` gives their shapes), in the order they are
    /// initialized, which fixes every random draw of the init. `linear(name, in, out, bias, init)`
    /// adds one linear layer to the layout.
    func offsets(_ c: ModelConfig, name n: String,
                 linear: (String, Int, Int, Bool, ParameterInit) -> LinearOffsets) -> MLPOffsets {
        let C = c.width, F = hidden(width: C)
        var m = MLPOffsets()
        switch self {
        case .gelu, .quarter:
            m.fc = linear("\(n).fc", C, F, true, .normal)
            m.proj = linear("\(n).proj", F, C, true, .residualProjection)
        case .gatedSiLU:
            m.gate = linear("\(n).gate", C, F, false, .normal)
            m.up = linear("\(n).up", C, F, false, .normal)
            m.down = linear("\(n).down", F, C, false, .residualProjection)
        case .moe:
            m.router = linear("\(n).router", C, c.experts, false, .normal)
            for e in 0..<c.experts {
                m.experts.append((fc: linear("\(n).expert[\(e)].fc", C, F, true, .normal),
                                  proj: linear("\(n).expert[\(e)].proj", F, C, true, .residualProjection)))
            }
        case .none: break
        }
        return m
    }

    /// Keeps [R × F] pre- and post-activation buffers from the forward pass (the dense kinds).
    var keepsHidden: Bool { self == .gelu || self == .quarter || self == .gatedSiLU }
    /// Keeps a second [R × F] buffer, the up projection (gatedSiLU).
    var keepsUp: Bool { self == .gatedSiLU }
    /// Keeps GELU's tanh term [R × F] for the backward (gelu, quarter).
    var keepsTanh: Bool { self == .gelu || self == .quarter }
}

struct MLP {
    let config: ModelConfig
    let offsets: MLPOffsets
    let rows: Int
    let threads: Int

    var width: Int { config.width }
    var hidden: Int { config.mlp.hidden(width: config.width) }

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
            geluForward(x: a.pre, y: a.act, tanh: a.tanh, count: R * F, threads: th)
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
            geluBackward(dx: s.dpre, dy: s.dpre, x: a.pre, tanh: a.tanh, count: R * F, threads: th)
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
    let tanh: UnsafeMutablePointer<Float>     // [R × F] gelu, quarter: GELU's tanh term, so the backward skips its exp
    let moe: MoEActivations?

    init(arena: Arena, config c: ModelConfig, rows R: Int) {
        let F = c.mlp.hidden(width: c.width)
        pre = arena.take(c.mlp.keepsHidden ? R * F : 0)
        up = arena.take(c.mlp.keepsUp ? R * F : 0)
        act = arena.take(c.mlp.keepsHidden ? R * F : 0)
        tanh = arena.take(c.mlp.keepsTanh ? R * F : 0)
        moe = c.mlp == .moe ? MoEActivations(arena: arena, config: c, rows: R) : nil
    }
}

/// The MLP's backward buffers, shared by every layer.
final class MLPScratch {
    let dpre: UnsafeMutablePointer<Float>     // [R × F] ∂loss/∂pre (and ∂loss/∂act before it)
    let dup: UnsafeMutablePointer<Float>      // [R × F] gatedSiLU: ∂loss/∂up
    let moe: MoEScratch?

    init(arena: Arena, config c: ModelConfig, rows R: Int) {
        let F = c.mlp.hidden(width: c.width)
        dpre = arena.take(c.mlp.keepsHidden ? R * F : 0)
        dup = arena.take(c.mlp.keepsUp ? R * F : 0)
        moe = c.mlp == .moe ? MoEScratch(arena: arena, config: c, rows: R) : nil
    }
}
