import Foundation

/// Rotary position embedding (RoPE), half-split pairing: in each head, dims i and i + d/2 rotate
/// together by angle pos · base^(−2i/d). Adds no parameters.

/// cos/sin tables: [positions × headDim/2] each.
public struct RotaryTable {
    public let positions: Int, headDim: Int
    public let cos: [Float], sin: [Float]
    public init(positions: Int, headDim: Int, base: Float = 10_000) {
        precondition(headDim % 2 == 0, "rotary needs an even head dimension")
        self.positions = positions; self.headDim = headDim
        let half = headDim / 2
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let freq = pow(Double(base), -2 * Double(i) / Double(headDim))
                let a = Double(p) * freq
                c[p * half + i] = Float(Foundation.cos(a)); s[p * half + i] = Float(Foundation.sin(a))
            }
        }
        self.cos = c; self.sin = s
    }
}

/// Rotates the first `heads · headDim` columns of every row in place by +angle (forward) or
/// −angle (backward: the rotation's transpose applied to the gradient).
/// x: [rows × ld], row r at position r % seqLen.
public func rotaryApply(_ x: UnsafeMutablePointer<Float>, rows: Int, seqLen: Int, heads: Int, ld: Int,
                        table: RotaryTable, inverse: Bool, threads: Int = 1) {
    let half = table.headDim / 2
    precondition(seqLen <= table.positions)
    table.cos.withUnsafeBufferPointer { cosT in
        table.sin.withUnsafeBufferPointer { sinT in
            parallelFor(reductionChunks, threads: rows * heads * half >= 1 << 14 ? threads : 1,
                        (x: x, cosT: cosT, sinT: sinT, rows: rows, seqLen: seqLen, heads: heads, ld: ld,
                         headDim: table.headDim, half: half, inverse: inverse)) { ctx, chunk in
                let (x, cosT, sinT, rows, seqLen, heads, ld, headDim, half, inverse) =
                    (ctx.x, ctx.cosT, ctx.sinT, ctx.rows, ctx.seqLen, ctx.heads, ctx.ld, ctx.headDim, ctx.half, ctx.inverse)
                for r in chunkRange(chunk, of: reductionChunks, count: rows) {
                    let pos = r % seqLen
                    let cr = cosT.baseAddress! + pos * half, sr = sinT.baseAddress! + pos * half
                    for h in 0..<heads {
                        let v = x + r * ld + h * headDim
                        // Eight pairs at a time, then four (head dim 8), then the rest: the same
                        // operations per element.
                        var i = 0
                        while i + 8 <= half {
                            rotatePairs(SIMD8<Float>.self, v + i, half: half, cos: cr + i, sin: sr + i, inverse: inverse)
                            i += 8
                        }
                        if i + 4 <= half {
                            rotatePairs(SIMD4<Float>.self, v + i, half: half, cos: cr + i, sin: sr + i, inverse: inverse)
                            i += 4
                        }
                        for i in i..<half {
                            let a = v[i], b = v[i + half]
                            let c = cr[i], s = inverse ? -sr[i] : sr[i]
                            v[i] = a * c - b * s
                            v[i + half] = a * s + b * c
                        }
                    }
                }
            }
        }
    }
}

/// V.scalarCount pairs (v[j], v[j + half]) rotated by the angles whose cos and sin are given.
@inline(__always)
private func rotatePairs<V: SIMD>(_: V.Type, _ v: UnsafeMutablePointer<Float>, half: Int, cos: UnsafePointer<Float>,
                                  sin: UnsafePointer<Float>, inverse: Bool) where V.Scalar == Float {
    let first = UnsafeMutableRawPointer(v), second = UnsafeMutableRawPointer(v + half)
    let a = first.loadUnaligned(as: V.self), b = second.loadUnaligned(as: V.self)
    let c = UnsafeRawPointer(cos).loadUnaligned(as: V.self), sine = UnsafeRawPointer(sin).loadUnaligned(as: V.self)
    let s = inverse ? -sine : sine
    first.storeBytes(of: a * c - b * s, as: V.self)
    second.storeBytes(of: a * s + b * c, as: V.self)
}

/// Forward of rotary: rotate q or k in place by +angle.
@inlinable
public func rotaryForward(_ x: UnsafeMutablePointer<Float>, rows: Int, seqLen: Int, heads: Int, ld: Int,
                          table: RotaryTable, threads: Int = 1) {
    rotaryApply(x, rows: rows, seqLen: seqLen, heads: heads, ld: ld, table: table, inverse: false, threads: threads)
}

/// Backward of rotary: rotate the gradient in place by −angle.
@inlinable
public func rotaryBackward(_ dx: UnsafeMutablePointer<Float>, rows: Int, seqLen: Int, heads: Int, ld: Int,
                           table: RotaryTable, threads: Int = 1) {
    rotaryApply(dx, rows: rows, seqLen: seqLen, heads: heads, ld: ld, table: table, inverse: true, threads: threads)
}
