import XCTest
import TestSupport
import Foundation
@testable import Kernels

/// Each kernel's backward against central finite differences of a Double reference forward, on
/// sizes that do not divide the SIMD width. Loss = Σ r·y with fixed random weights r.
final class KernelGradientTests: XCTestCase {
    let tolerance = 1e-3

    func testLayerNormBackwardMatchesFiniteDifferences() {
        let rows = 3, width = 13
        let x = gaussianFloats(rows * width, seed: 1), gamma = gaussianFloats(width, seed: 2), beta = gaussianFloats(width, seed: 3)
        let r = gaussianFloats(rows * width, seed: 4)
        func reference(_ x: [Double], _ gm: [Double], _ bt: [Double]) -> Double {
            var loss = 0.0
            for i in 0..<rows {
                let row = Array(x[(i * width)..<((i + 1) * width)])
                let m = row.reduce(0, +) / Double(width)
                let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(width)
                let rs = 1 / (v + 1e-5).squareRoot()
                for j in 0..<width { loss += Double(r[i * width + j]) * ((row[j] - m) * rs * gm[j] + bt[j]) }
            }
            return loss
        }
        var y = [Float](repeating: 0, count: rows * width), mean = [Float](repeating: 0, count: rows), rstd = mean
        layerNormForward(x: x, y: &y, gamma: gamma, beta: beta, mean: &mean, rstd: &rstd, rows: rows, width: width)
        var dx = [Float](repeating: 0, count: rows * width), dg = [Float](repeating: 0, count: width), db = dg
        layerNormBackward(dx: &dx, dgamma: &dg, dbeta: &db, dy: r, x: x, gamma: gamma, mean: mean, rstd: rstd,
                          rows: rows, width: width)
        let xd = x.map(Double.init), gd = gamma.map(Double.init), bd = beta.map(Double.init)
        XCTAssertLessThan(relativeError(dx, finiteDifferenceGradient(xd) { reference($0, gd, bd) }), tolerance)
        XCTAssertLessThan(relativeError(dg, finiteDifferenceGradient(gd) { reference(xd, $0, bd) }), tolerance)
        XCTAssertLessThan(relativeError(db, finiteDifferenceGradient(bd) { reference(xd, gd, $0) }), tolerance)
    }

    /// RMSNorm (`centered: false`): y = x/√(mean(x²) + eps)·g + b, forward against the Double
    /// formula and backward against finite differences of it, with and without bias; width 19
    /// covers the eight-lane body and the tail.
    func testRMSNormForwardAndBackwardMatchDoubleReference() {
        let rows = 3, width = 19
        let x = gaussianFloats(rows * width, seed: 11), gamma = gaussianFloats(width, seed: 12)
        let beta = gaussianFloats(width, seed: 13), r = gaussianFloats(rows * width, seed: 14)
        for withBias in [true, false] {
            func output(_ x: [Double], _ gm: [Double], _ bt: [Double]) -> [Double] {
                var y = [Double](repeating: 0, count: rows * width)
                for i in 0..<rows {
                    let row = Array(x[(i * width)..<((i + 1) * width)])
                    let rs = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(width) + 1e-5).squareRoot()
                    for j in 0..<width { y[i * width + j] = row[j] * rs * gm[j] + (withBias ? bt[j] : 0) }
                }
                return y
            }
            func reference(_ x: [Double], _ gm: [Double], _ bt: [Double]) -> Double {
                zip(output(x, gm, bt), r).reduce(0) { $0 + $1.0 * Double($1.1) }
            }
            var y = [Float](repeating: 0, count: rows * width), mean = [Float](repeating: 1, count: rows), rstd = mean
            let b: [Float]? = withBias ? beta : nil
            b.withOptionalPointer { bp in
                layerNormForward(x: x, y: &y, gamma: gamma, beta: bp, mean: &mean, rstd: &rstd, rows: rows, width: width,
                                 centered: false)
            }
            XCTAssertEqual(mean, [0, 0, 0], "RMSNorm keeps a zero mean")
            let xd = x.map(Double.init), gd = gamma.map(Double.init), bd = beta.map(Double.init)
            XCTAssertLessThan(relativeError(y, output(xd, gd, bd)), 1e-6)
            var dx = [Float](repeating: 0, count: rows * width), dg = [Float](repeating: 0, count: width), db = dg
            if withBias {
                layerNormBackward(dx: &dx, dgamma: &dg, dbeta: &db, dy: r, x: x, gamma: gamma, mean: mean, rstd: rstd,
                                  rows: rows, width: width, centered: false)
                XCTAssertLessThan(relativeError(db, finiteDifferenceGradient(bd) { reference(xd, gd, $0) }), tolerance)
            } else {
                layerNormBackward(dx: &dx, dgamma: &dg, dbeta: nil, dy: r, x: x, gamma: gamma, mean: mean, rstd: rstd,
                                  rows: rows, width: width, centered: false)
            }
            XCTAssertLessThan(relativeError(dx, finiteDifferenceGradient(xd) { reference($0, gd, bd) }), tolerance)
            XCTAssertLessThan(relativeError(dg, finiteDifferenceGradient(gd) { reference(xd, $0, bd) }), tolerance)
        }
    }

    func testGeluBackwardMatchesFiniteDifferences() {
        let n = 21
        let x = gaussianFloats(n, seed: 5, scale: 2), r = gaussianFloats(n, seed: 6)
        func reference(_ x: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n {
                let v = x[i]
                s += Double(r[i]) * 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            }
            return s
        }
        var y = [Float](repeating: 0, count: n)
        geluForward(x: x, y: &y, count: n)
        var xs = x.map(Double.init)
        let expectedY = xs.map { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        XCTAssertLessThan(relativeError(y, expectedY), 1e-6)
        var dy = r, dx = [Float](repeating: 0, count: n)
        geluBackward(dx: &dx, dy: &dy, x: x, count: n)
        XCTAssertLessThan(relativeError(dx, finiteDifferenceGradient(xs) { reference($0) }), tolerance)
        xs[0] = 0
    }

    func testCausalSoftmaxBackwardMatchesFiniteDifferences() {
        for causal in [true, false] {
            let rows = 11, width = 11, scale: Float = 0.37
            let x = gaussianFloats(rows * width, seed: 7), r = gaussianFloats(rows * width, seed: 8)
            func reference(_ x: [Double]) -> Double {
                var s = 0.0
                for i in 0..<rows {
                    let valid = causal ? i + 1 : width
                    let z = (0..<valid).map { Double(scale) * x[i * width + $0] }
                    let m = z.max()!
                    let e = z.map { Foundation.exp($0 - m) }
                    let tot = e.reduce(0, +)
                    for j in 0..<valid { s += Double(r[i * width + j]) * e[j] / tot }
                }
                return s
            }
            var y = [Float](repeating: 0, count: rows * width)
            softmaxForward(x: x, y: &y, rows: rows, width: width, ld: width, scale: scale, causal: causal)
            var dx = [Float](repeating: 0, count: rows * width)
            softmaxBackward(dx: &dx, dy: r, y: y, rows: rows, width: width, ld: width, scale: scale, causal: causal)
            XCTAssertLessThan(relativeError(dx, finiteDifferenceGradient(x.map(Double.init), reference)), tolerance, "causal \(causal)")
        }
    }

    func testRotaryBackwardMatchesFiniteDifferences() {
        let seqLen = 5, heads = 2, headDim = 6, rows = 2 * seqLen, ld = heads * headDim + 3
        let table = RotaryTable(positions: seqLen, headDim: headDim)
        let x = gaussianFloats(rows * ld, seed: 9), r = gaussianFloats(rows * ld, seed: 10)
        func reference(_ x: [Double]) -> Double {
            var s = 0.0
            for row in 0..<rows {
                let pos = Double(row % seqLen)
                for j in 0..<ld {
                    var y = x[row * ld + j]
                    if j < heads * headDim {
                        let h = j / headDim, i = j % headDim, half = headDim / 2
                        let pair = i < half ? i : i - half
                        let a = pos * Foundation.pow(10_000, -2 * Double(pair) / Double(headDim))
                        let x0 = x[row * ld + h * headDim + pair], x1 = x[row * ld + h * headDim + pair + half]
                        y = i < half ? x0 * Foundation.cos(a) - x1 * Foundation.sin(a) : x0 * Foundation.sin(a) + x1 * Foundation.cos(a)
                    }
                    s += Double(r[row * ld + j]) * y
                }
            }
            return s
        }
        var dx = r
        rotaryBackward(&dx, rows: rows, seqLen: seqLen, heads: heads, ld: ld, table: table)
        XCTAssertLessThan(relativeError(dx, finiteDifferenceGradient(x.map(Double.init), reference)), tolerance)
        // Forward then backward is the identity (rotations are orthogonal).
        var y = x
        rotaryForward(&y, rows: rows, seqLen: seqLen, heads: heads, ld: ld, table: table)
        rotaryBackward(&y, rows: rows, seqLen: seqLen, heads: heads, ld: ld, table: table)
        XCTAssertLessThan(relativeError(y, x.map(Double.init)), 1e-6)
    }

    func testCrossEntropyBackwardMatchesFiniteDifferencesAndIgnoresMaskedRows() {
        let rows = 5, vocab = 19, scale: Float = 0.7
        let logits = gaussianFloats(rows * vocab, seed: 11, scale: 3)
        let targets: [Int32] = [3, -1, 18, 0, 7]
        func reference(_ x: [Double]) -> Double {
            var s = 0.0
            for i in 0..<rows where targets[i] >= 0 {
                let row = Array(x[(i * vocab)..<((i + 1) * vocab)])
                let m = row.max()!
                let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
                s += Double(scale) * (lse - row[Int(targets[i])])
            }
            return s
        }
        var losses = [Float](repeating: 0, count: rows), lse = losses
        crossEntropyForward(logits: logits, targets: targets, losses: &losses, lse: &lse, rows: rows, vocab: vocab)
        let ld = logits.map(Double.init)
        XCTAssertEqual(Double(losses.reduce(0, +)) * Double(scale), reference(ld), accuracy: 1e-4)
        XCTAssertEqual(losses[1], 0)
        var dl = [Float](repeating: 0, count: rows * vocab)
        crossEntropyBackward(dlogits: &dl, logits: logits, targets: targets, lse: lse, scale: scale, rows: rows, vocab: vocab)
        XCTAssertLessThan(relativeError(dl, finiteDifferenceGradient(ld, reference)), tolerance)
        XCTAssertTrue(dl[vocab..<(2 * vocab)].allSatisfy { $0 == 0 })
    }

    func testVectorExpMatchesLibmAcrossRange() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            let e = exp8(SIMD8(repeating: x))[0]
            worst = max(worst, abs(e - Foundation.exp(x)) / Foundation.exp(x))
            x += 0.173
        }
        XCTAssertLessThan(worst, 1e-6)
    }

    /// 1,000 × 77 = 77,000 elements: above the 65,536 at which the sums thread, over two column blocks.
    func testColumnSumsAreIndependentOfThreadCount() {
        let rows = 1_000, width = 77
        let x = gaussianFloats(rows * width, seed: 12)
        var one = [Float](repeating: 0, count: width), two = one
        accumulateColumnSums(x, rows: rows, width: width, ld: width, into: &one, threads: 1)
        accumulateColumnSums(x, rows: rows, width: width, ld: width, into: &two, threads: 2)
        XCTAssertEqual(one, two)
        for j in [0, 40, 76] {
            let expect = (0..<rows).reduce(0.0) { $0 + Double(x[$1 * width + j]) }
            XCTAssertEqual(Double(one[j]), expect, accuracy: 1e-3)
        }
    }
}

private extension Optional where Wrapped == [Float] {
    /// The array's base address (nil for nil), for kernels that take an optional pointer.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
