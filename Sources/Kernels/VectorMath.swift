/// Vectorized transcendental functions on SIMD8<Float> (libm calls in the hot loop would cost
/// more than the matmuls at small widths).

/// e^x, relative error < 2e-7 for x in [-87, 88] (inputs clamped there).
/// exp(x) = 2^n · exp(r), n = round(x / ln 2), |r| ≤ ln2 / 2, exp(r) by a degree-6 polynomial.
/// Written as its two halves, `exp8Reduce` then `exp8Finish`, so a loop over many values can run
/// each half over a chunk in turn (`forEachExp8`) and keep more values in flight; the operations and
/// their order per value are the same either way, so are the bits.
@inlinable @inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let (r, scale) = exp8Reduce(x)
    return exp8Finish(r, scale)
}

/// exp8's range reduction: r = x − n·ln 2 (|r| ≤ ln2 / 2) and 2^n, x clamped to [-87, 88].
@inlinable @inline(__always)
public func exp8Reduce(_ x: SIMD8<Float>) -> (r: SIMD8<Float>, scale: SIMD8<Float>) {
    // Masked replace rather than `clamped`, which calls an out-of-line generic min/max here.
    var xc = x
    xc.replace(with: -87, where: xc .< -87)
    xc.replace(with: 88, where: xc .> 88)
    let magic = SIMD8<Float>(repeating: 12_582_912)          // 1.5 · 2^23: rounds to an integer
    let t = xc * 1.442_695_04 + magic
    let n = t - magic
    let r = (xc - n * 0.693_145_75) - n * 1.428_606_8e-6      // ln 2 split hi + lo
    // 2^n from the integer sitting in t's low mantissa bits.
    let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    return (r, unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self))
}

/// exp8's second half: exp(r) by the polynomial (Horner), times 2^n.
@inlinable @inline(__always)
public func exp8Finish(_ r: SIMD8<Float>, _ scale: SIMD8<Float>) -> SIMD8<Float> {
    var p = SIMD8<Float>(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    return p * scale
}

/// Vectors per chunk of `forEachExp8` (512 values: a 443-token vocabulary row in one chunk).
public let expChunkVectors = 64

/// A loop over exp8 of `count` vectors, for `forEachExp8`: its input vector i and what it does
/// with exp8 of it. (A protocol, not closures: the optimizer specializes and inlines a generic
/// call, where it left closures as indirect calls and lost half the speed.)
public protocol Exp8Loop {
    var count: Int { get }
    func input(_ i: Int) -> SIMD8<Float>
    mutating func consume(_ i: Int, _ e: SIMD8<Float>)
}

/// loop.consume(i, exp8(loop.input(i))) for i in 0..<count, in increasing i, in chunks of
/// `expChunkVectors`: first every range reduction of a chunk (into `scratch`,
/// [2 × expChunkVectors] from `expScratch()`), then every polynomial. One exp8 is a chain of
/// about 20 dependent operations; a loop of whole exp8s keeps too few of them in flight to fill
/// the FP pipes (Zen 1's reorder buffer holds about three iterations), while each half alone is
/// short. Same operations per value as `exp8`, so the same bits.
@inlinable @inline(__always)
public func forEachExp8<L: Exp8Loop>(_ loop: inout L, scratch: UnsafeMutablePointer<SIMD8<Float>>) {
    let rs = scratch, scales = scratch + expChunkVectors, count = loop.count
    var i0 = 0
    while i0 < count {
        let n = min(expChunkVectors, count - i0)
        for j in 0..<n { (rs[j], scales[j]) = exp8Reduce(loop.input(i0 + j)) }
        for j in 0..<n { loop.consume(i0 + j, exp8Finish(rs[j], scales[j])) }
        i0 += n
    }
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
