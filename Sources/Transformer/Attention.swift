import Kernels

/// Causal multi-head self-attention on a packed qkv buffer, forward beside backward.
/// Per (window b, head h): S = Q·Kᵀ, P = softmax(S/√hd) (causal), Y = P·V, all via `gemm`.
/// Kᵀ (and Vᵀ in the backward) is written out once per (window, head), so every query block's
/// product reads it in place ([hd × T] rows of T floats) instead of packing its columns again;
/// each element is the same FMA chain over the head's dimensions either way.
/// Query rows go in blocks of `blockRows`; block [r0, r1) only meets keys [0, r1), so the
/// matmuls skip most of the masked upper triangle, and its softmax zeroes only the masked
/// columns below r1 that those products read (columns r1 ..< T of its rows are never written).
/// qkv: [B·T × 3C] (q | k | v, head h at columns h·hd ..< (h+1)·hd of each third, rotary applied);
/// att: [B × H × T × T] probabilities P (row t valid in columns 0...t), kept for the backward;
/// y: [B·T × C].
struct Attention {
    let batch: Int, seqLen: Int, heads: Int, width: Int
    /// 48 rows: at T = 128 the blocks are 48, 48 and 32 rows, so two of three are whole 6-row
    /// tiles and every block's key count is a multiple of 16 (blocks of 32 left a ragged 2-row
    /// panel in each; 48 measured 3–7% faster at gpt2-2-1-8 on Zen 1). The bits do not depend on it.
    var blockRows = 48
    var headDim: Int { width / heads }
    var scale: Float { 1 / Float(headDim).squareRoot() }

    func forward(qkv: UnsafePointer<Float>, att: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, threads: Int) {
        let T = seqLen, C = width, hd = headDim
        parallelFor(batch * heads, threads: threads,
                    (attention: self, T: T, C: C, hd: hd, qkv: qkv, att: att, y: y)) { a, bh in
            let (heads, blockRows, scale) = (a.attention.heads, a.attention.blockRows, a.attention.scale)
            let (T, C, hd, qkv, att, y) = (a.T, a.C, a.hd, a.qkv, a.att, a.y)
            let b = bh / heads, h = bh % heads
            let q = qkv + b * T * 3 * C + h * hd, k = q + C, v = q + 2 * C
            let p = att + bh * T * T, yb = y + b * T * C + h * hd
            let kT = threadScratch(.attention, floats: hd * T)                       // [hd × T]
            transpose(k, ld: 3 * C, rows: T, cols: hd, into: kT, ld: T)
            for r0 in stride(from: 0, to: T, by: blockRows) {
                let r1 = min(T, r0 + blockRows), rows = r1 - r0
                gemm(.nn, m: rows, n: r1, k: hd, a: q + r0 * 3 * C, lda: 3 * C, b: kT, ldb: T,
                     c: p + r0 * T, ldc: T, accumulate: false)                              // S = Q·Kᵀ
                softmaxForward(x: p + r0 * T, y: p + r0 * T, rows: rows, width: r1, ld: T, scale: scale,
                               causal: true, firstRow: r0)
                gemm(.nn, m: rows, n: hd, k: r1, a: p + r0 * T, lda: T, b: v, ldb: 3 * C,
                     c: yb + r0 * C, ldc: C, accumulate: false)
            }
        }
    }

    /// dy: [B·T × C] → dqkv: [B·T × 3C] (overwritten; gradient w.r.t. the rotated q, k and v).
    /// scratch: [B × H × T × T] for dP and dS.
    func backward(dy: UnsafePointer<Float>, qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
                  dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let T = seqLen, C = width, hd = headDim
        parallelFor(batch * heads, threads: threads,
                    (attention: self, T: T, C: C, hd: hd, dy: dy, qkv: qkv, att: att, dqkv: dqkv, scratch: scratch)) { a, bh in
            let (heads, blockRows, scale) = (a.attention.heads, a.attention.blockRows, a.attention.scale)
            let (T, C, hd, dy, qkv, att, dqkv, scratch) = (a.T, a.C, a.hd, a.dy, a.qkv, a.att, a.dqkv, a.scratch)
            let b = bh / heads, h = bh % heads
            let q = qkv + b * T * 3 * C + h * hd, k = q + C, v = q + 2 * C
            let dq = dqkv + b * T * 3 * C + h * hd, dk = dq + C, dv = dq + 2 * C
            let p = att + bh * T * T, ds = scratch + bh * T * T
            let dyb = dy + b * T * C + h * hd
            let vT = threadScratch(.attention, floats: hd * T)                       // [hd × T]
            transpose(v, ld: 3 * C, rows: T, cols: hd, into: vT, ld: T)
            // dK and dV collect contributions from every query block.
            for t in 0..<T {
                zeroLanes(dk + t * 3 * C, count: hd)
                zeroLanes(dv + t * 3 * C, count: hd)
            }
            for r0 in stride(from: 0, to: T, by: blockRows) {
                let r1 = min(T, r0 + blockRows), rows = r1 - r0
                let pb = p + r0 * T, dsb = ds + r0 * T
                gemm(.nn, m: rows, n: r1, k: hd, a: dyb + r0 * C, lda: C, b: vT, ldb: T,
                     c: dsb, ldc: T, accumulate: false)                                            // dP = dY·Vᵀ
                gemm(.tn, m: r1, n: hd, k: rows, a: pb, lda: T, b: dyb + r0 * C, ldb: C,
                     c: dv, ldc: 3 * C, accumulate: true)                                          // dV += Pᵀ·dY
                softmaxBackward(dx: dsb, dy: dsb, y: pb, rows: rows, width: r1, ld: T, scale: scale,
                                causal: true, firstRow: r0)                                        // dS
                gemm(.nn, m: rows, n: hd, k: r1, a: dsb, lda: T, b: k, ldb: 3 * C,
                     c: dq + r0 * 3 * C, ldc: 3 * C, accumulate: false)                            // dQ = dS·K
                gemm(.tn, m: r1, n: hd, k: rows, a: dsb, lda: T, b: q + r0 * 3 * C, ldb: 3 * C,
                     c: dk, ldc: 3 * C, accumulate: true)                                          // dK += dSᵀ·Q
            }
        }
    }
}
