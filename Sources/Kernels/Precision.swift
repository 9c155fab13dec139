/// Number formats below fp32: bfloat16 rounding (bf16 training) and symmetric per-row integer
/// quantization (post-training int8/int4), each as a round trip on fp32 buffers.

/// The nearest bfloat16 value (8 exponent bits, 7 mantissa bits), as a Float: round to nearest,
/// ties to even. Infinities stay; NaN stays NaN (quiet, sign kept); finite values beyond the
/// largest bf16 round to infinity, as IEEE rounding does.
@inlinable
public func roundedToBFloat16(_ x: Float) -> Float {
    let bits = x.bitPattern
    if x.isNaN { return Float(bitPattern: (bits | 0x0040_0000) & 0xFFFF_0000) }
    // Adding 0x7FFF plus the lowest kept bit rounds the dropped 16 bits to nearest, ties to even;
    // a carry into the exponent is the correct rounding up (to infinity past the largest bf16).
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return Float(bitPattern: rounded & 0xFFFF_0000)
}

/// x[i] ← roundedToBFloat16(x[i]) for i in 0..<count.
public func roundToBFloat16(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = roundedToBFloat16(x[i]) }
}

/// Symmetric round-to-nearest quantization of each row to `bits`-bit integers, then back:
/// per row, step = max|w| / (2^(bits−1) − 1), q = round(w / step) (ties away from zero),
/// w ← q · step. So q ∈ [−127, 127] for int8 and [−7, 7] for int4 (the symmetric range; the
/// extra negative code is unused), and every |w − w′| ≤ step / 2. A zero row stays zero.
/// w: [rows × columns], rewritten in place; steps: [rows], the per-row scale (what a stored
/// model keeps in fp32 beside the integers).
public func quantizeRows(_ w: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bits: Int,
                         steps: UnsafeMutablePointer<Float>? = nil) {
    precondition(bits >= 2 && bits <= 16, "quantization needs 2 to 16 bits")
    let qmax = Float((1 << (bits - 1)) - 1)
    for r in 0..<rows {
        let row = w + r * columns
        var maxAbs: Float = 0
        for j in 0..<columns { maxAbs = max(maxAbs, abs(row[j])) }
        let step = maxAbs / qmax
        steps?[r] = step
        guard step > 0, step.isFinite else { continue }
        for j in 0..<columns {
            let q = min(qmax, max(-qmax, (row[j] / step).rounded()))
            row[j] = q * step
        }
    }
}
