import XCTest
import TestSupport
@testable import Kernels

/// `transpose` moves 8 × 8 blocks through shuffles, then four rows at a time, then single floats.
/// Every element lands at its transposed place, and nothing outside the [cols × rows] block of
/// the destination is written: shapes take every path (rows 1-21: blocks of 8, of 4, and single
/// rows; cols 1-19: full blocks and ragged ones), with strides wider than the block.
final class TransposeTests: XCTestCase {
    func testEveryElementLandsAtItsTransposedPlaceAndNothingElseIsWritten() {
        let sentinel: Float = -7
        for rows in 1...21 {
            for cols in 1...19 {
                let lds = cols + 3, ldd = rows + 5
                let src = gaussianFloats(rows * lds, seed: UInt64(rows * 100 + cols))
                var dst = [Float](repeating: sentinel, count: cols * ldd)
                src.withUnsafeBufferPointer { s in
                    dst.withUnsafeMutableBufferPointer { d in
                        transpose(s.baseAddress!, ld: lds, rows: rows, cols: cols, into: d.baseAddress!, ld: ldd)
                    }
                }
                var expected = [Float](repeating: sentinel, count: cols * ldd)
                for r in 0..<rows { for c in 0..<cols { expected[c * ldd + r] = src[r * lds + c] } }
                XCTAssertEqual(dst.map(\.bitPattern), expected.map(\.bitPattern), "rows \(rows) cols \(cols)")
            }
        }
    }
}
