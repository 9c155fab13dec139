import Kernels

/// Numerical checks of analytic gradients: central finite differences of a Double-precision
/// reference function, and the error measure the gradient tests use.

/// ∂f/∂x_i for every i by central differences of step h (f evaluated in Double).
public func finiteDifferenceGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    var xp = x
    for i in 0..<x.count {
        xp[i] = x[i] + h; let fp = f(xp)
        xp[i] = x[i] - h; let fm = f(xp)
        xp[i] = x[i]
        g[i] = (fp - fm) / (2 * h)
    }
    return g
}

/// Max |a − b| relative to max |b| (tiny entries of a large vector are judged at its scale).
public func relativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var scale = 1e-12
    for v in b { scale = max(scale, abs(v)) }
    var worst = 0.0
    for i in 0..<a.count { worst = max(worst, abs(Double(a[i]) - b[i]) / scale) }
    return worst
}

/// `count` draws from N(0, scale²), seeded.
public func gaussianFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in rng.nextGaussian() * scale }
}
