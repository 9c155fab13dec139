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
    parallelFor(reductionChunks, threads: rows * width >= 1 << 14 ? threads : 1,
                (x: x, y: y, gamma: gamma, beta: beta, mean: mean, rstd: rstd, rows: rows, width: width,
                 centered: centered)) { a, chunk in
        let (x, y, gamma, beta, mean, rstd, rows, width) = (a.x, a.y, a.gamma, a.beta, a.mean, a.rstd, a.rows, a.width)
        let range = chunkRange(chunk, of: reductionChunks, count: rows)
        var r = range.lowerBound
        if range.count >= 8 {
            let columns = threadScratch(.layerNorm, floats: 8 * width)
            while r + 8 <= range.upperBound {
                layerNormStats8(x + r * width, width: width, centered: a.centered, columns: columns,
                                mean: mean + r, rstd: rstd + r)
                r += 8
            }
        }
        while r < range.upperBound {
            layerNormStatsRow(x + r * width, width: width, centered: a.centered, mean: mean + r, rstd: rstd + r)
            r += 1
        }
        for r in range {
            let xr = x + r * width, yr = y + r * width
            let m = mean[r], rs = rstd[r], m8 = SIMD8<Float>(repeating: m)
            var i = 0
            let rs8 = SIMD8<Float>(repeating: rs)
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
        let range = chunkRange(chunk, of: reductionChunks, count: rows)
        let columns = range.count >= 8 ? threadScratch(.layerNorm, floats: 16 * width) : nil
        var r0 = range.lowerBound
        while r0 < range.upperBound {
            // mean(g) and mean(g·x̂) of rows r0..<r0 + group: eight rows one per lane, else one row.
            var group = 1, means = SIMD16<Float>()
            if let columns, r0 + 8 <= range.upperBound {
                group = 8
                means = layerNormGradientMeans8(dy: dy + r0 * width, x: x + r0 * width, gamma: gamma, mean: mean + r0,
                                                rstd: rstd + r0, width: width, centered: a.centered, columns: columns)
            } else {
                let xr = x + r0 * width, dyr = dy + r0 * width, m = mean[r0], rs = rstd[r0]
                var sg: Float = 0, sgx: Float = 0
                for i in 0..<width {
                    let g = dyr[i] * gamma[i]
                    sg += g
                    sgx += g * (xr[i] - m) * rs
                }
                (means[0], means[8]) = (a.centered ? sg / n : 0, sgx / n)
            }
            for l in 0..<group {
                let r = r0 + l
                let xr = x + r * width, dyr = dy + r * width, dxr = dx + r * width
                let m = mean[r], rs = rstd[r], mg = means[l], mgx = means[8 + l]
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
            r0 += group
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

// MARK: - Row statistics

// The per-row reductions (sums over a row, then a division, a square root and a reciprocal)
// are chains of dependent operations, tens of cycles a row at the widths 8-32 the experiments
// train. Eight rows go side by side instead, row r0 + l in lane l: the row block is transposed
// ([width × 8], a column per element index), and each lane runs its row's operations in the
// row's order, so every row gets the bits of `layerNormStatsRow` or the backward's row loop.

/// One row's mean and rstd as `layerNormForward` defines them: the sum of 8-lane partial sums
/// (lanes added in order 0…7), the tail one by one; the variance the same way over (x − mean)²
/// with the lanes' fused multiply-adds.
@inline(__always)
private func layerNormStatsRow(_ xr: UnsafePointer<Float>, width: Int, centered: Bool,
                               mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
    let n = Float(width)
    var i = 0
    var m: Float = 0
    if centered {
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
    mean.pointee = m
    rstd.pointee = 1 / (v / n + 1e-5).squareRoot()
}

/// `layerNormStatsRow` for rows x[0..<8] (row stride width), row l in lane l; columns: [8 × width].
@inline(__always)
private func layerNormStats8(_ x: UnsafePointer<Float>, width: Int, centered: Bool, columns: UnsafeMutablePointer<Float>,
                             mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
    typealias V = SIMD8<Float>
    transpose(x, ld: width, rows: 8, cols: width, into: columns, ld: 8)     // element i of row l at columns[8i + l]
    let n = V(repeating: Float(width)), body = width / 8 * 8
    // Row sums as layerNormStatsRow: lane j of its partial sums is Σ over chunks c of x[8c + j]
    // from 0; the lanes are added in order, then the tail.
    var m = V(repeating: 0)
    if centered {
        var s = V()
        if body > 0 {
            for j in 0..<8 {
                var lane = V(repeating: 0)
                var i = j
                while i < body { lane += load8(columns + 8 * i); i += 8 }
                s = j == 0 ? lane : s + lane
            }
        }
        for i in body..<width { s += load8(columns + 8 * i) }
        m = s / n
    }
    // Variance: the lanes' fused multiply-adds over chunks, then lanes in order, then the tail.
    var v = V()
    if body > 0 {
        for j in 0..<8 {
            var lane = V(repeating: 0)
            var i = j
            while i < body { let d = load8(columns + 8 * i) - m; lane.addProduct(d, d); i += 8 }
            v = j == 0 ? lane : v + lane
        }
    }
    for i in body..<width { let d = load8(columns + 8 * i) - m; v += d * d }
    store8(m, mean)
    store8(1 / (v / n + 1e-5).squareRoot(), rstd)
}

/// The backward's mean(g) (lanes 0..<8; 0 when not centered) and mean(g·x̂) (lanes 8..<16) for
/// rows dy[0..<8], x[0..<8] (row stride width), each summed over the row's elements in order from
/// 0, as the backward's row loop; columns: [16 × width].
@inline(__always)
private func layerNormGradientMeans8(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                     mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, width: Int, centered: Bool,
                                     columns: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    typealias V = SIMD8<Float>
    let dyT = columns, xT = columns + 8 * width
    transpose(dy, ld: width, rows: 8, cols: width, into: dyT, ld: 8)
    transpose(x, ld: width, rows: 8, cols: width, into: xT, ld: 8)
    let m = load8(mean), rs = load8(rstd), n = V(repeating: Float(width))
    var sg = V(repeating: 0), sgx = V(repeating: 0)
    for i in 0..<width {
        let g = load8(dyT + 8 * i) * V(repeating: gamma[i])
        sg += g
        sgx += g * (load8(xT + 8 * i) - m) * rs
    }
    let mg = centered ? sg / n : V(repeating: 0)
    return SIMD16(lowHalf: mg, highHalf: sgx / n)
}
