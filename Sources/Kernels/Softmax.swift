/// Row-wise softmax with a pre-scale, optionally causal (attention scores).

/// y[r, c] = softmax_c(scale · x[r, c]) over the row's valid columns; invalid columns get 0.
/// x, y: [rows × width] with row stride ld (y may alias x). Causal: row r is query position
/// firstRow + r of an attention block and has firstRow + r + 1 valid columns; otherwise all
/// `width` are valid. Only valid columns of x are read.
public func softmaxForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                           ld: Int, scale: Float, causal: Bool, firstRow: Int = 0) {
    let scratch = expScratch()
    for r in 0..<rows {
        let xr = x + r * ld, yr = y + r * ld
        let valid = causal ? min(firstRow + r + 1, width) : width
        let mx = largestElement(xr, count: valid)
        let s8 = SIMD8<Float>(repeating: scale), m8 = SIMD8<Float>(repeating: scale * mx)
        var exps = ScaledExps(x: xr, scale: s8, shift: m8, y: yr, count: valid / 8)
        forEachExp8(&exps, scratch: scratch)
        var c = 8 * exps.count
        var sum = exps.sum8.sum()
        // The tail in one exp8 (lane by lane the same operations as the vectors, so the same
        // bits), summed one by one in order.
        let tail = exp8(load8(xr + c, count: valid - c) * s8 - m8)
        for j in 0..<(valid - c) { yr[c + j] = tail[j]; sum += tail[j] }
        let inv = 1 / sum, inv8 = SIMD8<Float>(repeating: inv)
        c = 0
        while c + 8 <= valid { store8(load8(yr + c) * inv8, yr + c); c += 8 }
        while c < valid { yr[c] *= inv; c += 1 }
        for c in valid..<width { yr[c] = 0 }
    }
}

/// Backward of `softmaxForward`: dx = scale · y ⊙ (dy − Σ_c dy·y), over valid columns.
/// dx may alias dy. Shapes as in the forward.
public func softmaxBackward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, y: UnsafePointer<Float>,
                            rows: Int, width: Int, ld: Int, scale: Float, causal: Bool, firstRow: Int = 0) {
    for r in 0..<rows {
        let yr = y + r * ld, dyr = dy + r * ld, dxr = dx + r * ld
        let valid = causal ? min(firstRow + r + 1, width) : width
        let s = dot(dyr, yr, valid)
        let scale8 = SIMD8<Float>(repeating: scale), s8 = SIMD8<Float>(repeating: s)
        var c = 0
        while c + 8 <= valid { store8(scale8 * load8(yr + c) * (load8(dyr + c) - s8), dxr + c); c += 8 }
        while c < valid { dxr[c] = scale * yr[c] * (dyr[c] - s); c += 1 }
        for c in valid..<width { dxr[c] = 0 }
    }
}

/// y[8i..<8i+8] = exp8(x[8i..<8i+8] · scale − shift), summed into sum8 in order of i.
private struct ScaledExps: Exp8Loop {
    let x: UnsafePointer<Float>, scale: SIMD8<Float>, shift: SIMD8<Float>, y: UnsafeMutablePointer<Float>, count: Int
    var sum8 = SIMD8<Float>(repeating: 0)
    @inline(__always) func input(_ i: Int) -> SIMD8<Float> { load8(x + 8 * i) * scale - shift }
    @inline(__always) mutating func consume(_ i: Int, _ e: SIMD8<Float>) { store8(e, y + 8 * i); sum8 += e }
}
