import XCTest
import TestSupport
import Foundation
@testable import Transformer
@testable import Kernels

/// Post-training quantization, bf16 weights and Morris mode's plateau stop (issue 11).
final class PrecisionTests: XCTestCase {
    func testQuantizeDequantizeErrorIsAtMostHalfAStepPerRow() {
        let rows = 7, columns = 33
        for bits in [8, 4] {
            var w = gaussianFloats(rows * columns, seed: 71, scale: 0.3)
            w[5] = 4                                           // an outlier widens its row's step
            let original = w
            var steps = [Float](repeating: 0, count: rows)
            quantizeRows(&w, rows: rows, columns: columns, bits: bits, steps: &steps)
            let qmax = Float((1 << (bits - 1)) - 1)
            for r in 0..<rows {
                let row = original[(r * columns)..<((r + 1) * columns)]
                XCTAssertEqual(steps[r], row.map(abs).max()! / qmax)
                for j in 0..<columns {
                    let i = r * columns + j
                    XCTAssertLessThanOrEqual(abs(w[i] - original[i]), steps[r] / 2 * (1 + 1e-6), "bits \(bits) row \(r)")
                    let q = w[i] / steps[r]
                    XCTAssertEqual(q, q.rounded(), accuracy: 1e-3)          // on the integer grid
                    XCTAssertLessThanOrEqual(abs(q), qmax + 1e-3)
                }
            }
        }
    }

    /// Rows of integers in [−127, 127] times a power-of-two step (max |q| = 127 in each row, so
    /// the step is recovered exactly): int8 reproduces them bit for bit.
    func testInt8OfAnExactlyRepresentableMatrixIsExact() {
        let rows = 4, columns = 20
        var rng = SeededGenerator(seed: 72)
        var w = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            let step = Float(sign: .plus, exponent: -3 - r, significand: 1)
            for j in 0..<columns { w[r * columns + j] = Float(rng.nextInt(below: 255) - 127) * step }
            w[r * columns + (r % columns)] = (r % 2 == 0 ? 127 : -127) * step
        }
        w[3 * columns + 1] = 0
        let original = w
        quantizeRows(&w, rows: rows, columns: columns, bits: 8)
        XCTAssertEqual(w.map(\.bitPattern), original.map(\.bitPattern))
        var zeros = [Float](repeating: 0, count: 8)
        quantizeRows(&zeros, rows: 2, columns: 4, bits: 4)
        XCTAssertEqual(zeros, [Float](repeating: 0, count: 8))
    }

    /// Every matrix (embedding and untied head included) is rounded; biases and norms stay fp32;
    /// the trained model itself is untouched.
    func testQuantizedCopyRoundsEveryMatrixAndKeepsVectorsInFloat() {
        var c = tinyConfig(); c.tiedHead = false; c.mlp = .moe; c.experts = 2
        let model = GPT(config: c, maxBatch: 1, seed: 73)
        for i in 0..<model.layout.count { model.params[i] += Float(i % 7) * 0.01 }  // nonzero biases too
        let before = model.params.array
        let q = model.quantizedCopy(bits: 4)
        XCTAssertEqual(model.params.array, before)
        for t in model.layout.tensors {
            let a = Array(before[t.range]), b = Array(q.params.array[t.range])
            if t.isMatrix {
                XCTAssertNotEqual(a, b, t.name)
                for r in 0..<t.rows {
                    let row = b[(r * t.columns)..<((r + 1) * t.columns)]
                    XCTAssertLessThanOrEqual(Set(row).count, 15, "\(t.name): at most 15 int4 levels per row")
                }
            } else {
                XCTAssertEqual(a, b, t.name)
            }
        }
        XCTAssertTrue(model.layout.tensors.contains { $0.name == "head" }, "the untied head")
        let storage = QuantizedStorage(layout: model.layout, bits: 8)
        XCTAssertEqual(storage.matrixParameters + storage.vectorParameters, model.layout.count)
        XCTAssertGreaterThan(storage.bitsPerParameter, 8)
    }

    func testBFloat16RoundingIsNearestTiesToEvenAndKeepsNaNAndInfinity() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
        XCTAssertEqual(roundedToBFloat16(1 + 0x1p-8), 1)
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): up.
        XCTAssertEqual(roundedToBFloat16(1 + 3 * 0x1p-8), 1 + 0x1p-6)
        XCTAssertEqual(roundedToBFloat16(1 + 0x1p-8 + 0x1p-20), 1 + 0x1p-7)   // just above half: up
        XCTAssertEqual(roundedToBFloat16(-(1 + 0x1p-8)), -1)
        XCTAssertEqual(roundedToBFloat16(0.1), Float(bitPattern: 0x3DCD_0000))   // 0x3DCCCCCD → up
        XCTAssertEqual(roundedToBFloat16(.infinity), .infinity)
        XCTAssertEqual(roundedToBFloat16(-.infinity), -.infinity)
        XCTAssertEqual(roundedToBFloat16(.greatestFiniteMagnitude), .infinity)   // beyond bf16's max
        XCTAssertTrue(roundedToBFloat16(.nan).isNaN)
        XCTAssertTrue(roundedToBFloat16(Float(bitPattern: 0x7F80_0001)).isNaN)    // payload only in the low bits
        XCTAssertEqual(roundedToBFloat16(-0.0).bitPattern, (-0.0 as Float).bitPattern)
        let tiny = Float.leastNonzeroMagnitude
        XCTAssertEqual(roundedToBFloat16(tiny), 0)
        for x: Float in [3.0, -2.5, 0x1p-130, 65280] { XCTAssertEqual(roundedToBFloat16(x), x) }   // representable
    }

    func testBF16TrainingKeepsEveryWeightBF16RepresentableAndDiffersFromFP32() {
        let c = tinyConfig(layers: 2, heads: 2, width: 16, vocab: 29, context: 12)
        func train(_ precision: WeightPrecision) -> [Float] {
            let model = GPT(config: c, maxBatch: 2, seed: 74)
            var t = TrainingConfig(); t.weightPrecision = precision
            let trainer = Trainer(model: model, training: t, totalSteps: 4)
            for s in 0..<4 {
                let (i, tg) = randomBatch(c, batch: 2, seed: UInt64(800 + s))
                trainer.step(inputs: i, targets: tg, batch: 2)
            }
            return model.params.array
        }
        let bf16 = train(.bf16), fp32 = train(.fp32)
        for v in bf16 { XCTAssertEqual(v.bitPattern & 0xFFFF, 0) }
        XCTAssertTrue(fp32.contains { $0.bitPattern & 0xFFFF != 0 })
        XCTAssertNotEqual(bf16, fp32)
    }

    func testPlateauDetectorStopsOnlyWhenTheLossStopsImproving() {
        var d = PlateauDetector(window: 4, minImprovementNats: 0.01)
        var stoppedAt: Int? = nil
        for step in 0..<100 {
            let loss = step < 40 ? 3.0 - 0.05 * Double(step) : 1.0      // falls, then flat
            if d.record(loss) { stoppedAt = step + 1; break }
        }
        XCTAssertEqual(stoppedAt, 48)      // the first check with two whole flat windows
        var never = PlateauDetector(window: 4, minImprovementNats: 0.01)
        for step in 0..<100 { XCTAssertFalse(never.record(5 - 0.01 * Double(step))) }
    }
}
