import XCTest
import TestSupport
@testable import Kernels

/// `rotaryApply` runs a head's pairs eight at a time, then four, then one by one. Against the
/// one-pair formula written out here: the same bits at head dims whose halves take every path
/// (halves 4: four; 6: four and two; 8: eight; 12: eight and four), forward and inverse.
final class RotaryLanesTests: XCTestCase {
    func testEveryPairGetsTheBitsOfTheOnePairFormula() {
        for headDim in [8, 12, 16, 24] {
            for inverse in [false, true] {
                let heads = 2, seqLen = 5, rows = 10, ld = heads * headDim + 3, half = headDim / 2
                let table = RotaryTable(positions: seqLen, headDim: headDim)
                let x0 = gaussianFloats(rows * ld, seed: UInt64(headDim))
                var x = x0
                rotaryApply(&x, rows: rows, seqLen: seqLen, heads: heads, ld: ld, table: table, inverse: inverse)
                var expected = x0
                for r in 0..<rows {
                    for h in 0..<heads {
                        for i in 0..<half {
                            let at = r * ld + h * headDim + i, pos = r % seqLen
                            let a = x0[at], b = x0[at + half], c = table.cos[pos * half + i]
                            let s = inverse ? -table.sin[pos * half + i] : table.sin[pos * half + i]
                            expected[at] = a * c - b * s
                            expected[at + half] = a * s + b * c
                        }
                    }
                }
                XCTAssertEqual(x.map(\.bitPattern), expected.map(\.bitPattern), "head dim \(headDim) inverse \(inverse)")
            }
        }
    }
}
