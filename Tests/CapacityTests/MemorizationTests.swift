import XCTest
import Foundation
import Kernels
import Biographies
@testable import Capacity

/// Morris mode's estimator on random(N, S, V): memorized bits = Σ max(0, S·log2 V − NLL bits).
final class MemorizationTests: XCTestCase {
    /// A perfect memorizer (zero loss on every token of every sequence) scores exactly the data's
    /// entropy N·S·log2 V; with V a power of two every term is exact in Double.
    func testPerfectMemorizerScoresExactlyNTimesSTimesLog2V() throws {
        for (n, s, v) in [(50, 16, 64), (30, 8, 1000)] {
            let data = try Dataset(spec: .random(RandomConfig(sequences: n, length: s, vocabulary: v)), seed: 5)
            var perfect = StubScorer(loss: { _, _ in 0 }, greedy: { _, _ in true })
            let e = try evaluate(scorer: &perfect, dataset: data)
            let entropy = Double(n) * Double(s) * log2(Double(v))
            if v == 64 { XCTAssertEqual(e.bits.total, entropy) } else { XCTAssertEqual(e.bits.total, entropy, accuracy: 1e-9 * entropy) }
            XCTAssertEqual(e.datasetBits, entropy, accuracy: 1e-9 * entropy)
            XCTAssertEqual(e.meanAccuracy, 1)
        }
    }

    /// A model at chance or worse memorizes nothing: each sequence's term is clamped at 0.
    func testWorseThanChanceSequencesContributeZeroNotNegativeBits() throws {
        let data = try Dataset(spec: .random(RandomConfig(sequences: 20, length: 8, vocabulary: 16)), seed: 6)
        var bad = StubScorer(loss: { _, _ in Float(log(16.0)) + 1 }, greedy: { _, _ in false })
        XCTAssertEqual(try evaluate(scorer: &bad, dataset: data).bits.total, 0)

        // Half perfect, half worse than chance: per-sequence clamping keeps the perfect half's
        // 32 bits each; one clamp on the total would let the bad half cancel them.
        let odd: ([Int32]) -> Bool = { $0.count > 1 && $0[1] % 2 == 1 }
        var mixed = StubScorer(loss: { row, _ in odd(row) ? Float(log(16.0)) + 1 : 0 }, greedy: { _, _ in false })
        var rows = 0, perfect = 0
        for i in 0..<20 {
            let r = data.evaluationRendering(person: i, sample: 0, seed: 1, domainToken: false)
            rows += 1; if !odd(r.tokens) { perfect += 1 }
        }
        XCTAssertGreaterThan(perfect, 0); XCTAssertLessThan(perfect, rows)
        let bits = try evaluate(scorer: &mixed, dataset: data).bits.total
        XCTAssertEqual(bits, Double(perfect) * 8 * 4, accuracy: 1e-9)
        let badBits = 8 * (4 + 1 / log(2.0))
        XCTAssertGreaterThan(bits, max(0, Double(perfect) * 32 - Double(rows - perfect) * (badBits - 32)) + 1)
    }
}
