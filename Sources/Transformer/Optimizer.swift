import Foundation
import Kernels

/// Linear warm-up from 0 to the peak, then cosine decay to `finalRatio` × peak at the last step.
public struct LearningRateSchedule: Codable, Hashable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var finalRatio: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, finalRatio: Float) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.finalRatio = finalRatio
    }

    public init(_ t: TrainingConfig, totalSteps: Int) {
        self.init(peak: t.peakLearningRate, warmupSteps: max(1, Int((t.warmupFraction * Double(totalSteps)).rounded())),
                  totalSteps: totalSteps, finalRatio: t.finalLearningRateRatio)
    }

    /// Learning rate of optimizer step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let decaySteps = max(1, totalSteps - warmupSteps - 1)
        let progress = min(1, Double(step - warmupSteps) / Double(decaySteps))
        let floor = peak * finalRatio
        return floor + (peak - floor) * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
}

/// AdamW with decoupled weight decay on the tensors the layout marks `decays` (matrices and the
/// embedding, not norms or biases). Moments are flat buffers in the parameters' layout, always
/// fp32; with `weightPrecision` bf16 each updated weight is rounded to bfloat16 (nearest, ties
/// to even), so the stored model is bf16 while the optimizer state keeps full precision.
public final class AdamW {
    public let layout: ParameterLayout
    public let m: FloatBuffer, v: FloatBuffer     // [layout.count] first and second moments
    public private(set) var step = 0              // updates done so far
    public var beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public var weightPrecision: WeightPrecision = .fp32

    public init(layout: ParameterLayout, beta1: Float = 0.9, beta2: Float = 0.98, epsilon: Float = 1e-8,
                weightDecay: Float = 0.01) {
        self.layout = layout
        m = FloatBuffer(count: layout.count); v = FloatBuffer(count: layout.count)
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public convenience init(layout: ParameterLayout, config t: TrainingConfig) {
        self.init(layout: layout, beta1: t.beta1, beta2: t.beta2, epsilon: t.epsilon, weightDecay: t.weightDecay)
        weightPrecision = t.weightPrecision
    }

    /// Continues from a snapshot taken after `step` updates (the caller restores `m` and `v`), so
    /// the bias corrections go on from there.
    public func resume(step: Int) {
        precondition(step >= 0)
        self.step = step
    }

    /// One update: p ← p − lr·(m̂ / (√v̂ + ε) + wd·p), with bias-corrected moments m̂, v̂.
    public func update(params: FloatBuffer, grads: FloatBuffer, learningRate lr: Float, threads: Int = 1) {
        step += 1
        let b1 = beta1, b2 = beta2, eps = epsilon
        let c1 = 1 / (1 - Float(pow(Double(b1), Double(step))))
        let c2 = 1 / (1 - Float(pow(Double(b2), Double(step))))
        let p = params.pointer, g = grads.pointer, mp = m.pointer, vp = v.pointer
        let tensors = layout.tensors
        let bf16 = weightPrecision == .bf16
        parallelFor(tensors.count, threads: layout.count >= 1 << 16 ? threads : 1,
                    (tensors: tensors, weightDecay: weightDecay, p: p, g: g, mp: mp, vp: vp,
                     b1: b1, b2: b2, eps: eps, c1: c1, c2: c2, lr: lr, bf16: bf16)) { a, ti in
            let (tensors, weightDecay, p, g, mp, vp) = (a.tensors, a.weightDecay, a.p, a.g, a.mp, a.vp)
            let (b1, b2, eps, c1, c2, lr, bf16) = (a.b1, a.b2, a.eps, a.c1, a.c2, a.lr, a.bf16)
            let t = tensors[ti]
            let wd = t.decays ? weightDecay : 0
            // Eight lanes at a time, then a scalar tail: the same correctly rounded operations in
            // the same order per element either way (no fused multiply-adds), so the same bits.
            typealias V = SIMD8<Float>
            let (b1v, b2v, eb1, eb2) = (V(repeating: b1), V(repeating: b2), V(repeating: 1 - b1), V(repeating: 1 - b2))
            let (c1v, c2v, epsv, lrv, wdv) = (V(repeating: c1), V(repeating: c2), V(repeating: eps), V(repeating: lr), V(repeating: wd))
            var i = t.range.lowerBound
            while i + 8 <= t.range.upperBound {
                let gi = load8(g + i), pi = load8(p + i)
                let mi = b1v * load8(mp + i) + eb1 * gi
                let vi = b2v * load8(vp + i) + eb2 * gi * gi
                store8(mi, mp + i); store8(vi, vp + i)
                store8(pi - lrv * ((mi * c1v) / ((vi * c2v).squareRoot() + epsv) + wdv * pi), p + i)
                i += 8
            }
            while i < t.range.upperBound {
                let gi = g[i]
                let mi = b1 * mp[i] + (1 - b1) * gi
                let vi = b2 * vp[i] + (1 - b2) * gi * gi
                mp[i] = mi; vp[i] = vi
                p[i] -= lr * ((mi * c1) / ((vi * c2).squareRoot() + eps) + wd * p[i])
                i += 1
            }
            if bf16 { roundToBFloat16(p + t.offset, count: t.count) }
        }
    }
}

/// Global L2 norm of a gradient buffer: squares summed in Double over `reductionChunks` fixed
/// chunks, each in element order, then the chunks in order (deterministic for any thread count).
public func gradientNorm(_ g: FloatBuffer, threads: Int = 1) -> Float {
    // Partial sums on the stack (no allocation in the training step).
    withUnsafeTemporaryAllocation(of: Double.self, capacity: reductionChunks) { partial in
        let o = partial.baseAddress!
        let groups = reductionChunks / 8          // reductionChunks is a multiple of 8
        parallelFor(groups, threads: g.count >= 1 << 16 ? threads : 1, (p: UnsafePointer(g.pointer), count: g.count, o: o)) { a, group in
            // Eight chunks side by side, one per lane: each lane adds its chunk's squares in
            // element order, as the chunk alone would, and the eight chains run at once (one
            // chain waits out each Double add's latency: it was 3% of a step at gpt2-2-4-64, B 1).
            let (p, o) = (a.p, a.o)
            let base = a.count / reductionChunks              // every chunk's length, or one less
            var start = SIMD8<Int>(), s = SIMD8<Double>()
            for j in 0..<8 { start[j] = chunkRange(group * 8 + j, of: reductionChunks, count: a.count).lowerBound }
            for i in 0..<base {
                var v = SIMD8<Double>()
                for j in 0..<8 { v[j] = Double(p[start[j] + i]) }
                s += v * v
            }
            for j in 0..<8 where chunkRange(group * 8 + j, of: reductionChunks, count: a.count).count > base {
                let x = Double(p[start[j] + base]); s[j] += x * x
            }
            for j in 0..<8 { o[group * 8 + j] = s[j] }
        }
        var total: Double = 0
        for c in 0..<reductionChunks { total += o[c] }
        return Float(total.squareRoot())
    }
}

/// Scales the gradients down so their global norm is at most `maxNorm`; returns the norm before.
@discardableResult
public func clipGradients(_ g: FloatBuffer, maxNorm: Float, threads: Int = 1) -> Float {
    let norm = gradientNorm(g, threads: threads)
    if maxNorm > 0, norm > maxNorm {
        let s = maxNorm / norm
        for i in 0..<g.count { g[i] *= s }
    }
    return norm
}
