import Kernels

/// GPT2-MoE's MLP, forward beside backward: E experts, each a GELU MLP d → d → d with biases,
/// and a linear router without bias. Shapes: R = rows (tokens of the call), C = width, E = experts.
///
///   probs = softmax(x·Wrᵀ)                        [R × E]
///   e(t)  = argmax_e probs[t, e]                  ties → the lowest expert index
///   out[t] += probs[t, e(t)] · Expert_e(t)(x[t])  if t is within e(t)'s capacity, else nothing
///
/// Top-1 routing with a capacity: an expert takes at most ceil(factor · R′ / E) tokens of a
/// group (R′ = the group's tokens with a target), first come first served in token order
/// (window by window, position by position); the tokens over capacity skip the MLP (the residual
/// passes them through). In training the group is the whole step's batch; in evaluation it is
/// one window, i.e. one scored biography, so a biography's score never depends on which others
/// share its call (docs/science.md, "The model and its training"). Padding (target −1, only
/// ever at the end of a window, where no scored position reads it) is not routed: it takes no
/// capacity, so how evaluation pads its batches cannot change which real tokens an expert serves. Routing is computed serially
/// from the router's GEMM, whose sums run in a fixed order, so it is the same for any thread
/// count. Gradients reach the router through the gate probability probs[t, e(t)] (the argmax
/// itself has none) and through the Switch Transformer's load-balancing loss
///   aux = α · E · Σ_e f_e · P_e,  f_e = (tokens whose argmax is e) / R′,  P_e = mean_t probs[t, e],
/// over the routed tokens, differentiated through P_e only (f_e counts are constant),
/// α = `loadBalancingCoefficient`.
struct MixtureOfExperts {
    let config: ModelConfig
    let offsets: MLPOffsets
    let rows: Int
    let threads: Int

    var experts: Int { config.experts }

    /// The most tokens one expert takes in a call of `rows` tokens.
    static func capacity(rows: Int, experts: Int, factor: Float) -> Int {
        max(1, Int((Double(factor) * Double(rows) / Double(experts)).rounded(.up)))
    }

    /// x: [R × C] normalized input; out: [R × C] residual, added to; targets: [R] (nil: route
    /// every row). `group`: tokens per capacity group (R: one group; a divisor of R). Saves the
    /// routing, the gathered expert inputs and outputs, and the auxiliary loss in `a`.
    func forward(_ p: UnsafePointer<Float>, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 targets: UnsafePointer<Int32>?, acts a: MoEActivations, capacityFactor: Float, group: Int) {
        let R = rows, C = config.width, E = experts, th = threads
        // Router: probs = softmax(x·Wrᵀ).
        offsets.router.forward(p, x: x, y: a.probs, rows: R, threads: th)
        softmaxForward(x: a.probs, y: a.probs, rows: R, width: E, ld: E, scale: 1, causal: false)

        // Top-1 choice of every routed token (−1: padding), and how many chose each expert.
        for e in 0..<E { a.routed[e] = 0 }
        var active = 0
        for t in 0..<R {
            if let targets, targets[t] < 0 { a.expertOf[t] = -1; continue }
            active += 1
            let pr = a.probs + t * E
            var best = 0
            for e in 1..<E where pr[e] > pr[best] { best = e }
            a.expertOf[t] = Int32(best)
            a.routed[best] += 1
        }
        a.activeRows = active
        // Which tokens each expert keeps: in every group of `group` tokens, its first
        // ⌈factor · (the group's routed tokens) / E⌉ in token order (`slot` 0 = kept for now).
        for e in 0..<E { a.filled[e] = 0 }
        for g0 in stride(from: 0, to: R, by: group) {
            let g1 = min(R, g0 + group)
            var routedInGroup = 0
            for t in g0..<g1 where a.expertOf[t] >= 0 { routedInGroup += 1 }
            let cap = Self.capacity(rows: routedInGroup, experts: E, factor: capacityFactor)
            for e in 0..<E { a.groupFilled[e] = 0 }
            for t in g0..<g1 {
                let e = Int(a.expertOf[t])
                if e >= 0 && a.groupFilled[e] < cap {
                    a.groupFilled[e] += 1; a.filled[e] += 1
                    a.slot[t] = 0
                } else {
                    a.slot[t] = -1
                }
            }
        }
        // Each expert's segment of the gathered rows holds its kept tokens in token order.
        a.segment[0] = 0
        for e in 0..<E { a.segment[e + 1] = a.segment[e] + a.filled[e] }
        for e in 0..<E { a.filled[e] = 0 }
        for t in 0..<R where a.slot[t] >= 0 {
            let e = Int(a.expertOf[t]), s = a.segment[e] + a.filled[e]
            a.filled[e] += 1
            a.slot[t] = Int32(s)
            a.tokenOf[s] = Int32(t)
            (a.xin + s * C).update(from: x + t * C, count: C)
        }
        // Each expert on its rows: y = GELU(xin·W1ᵀ + b1)·W2ᵀ + b2.
        for e in 0..<E {
            let s0 = a.segment[e], n = a.segment[e + 1] - s0
            if n == 0 { continue }
            let ex = offsets.experts[e]
            ex.fc.forward(p, x: a.xin + s0 * C, y: a.h + s0 * C, rows: n, threads: th)
            geluForward(x: a.h + s0 * C, y: a.a + s0 * C, count: n * C, threads: th)
            ex.proj.forward(p, x: a.a + s0 * C, y: a.y + s0 * C, rows: n, threads: th)
        }
        // Gate-scaled outputs into the residual.
        for t in 0..<R where a.slot[t] >= 0 {
            let s = Int(a.slot[t]), e = Int(a.expertOf[t])
            axpy(a.probs[t * E + e], a.y + s * C, out + t * C, C)
        }
        // Load-balancing loss over the routed tokens.
        var aux = 0.0
        for e in 0..<E where active > 0 {
            var P = 0.0
            for t in 0..<R where a.expertOf[t] >= 0 { P += Double(a.probs[t * E + e]) }
            aux += Double(a.routed[e]) / Double(active) * P / Double(active)
        }
        a.auxiliaryLoss = Float(Double(config.loadBalancingCoefficient) * Double(E) * aux)
    }

    /// dy: [R × C] ∂loss/∂out; dx: [R × C] ∂loss/∂x, overwritten. The gradient of `aux` (weight 1
    /// in the objective) is included. Parameter gradients accumulate.
    func backward(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                  x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, acts a: MoEActivations, scratch s: MoEScratch) {
        let R = rows, C = config.width, E = experts, th = threads
        // ∂aux/∂probs[t, e] = α·E·f_e / R′ for every routed token, 0 for padding.
        let Ra = Float(max(1, a.activeRows))
        let auxScale = config.loadBalancingCoefficient * Float(E) / Ra
        for e in 0..<E { s.auxGrad[e] = auxScale * Float(a.routed[e]) / Ra }
        for t in 0..<R {
            if a.expertOf[t] >= 0 { (s.dprobs + t * E).update(from: s.auxGrad, count: E) }
            else { (s.dprobs + t * E).update(repeating: 0, count: E) }
        }
        // Kept tokens: the expert sees dy scaled by the gate; the gate sees dy·y.
        for t in 0..<R where a.slot[t] >= 0 {
            let r = Int(a.slot[t]), e = Int(a.expertOf[t])
            let gate = a.probs[t * E + e]
            for i in 0..<C { s.dyGathered[r * C + i] = gate * dy[t * C + i] }
            s.dprobs[t * E + e] += dot(dy + t * C, a.y + r * C, C)
        }
        for e in 0..<E {
            let s0 = a.segment[e], n = a.segment[e + 1] - s0
            if n == 0 { continue }
            let ex = offsets.experts[e]
            ex.proj.backward(p, g, dy: s.dyGathered + s0 * C, x: a.a + s0 * C, dx: s.da + s0 * C, rows: n, threads: th)
            geluBackward(dx: s.da + s0 * C, dy: s.da + s0 * C, x: a.h + s0 * C, count: n * C, threads: th)
            ex.fc.backward(p, g, dy: s.da + s0 * C, x: a.xin + s0 * C, dx: s.dxin + s0 * C, rows: n, threads: th)
        }
        // Router: softmax backward, then its linear layer writes dx; expert inputs add theirs.
        softmaxBackward(dx: s.dprobs, dy: s.dprobs, y: a.probs, rows: R, width: E, ld: E, scale: 1, causal: false)
        offsets.router.backward(p, g, dy: s.dprobs, x: x, dx: dx, rows: R, threads: th)
        for t in 0..<R where a.slot[t] >= 0 {
            axpy(1, s.dxin + Int(a.slot[t]) * C, dx + t * C, C)
        }
    }
}

/// One MoE layer's forward state. R = rows, C = width, E = experts; gathered rows are grouped by
/// expert (expert e's at segment[e] ..< segment[e + 1]), at most R of them.
final class MoEActivations {
    let probs: UnsafeMutablePointer<Float>    // [R × E] router probabilities
    let xin, h, a, y: UnsafeMutablePointer<Float>   // [R × C] gathered input, fc out, GELU, expert out
    let expertOf: UnsafeMutablePointer<Int32> // [R] each token's top-1 expert (kept or not), −1 = padding
    let slot: UnsafeMutablePointer<Int32>     // [R] each token's gathered row, −1 = over capacity
    let tokenOf: UnsafeMutablePointer<Int32>  // [R] each gathered row's token
    let routed: UnsafeMutablePointer<Int>     // [E] tokens whose argmax is e
    let filled: UnsafeMutablePointer<Int>     // [E] tokens e took (≤ its capacity in each group)
    let groupFilled: UnsafeMutablePointer<Int> // [E] tokens e kept in the current capacity group
    let segment: UnsafeMutablePointer<Int>    // [E + 1]
    /// The last forward's load-balancing loss (already times the coefficient).
    var auxiliaryLoss: Float = 0
    /// Tokens routed in the last forward (rows with a target).
    var activeRows = 0

    init(arena: Arena, config c: ModelConfig, rows R: Int) {
        let C = c.width, E = c.experts
        probs = arena.take(R * E)
        xin = arena.take(R * C); h = arena.take(R * C); a = arena.take(R * C); y = arena.take(R * C)
        expertOf = .allocate(capacity: R); slot = .allocate(capacity: R); tokenOf = .allocate(capacity: R)
        expertOf.initialize(repeating: 0, count: R); slot.initialize(repeating: -1, count: R)
        tokenOf.initialize(repeating: 0, count: R)
        routed = .allocate(capacity: E); filled = .allocate(capacity: E); segment = .allocate(capacity: E + 1)
        groupFilled = .allocate(capacity: E); groupFilled.initialize(repeating: 0, count: E)
        routed.initialize(repeating: 0, count: E); filled.initialize(repeating: 0, count: E)
        segment.initialize(repeating: 0, count: E + 1)
    }

    deinit {
        expertOf.deallocate(); slot.deallocate(); tokenOf.deallocate()
        routed.deallocate(); filled.deallocate(); segment.deallocate(); groupFilled.deallocate()
    }
}

/// MoE backward buffers, shared by every layer.
final class MoEScratch {
    let dprobs: UnsafeMutablePointer<Float>       // [R × E] ∂loss/∂probs, then ∂loss/∂router logits
    let auxGrad: UnsafeMutablePointer<Float>      // [E]
    let dyGathered, da, dxin: UnsafeMutablePointer<Float>   // [R × C] each, gathered rows

    init(arena: Arena, config c: ModelConfig, rows R: Int) {
        let C = c.width, E = c.experts
        dprobs = arena.take(R * E); auxGrad = arena.take(E)
        dyGathered = arena.take(R * C); da = arena.take(R * C); dxin = arena.take(R * C)
    }
}
