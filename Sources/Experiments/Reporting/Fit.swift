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
        let halfWidth = n > 2 ? studentT975(degreesOfFreedom: n - 2) * (ssRes / Double(n - 2) / sxx).squareRoot() : .nan
        return LinearFit(slope: slope, intercept: intercept, rSquared: r2, count: n, slopeHalfWidth95: halfWidth)
    }

    /// The slope's 95% confidence half-width, t(0.975, n − 2) · SE (NaN with two points: a line
    /// through two points has no residual to estimate its error from).
    public var slopeHalfWidth95: Double = .nan
    public var slopeInterval95: ClosedRange<Double>? {
        slopeHalfWidth95.isFinite ? (slope - slopeHalfWidth95)...(slope + slopeHalfWidth95) : nil
    }

    public init(slope: Double, intercept: Double, rSquared: Double, count: Int, slopeHalfWidth95: Double = .nan) {
        self.slope = slope; self.intercept = intercept; self.rSquared = rSquared; self.count = count
        self.slopeHalfWidth95 = slopeHalfWidth95
    }

    /// log2(bits) = slope · log2(params) + intercept, over the points with positive bits
    /// (a slope of 1 means bits grow in proportion to parameters; 2^intercept is then bits/param).
    public static func logLog(params: [Double], bits: [Double]) -> LinearFit? {
        let pairs = zip(params, bits).filter { $0.0 > 0 && $0.1 > 0 }
        return leastSquares(x: pairs.map { log2($0.0) }, y: pairs.map { log2($0.1) })
    }
}

/// The sizes a slope would be drawn through, and whether there are enough of them: a fit needs
/// at least 3 distinct sizes spanning at least 2× in parameters. Two points always lie on a
/// line (R² = 1 whatever they hold), and models a few percent apart give a slope of noise
/// (7,000 and 7,040 parameters gave "106 bits/param, R² 1.000").
public struct SizeRange: Hashable, Sendable {
    public static let minimumSizes = 3
    public static let minimumSpan = 2.0
    /// Parameter counts within this ratio of the smallest of their size are one size: the paper
    /// count of one model moves by a few percent between seeds with the tokens its data uses.
    public static let sameSize = 1.05

    /// Distinct sizes among the counts.
    public var sizes: Int
    public var smallest: Double
    public var largest: Double

    public init(params: [Double]) {
        let sorted = params.filter { $0.isFinite && $0 > 0 }.sorted()
        var sizes = 0, start = -Double.infinity
        for p in sorted where p > start * Self.sameSize { sizes += 1; start = p }
        self.sizes = sizes
        smallest = sorted.first ?? 0
        largest = sorted.last ?? 0
    }

    /// Largest over smallest parameter count (0 with no sizes).
    public var span: Double { smallest > 0 ? largest / smallest : 0 }

    public var allowsFit: Bool { sizes >= Self.minimumSizes && span >= Self.minimumSpan }

    /// `2,252 to 25,032 (4 sizes, 11.13×)`, `5,160 (1 size)`.
    public var summary: String {
        switch sizes {
        case 0: return "—"
        case 1: return smallest == largest ? "\(grouped(smallest)) (1 size)" : "\(grouped(smallest)) to \(grouped(largest)) (1 size)"
        default: return "\(grouped(smallest)) to \(grouped(largest)) (\(sizes) sizes, \(fixed(span, 2))×)"
        }
    }

    /// How many sizes and what span, for a refusal: `(2 sizes spanning 1.16×)`.
    public var counted: String {
        switch sizes {
        case 0: return "(none)"
        case 1: return "(1 size)"
        default: return "(\(sizes) sizes spanning \(fixed(span, 2))×)"
        }
    }

    /// What a table says instead of a fit: `not enough sizes to fit (2 sizes spanning 1.16×)`.
    public var refusal: String { "not enough sizes to fit " + counted }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom: the factor of a two-sided 95%
/// interval. Exact to the printed digits for df ≤ 30 (the standard table); above, the
/// Cornish–Fisher expansion in 1/df, within 1e-4 of the exact value.
public func studentT975(degreesOfFreedom df: Int) -> Double {
    precondition(df >= 1, "a t quantile needs at least one degree of freedom")
    let table: [Double] = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                           2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                           2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423]
    if df <= table.count { return table[df - 1] }
    let z = 1.959964, n = Double(df), z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
    return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
        + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n)
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

    /// The mean's 95% confidence interval, mean ± t(0.975, n − 1) · sd / √n (nil for one value).
    var interval95: ClosedRange<Double>? {
        guard count > 1 else { return nil }
        let h = studentT975(degreesOfFreedom: count - 1) * sd / Double(count).squareRoot()
        return (mean - h)...(mean + h)
    }
}
