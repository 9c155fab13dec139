import XCTest
import TestSupport
import Foundation
@testable import Transformer
@testable import Kernels

func tinyConfig(layers: Int = 2, heads: Int = 2, width: Int = 12, vocab: Int = 23, context: Int = 9) -> ModelConfig {
    ModelConfig(layers: layers, heads: heads, width: width, vocabularySize: vocab, contextLength: context)
}

/// Random token windows: inputs and next-token targets [batch × T].
func randomBatch(_ c: ModelConfig, batch: Int, seed: UInt64) -> (inputs: [Int32], targets: [Int32]) {
    var rng = SeededGenerator(seed: seed)
    let n = batch * c.contextLength
    let stream = (0...n).map { _ in Int32(rng.nextInt(below: c.vocabularySize)) }
    return (Array(stream[0..<n]), Array(stream[1...n]))
}

final class TransformerTests: XCTestCase {
    /// Directional derivative check of the whole model: (L(p + hu) − L(p − hu)) / 2h against g·u
    /// for random directions u over every parameter. Float forward, so h is large-ish and the
    /// tolerance is 1e-2 relative.
    func testWholeModelGradientMatchesFiniteDifferences() {
        for mlp in [MLPKind.gelu, .none] {
            var c = tinyConfig(); c.mlp = mlp
            let model = GPT(config: c, maxBatch: 2, seed: 3)
            // Larger-than-default weights so every path carries gradient.
            var rng = SeededGenerator(seed: 4)
            for i in 0..<model.layout.count { model.params[i] += rng.nextGaussian() * 0.3 }
            var (inputs, targets) = randomBatch(c, batch: 2, seed: 5)
            targets[3] = -1
            model.zeroGrads()
            model.forward(inputs: inputs, targets: targets, batch: 2)
            model.backward()
            let g = model.grads.array, p0 = model.params.array
            for dir in 0..<3 {
                var r = SeededGenerator(seed: UInt64(10 + dir))
                let u = (0..<p0.count).map { _ in r.nextGaussian() }
                let analytic = zip(g, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let h: Float = 1e-3
                func loss(_ sign: Float) -> Double {
                    for i in 0..<p0.count { model.params[i] = p0[i] + sign * h * u[i] }
                    return Double(model.forward(inputs: inputs, targets: targets, batch: 2))
                }
                let numeric = (loss(1) - loss(-1)) / (2 * Double(h))
                for i in 0..<p0.count { model.params[i] = p0[i] }
                XCTAssertEqual(analytic, numeric, accuracy: 1e-2 * max(abs(numeric), 1e-3), "mlp \(mlp) direction \(dir)")
            }
        }
    }

    /// Attention backward against finite differences of a Double reference attention.
    func testAttentionBackwardMatchesDoubleFiniteDifferences() {
        let B = 2, T = 5, H = 2, C = 6, hd = C / H
        let qkv = gaussianFloats(B * T * 3 * C, seed: 21), r = gaussianFloats(B * T * C, seed: 22)
        func reference(_ x: [Double]) -> Double {
            var s = 0.0
            for b in 0..<B { for h in 0..<H { for t in 0..<T {
                var scores = [Double]()
                for u in 0...t {
                    var d = 0.0
                    for i in 0..<hd { d += x[(b * T + t) * 3 * C + h * hd + i] * x[(b * T + u) * 3 * C + C + h * hd + i] }
                    scores.append(d / Double(hd).squareRoot())
                }
                let m = scores.max()!, e = scores.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
                for i in 0..<hd {
                    var y = 0.0
                    for u in 0...t { y += e[u] / z * x[(b * T + u) * 3 * C + 2 * C + h * hd + i] }
                    s += Double(r[(b * T + t) * C + h * hd + i]) * y
                }
            } } }
            return s
        }
        let expected = finiteDifferenceGradient(qkv.map(Double.init), reference)
        for blockRows in [32, 2] {       // one query block, and blocks that split the window
            var attn = Attention(batch: B, seqLen: T, heads: H, width: C)
            attn.blockRows = blockRows
            var att = [Float](repeating: .nan, count: B * H * T * T), y = [Float](repeating: 0, count: B * T * C)
            attn.forward(qkv: qkv, att: &att, y: &y, threads: 1)
            var dqkv = [Float](repeating: .nan, count: qkv.count), scratch = att
            attn.backward(dy: r, qkv: qkv, att: att, dqkv: &dqkv, scratch: &scratch, threads: 1)
            XCTAssertLessThan(relativeError(dqkv, expected), 1e-3, "blockRows \(blockRows)")
        }
    }

    /// The query-block size only decides which products run together: every probability, output
    /// and gradient has the same bits for blocks of 48 (the default), 32, 7 and one whole window,
    /// on a window that no block size divides, with heads of 8.
    func testAttentionBlockSizeDoesNotChangeTheBits() {
        let B = 2, T = 100, H = 2, C = 16
        let qkv = gaussianFloats(B * T * 3 * C, seed: 23, scale: 2), dy = gaussianFloats(B * T * C, seed: 24)
        func run(_ blockRows: Int) -> (att: [UInt32], y: [UInt32], dqkv: [UInt32]) {
            var attn = Attention(batch: B, seqLen: T, heads: H, width: C)
            attn.blockRows = blockRows
            var att = [Float](repeating: .nan, count: B * H * T * T), y = [Float](repeating: .nan, count: B * T * C)
            attn.forward(qkv: qkv, att: &att, y: &y, threads: 1)
            var dqkv = [Float](repeating: .nan, count: qkv.count), scratch = [Float](repeating: .nan, count: att.count)
            attn.backward(dy: dy, qkv: qkv, att: att, dqkv: &dqkv, scratch: &scratch, threads: 2)
            var valid = [UInt32]()       // P's causal entries; the rest is never read
            for bh in 0..<(B * H) { for t in 0..<T { for u in 0...t { valid.append(att[bh * T * T + t * T + u].bitPattern) } } }
            return (valid, y.map(\.bitPattern), dqkv.map(\.bitPattern))
        }
        let reference = run(Attention(batch: B, seqLen: T, heads: H, width: C).blockRows)
        for blockRows in [32, 7, T] {
            let other = run(blockRows)
            XCTAssertEqual(other.att, reference.att, "P, blockRows \(blockRows)")
            XCTAssertEqual(other.y, reference.y, "Y, blockRows \(blockRows)")
            XCTAssertEqual(other.dqkv, reference.dqkv, "dqkv, blockRows \(blockRows)")
        }
    }

    /// The gradient norm's eight chunks per pass give the bits of summing each chunk alone, in
    /// element order, then the chunks in order: for counts below, at and above the chunk count,
    /// with ragged chunks, on 1 and 2 threads (2 only above the parallel threshold).
    func testGradientNormGivesTheBitsOfChunkBySumming() {
        for count in [5, 16, 1000, 77_777, (1 << 16) + 3] {
            let values = gaussianFloats(count, seed: UInt64(count), scale: 3)
            let g = FloatBuffer(count: count)
            for i in 0..<count { g[i] = values[i] }
            var total: Double = 0
            for c in 0..<reductionChunks {
                var s: Double = 0
                for i in chunkRange(c, of: reductionChunks, count: count) { s += Double(values[i]) * Double(values[i]) }
                total += s
            }
            let expected = Float(total.squareRoot())
            for threads in [1, 2] {
                XCTAssertEqual(gradientNorm(g, threads: threads).bitPattern, expected.bitPattern, "count \(count) threads \(threads)")
            }
        }
    }

    func testTinyModelOverfitsAFixedBatchBelowOneTenthNatPerToken() {
        let c = tinyConfig(layers: 2, heads: 2, width: 32, vocab: 31, context: 16)
        let model = GPT(config: c, maxBatch: 4, seed: 7)
        var t = TrainingConfig(); t.peakLearningRate = 1e-2; t.weightDecay = 0
        let trainer = Trainer(model: model, training: t, totalSteps: 300)
        let (inputs, targets) = randomBatch(c, batch: 4, seed: 8)
        let first = trainer.step(inputs: inputs, targets: targets, batch: 4)
        var last: Float = 0
        for _ in 1..<300 { last = trainer.step(inputs: inputs, targets: targets, batch: 4) }
        XCTAssertGreaterThan(first, 3.0)          // ≈ ln 31 = 3.43 at initialization
        XCTAssertLessThan(last, 0.1)
    }

    func testAdamWStepMatchesHandComputation() {
        // Two tensors: a decaying matrix and a non-decaying bias, one parameter each is enough.
        let c = ModelConfig(layers: 0, heads: 1, width: 2, vocabularySize: 1, contextLength: 2)
        let layout = ParameterLayout(config: c)   // embedding [1 × 2] (decays), lnf weight/bias (no decay)
        let params = FloatBuffer(count: layout.count), grads = FloatBuffer(count: layout.count)
        params[0] = 0.5; grads[0] = 0.2                     // embedding: decays
        params[layout.lnf.bias!] = -0.3; grads[layout.lnf.bias!] = -0.1
        let opt = AdamW(layout: layout, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.1)
        opt.update(params: params, grads: grads, learningRate: 0.01)
        // Step 1: m̂ = g, v̂ = g², update = g/(|g| + ε) ≈ sign(g).
        let expectMatrix: Float = 0.5 - 0.01 * (1 + 0.1 * 0.5)    // g/(|g| + ε) = 1 to float precision
        let expectBias: Float = -0.3 + 0.01
        XCTAssertEqual(params[0], expectMatrix, accuracy: 1e-7)
        XCTAssertEqual(params[layout.lnf.bias!], expectBias, accuracy: 1e-7)
        // Step 2 with g = 0.4 on the embedding: m = 0.9·0.02 + 0.1·0.4, v = 0.98·0.0008 + 0.02·0.16.
        let p1 = Double(params[0])
        grads[0] = 0.4
        opt.update(params: params, grads: grads, learningRate: 0.01)
        let m: Double = 0.9 * 0.02 + 0.1 * 0.4
        let v: Double = 0.98 * 0.0008 + 0.02 * 0.16
        let mh: Double = m / (1 - 0.81)
        let vh: Double = v / (1 - 0.98 * 0.98)
        let update: Double = mh / (vh.squareRoot() + 1e-8) + 0.1 * p1
        XCTAssertEqual(Double(params[0]), p1 - 0.01 * update, accuracy: 1e-6)
    }

    func testScheduleWarmsUpLinearlyAndDecaysToTheFloor() {
        let s = LearningRateSchedule(peak: 1e-2, warmupSteps: 10, totalSteps: 110, finalRatio: 0.1)
        XCTAssertEqual(s.rate(at: 0), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 9), 1e-2, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 10), 1e-2, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 109), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 60), 5.5e-3, accuracy: 1e-4)   // cosine midpoint
        // Off the midpoint the cosine and a linear decay part by about 1e-3: the shape is checked.
        for step in [35, 85] {
            let progress = Double(step - 10) / 99
            let cosine = 1e-3 + 9e-3 * 0.5 * (1 + cos(Double.pi * progress)), linear = 1e-2 - 9e-3 * progress
            XCTAssertGreaterThan(abs(cosine - linear), 5e-4)
            XCTAssertEqual(Double(s.rate(at: step)), cosine, accuracy: 1e-8, "step \(step)")
        }
    }

    /// Sizes above the GEMM threading threshold (4M flops), so the second thread really works:
    /// 256 rows of width 128 make the qkv (25M flops), MLP (34M each), attention projection and
    /// head (6.4M) products all split across two workers.
    func testSameSeedGivesBitIdenticalWeightsWithOneAndTwoThreads() {
        let c = ModelConfig(layers: 2, heads: 2, width: 128, vocabularySize: 97, contextLength: 32)
        func train(threads: Int) -> [Float] {
            let model = GPT(config: c, maxBatch: 8, seed: 11, threads: threads)
            let trainer = Trainer(model: model, training: TrainingConfig(), totalSteps: 5)
            for s in 0..<5 {
                let (i, t) = randomBatch(c, batch: 8, seed: UInt64(100 + s))
                trainer.step(inputs: i, targets: t, batch: 8)
            }
            return model.params.array
        }
        let one = train(threads: 1), two = train(threads: 2)
        XCTAssertEqual(one, two)
        XCTAssertNotEqual(one, GPT(config: c, maxBatch: 1, seed: 11).params.array)
    }

    func testParameterCountFollowsThePaperFormula() {
        for (l, d, v, u) in [(2, 64, 512, 300), (6, 256, 2048, 2048), (1, 16, 100, 7)] {
            let c = ModelConfig(layers: l, heads: 2, width: d, vocabularySize: v)
            let count = ParameterCount(config: c, usedTokens: u)
            XCTAssertEqual(count.paper, l * (12 * d * d + 13 * d) + 2 * d + u * d)
            XCTAssertEqual(count.total, l * (12 * d * d + 13 * d) + 2 * d + v * d)
        }
    }

    func testCheckpointRoundTripsTheFlatBuffer() throws {
        let c = tinyConfig()
        let model = GPT(config: c, maxBatch: 1, seed: 9)
        let path = NSTemporaryDirectory() + "capacity-ckpt-\(getpid()).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try saveCheckpoint(model, steps: 42, metadata: ["run": "test"], to: path)
        let (loaded, header) = try loadCheckpoint(path)
        XCTAssertEqual(header.steps, 42)
        XCTAssertEqual(header.metadata["run"], "test")
        XCTAssertEqual(loaded.config, c)
        XCTAssertEqual(loaded.params.array, model.params.array)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try loadCheckpoint(path)) { XCTAssertTrue("\($0)".contains("CAPCKPT1")) }
    }

    /// Causality: a shorter window's losses equal the first positions of the full window's.
    func testShortWindowsScoreLikeThePrefixOfAFullWindow() {
        let c = tinyConfig()
        let model = GPT(config: c, maxBatch: 2, seed: 13)
        let (inputs, targets) = randomBatch(c, batch: 1, seed: 14)
        model.forward(inputs: inputs, targets: targets, batch: 1)
        let full = Array(UnsafeBufferPointer(start: model.positionLosses, count: c.contextLength))
        let short = 5
        model.forward(inputs: Array(inputs[0..<short]), targets: Array(targets[0..<short]), batch: 1, seqLen: short)
        for i in 0..<short { XCTAssertEqual(model.positionLosses[i], full[i], accuracy: 1e-5) }
    }
}

/// Bit-identity guard: the existing MLP kinds must train to exactly the same weights and losses
/// across refactors. The expected checksums were recorded from the code before the MLP seam
/// refactor (issue 11); a change here means results of existing scenarios would change.
final class BitIdentityGuardTests: XCTestCase {
    /// FNV-1a over the Float bit patterns.
    static func checksum(_ values: [Float]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in values {
            var b = v.bitPattern
            for _ in 0..<4 { h = (h ^ UInt64(b & 0xff)) &* 0x100_0000_01b3; b >>= 8 }
        }
        return h
    }

    /// Trains `mlp` for 6 steps (warm-up and decay, clipping active) on a fixed tiny config.
    /// Also scores a short-window batch with the trained model (the evaluator's path).
    static func train(_ mlp: MLPKind, threads: Int = 1) -> (params: UInt64, losses: [UInt32]) {
        var c = ModelConfig(layers: 2, heads: 2, width: 16, vocabularySize: 29, contextLength: 12)
        c.mlp = mlp
        let model = GPT(config: c, maxBatch: 3, seed: 41, threads: threads)
        var t = TrainingConfig(); t.peakLearningRate = 3e-2; t.warmupFraction = 0.3; t.gradientClip = 0.5
        let trainer = Trainer(model: model, training: t, totalSteps: 6)
        var losses: [UInt32] = []
        for s in 0..<6 {
            var (i, tg) = randomBatch(c, batch: 3, seed: UInt64(500 + s))
            tg[s] = -1                                   // an unscored position
            losses.append(trainer.step(inputs: i, targets: tg, batch: 3).bitPattern)
        }
        let (i, tg) = randomBatch(c, batch: 2, seed: 600)
        let short = 7
        let shortInputs = Array(i[0..<short] + i[c.contextLength..<(c.contextLength + short)])
        let shortTargets = Array(tg[0..<short] + tg[c.contextLength..<(c.contextLength + short)])
        model.forward(inputs: shortInputs, targets: shortTargets, batch: 2, seqLen: short)
        losses.append(UInt32(truncatingIfNeeded: checksum(Array(UnsafeBufferPointer(start: model.positionLosses, count: 2 * short)))))
        return (checksum(model.params.array), losses)
    }

    /// Recorded from commit-time code before the refactor; the last loss entry is the short-window
    /// scoring checksum.
    static let expected: [MLPKind: (params: UInt64, losses: [UInt32])] = [
        .gelu: (0x50b8_ba07_2614_906a, [0x4057f3d2, 0x4055fd17, 0x4059ee8d, 0x405695e7, 0x4055a662, 0x4061f0ab, 0x0a0f2204]),
        .quarter: (0xb783_05e7_89ee_9646, [0x4057ff55, 0x4055d636, 0x405a229e, 0x4056a739, 0x40542615, 0x40625010, 0xb314e7da]),
        .none: (0x741d_46ca_8af9_ca5e, [0x40580b28, 0x4054d074, 0x4057ff87, 0x405bc339, 0x405783cc, 0x406302a6, 0xb83e8597]),
    ]

    /// The fused head of a training step (`forwardBackward`: logits a row block at a time, the
    /// weights packed once) gives the bits of `forward` then `backward`: the losses, the loss and
    /// every gradient. Configs cover several head blocks with a ragged last one (V 300: blocks
    /// of 108 rows over 160), ignored targets, an untied head, MoE and gated SiLU; two threads.
    func testFusedHeadStepGivesTheBitsOfForwardThenBackward() {
        let wide = tinyConfig(layers: 1, heads: 2, width: 16, vocab: 300, context: 40)
        var untied = tinyConfig(); untied.tiedHead = false
        var moe = tinyConfig(width: 16); moe.mlp = .moe; moe.experts = 2
        var gated = tinyConfig(); gated.mlp = .gatedSiLU; gated.normBias = false
        for (index, c) in [wide, untied, moe, gated, tinyConfig(vocab: 7, context: 5)].enumerated() {
            for threads in [1, 2] {
                var (inputs, targets) = randomBatch(c, batch: 4, seed: UInt64(40 + index))
                for i in stride(from: 3, to: targets.count, by: 7) { targets[i] = -1 }
                func run(fused: Bool) -> (loss: Float, losses: [Float], grads: [Float]) {
                    let model = GPT(config: c, maxBatch: 4, seed: UInt64(90 + index), threads: threads)
                    model.zeroGrads()
                    let loss: Float
                    if fused {
                        XCTAssertEqual(model.fusesHead, threads == 1, "fused on one thread at these widths")
                        loss = model.forwardBackward(inputs: inputs, targets: targets, batch: 4)
                    } else {
                        loss = model.forward(inputs: inputs, targets: targets, batch: 4, training: true)
                        model.backward()
                    }
                    return (loss, Array(UnsafeBufferPointer(start: model.positionLosses, count: targets.count)),
                            model.grads.array)
                }
                let fused = run(fused: true), plain = run(fused: false)
                let label = "config \(index), \(threads) thread(s)"
                XCTAssertEqual(fused.loss.bitPattern, plain.loss.bitPattern, label)
                XCTAssertEqual(fused.losses.map(\.bitPattern), plain.losses.map(\.bitPattern), label)
                XCTAssertEqual(fused.grads.map(\.bitPattern), plain.grads.map(\.bitPattern), label)
                XCTAssertGreaterThan(fused.grads.map(abs).max()!, 0, label)
            }
        }
    }

    func testExistingMLPKindsTrainBitIdenticallyToTheRecordedWeights() {
        for mlp in [MLPKind.gelu, .quarter, .none] {
            let got = Self.train(mlp)
            guard let want = Self.expected[mlp] else { XCTFail("no recorded checksum for \(mlp)"); continue }
            XCTAssertEqual(got.params, want.params, "\(mlp): parameter checksum")
            XCTAssertEqual(got.losses, want.losses, "\(mlp): losses")
        }
    }
}
