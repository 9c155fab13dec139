import XCTest
import TestSupport
@testable import Kernels

/// The kernels that run exp8 in two passes per chunk (`forEachExp8`) against the one-pass loops
/// they replaced, written out here with whole `exp8` calls: the same bits, for lengths with and
/// without a ragged tail, over one and several chunks, on one and two threads. Any change to an
/// operation or its order inside a pass makes these fail.
final class ExpChunkTests: XCTestCase {
    /// Lengths: below one vector, ragged, a 443-token vocabulary, and over two chunks of 512.
    let lengths = [5, 8, 29, 443, 1100]

    func testCrossEntropyGivesTheBitsOfWholeExp8Loops() {
        for vocab in lengths {
            let rows = 7
            let logits = gaussianFloats(rows * vocab, seed: UInt64(vocab), scale: 4)
            var targets = (0..<rows).map { Int32(($0 * 37) % vocab) }
            targets[3] = -1
            var losses = [Float](repeating: 0, count: rows), lse = [Float](repeating: 0, count: rows)
            crossEntropyForward(logits: logits, targets: targets, losses: &losses, lse: &lse, rows: rows, vocab: vocab)
            var dlogits = [Float](repeating: 0, count: rows * vocab)
            crossEntropyBackward(dlogits: &dlogits, logits: logits, targets: targets, lse: lse, scale: 0.25,
                                 rows: rows, vocab: vocab)
            var fused = logits, fusedLosses = losses, fusedLse = lse
            crossEntropyForwardBackward(logits: &fused, targets: targets, losses: &fusedLosses, lse: &fusedLse,
                                        scale: 0.25, rows: rows, vocab: vocab)
            for r in 0..<rows {
                let row = Array(logits[(r * vocab)..<((r + 1) * vocab)])
                let (l, loss) = wholeExpForward(row, target: Int(targets[r]))
                XCTAssertEqual(lse[r].bitPattern, l.bitPattern, "lse, vocab \(vocab) row \(r)")
                XCTAssertEqual(losses[r].bitPattern, loss.bitPattern, "loss, vocab \(vocab) row \(r)")
                XCTAssertEqual(fusedLse[r].bitPattern, l.bitPattern)
                let d = wholeExpBackward(row, target: Int(targets[r]), lse: l, scale: 0.25)
                XCTAssertEqual(Array(dlogits[(r * vocab)..<((r + 1) * vocab)]).map(\.bitPattern), d.map(\.bitPattern),
                               "dlogits, vocab \(vocab) row \(r)")
                XCTAssertEqual(Array(fused[(r * vocab)..<((r + 1) * vocab)]).map(\.bitPattern), d.map(\.bitPattern))
            }
        }
    }

    func testSoftmaxForwardGivesTheBitsOfWholeExp8Loops() {
        for width in lengths where width <= 443 {
            let rows = 9, scale: Float = 0.35
            let x = gaussianFloats(rows * width, seed: UInt64(100 + width), scale: 3)
            for causal in [true, false] {
                var y = [Float](repeating: 0, count: rows * width)
                softmaxForward(x: x, y: &y, rows: rows, width: width, ld: width, scale: scale, causal: causal, firstRow: 3)
                for r in 0..<rows {
                    let valid = causal ? min(3 + r + 1, width) : width
                    let row = Array(x[(r * width)..<(r * width + valid)])
                    let expected = wholeExpSoftmax(row, scale: scale) + [Float](repeating: 0, count: width - valid)
                    XCTAssertEqual(Array(y[(r * width)..<((r + 1) * width)]).map(\.bitPattern), expected.map(\.bitPattern),
                                   "width \(width) row \(r) causal \(causal)")
                }
            }
        }
    }

    /// Also with the forward keeping tanh for the backward (training's path): the same bits.
    func testGELUGivesTheBitsOfWholeTanh8Loops() {
        // 1 << 15 and more elements split into chunks on two threads; the others run on one.
        for count in lengths + [(1 << 15) + 13] {
            let x = gaussianFloats(count, seed: UInt64(200 + count), scale: 3), dy = gaussianFloats(count, seed: 7)
            for threads in [1, 2] {
                var y = [Float](repeating: 0, count: count)
                geluForward(x: x, y: &y, count: count, threads: threads)
                var dyCopy = dy, dx = [Float](repeating: 0, count: count)
                geluBackward(dx: &dx, dy: &dyCopy, x: x, count: count, threads: threads)
                // The training path: the forward keeps tanh, the backward takes it.
                var yKept = [Float](repeating: 0, count: count), kept = [Float](repeating: .nan, count: count)
                geluForward(x: x, y: &yKept, tanh: &kept, count: count, threads: threads)
                var dyKept = dy, dxKept = [Float](repeating: 0, count: count)
                geluBackward(dx: &dxKept, dy: &dyKept, x: x, tanh: kept, count: count, threads: threads)
                XCTAssertEqual(yKept.map(\.bitPattern), y.map(\.bitPattern), "kept tanh: forward, count \(count)")
                XCTAssertEqual(dxKept.map(\.bitPattern), dx.map(\.bitPattern), "kept tanh: backward, count \(count)")
                var forwardMismatches = 0, backwardMismatches = 0
                for i in 0..<count {
                    let v = SIMD8<Float>(repeating: x[i])
                    let u = geluScale * (v + 0.044715 * v * v * v)
                    let th = tanh8(u)
                    let value = 0.5 * v * (1 + th)
                    let du = geluScale * (1 + 3 * 0.044715 * v * v)
                    let grad = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * du
                    if y[i].bitPattern != value[0].bitPattern { forwardMismatches += 1 }
                    if dx[i].bitPattern != (dy[i] * grad[0]).bitPattern { backwardMismatches += 1 }
                }
                XCTAssertEqual(forwardMismatches, 0, "forward, count \(count) threads \(threads)")
                XCTAssertEqual(backwardMismatches, 0, "backward, count \(count) threads \(threads)")
            }
        }
    }

    // MARK: the one-pass loops, as they were before the split

    private func wholeExpForward(_ x: [Float], target: Int) -> (lse: Float, loss: Float) {
        let mx = x.max()!, m8 = SIMD8<Float>(repeating: mx)
        var s8 = SIMD8<Float>(repeating: 0)
        var c = 0
        while c + 8 <= x.count { s8 += exp8(SIMD8(x[c..<(c + 8)]) - m8); c += 8 }
        var s = s8.sum()
        while c < x.count { s += expScalar(x[c] - mx); c += 1 }
        let l = mx + _logf(s)
        return (l, target < 0 ? 0 : l - x[target])
    }

    private func wholeExpBackward(_ x: [Float], target: Int, lse: Float, scale: Float) -> [Float] {
        if target < 0 { return [Float](repeating: 0, count: x.count) }
        var d = [Float](repeating: 0, count: x.count)
        let l8 = SIMD8<Float>(repeating: lse), s8 = SIMD8<Float>(repeating: scale)
        var c = 0
        while c + 8 <= x.count {
            let e = exp8(SIMD8(x[c..<(c + 8)]) - l8) * s8
            for j in 0..<8 { d[c + j] = e[j] }
            c += 8
        }
        while c < x.count { d[c] = expScalar(x[c] - lse) * scale; c += 1 }
        d[target] -= scale
        return d
    }

    private func wholeExpSoftmax(_ x: [Float], scale: Float) -> [Float] {
        let mx = x.max()!
        let s8 = SIMD8<Float>(repeating: scale), m8 = SIMD8<Float>(repeating: scale * mx)
        var y = [Float](repeating: 0, count: x.count)
        var sum8 = SIMD8<Float>(repeating: 0)
        var c = 0
        while c + 8 <= x.count {
            let e = exp8(SIMD8(x[c..<(c + 8)]) * s8 - m8)
            for j in 0..<8 { y[c + j] = e[j] }
            sum8 += e
            c += 8
        }
        var sum = sum8.sum()
        while c < x.count { let e = expScalar(x[c] * scale - scale * mx); y[c] = e; sum += e; c += 1 }
        let inv = 1 / sum
        c = 0
        while c + 8 <= x.count {
            let v = SIMD8(y[c..<(c + 8)]) * SIMD8(repeating: inv)
            for j in 0..<8 { y[c + j] = v[j] }
            c += 8
        }
        while c < x.count { y[c] *= inv; c += 1 }
        return y
    }
}
