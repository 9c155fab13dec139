/// Vectorized transcendental functions on SIMD8<Float> (libm calls in the hot loop would cost
/// more than the matmuls at small widths).

/// e^x, relative error < 2e-7 for x in [-87, 88] (inputs clamped there).
/// exp(x) = 2^n · exp(r), n = round(x / ln 2), |r| ≤ ln2 / 2, exp(r) by a degree-6 polynomial.
@inlinable @inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Masked replace rather than `clamped`, which calls an out-of-line generic min/max here.
    var xc = x
    xc.replace(with: -87, where: xc .< -87)
    xc.replace(with: 88, where: xc .> 88)
    let magic = SIMD8<Float>(repeating: 12_582_912)          // 1.5 · 2^23: rounds to an integer
    let t = xc * 1.442_695_04 + magic
    let n = t - magic
    let r = (xc - n * 0.693_145_75) - n * 1.428_606_8e-6      // ln 2 split hi + lo
    var p = SIMD8<Float>(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n from the integer sitting in t's low mantissa bits.
    let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
    return p * scale
}

/// tanh(x) = 1 − 2 / (e^{2x} + 1), via `exp8`.
@inlinable @inline(__always)
public func tanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 - 2 / (exp8(x + x) + 1)
}

/// Scalar e^x through the same polynomial, for tails (keeps tails and bodies consistent).
@inlinable @inline(__always)
public func expScalar(_ x: Float) -> Float { exp8(SIMD8(repeating: x))[0] }

/// max(p[0..<count]) (−∞ for count 0; inputs are never NaN): eight lanes at a time with a
/// masked-replace maximum, not `pointwiseMax`, which this toolchain leaves as an out-of-line
/// generic call (11% of a width-8 model's training step). Exact, so any lane order gives the
/// same value.
@inlinable @inline(__always)
public func largestElement(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var m8 = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count { let v = load8(p + i); m8.replace(with: v, where: v .> m8); i += 8 }
    let m4 = m8.lowHalf.replacing(with: m8.highHalf, where: m8.highHalf .> m8.lowHalf)
    let m2 = m4.lowHalf.replacing(with: m4.highHalf, where: m4.highHalf .> m4.lowHalf)
    var m = max(m2[0], m2[1])
    while i < count { m = max(m, p[i]); i += 1 }
    return m
}
