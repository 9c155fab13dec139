/// Seeded pseudo-random numbers shared by every module: one generator per component, derived
/// from a run seed and a key, so a run's draws never depend on thread count or scheduling.

/// SplitMix64 step: turns any 64-bit value into a well-mixed one (used to derive seeds).
@inlinable
public func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Derives an independent seed from a parent seed and a key (e.g. a person index or a run name).
@inlinable
public func deriveSeed(_ seed: UInt64, _ key: UInt64) -> UInt64 {
    splitMix64(splitMix64(seed) ^ splitMix64(key &+ 0x632B_E59B_D9B4_E019))
}

/// Derives a seed from a string key (FNV-1a of the UTF-8 bytes, then `deriveSeed`).
public func deriveSeed(_ seed: UInt64, _ key: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return deriveSeed(seed, h)
}

/// xoshiro256** (Blackman & Vigna): fast, 256-bit state, seeded through SplitMix64.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        x = splitMix64(x); s0 = x
        x = splitMix64(x); s1 = x
        x = splitMix64(x); s2 = x
        x = splitMix64(x); s3 = x
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire's method).
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Uniform Float in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform Double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Standard normal draw (Box-Muller; one of the pair is discarded to keep the state simple).
    @inlinable
    public mutating func nextGaussian() -> Float {
        let u1 = max(nextDouble(), 1e-300)
        let u2 = nextDouble()
        return Float((-2 * _logD(u1)).squareRoot() * _cosD(2 * Double.pi * u2))
    }

    /// Fisher-Yates shuffle of a buffer in place.
    @inlinable
    public mutating func shuffle<T>(_ a: inout [T]) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { a.swapAt(i, j) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@usableFromInline func _logD(_ x: Double) -> Double { log(x) }
@usableFromInline func _cosD(_ x: Double) -> Double { cos(x) }
