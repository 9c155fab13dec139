import Foundation

/// y ≈ slope · x + intercept, by ordinary least squares.
public struct LinearFit: Hashable, Sendable {
    public var slope: Double
    public var intercept: Double
    /// Coefficient of determination, 1 − SS_res / SS_tot (1 when y is constant and fitted exactly).
    public var rSquared: Double
    public var count: Int

    public func predict(_ x: Double) -> Double { slope * x + intercept }

    /// Nil with fewer than two points or when every x is the same.
    public static func leastSquares(x: [Double], y: [Double]) -> LinearFit? {
        precondition(x.count == y.count, "x and y must pair up")
        let n = x.count
        guard n >= 2 else { return nil }
        let meanX = x.reduce(0, +) / Double(n), meanY = y.reduce(0, +) / Double(n)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in 0..<n {
            let dx = x[i] - meanX, dy = y[i] - meanY
            sxx += dx * dx; sxy += dx * dy; syy += dy * dy
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let intercept = meanY - slope * meanX
        var ssRes = 0.0
        for i in 0..<n {
            let r = y[i] - (slope * x[i] + intercept)
            ssRes += r * r
        }
        let r2 = syy > 0 ? 1 - ssRes / syy : (ssRes <= 1e-24 ? 1 : 0)
        return LinearFit(slope: slope, intercept: intercept, rSquared: r2, count: n)
    }

    /// log2(bits) = slope · log2(params) + intercept, over the points with positive bits
    /// (a slope of 1 means bits grow in proportion to parameters; 2^intercept is then bits/param).
    public static func logLog(params: [Double], bits: [Double]) -> LinearFit? {
        let pairs = zip(params, bits).filter { $0.0 > 0 && $0.1 > 0 }
        return leastSquares(x: pairs.map { log2($0.0) }, y: pairs.map { log2($0.1) })
    }
}

/// Mean and sample standard deviation (0 for a single value).
struct Spread {
    var mean: Double
    var sd: Double
    var min: Double
    var max: Double
    var count: Int

    init(_ values: [Double]) {
        count = values.count
        mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        let m = mean
        sd = values.count > 1 ? (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
        min = values.min() ?? .nan
        max = values.max() ?? .nan
    }
}
