/// LayerNorm with affine weight and optional bias (GPT-2's pre-LN; LLaMA-style without bias),
/// and RMSNorm (LLaMA's: `centered` false, the mean taken as 0), eps 1e-5. One code path: an
/// RMSNorm is a LayerNorm whose mean is 0, so the forward, the backward (whose mean(g) term
/// drops out) and their gradient checks are shared.

/// y = (x − mean) · rstd · gamma + beta, row by row (no beta: nil), rstd = 1/√(mean((x − mean)²) + eps);
/// with centered false, mean = 0 (RMSNorm: rstd = 1/√(mean(x²) + eps)).
/// x, y: [rows × width]; mean, rstd: [rows], kept for the backward pass.
public func layerNormForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?,
                             mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                             rows: Int, width: Int, centered: Bool = true, threads: Int = 1) {
    let n = Float(width)
    parallelFor(reductionChunks, threads: rows * width >= 1 << 14 ? threads : 1,
                (x: x, y: y, gamma: gamma, beta: beta, mean: mean, rstd: rstd, rows: rows, width: width, n: n,
                 centered: centered)) { a, chunk in
        let (x, y, gamma, beta, mean, rstd, rows, width, n) =
            (a.x, a.y, a.gamma, a.beta, a.mean, a.rstd, a.rows, a.width, a.n)
        for r in chunkRange(chunk, of: reductionChunks, count: rows) {
            let xr = x + r * width, yr = y + r * width
            var i = 0
            var m: Float = 0
            if a.centered {
                var s8 = SIMD8<Float>(repeating: 0)
                while i + 8 <= width { s8 += load8(xr + i); i += 8 }
                var s = s8.sum()
                while i < width { s += xr[i]; i += 1 }
                m = s / n
            }
            let m8 = SIMD8<Float>(repeating: m)
            var v8 = SIMD8<Float>(repeating: 0)
            i = 0
            while i + 8 <= width { let d = load8(xr + i) - m8; v8.addProduct(d, d); i += 8 }
            var v = v8.sum()
            while i < width { let d = xr[i] - m; v += d * d; i += 1 }
            let rs = 1 / (v / n + 1e-5).squareRoot()
            mean[r] = m; rstd[r] = rs
            let rs8 = SIMD8<Float>(repeating: rs)
            i = 0
            if let beta {
                while i + 8 <= width {
                    store8((load8(xr + i) - m8) * rs8 * load8(gamma + i) + load8(beta + i), yr + i)
                    i += 8
                }
                while i < width { yr[i] = (xr[i] - m) * rs * gamma[i] + beta[i]; i += 1 }
            } else {
                while i + 8 <= width { store8((load8(xr + i) - m8) * rs8 * load8(gamma + i), yr + i); i += 8 }
                while i < width { yr[i] = (xr[i] - m) * rs * gamma[i]; i += 1 }
            }
        }
    }
}

/// Backward of `layerNormForward` (the same `centered`). Accumulates into dx [rows × width],
/// dgamma and dbeta [width] (dbeta nil when the norm has no bias).
/// dx_i = rstd · (g_i − mean(g) − x̂_i · mean(g·x̂)), with g = dy·gamma and x̂ the normalized
/// input; RMSNorm (centered false) has no mean(g) term: its forward subtracts nothing.
public func layerNormBackward(dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
                              dbeta: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>,
                              x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                              rows: Int, width: Int, centered: Bool = true, threads: Int = 1) {
    let n = Float(width)
    let big = rows * width >= 1 << 14
    parallelFor(reductionChunks, threads: big ? threads : 1,
                (dx: dx, dy: dy, x: x, gamma: gamma, mean: mean, rstd: rstd, rows: rows, width: width, n: n,
                 centered: centered)) { a, chunk in
        let (dx, dy, x, gamma, mean, rstd, rows, width, n) =
            (a.dx, a.dy, a.x, a.gamma, a.mean, a.rstd, a.rows, a.width, a.n)
        for r in chunkRange(chunk, of: reductionChunks, count: rows) {
            let xr = x + r * width, dyr = dy + r * width, dxr = dx + r * width
            let m = mean[r], rs = rstd[r]
            var sg: Float = 0, sgx: Float = 0
            for i in 0..<width {
                let g = dyr[i] * gamma[i]
                sg += g
                sgx += g * (xr[i] - m) * rs
            }
            let mg = a.centered ? sg / n : 0, mgx = sgx / n
            // Elementwise: eight lanes at a time, the same operations in the same order per element.
            let (mv, rsv, mgv, mgxv) = (SIMD8(repeating: m), SIMD8(repeating: rs), SIMD8(repeating: mg), SIMD8(repeating: mgx))
            var i = 0
            while i + 8 <= width {
                let g = load8(dyr + i) * load8(gamma + i)
                let xh = (load8(xr + i) - mv) * rsv
                store8(load8(dxr + i) + rsv * (g - mgv - xh * mgxv), dxr + i)
                i += 8
            }
            while i < width {
                let g = dyr[i] * gamma[i]
                let xh = (xr[i] - m) * rs
                dxr[i] += rs * (g - mg - xh * mgx)
                i += 1
            }
        }
    }
    // dgamma_j = Σ_r dy[r,j]·x̂[r,j]; dbeta_j = Σ_r dy[r,j]: column sums in row order.
    let blocks = (width + 7) / 8
    parallelFor(blocks, threads: big ? threads : 1,
                (dgamma: dgamma, dbeta: dbeta, dy: dy, x: x, mean: mean, rstd: rstd, rows: rows, width: width)) { a, blk in
        let (dgamma, dbeta, dy, x, mean, rstd, rows, width) =
            (a.dgamma, a.dbeta, a.dy, a.x, a.mean, a.rstd, a.rows, a.width)
        if blk * 8 + 8 <= width {
            // Eight columns in the lanes, each summed over rows in order as below: the same bits.
            let j = blk * 8
            var sg = SIMD8<Float>(repeating: 0), sb = SIMD8<Float>(repeating: 0)
            for r in 0..<rows {
                let d = load8(dy + r * width + j)
                sg += d * (load8(x + r * width + j) - SIMD8(repeating: mean[r])) * SIMD8(repeating: rstd[r])
                sb += d
            }
            store8(load8(dgamma + j) + sg, dgamma + j)
            if let dbeta { store8(load8(dbeta + j) + sb, dbeta + j) }
            return
        }
        for j in (blk * 8)..<width {
            var sg: Float = 0, sb: Float = 0
            for r in 0..<rows {
                let d = dy[r * width + j]
                sg += d * (x[r * width + j] - mean[r]) * rstd[r]
                sb += d
            }
            dgamma[j] += sg
            dbeta?[j] += sb
        }
    }
}
