import XCTest
import Foundation
import Kernels
import Biographies
import Transformer
@testable import Capacity

/// A scorer with a known distribution: each position's loss comes from `loss(rowTokens, position)`;
/// the greedy flag from `greedy`.
struct StubScorer: SequenceScorer {
    var contextLength = 128
    var maxTokensPerCall = 4096
    let loss: ([Int32], Int) -> Float
    let greedy: ([Int32], Int) -> Bool
    mutating func score(inputs: [Int32], targets: [Int32], batch: Int, seqLen: Int,
                        losses: UnsafeMutablePointer<Float>, greedy g: UnsafeMutablePointer<Bool>) {
        for b in 0..<batch {
            // The row's real tokens: inputs up to the last scored target, plus that target.
            let row = Array(inputs[(b * seqLen)..<((b + 1) * seqLen)])
            let tg = Array(targets[(b * seqLen)..<((b + 1) * seqLen)])
            let n = (tg.lastIndex { $0 >= 0 } ?? -1) + 1
            let tokens = Array(row[0..<n]) + (n > 0 ? [tg[n - 1]] : [])
            for p in 0..<seqLen {
                losses[b * seqLen + p] = p < n ? loss(tokens, p) : 0
                g[b * seqLen + p] = p < n ? greedy(tokens, p) : false
            }
        }
    }
}

let smallBioD = DatasetSpec.bioD({
    var c = BioDConfig(people: 60, attributes: 3, chunks: 2, diversity: 20, chunkLength: 2, alphabet: 16)
    c.firstNames = 40; c.middleNames = 40; c.lastNames = 100
    return c
}())

final class EvaluatorTests: XCTestCase {
    /// Greedy accuracy counts what a greedy decoder writes: the first maximum. A model with every
    /// weight zero gives every token the same logit, so only target id 0 is a hit.
    func testTiedLogitsCountOnlyTheFirstMaximumAsGreedy() {
        let config = ModelConfig(layers: 1, heads: 1, width: 8, vocabularySize: 12, contextLength: 16)
        let model = GPT(config: config, maxBatch: 1, seed: 1, threads: 1)
        model.params.pointer.update(repeating: 0, count: model.layout.count)
        var scorer = GPTScorer(model, threads: 1)
        let inputs: [Int32] = (0..<16).map { Int32($0 % 12) }
        let targets: [Int32] = (0..<16).map { Int32(($0 * 5) % 12) }
        var losses = [Float](repeating: 0, count: 16), greedy = [Bool](repeating: true, count: 16)
        losses.withUnsafeMutableBufferPointer { l in
            greedy.withUnsafeMutableBufferPointer { g in
                scorer.score(inputs: inputs, targets: targets, batch: 1, seqLen: 16, losses: l.baseAddress!, greedy: g.baseAddress!)
            }
        }
        XCTAssertEqual(greedy, targets.map { $0 == 0 })
        for l in losses { XCTAssertEqual(Double(l), log(12.0), accuracy: 1e-5) }
    }

    /// Constant loss c nats at every position: p1 = c·|name|, p2 = c·C·L, p3 = c·L, so the bits
    /// follow from the formula by hand.
    func testConstantLossScorerGivesExactlyTheFormulasBits() throws {
        let data = try Dataset(spec: smallBioD, seed: 3)
        let c: Float = 0.75
        var stub = StubScorer(loss: { _, _ in c }, greedy: { _, _ in false })
        let e = try evaluate(scorer: &stub, dataset: data)
        let nameTokens = Double(data.evaluationRendering(person: 0, sample: 0, seed: 1).nameSpan.count)
        let cd = Double(c), N = 60.0, K = 3.0, D = 20.0
        XCTAssertEqual(e.p1Nats, cd * nameTokens, accuracy: 1e-9)
        XCTAssertEqual(e.valueNatsPerPerson, K * cd * 4, accuracy: 1e-9)
        XCTAssertEqual(e.p3Nats, cd * 2, accuracy: 1e-9)
        let log2N0 = log2(40.0 * 40 * 100)
        let expected = N * (log2N0 - cd * nameTokens / M_LN2) + N * K * (2 * log2(D) - 4 * cd / M_LN2)
            + K * D * (2 * log2(16.0) - log2(D) - 2 * cd / M_LN2)
        XCTAssertEqual(e.bits.total, expected, accuracy: 1e-6 * abs(expected))
        XCTAssertEqual(e.meanAccuracy, 0)
        XCTAssertEqual(e.peopleScored, 60)
    }

    /// bioS with a value loss that is not zero: constant c nats at every position, so each
    /// person's name and value losses are c times their spans' token counts, and the bits are
    /// N·(log2 N0 − p1/ln 2) + N·(log2 S0 − p2/ln 2) by hand, p2 summed over the six attributes.
    func testConstantLossGivesTheBioSFormulasBitsWithAValueLoss() throws {
        var bios = BioSConfig(people: 30)
        bios.firstNames = 20; bios.middleNames = 20; bios.lastNames = 30; bios.templatesPerAttribute = 5
        let data = try Dataset(spec: .bioS(bios), seed: 2)
        let c = 0.25
        var stub = StubScorer(loss: { _, _ in Float(c) }, greedy: { _, _ in false })
        let e = try evaluate(scorer: &stub, dataset: data, renderings: 2, seed: 7)
        var p1 = 0.0, p2 = 0.0
        for p in 0..<30 {
            for sample in 0..<2 {
                let r = data.evaluationRendering(person: p, sample: sample, seed: 7)
                p1 += c * Double(r.nameSpan.count) / 60
                p2 += c * Double(r.valueSpans.map(\.count).reduce(0, +)) / 60
            }
        }
        XCTAssertGreaterThan(p2, 6 * c, "every value has at least one token")
        XCTAssertEqual(e.valueNatsPerPerson, p2, accuracy: 1e-9)
        let info = data.information
        let expected = 30 * (info.log2NamePool - p1 / M_LN2) + 30 * (info.log2ValueSpace - p2 / M_LN2)
        XCTAssertEqual(e.bits.total, expected, accuracy: 1e-9 * abs(expected))
        XCTAssertEqual(e.bits.value, 30 * (info.log2ValueSpace - p2 / M_LN2), accuracy: 1e-9 * abs(expected))
    }

    /// A perfect predictor (names at probability 1/N, values certain) stores exactly the
    /// dataset's closed-form bits, for bioD and for bioS.
    func testPerfectPredictorBitsEqualTheClosedForm() throws {
        var bios = BioSConfig(people: 50)
        bios.firstNames = 20; bios.middleNames = 20; bios.lastNames = 30; bios.templatesPerAttribute = 5
        for spec in [smallBioD, .bioS(bios)] {
            let data = try Dataset(spec: spec, seed: 4)
            let N = data.personCount
            // Per rendering (keyed by its tokens): which positions predict a name or value token.
            var table: [[Int32]: [Float]] = [:]
            for p in 0..<N {
                let r = data.evaluationRendering(person: p, sample: 0, seed: 1)
                var l = [Float](repeating: 5, count: r.tokens.count - 1)
                for i in r.nameSpan { l[i - 1] = Float(log(Double(N)) / Double(r.nameSpan.count)) }
                for span in r.valueSpans { for i in span { l[i - 1] = 0 } }
                table[r.tokens] = l
            }
            var stub = StubScorer(loss: { t, p in table[t]![p] }, greedy: { t, p in table[t]![p] == 0 })
            let e = try evaluate(scorer: &stub, dataset: data)
            XCTAssertEqual(e.bits.total, data.information.total, accuracy: 1e-4 * data.information.total, "\(spec)")
            XCTAssertEqual(e.meanAccuracy, 1)
        }
    }

    /// Sampling people estimates the full evaluation, with a standard error.
    func testSampledEvaluationReportsAStandardError() throws {
        let data = try Dataset(spec: smallBioD, seed: 3)
        var stub = StubScorer(loss: { t, p in Float((Int(t[p]) * 7 + p) % 5) * 0.3 }, greedy: { _, _ in true })
        let full = try evaluate(scorer: &stub, dataset: data)
        let part = try evaluate(scorer: &stub, dataset: data, people: 30, seed: 9)
        XCTAssertEqual(part.peopleScored, 30)
        XCTAssertEqual(full.bitsStandardError, 0)
        XCTAssertGreaterThan(part.bitsStandardError, 0)
        XCTAssertEqual(part.bits.total, full.bits.total, accuracy: 4 * part.bitsStandardError + 1e-6)
        XCTAssertTrue(part.description.contains("sample of 30"))
    }

    /// An untrained model stores nothing: its bits are ≤ 0 (floored to 0 for display).
    func testUntrainedModelStoresNoBits() throws {
        let data = try Dataset(spec: smallBioD, seed: 5)
        let config = ModelConfig(layers: 2, heads: 2, width: 32, vocabularySize: data.tokenizer.count, contextLength: 64)
        let model = GPT(config: config, maxBatch: 2, seed: 6)
        let e = try evaluate(model: model, dataset: data, threads: 1)
        XCTAssertLessThan(e.bits.total, 0.01 * data.information.total)
        XCTAssertEqual(e.bits.displayTotal, max(0, e.bits.total))
        XCTAssertLessThan(e.meanAccuracy, 0.2)
    }

    func testDiversityTermVanishesWhenTheDiversitySetIsTheWholeChunkSpace() {
        let b = bioDLearnedBits(people: 10, log2N0: 20, attributes: 2, chunks: 1, diversity: 256, chunkLength: 1,
                                alphabet: 256, p1Nats: 1, valueNatsPerValue: 1, p3Nats: 1)
        XCTAssertEqual(b.diversity, 0)
        let c = bioDLearnedBits(people: 10, log2N0: 20, attributes: 2, chunks: 1, diversity: 16, chunkLength: 1,
                                alphabet: 256, p1Nats: 1, valueNatsPerValue: 1, p3Nats: 0)
        XCTAssertEqual(c.diversity, 2 * 16 * 4, accuracy: 1e-9)
    }
}
