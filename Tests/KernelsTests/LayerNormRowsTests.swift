import XCTest
import TestSupport
@testable import Kernels

/// LayerNorm's row statistics run eight rows side by side, one per lane (`layerNormStats8`,
/// `layerNormGradientMeans8`). Against the one-row-at-a-time loops they replaced, written out
/// here: the same bits for every row, whether its chunk of rows goes eight at a time or one,
/// for widths below, at and between multiples of 8, centered (LayerNorm) or not (RMSNorm), on
/// one and two threads.
final class LayerNormRowsTests: XCTestCase {
    /// Rows: chunks of rows (16 per call) below 8, of 8 and 9, and of 16 with groups of 8.
    let rowCounts = [1, 7, 130, 256]
    let widths = [3, 8, 13, 16, 24, 64]

    func testForwardGivesTheBitsOfTheRowLoop() {
        forEachCase { rows, width, centered, threads in
            let x = gaussianFloats(rows * width, seed: UInt64(rows * 100 + width), scale: 3)
            let gamma = gaussianFloats(width, seed: 7), beta = gaussianFloats(width, seed: 8)
            var y = [Float](repeating: 0, count: rows * width)
            var mean = [Float](repeating: 0, count: rows), rstd = mean
            layerNormForward(x: x, y: &y, gamma: gamma, beta: beta, mean: &mean, rstd: &rstd, rows: rows,
                             width: width, centered: centered, threads: threads)
            for r in 0..<rows {
                let row = Array(x[(r * width)..<((r + 1) * width)])
                let (m, rs) = rowStats(row, centered: centered)
                let at = "rows \(rows) width \(width) centered \(centered) threads \(threads) row \(r)"
                XCTAssertEqual(mean[r].bitPattern, m.bitPattern, "mean, " + at)
                XCTAssertEqual(rstd[r].bitPattern, rs.bitPattern, "rstd, " + at)
                let expected = (0..<width).map { (row[$0] - m) * rs * gamma[$0] + beta[$0] }
                XCTAssertEqual(Array(y[(r * width)..<((r + 1) * width)]).map(\.bitPattern),
                               expected.map(\.bitPattern), "y, " + at)
            }
        }
    }

    func testBackwardGivesTheBitsOfTheRowLoop() {
        forEachCase { rows, width, centered, threads in
            let x = gaussianFloats(rows * width, seed: UInt64(rows * 100 + width), scale: 3)
            let dy = gaussianFloats(rows * width, seed: UInt64(rows * 100 + width + 1))
            let gamma = gaussianFloats(width, seed: 7)
            let dx0 = gaussianFloats(rows * width, seed: 9)
            var y = [Float](repeating: 0, count: rows * width)
            var mean = [Float](repeating: 0, count: rows), rstd = mean
            layerNormForward(x: x, y: &y, gamma: gamma, beta: nil, mean: &mean, rstd: &rstd, rows: rows,
                             width: width, centered: centered)
            var dx = dx0, dgamma = [Float](repeating: 0, count: width), dbeta = dgamma
            layerNormBackward(dx: &dx, dgamma: &dgamma, dbeta: &dbeta, dy: dy, x: x, gamma: gamma,
                              mean: mean, rstd: rstd, rows: rows, width: width, centered: centered,
                              threads: threads)
            for r in 0..<rows {
                // The backward's row loop as it was: sums over the row in order from 0.
                let n = Float(width), m = mean[r], rs = rstd[r]
                var sg: Float = 0, sgx: Float = 0
                for i in 0..<width {
                    let g = dy[r * width + i] * gamma[i]
                    sg += g
                    sgx += g * (x[r * width + i] - m) * rs
                }
                let mg = centered ? sg / n : 0, mgx = sgx / n
                let expected = (0..<width).map { i -> Float in
                    let g = dy[r * width + i] * gamma[i], xh = (x[r * width + i] - m) * rs
                    return dx0[r * width + i] + rs * (g - mg - xh * mgx)
                }
                XCTAssertEqual(Array(dx[(r * width)..<((r + 1) * width)]).map(\.bitPattern),
                               expected.map(\.bitPattern),
                               "dx, rows \(rows) width \(width) centered \(centered) threads \(threads) row \(r)")
            }
        }
    }

    /// body(rows, width, centered, threads) for every combination.
    private func forEachCase(_ body: (Int, Int, Bool, Int) -> Void) {
        for rows in rowCounts { for width in widths { for centered in [true, false] { for threads in [1, 2] {
            body(rows, width, centered, threads)
        } } } }
    }

    /// The forward's row statistics as the row loop computed them: 8-lane partial sums, their
    /// lanes added in order, the tail one by one; the variance likewise with the lanes' fused
    /// multiply-adds; eps 1e-5.
    private func rowStats(_ row: [Float], centered: Bool) -> (mean: Float, rstd: Float) {
        let width = row.count, n = Float(width), body = width / 8 * 8
        var m: Float = 0
        if centered {
            var lanes = [Float](repeating: 0, count: 8)
            for i in 0..<body { lanes[i % 8] += row[i] }
            var s: Float = lanes[0]
            for j in 1..<8 { s += lanes[j] }
            for i in body..<width { s += row[i] }
            m = s / n
        }
        var lanes = [Float](repeating: 0, count: 8)
        for i in 0..<body { let d = row[i] - m; lanes[i % 8].addProduct(d, d) }
        var v: Float = lanes[0]
        for j in 1..<8 { v += lanes[j] }
        for i in body..<width { let d = row[i] - m; v += d * d }
        return (m, 1 / (v / n + 1e-5).squareRoot())
    }
}
