import XCTest
import TestSupport
import Foundation
@testable import Transformer
@testable import Kernels

/// Model variants on the MLP seam (issue 11): gated SiLU MLP, mixture of experts, norms without
/// bias, untied head; their gradients, parameter counts and MoE routing.
final class VariantTests: XCTestCase {
    /// A 1-layer config whose only interesting part is the MLP.
    func mlpConfig(_ kind: MLPKind, width: Int = 6) -> ModelConfig {
        var c = ModelConfig(layers: 1, heads: 1, width: width, vocabularySize: 2, contextLength: 4, mlp: kind)
        c.experts = 3
        return c
    }

    /// MLP buffers for `rows` tokens, sized the way the model sizes them. The views point into
    /// `arenas`, which the test case keeps alive.
    var arenas: [Arena] = []
    func buffers(_ c: ModelConfig, rows: Int) -> (MLPActivations, MLPScratch) {
        let sizing = Arena()
        _ = MLPActivations(arena: sizing, config: c, rows: rows); _ = MLPScratch(arena: sizing, config: c, rows: rows)
        let arena = Arena(floats: sizing.used)
        arenas.append(arena)
        return (MLPActivations(arena: arena, config: c, rows: rows), MLPScratch(arena: arena, config: c, rows: rows))
    }

    /// Analytic gradients of f = Σ r ⊙ MLP(x) (+ MoE's auxiliary loss) w.r.t. x and every
    /// parameter, from the Float forward and backward.
    func analytic(_ c: ModelConfig, params: [Float], x: [Float], r: [Float], rows: Int,
                  capacityFactor: Float = 8) -> (dx: [Float], dparams: [Float], acts: MLPActivations) {
        var cc = c; cc.evaluationCapacityFactor = capacityFactor
        let layout = ParameterLayout(config: cc)
        let mlp = MLP(config: cc, offsets: layout.layers[0].mlp!, rows: rows, threads: 1)
        let (a, s) = buffers(cc, rows: rows)
        var out = [Float](repeating: 0, count: rows * c.width)
        var dx = [Float](repeating: .nan, count: rows * c.width), g = [Float](repeating: 0, count: params.count)
        mlp.forward(params, x: x, out: &out, acts: a, training: false, seqLen: rows)   // one capacity group
        mlp.backward(params, &g, dy: r, x: x, dx: &dx, acts: a, scratch: s)
        return (dx, g, a)
    }

    func testGatedSiLUMLPBackwardMatchesDoubleFiniteDifferences() {
        let c = mlpConfig(.gatedSiLU), R = 5, C = c.width
        let layout = ParameterLayout(config: c), m = layout.layers[0].mlp!
        let F = ParameterLayout.mlpHidden(c)
        XCTAssertEqual(F, 16)                              // round(8·6/3)
        let params = gaussianFloats(layout.count, seed: 31, scale: 0.5)
        let x = gaussianFloats(R * C, seed: 32), r = gaussianFloats(R * C, seed: 33)
        let (dx, g, _) = analytic(c, params: params, x: x, r: r, rows: R)
        // Double reference over [x, params].
        func f(_ v: [Double]) -> Double {
            let p = Array(v[(R * C)...])
            var s = 0.0
            for t in 0..<R {
                var act = [Double](repeating: 0, count: F)
                for j in 0..<F {
                    var gate = 0.0, up = 0.0
                    for i in 0..<C {
                        gate += p[m.gate.weight + j * C + i] * v[t * C + i]
                        up += p[m.up.weight + j * C + i] * v[t * C + i]
                    }
                    act[j] = gate / (1 + Foundation.exp(-gate)) * up
                }
                for i in 0..<C {
                    var y = 0.0
                    for j in 0..<F { y += p[m.down.weight + i * F + j] * act[j] }
                    s += Double(r[t * C + i]) * y
                }
            }
            return s
        }
        let expected = finiteDifferenceGradient((x + params).map(Double.init), f)
        XCTAssertLessThan(relativeError(dx, Array(expected[..<(R * C)])), 1e-4, "dx")
        XCTAssertLessThan(relativeError(g, Array(expected[(R * C)...])), 1e-4, "dW")
    }

    /// The expert layer and the router's differentiable part (the gate probability that scales
    /// each kept token's expert output, and the load-balancing loss through P_e), against a
    /// Double reference with the Float forward's routing held fixed (the argmax has no gradient).
    /// The capacity is small enough that some tokens are dropped.
    func testMoEExpertsAndRouterBackwardMatchDoubleFiniteDifferences() {
        var c = mlpConfig(.moe); c.loadBalancingCoefficient = 0.5
        let R = 10, C = c.width, E = c.experts, factor: Float = 0.7   // capacity ceil(0.7·10/3) = 3
        let layout = ParameterLayout(config: c), m = layout.layers[0].mlp!
        let params = gaussianFloats(layout.count, seed: 41, scale: 0.6)
        let x = gaussianFloats(R * C, seed: 42), r = gaussianFloats(R * C, seed: 43)
        let (dx, g, a) = analytic(c, params: params, x: x, r: r, rows: R, capacityFactor: factor)
        let moe = a.moe!
        let expertOf = (0..<R).map { Int(moe.expertOf[$0]) }, kept = (0..<R).map { moe.slot[$0] >= 0 }
        XCTAssertTrue(kept.contains(false), "some token must be over capacity")
        XCTAssertTrue(kept.contains(true))
        let routed = (0..<E).map { e in Double(expertOf.filter { $0 == e }.count) }

        func f(_ v: [Double]) -> Double {
            let p = Array(v[(R * C)...])
            var s = 0.0, meanProb = [Double](repeating: 0, count: E)
            for t in 0..<R {
                let xt = Array(v[(t * C)..<((t + 1) * C)])
                let z = (0..<E).map { e in (0..<C).reduce(0.0) { $0 + p[m.router.weight + e * C + $1] * xt[$1] } }
                let mx = z.max()!, ez = z.map { Foundation.exp($0 - mx) }, sum = ez.reduce(0, +)
                let probs = ez.map { $0 / sum }
                for e in 0..<E { meanProb[e] += probs[e] / Double(R) }
                guard kept[t] else { continue }
                let e = expertOf[t], ex = m.experts[e]
                let hidden = (0..<C).map { j -> Double in
                    let h = p[ex.fc.bias! + j] + (0..<C).reduce(0.0) { $0 + p[ex.fc.weight + j * C + $1] * xt[$1] }
                    return 0.5 * h * (1 + tanh(0.7978845608028654 * (h + 0.044715 * h * h * h)))
                }
                for i in 0..<C {
                    let y = p[ex.proj.bias! + i] + (0..<C).reduce(0.0) { $0 + p[ex.proj.weight + i * C + $1] * hidden[$1] }
                    s += Double(r[t * C + i]) * probs[e] * y
                }
            }
            var aux = 0.0
            for e in 0..<E { aux += routed[e] / Double(R) * meanProb[e] }
            return s + Double(c.loadBalancingCoefficient) * Double(E) * aux
        }
        let expected = finiteDifferenceGradient((x + params).map(Double.init), f)
        let dParams = Array(expected[(R * C)...])
        XCTAssertLessThan(relativeError(dx, Array(expected[..<(R * C)])), 1e-4, "dx")
        let routerRange = m.router.weight..<(m.router.weight + E * C)
        XCTAssertLessThan(relativeError(Array(g[routerRange]), Array(dParams[routerRange])), 1e-4, "router")
        let experts = m.experts[0].fc.weight..<(m.experts[E - 1].proj.bias! + C)
        XCTAssertLessThan(relativeError(Array(g[experts]), Array(dParams[experts])), 1e-4, "experts")
        XCTAssertGreaterThan(g[routerRange].map(abs).max()!, 1e-3, "the router gets gradient")
    }

    func testMoECapacityIsRespectedAndOverflowTokensKeepTheirResidual() {
        let c = mlpConfig(.moe, width: 8), R = 24, C = c.width, E = c.experts
        let layout = ParameterLayout(config: c)
        let params = gaussianFloats(layout.count, seed: 51, scale: 0.5)
        let x = gaussianFloats(R * C, seed: 52), residual = gaussianFloats(R * C, seed: 53)
        for factor: Float in [0.5, 1, 8] {
            let cap = MixtureOfExperts.capacity(rows: R, experts: E, factor: factor)
            XCTAssertEqual(cap, Int((Double(factor) * Double(R) / Double(E)).rounded(.up)))
            let (a, _) = buffers(c, rows: R)
            var out = residual
            MixtureOfExperts(config: c, offsets: layout.layers[0].mlp!, rows: R, threads: 1)
                .forward(params, x: x, out: &out, targets: nil, acts: a.moe!, capacityFactor: factor, group: R)
            let moe = a.moe!
            var taken = [Int](repeating: 0, count: E)
            for t in 0..<R {
                let e = Int(moe.expertOf[t])
                let probs = (0..<E).map { moe.probs[t * E + $0] }
                XCTAssertEqual(e, probs.firstIndex(of: probs.max()!)!, "top-1, lowest index on ties")
                if moe.slot[t] >= 0 {
                    taken[e] += 1
                    XCTAssertEqual(Int(moe.tokenOf[Int(moe.slot[t])]), t)
                } else {
                    // Over capacity: every earlier token of this expert filled it, and the MLP is skipped.
                    XCTAssertEqual((0..<t).filter { Int(moe.expertOf[$0]) == e && moe.slot[$0] >= 0 }.count, cap)
                    XCTAssertEqual(Array(out[(t * C)..<((t + 1) * C)]), Array(residual[(t * C)..<((t + 1) * C)]))
                }
            }
            for e in 0..<E {
                XCTAssertLessThanOrEqual(taken[e], cap, "expert \(e), factor \(factor)")
                XCTAssertEqual(taken[e], min(cap, moe.routed[e]))
            }
            if factor == 0.5 { XCTAssertLessThan(taken.reduce(0, +), R, "a small factor drops tokens") }
        }
    }

    /// In evaluation a mixture's capacity counts per window (one scored biography), so a window's
    /// losses are the same bits whether it is scored alone or beside five others, even with a
    /// factor small enough to drop tokens. In training the capacity counts over the whole step,
    /// and each uses its own factor (evaluation 1, training 0.75 here).
    func testMoEEvaluationOfAWindowDoesNotDependOnItsBatch() {
        var c = ModelConfig(layers: 1, heads: 2, width: 16, vocabularySize: 40, contextLength: 16, mlp: .moe)
        c.experts = 4; c.evaluationCapacityFactor = 1; c.trainingCapacityFactor = 0.75
        let B = 6, T = 16
        let model = GPT(config: c, maxBatch: B, seed: 5, threads: 1)
        let (inputs, targets) = randomBatch(c, batch: B, seed: 77)
        model.forward(inputs: inputs, targets: targets, batch: B)
        let together = Array(UnsafeBufferPointer(start: model.positionLosses, count: B * T))
        var dropped = 0
        for w in 0..<B {
            let i = Array(inputs[(w * T)..<((w + 1) * T)]), t = Array(targets[(w * T)..<((w + 1) * T)])
            model.forward(inputs: i, targets: t, batch: 1)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: model.positionLosses, count: T)), Array(together[(w * T)..<((w + 1) * T)]), "window \(w)")
            dropped += (0..<T).filter { model.acts.layers[0].mlp.moe!.slot[$0] < 0 }.count
            // Scoring uses the evaluation factor (1): ⌈16 / 4⌉ = 4 tokens an expert.
            let moe = model.acts.layers[0].mlp.moe!
            for e in 0..<4 { XCTAssertEqual(moe.filled[e], min(moe.routed[e], 4), "window \(w), expert \(e)") }
        }
        XCTAssertGreaterThan(dropped, 0, "factor 1 drops tokens within a window")
        // Training counts over the step with the training factor (0.75): each expert keeps
        // min(routed, ⌈0.75 · B·T / E⌉ = 18) of the step's tokens, more than per-window
        // capacities of ⌈0.75 · T / E⌉ = 3 would let it.
        model.forward(inputs: inputs, targets: targets, batch: B, training: true)
        let moe = model.acts.layers[0].mlp.moe!
        let stepCap = MixtureOfExperts.capacity(rows: B * T, experts: 4, factor: 0.75)
        XCTAssertEqual(stepCap, 18)
        var perWindow = 0
        for e in 0..<4 {
            XCTAssertEqual(moe.filled[e], min(moe.routed[e], stepCap), "expert \(e)")
            perWindow += (0..<B).map { w in min(3, (0..<T).filter { Int(moe.expertOf[w * T + $0]) == e }.count) }.reduce(0, +)
        }
        XCTAssertGreaterThan((0..<4).map { moe.filled[$0] }.reduce(0, +), perWindow)
    }

    /// Routing and training are bit-identical for 1 and 2 threads (sizes above the kernels'
    /// parallel thresholds, so the second thread really works).
    func testMoERoutingAndTrainingAreIdenticalForOneAndTwoThreads() {
        var c = ModelConfig(layers: 2, heads: 2, width: 64, vocabularySize: 97, contextLength: 32, mlp: .moe)
        c.experts = 4
        func train(threads: Int) -> (params: [Float], routing: [Int32]) {
            let model = GPT(config: c, maxBatch: 8, seed: 61, threads: threads)
            let trainer = Trainer(model: model, training: TrainingConfig(), totalSteps: 3)
            for s in 0..<3 {
                let (i, t) = randomBatch(c, batch: 8, seed: UInt64(700 + s))
                trainer.step(inputs: i, targets: t, batch: 8)
            }
            let moe = model.acts.layers[1].mlp.moe!
            return (model.params.array, Array(UnsafeBufferPointer(start: moe.expertOf, count: 8 * 32))
                        + Array(UnsafeBufferPointer(start: moe.slot, count: 8 * 32)))
        }
        let one = train(threads: 1), two = train(threads: 2)
        XCTAssertEqual(one.routing, two.routing)
        XCTAssertEqual(one.params, two.params)
        XCTAssertGreaterThan(Set(one.routing.prefix(8 * 32)).count, 1, "tokens use more than one expert")
    }

    /// Each new kind trains: a fixed batch is memorized below 0.1 nats/token, as GPT-2 does in
    /// `testTinyModelOverfitsAFixedBatchBelowOneTenthNatPerToken`.
    func testGatedAndMixtureModelsOverfitAFixedBatch() {
        for mlp in [MLPKind.gatedSiLU, .moe] {
            var c = tinyConfig(layers: 2, heads: 2, width: 32, vocab: 31, context: 16)
            c.mlp = mlp; c.experts = 4; c.normBias = mlp != .gatedSiLU; c.tiedHead = mlp != .gatedSiLU
            let model = GPT(config: c, maxBatch: 4, seed: 7)
            var t = TrainingConfig(); t.peakLearningRate = 1e-2; t.weightDecay = 0
            let trainer = Trainer(model: model, training: t, totalSteps: 300)
            let (inputs, targets) = randomBatch(c, batch: 4, seed: 8)
            var last: Float = 0
            for _ in 0..<300 { last = trainer.step(inputs: inputs, targets: targets, batch: 4) }
            XCTAssertLessThan(last, 0.1, "\(mlp)")
        }
    }

    /// Padding (target −1) is not routed: it takes no expert capacity, so whatever the padding
    /// holds, the real positions score bit-identically, even when experts overflow.
    func testMoEPaddingIsNotRoutedAndCannotChangeRealPositions() {
        var c = tinyConfig(); c.mlp = .moe; c.experts = 2; c.evaluationCapacityFactor = 0.6
        let model = GPT(config: c, maxBatch: 2, seed: 9)
        var (inputs, targets) = randomBatch(c, batch: 2, seed: 10)
        let T = c.contextLength, real = 3
        for j in real..<T { targets[T + j] = -1 }
        func score(_ padding: Int32) -> [Float] {
            var i = inputs
            for j in (real + 1)..<T { i[T + j] = padding }
            model.forward(inputs: i, targets: targets, batch: 2)
            return Array(UnsafeBufferPointer(start: model.positionLosses, count: 2 * T))
        }
        let a = score(0)
        let moe = model.acts.layers[0].mlp.moe!
        for j in real..<T { XCTAssertEqual(moe.expertOf[T + j], -1); XCTAssertEqual(moe.slot[T + j], -1) }
        XCTAssertEqual(moe.activeRows, T + real)
        XCTAssertTrue((0..<(2 * T)).contains { moe.expertOf[$0] >= 0 && moe.slot[$0] < 0 }, "some real token overflows")
        XCTAssertEqual(score(5).map(\.bitPattern), a.map(\.bitPattern))
    }

    /// Directional derivative of the whole model's objective (mean loss + auxiliary loss) for each
    /// new option, as `testWholeModelGradientMatchesFiniteDifferences` does for GPT-2.
    func testWholeModelGradientMatchesFiniteDifferencesForEveryVariant() {
        var variants: [ModelConfig] = []
        for mlp in [MLPKind.gatedSiLU, .moe, .quarter] {
            var c = tinyConfig(); c.mlp = mlp; c.experts = 3
            c.evaluationCapacityFactor = 8; c.loadBalancingCoefficient = 0.1
            if mlp == .quarter { c.normBias = false; c.tiedHead = false }
            variants.append(c)
        }
        // LLaMA: gated SiLU, RMSNorm, no biases anywhere; and RMSNorm with a bias on GPT-2.
        var llama = tinyConfig(); llama.mlp = .gatedSiLU; llama.norm = .rms; llama.normBias = false
        llama.attentionBias = false; llama.tiedHead = false
        var rmsGPT = tinyConfig(); rmsGPT.norm = .rms
        variants += [llama, rmsGPT]
        for c in variants {
            let model = GPT(config: c, maxBatch: 2, seed: 3)
            var rng = SeededGenerator(seed: 4)
            for i in 0..<model.layout.count { model.params[i] += rng.nextGaussian() * 0.3 }
            let (inputs, targets) = randomBatch(c, batch: 2, seed: 5)
            model.zeroGrads()
            model.forward(inputs: inputs, targets: targets, batch: 2)
            model.backward()
            let g = model.grads.array, p0 = model.params.array
            /// Every layer's top-1 choices of the last forward (empty for dense MLPs).
            func routing() -> [Int32] {
                model.acts.layers.flatMap { la in
                    la.mlp.moe.map { Array(UnsafeBufferPointer(start: $0.expertOf, count: 2 * c.contextLength)) } ?? []
                }
            }
            let routed = routing()
            var checked = 0
            for dir in 0..<8 where checked < 2 {
                var r = SeededGenerator(seed: UInt64(20 + dir))
                let u = (0..<p0.count).map { _ in r.nextGaussian() }
                let analytic = zip(g, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let h: Float = 1e-3
                var sameRouting = true
                func objective(_ sign: Float) -> Double {
                    for i in 0..<p0.count { model.params[i] = p0[i] + sign * h * u[i] }
                    let loss = model.forward(inputs: inputs, targets: targets, batch: 2)
                    sameRouting = sameRouting && routing() == routed
                    return Double(loss) + Double(model.auxiliaryLoss)
                }
                let numeric = (objective(1) - objective(-1)) / (2 * Double(h))
                for i in 0..<p0.count { model.params[i] = p0[i] }
                // A step that flips a token's expert is a jump, not a derivative: skip that direction.
                guard sameRouting else { continue }
                checked += 1
                XCTAssertEqual(analytic, numeric, accuracy: 1e-2 * max(abs(numeric), 1e-3), "\(c.name) normBias \(c.normBias) direction \(dir)")
            }
            XCTAssertEqual(checked, 2, "\(c.name): directions that keep the routing")
        }
    }

    func testParameterCountsOfVariantsIncludeEveryExpertAndTheUntiedHead() {
        let L = 3, d = 24, V = 100, U = 40
        func count(_ configure: (inout ModelConfig) -> Void) -> ParameterCount {
            var c = ModelConfig(layers: L, heads: 2, width: d, vocabularySize: V)
            configure(&c)
            return ParameterCount(config: c, usedTokens: U)
        }
        let attention = 4 * d * d + 4 * d, norm = 2 * d
        // Gated SiLU: three F × d matrices without biases, F = round(8d/3) = 64: 3·64·24 = 8d².
        let gated = count { $0.mlp = .gatedSiLU }
        XCTAssertEqual(gated.total, L * (attention + 2 * norm + 3 * 64 * d) + norm + V * d)
        XCTAssertEqual(3 * 64 * d, 8 * d * d)
        // LLaMA-style: no norm biases, untied head (whose unused rows the paper count also drops).
        let llama = count { $0.mlp = .gatedSiLU; $0.normBias = false; $0.tiedHead = false }
        XCTAssertEqual(llama.total, L * (attention + 2 * d + 3 * 64 * d) + d + 2 * V * d)
        XCTAssertEqual(llama.paper, llama.total - 2 * (V - U) * d)
        // The paper's LLaMA: also no attention biases (qkv 3d, proj d) and RMSNorm (gains only).
        let real = count { $0.mlp = .gatedSiLU; $0.normBias = false; $0.tiedHead = false; $0.norm = .rms; $0.attentionBias = false }
        XCTAssertEqual(real.total, L * (4 * d * d + 2 * d + 3 * 64 * d) + d + 2 * V * d)
        // MoE: router E·d plus E experts of 2d² + 2d each, all counted.
        let moe = count { $0.mlp = .moe; $0.experts = 5 }
        XCTAssertEqual(moe.total, L * (attention + 2 * norm + 5 * d + 5 * (2 * d * d + 2 * d)) + norm + V * d)
        XCTAssertEqual(moe.paper, moe.total - (V - U) * d)
        // Quarter and no MLP, for completeness.
        XCTAssertEqual(count { $0.mlp = .quarter }.total, L * (attention + 2 * norm + 2 * d * d + 2 * d) + norm + V * d)
        XCTAssertEqual(count { $0.mlp = .none }.total, L * (attention + norm) + norm + V * d)
    }

    func testNewConfigFieldsAreWrittenOnlyWhenTheyDifferFromTheirDefaults() throws {
        let plain = ModelConfig(layers: 2, heads: 1, width: 8)
        let json = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        for key in ["normBias", "tiedHead", "experts", "CapacityFactor", "loadBalancing", "norm", "attentionBias"] {
            XCTAssertFalse(json.contains(key), key)
        }
        var moe = plain; moe.mlp = .moe; moe.experts = 4; moe.tiedHead = false
        let back = try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(moe))
        XCTAssertEqual(back, moe)
        var llama = plain; llama.norm = .rms; llama.attentionBias = false
        let llamaJSON = try JSONEncoder().encode(llama)
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: llamaJSON), llama)
        XCTAssertTrue(String(decoding: llamaJSON, as: UTF8.self).contains("\"norm\":\"rms\""))
        let training = String(decoding: try JSONEncoder().encode(TrainingConfig()), as: UTF8.self)
        XCTAssertFalse(training.contains("weightPrecision") || training.contains("plateau"))
    }
}
