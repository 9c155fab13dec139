/// Softmax cross-entropy over the vocabulary, in nats. A target of −1 marks an ignored position.
/// One row's forward and backward are written once (`crossEntropyRow…`); the batch functions
/// only schedule rows, so every entry point gives the same bits.

/// losses[r] = logSumExp(logits[r]) − logits[r, target[r]] (nats); lse[r] kept for the backward.
/// logits: [rows × vocab]; targets, losses, lse: [rows].
public func crossEntropyForward(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                losses: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                                rows: Int, vocab: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: rows * vocab >= 1 << 15 ? threads : 1,
                (logits: logits, targets: targets, losses: losses, lse: lse, rows: rows, vocab: vocab)) { a, chunk in
        let scratch = expScratch()
        for r in chunkRange(chunk, of: reductionChunks, count: a.rows) {
            crossEntropyRowForward(a.logits + r * a.vocab, target: Int(a.targets[r]), vocab: a.vocab,
                                   loss: a.losses + r, lse: a.lse + r, scratch: scratch)
        }
    }
}

/// Backward of `crossEntropyForward` with dloss = `scale` for every counted row:
/// dlogits[r] = scale · (softmax(logits[r]) − onehot(target[r])); ignored rows get 0.
/// dlogits may alias logits (in-place saves a [rows × vocab] buffer).
public func crossEntropyBackward(dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                                 targets: UnsafePointer<Int32>, lse: UnsafePointer<Float>, scale: Float,
                                 rows: Int, vocab: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: rows * vocab >= 1 << 15 ? threads : 1,
                (dlogits: dlogits, logits: logits, targets: targets, lse: lse, scale: scale,
                 rows: rows, vocab: vocab)) { a, chunk in
        let scratch = expScratch()
        for r in chunkRange(chunk, of: reductionChunks, count: a.rows) {
            crossEntropyRowBackward(a.dlogits + r * a.vocab, logits: a.logits + r * a.vocab, target: Int(a.targets[r]),
                                    lse: a.lse[r], scale: a.scale, vocab: a.vocab, scratch: scratch)
        }
    }
}

/// Both at once, row by row while the row is in L1 (training's fused head): losses and lse as
/// `crossEntropyForward`, then logits overwritten by `crossEntropyBackward`'s dlogits.
public func crossEntropyForwardBackward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                        losses: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                                        scale: Float, rows: Int, vocab: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: rows * vocab >= 1 << 15 ? threads : 1,
                (logits: logits, targets: targets, losses: losses, lse: lse, scale: scale,
                 rows: rows, vocab: vocab)) { a, chunk in
        let scratch = expScratch()
        for r in chunkRange(chunk, of: reductionChunks, count: a.rows) {
            let row = a.logits + r * a.vocab, t = Int(a.targets[r])
            crossEntropyRowForward(row, target: t, vocab: a.vocab, loss: a.losses + r, lse: a.lse + r, scratch: scratch)
            crossEntropyRowBackward(row, logits: row, target: t, lse: a.lse[r], scale: a.scale, vocab: a.vocab,
                                    scratch: scratch)
        }
    }
}

/// One row [vocab]: lse = max + log Σ exp(x − max) (eight lanes, then their sum, then the tail),
/// loss = lse − x[target] (0 when target < 0).
@inline(__always)
private func crossEntropyRowForward(_ lr: UnsafePointer<Float>, target t: Int, vocab: Int,
                                    loss: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                                    scratch: UnsafeMutablePointer<SIMD8<Float>>) {
    let mx = largestElement(lr, count: vocab)
    let m8 = SIMD8<Float>(repeating: mx)
    var sum = ExpSum(x: lr, shift: m8, count: vocab / 8)
    forEachExp8(&sum, scratch: scratch)
    let c = 8 * sum.count
    var s = sum.s8.sum()
    // The tail's values in one exp8; added one by one in order as before (lane j of exp8 is
    // expScalar of that lane's value, so the same bits).
    let tail = exp8(load8(lr + c, count: vocab - c) - m8)
    for j in 0..<(vocab - c) { s += tail[j] }
    let l = mx + _logf(s)
    lse.pointee = l
    loss.pointee = t < 0 ? 0 : l - lr[t]
}

/// One row's gradient: dr = scale · (exp(x − lse) − onehot(target)); 0 when target < 0.
/// dr may alias lr.
@inline(__always)
private func crossEntropyRowBackward(_ dr: UnsafeMutablePointer<Float>, logits lr: UnsafePointer<Float>, target t: Int,
                                     lse: Float, scale: Float, vocab: Int,
                                     scratch: UnsafeMutablePointer<SIMD8<Float>>) {
    if t < 0 {
        for c in 0..<vocab { dr[c] = 0 }
        return
    }
    let l8 = SIMD8<Float>(repeating: lse), s8 = SIMD8<Float>(repeating: scale)
    var gradient = ExpScaled(x: lr, shift: l8, scale: s8, out: dr, count: vocab / 8)
    forEachExp8(&gradient, scratch: scratch)
    let c = 8 * gradient.count
    let tail = exp8(load8(lr + c, count: vocab - c) - l8) * s8
    for j in 0..<(vocab - c) { dr[c + j] = tail[j] }
    dr[t] -= scale
}

/// s8 = Σ_i exp8(x[8i..<8i+8] − shift), i in order (the forward's sum of exponentials).
private struct ExpSum: Exp8Loop {
    let x: UnsafePointer<Float>, shift: SIMD8<Float>, count: Int
    var s8 = SIMD8<Float>(repeating: 0)
    @inline(__always) func input(_ i: Int) -> SIMD8<Float> { load8(x + 8 * i) - shift }
    @inline(__always) mutating func consume(_ i: Int, _ e: SIMD8<Float>) { s8 += e }
}

/// out[8i..<8i+8] = exp8(x[8i..<8i+8] − shift) · scale (the backward's softmax times dloss).
private struct ExpScaled: Exp8Loop {
    let x: UnsafePointer<Float>, shift: SIMD8<Float>, scale: SIMD8<Float>, out: UnsafeMutablePointer<Float>, count: Int
    @inline(__always) func input(_ i: Int) -> SIMD8<Float> { load8(x + 8 * i) - shift }
    @inline(__always) mutating func consume(_ i: Int, _ e: SIMD8<Float>) { store8(e * scale, out + 8 * i) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@usableFromInline func _logf(_ x: Float) -> Float { logf(x) }
