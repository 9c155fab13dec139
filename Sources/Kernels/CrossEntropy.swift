/// Softmax cross-entropy over the vocabulary, in nats. A target of −1 marks an ignored position.

/// losses[r] = logSumExp(logits[r]) − logits[r, target[r]] (nats); lse[r] kept for the backward.
/// logits: [rows × vocab]; targets, losses, lse: [rows].
public func crossEntropyForward(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                losses: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                                rows: Int, vocab: Int, threads: Int = 1) {
    parallelFor(reductionChunks, threads: rows * vocab >= 1 << 15 ? threads : 1,
                (logits: logits, targets: targets, losses: losses, lse: lse, rows: rows, vocab: vocab)) { a, chunk in
        let (logits, targets, losses, lse, rows, vocab) = (a.logits, a.targets, a.losses, a.lse, a.rows, a.vocab)
        for r in chunkRange(chunk, of: reductionChunks, count: rows) {
            let lr = logits + r * vocab
            let mx = largestElement(lr, count: vocab)
            let m8 = SIMD8<Float>(repeating: mx)
            var s8 = SIMD8<Float>(repeating: 0)
            var c = 0
            while c + 8 <= vocab { s8 += exp8(load8(lr + c) - m8); c += 8 }
            var s = s8.sum()
            while c < vocab { s += expScalar(lr[c] - mx); c += 1 }
            let l = mx + _logf(s)
            lse[r] = l
            let t = Int(targets[r])
            losses[r] = t < 0 ? 0 : l - lr[t]
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
        let (dlogits, logits, targets, lse, scale, rows, vocab) =
            (a.dlogits, a.logits, a.targets, a.lse, a.scale, a.rows, a.vocab)
        for r in chunkRange(chunk, of: reductionChunks, count: rows) {
            let lr = logits + r * vocab, dr = dlogits + r * vocab
            let t = Int(targets[r])
            if t < 0 {
                for c in 0..<vocab { dr[c] = 0 }
                continue
            }
            let l8 = SIMD8<Float>(repeating: lse[r]), s8 = SIMD8<Float>(repeating: scale)
            var c = 0
            while c + 8 <= vocab { store8(exp8(load8(lr + c) - l8) * s8, dr + c); c += 8 }
            while c < vocab { dr[c] = expScalar(lr[c] - lse[r]) * scale; c += 1 }
            dr[t] -= scale
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@usableFromInline func _logf(_ x: Float) -> Float { logf(x) }
