/// GELU, tanh approximation as in GPT-2: y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).

@usableFromInline let geluScale: Float = 0.797_884_56     // √(2/π)

/// y = GELU(x); x, y: [count]. With `tanh` [count], also keeps tanh of GELU's inner term there,
/// so `geluBackward` can take it instead of computing it again (the same values, so the same bits).
public func geluForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, tanh: UnsafeMutablePointer<Float>? = nil,
                        count: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: count >= 1 << 15 ? threads : 1, (x: x, y: y, tanh: tanh, count: count)) { a, chunk in
        let (x, y, tanh, count) = (a.x, a.y, a.tanh, a.count)
        let (vectors, tail) = splitVectors(chunkRange(chunk, of: reductionChunks, count: (count + 7) / 8), count: count)
        if !vectors.isEmpty {
            let o = 8 * vectors.lowerBound
            var loop = GELUForward(x: x + o, y: y + o, tanh: tanh.map { $0 + o }, count: vectors.count)
            forEachExp8(&loop, scratch: expScratch())
        }
        for j in tail {
            let v = SIMD8<Float>(repeating: x[j]), th = tanh8(geluInner(v))
            y[j] = geluValue(v, tanh: th)[0]
            tanh?[j] = th[0]
        }
    }
}

/// Backward of `geluForward`: dx = dy · GELU′(x) (overwrites; dx may alias dy); dx, dy, x: [count].
/// `tanh`: what the forward kept there, or nil to compute it again.
public func geluBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                         tanh: UnsafePointer<Float>? = nil, count: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: count >= 1 << 15 ? threads : 1, (dx: dx, dy: dy, x: x, tanh: tanh, count: count)) { a, chunk in
        let (dx, dy, x, count) = (a.dx, a.dy, a.x, a.count)
        let (vectors, tail) = splitVectors(chunkRange(chunk, of: reductionChunks, count: (count + 7) / 8), count: count)
        if let tanh = a.tanh {
            for blk in vectors {
                let i = 8 * blk
                store8(load8(dy + i) * geluGrad(load8(x + i), tanh: load8(tanh + i)), dx + i)
            }
            for j in tail { dx[j] = dy[j] * geluGrad(SIMD8(repeating: x[j]), tanh: SIMD8(repeating: tanh[j]))[0] }
            return
        }
        if !vectors.isEmpty {
            let o = 8 * vectors.lowerBound
            var loop = GELUBackward(dx: dx + o, dy: dy + o, x: x + o, count: vectors.count)
            forEachExp8(&loop, scratch: expScratch())
        }
        for j in tail {
            let v = SIMD8<Float>(repeating: x[j])
            dx[j] = dy[j] * geluGrad(v, tanh: tanh8(geluInner(v)))[0]
        }
    }
}

/// A chunk's blocks of eight elements (`blocks`, a `chunkRange` over ceil(count / 8)) split into
/// its whole vectors and the elements of the ragged last one, if that one is this chunk's.
@inline(__always)
private func splitVectors(_ blocks: Range<Int>, count: Int) -> (vectors: Range<Int>, tail: Range<Int>) {
    let full = max(blocks.lowerBound, min(blocks.upperBound, count / 8))
    return (blocks.lowerBound..<full, (8 * full)..<max(8 * full, min(count, 8 * blocks.upperBound)))
}

// GELU in parts, so the vector loops can take tanh's exp8 from `forEachExp8` (tanh8(u) is
// 1 − 2 / (exp8(u + u) + 1)) with the same operations, in the same order, as the tails.

/// u = √(2/π)(v + 0.044715v³), tanh's argument.
@inline(__always) private func geluInner(_ v: SIMD8<Float>) -> SIMD8<Float> { geluScale * (v + 0.044715 * v * v * v) }

/// ½v(1 + tanh u).
@inline(__always) private func geluValue(_ v: SIMD8<Float>, tanh th: SIMD8<Float>) -> SIMD8<Float> { 0.5 * v * (1 + th) }

/// GELU′(v) from tanh u, lane-wise.
@inline(__always) private func geluGrad(_ v: SIMD8<Float>, tanh th: SIMD8<Float>) -> SIMD8<Float> {
    let du = geluScale * (1 + 3 * 0.044715 * v * v)
    return 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * du
}

/// tanh u from e = exp8(u + u), as `tanh8` computes it.
@inline(__always) private func tanhFromExp(_ e: SIMD8<Float>) -> SIMD8<Float> { 1 - 2 / (e + 1) }

/// y[8i..<8i+8] = GELU(x[8i..<8i+8]) for i in 0..<count.
/// (and tanh of the inner term into `tanh`, if given).
private struct GELUForward: Exp8Loop {
    let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, tanh: UnsafeMutablePointer<Float>?, count: Int
    @inline(__always) func input(_ i: Int) -> SIMD8<Float> { let u = geluInner(load8(x + 8 * i)); return u + u }
    @inline(__always) mutating func consume(_ i: Int, _ e: SIMD8<Float>) {
        let th = tanhFromExp(e)
        store8(geluValue(load8(x + 8 * i), tanh: th), y + 8 * i)
        if let tanh { store8(th, tanh + 8 * i) }
    }
}

/// dx[8i..<8i+8] = dy · GELU′(x) for i in 0..<count (dx may alias dy).
private struct GELUBackward: Exp8Loop {
    let dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, count: Int
    @inline(__always) func input(_ i: Int) -> SIMD8<Float> { let u = geluInner(load8(x + 8 * i)); return u + u }
    @inline(__always) mutating func consume(_ i: Int, _ e: SIMD8<Float>) {
        store8(load8(dy + 8 * i) * geluGrad(load8(x + 8 * i), tanh: tanhFromExp(e)), dx + 8 * i)
    }
}

/// SiLU-gated unit of LLaMA's MLP: y = SiLU(gate) ⊙ up, SiLU(x) = x·σ(x), σ(x) = 1/(1 + e^{−x}).
/// gate, up, y: [count].
public func gatedSiLUForward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                             count: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: count >= 1 << 15 ? threads : 1, (gate: gate, up: up, y: y, count: count)) { a, chunk in
        let (gate, up, y, count) = (a.gate, a.up, a.y, a.count)
        for blk in chunkRange(chunk, of: reductionChunks, count: (count + 7) / 8) {
            let i = blk * 8
            if i + 8 <= count {
                store8(gatedSiLU(load8(gate + i), load8(up + i)), y + i)
            } else {
                for j in i..<count { y[j] = gatedSiLU(SIMD8(repeating: gate[j]), SIMD8(repeating: up[j]))[0] }
            }
        }
    }
}

/// SiLU(g) ⊙ u, lane-wise.
@inline(__always) private func gatedSiLU(_ g: SIMD8<Float>, _ u: SIMD8<Float>) -> SIMD8<Float> { g / (1 + exp8(-g)) * u }

/// Backward of `gatedSiLUForward`: dup = dy·SiLU(gate), dgate = dy·up·σ(gate)·(1 + gate·(1 − σ(gate)))
/// (both overwritten; dgate may alias dy). All [count].
public func gatedSiLUBackward(dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>,
                              dy: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                              count: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: count >= 1 << 15 ? threads : 1,
                (dgate: dgate, dup: dup, dy: dy, gate: gate, up: up, count: count)) { a, chunk in
        let (dgate, dup, dy, gate, up, count) = (a.dgate, a.dup, a.dy, a.gate, a.up, a.count)
        for blk in chunkRange(chunk, of: reductionChunks, count: (count + 7) / 8) {
            let i = blk * 8
            if i + 8 <= count {
                let (dg, du) = gatedSiLUGrads(load8(dy + i), load8(gate + i), load8(up + i))
                store8(du, dup + i); store8(dg, dgate + i)
            } else {
                for j in i..<count {
                    let (dg, du) = gatedSiLUGrads(SIMD8(repeating: dy[j]), SIMD8(repeating: gate[j]), SIMD8(repeating: up[j]))
                    dup[j] = du[0]; dgate[j] = dg[0]
                }
            }
        }
    }
}

/// (dgate, dup) of the gated SiLU for upstream d, gate g, up u, lane-wise.
@inline(__always) private func gatedSiLUGrads(_ d: SIMD8<Float>, _ g: SIMD8<Float>, _ u: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
    let s = 1 / (1 + exp8(-g))
    return (d * u * s * (1 + g * (1 - s)), d * g * s)
}
