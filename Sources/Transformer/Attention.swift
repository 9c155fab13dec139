import Kernels

/// Causal multi-head self-attention on a packed qkv buffer, forward beside backward.
/// Per (window b, head h): S = Q·Kᵀ, P = softmax(S/√hd) (causal), Y = P·V, all via `gemm`.
/// qkv: [B·T × 3C] (q | k | v, head h at columns h·hd ..< (h+1)·hd of each third, rotary applied);
/// att: [B × H × T × T] probabilities P, kept for the backward; y: [B·T × C].
struct Attention {
    let batch: Int, seqLen: Int, heads: Int, width: Int
    var headDim: Int { width / heads }
    var scale: Float { 1 / Float(headDim).squareRoot() }

    func forward(qkv: UnsafePointer<Float>, att: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, threads: Int) {
        let T = seqLen, C = width, hd = headDim
        parallelFor(batch * heads, threads: threads) { bh in
            let b = bh / heads, h = bh % heads
            let q = qkv + b * T * 3 * C + h * hd, k = q + C, v = q + 2 * C
            let p = att + bh * T * T
            gemm(.nt, m: T, n: T, k: hd, a: q, lda: 3 * C, b: k, ldb: 3 * C, c: p, ldc: T, accumulate: false)
            softmaxForward(x: p, y: p, rows: T, width: T, ld: T, scale: scale, causal: true)
            gemm(.nn, m: T, n: hd, k: T, a: p, lda: T, b: v, ldb: 3 * C, c: y + b * T * C + h * hd, ldc: C, accumulate: false)
        }
    }

    /// dy: [B·T × C] → dqkv: [B·T × 3C] (overwritten; gradient w.r.t. the rotated q, k and v).
    /// scratch: [B × H × T × T] for dP and dS.
    func backward(dy: UnsafePointer<Float>, qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
                  dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let T = seqLen, C = width, hd = headDim
        parallelFor(batch * heads, threads: threads) { bh in
            let b = bh / heads, h = bh % heads
            let q = qkv + b * T * 3 * C + h * hd, k = q + C, v = q + 2 * C
            let dq = dqkv + b * T * 3 * C + h * hd, dk = dq + C, dv = dq + 2 * C
            let p = att + bh * T * T, ds = scratch + bh * T * T
            let dyb = dy + b * T * C + h * hd
            gemm(.nt, m: T, n: T, k: hd, a: dyb, lda: C, b: v, ldb: 3 * C, c: ds, ldc: T, accumulate: false)   // dP = dY·Vᵀ
            gemm(.tn, m: T, n: hd, k: T, a: p, lda: T, b: dyb, ldb: C, c: dv, ldc: 3 * C, accumulate: false)   // dV = Pᵀ·dY
            softmaxBackward(dx: ds, dy: ds, y: p, rows: T, width: T, ld: T, scale: scale, causal: true)         // dS
            gemm(.nn, m: T, n: hd, k: T, a: ds, lda: T, b: k, ldb: 3 * C, c: dq, ldc: 3 * C, accumulate: false)  // dQ = dS·K
            gemm(.tn, m: T, n: hd, k: T, a: ds, lda: T, b: q, ldb: 3 * C, c: dk, ldc: 3 * C, accumulate: false)  // dK = dSᵀ·Q
        }
    }
}
