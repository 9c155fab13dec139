import XCTest
import Kernels

/// Central finite differences of a Double-precision reference function.
/// f maps an input vector to a scalar; returns ∂f/∂x_i for every i.
func finiteDifferenceGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
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

/// Max |a − b| relative to max |b| (so tiny entries of a large vector are judged at its scale).
func relativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let scale = max(b.map { abs($0) }.max() ?? 0, 1e-12)
    var worst = 0.0
    for i in 0..<a.count { worst = max(worst, abs(Double(a[i]) - b[i]) / scale) }
    return worst
}

func randomFloats(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<n).map { _ in rng.nextGaussian() * scale }
}
