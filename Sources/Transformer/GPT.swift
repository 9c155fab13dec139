import Kernels

/// GPT-2 as in the paper: pre-LayerNorm with bias, rotary positions, causal attention, GELU MLP
/// d → 4d → d, tied input/output embedding, no dropout; the config swaps the MLP (`MLP`), drops
/// the norms' bias or unties the head. Parameters and gradients are flat buffers
/// laid out by `ParameterLayout`; every activation buffer is allocated once, for `maxBatch`
/// windows of `contextLength` tokens, so a training step allocates nothing.
///
/// Shapes: B = windows in the batch, T = context length, C = width, F = MLP hidden, H = heads,
/// V = vocabulary size, L = layers.
public final class GPT {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let maxBatch: Int
    /// Cores the GEMMs and row kernels may use (1 for a run that shares the machine with others).
    public var threads: Int
    public let params: FloatBuffer               // [layout.count]
    public let grads: FloatBuffer                // [layout.count]
    let rotary: RotaryTable
    let acts: Activations
    let scratch: BackwardScratch
    /// The batch size (windows) and window length (tokens) of the last forward pass.
    public private(set) var batch = 0
    public private(set) var seqLen = 0
    /// Targets of the last forward pass; count of positions with a target ≥ 0.
    public private(set) var countedTargets = 0
    /// MoE: the last forward pass's load-balancing loss summed over layers (0 for dense MLPs).
    /// Training minimizes the mean loss plus this; `forward` returns the mean loss alone.
    public private(set) var auxiliaryLoss: Float = 0

    public init(config: ModelConfig, maxBatch: Int, seed: UInt64, threads: Int = 1) {
        do { try config.validate() } catch { preconditionFailure("invalid model config: \(error)") }
        precondition(config.vocabularySize > 0, "vocabulary size must be set")
        self.config = config
        layout = ParameterLayout(config: config)
        self.maxBatch = maxBatch
        self.threads = threads
        params = FloatBuffer(count: layout.count)
        grads = FloatBuffer(count: layout.count)
        rotary = RotaryTable(positions: config.contextLength, headDim: config.headDim, base: config.rotaryBase)
        acts = Activations(config: config, batch: maxBatch)
        scratch = BackwardScratch(config: config, batch: maxBatch)
        initialize(seed: seed)
    }

    /// GPT-2 initialization: N(0, 0.02) matrices and embedding, residual projections scaled by
    /// 1/√(2L), zero biases, unit LayerNorm weights.
    public func initialize(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let p = params.pointer
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for t in layout.tensors {
            for i in t.range {
                switch t.initialization {
                case .ones: p[i] = 1
                case .zeros: p[i] = 0
                case .normal: p[i] = rng.nextGaussian() * 0.02
                case .residualProjection: p[i] = rng.nextGaussian() * residualStd
                }
            }
        }
    }

    // MARK: forward

    /// Runs the model on `batch` windows of `seqLen` tokens (default: the context length; shorter
    /// windows let evaluation batch short biographies). inputs, targets: [B × T] token ids
    /// (target −1 = not scored). Returns the mean cross-entropy over scored positions in
    /// nats/token; per-position losses stay in `positionLosses` and logits in `logits`.
    /// `training` selects MoE's training capacity factor (else the evaluation one).
    @discardableResult
    public func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch B: Int, seqLen: Int? = nil,
                        training: Bool = false) -> Float {
        forwardTrunk(inputs: inputs, targets: targets, batch: B, seqLen: seqLen, training: training)
        let C = config.width, V = config.vocabularySize, BT = batch * self.seqLen, th = threads
        // logits = lnf · headᵀ: [BT × V] (head = wte when tied)
        linearForward(y: acts.logits, x: acts.lnf, weight: params.pointer + layout.head, bias: nil, rows: BT,
                      inFeatures: C, outFeatures: V, accumulate: false, threads: th)
        crossEntropyForward(logits: acts.logits, targets: targets, losses: acts.losses, lse: acts.lse,
                            rows: BT, vocab: V, threads: th)
        return meanLoss()
    }

    /// One training step's forward and backward (the same bits as `forward(training: true)` then
    /// `backward()`), with the output head fused to the cross-entropy: rows go in blocks of
    /// `scratch.headRows`, each block's logits made, scored and turned into their gradient while
    /// they sit in L2, so the [BT × V] logits never go to memory. The head's weights are packed
    /// once per step for both of its products. Returns the mean loss in nats/token; `logits` is
    /// not filled (only `positionLosses`).
    ///
    /// The fusion runs only where it measured faster (`fusesHead`); elsewhere this is `forward`
    /// then `backward`, with the same bits either way.
    @discardableResult
    public func forwardBackward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch B: Int) -> Float {
        guard fusesHead else {
            let loss = forward(inputs: inputs, targets: targets, batch: B, training: true)
            backward()
            return loss
        }
        forwardTrunk(inputs: inputs, targets: targets, batch: B, seqLen: nil, training: true)
        let C = config.width, V = config.vocabularySize, BT = B * seqLen, th = threads
        let p = params.pointer, g = grads.pointer, a = acts, s = scratch
        var counted = 0
        for i in 0..<BT where targets[i] >= 0 { counted += 1 }
        let scale: Float = counted > 0 ? 1 / Float(counted) : 0
        let head = p + layout.head, dhead = g + layout.head
        gemmPackB(.nt, n: V, k: C, b: head, ldb: C, into: s.headForPacked)    // logits = x · headᵀ
        gemmPackB(.nn, n: C, k: V, b: head, ldb: C, into: s.headBackPacked)   // dx = dlogits · head
        for r0 in stride(from: 0, to: BT, by: s.headRows) {
            let rows = min(s.headRows, BT - r0)
            let x = a.lnf + r0 * C, dlogits = s.dlogits                        // [rows × C], [rows × V]
            gemm(.nt, m: rows, n: V, k: C, a: x, lda: C, packedB: s.headForPacked, c: dlogits, ldc: V,
                 accumulate: false, threads: th)
            crossEntropyForwardBackward(logits: dlogits, targets: targets + r0, losses: a.losses + r0,
                                        lse: a.lse + r0, scale: scale, rows: rows, vocab: V, threads: th)
            gemm(.nn, m: rows, n: C, k: V, a: dlogits, lda: V, packedB: s.headBackPacked, c: s.dln + r0 * C,
                 ldc: C, accumulate: false, threads: th)
            // dhead += dlogitsᵀ · x: each element's FMA chain runs over the rows in order, block
            // after block, as one product over all BT rows would.
            gemm(.tn, m: V, n: C, k: rows, a: dlogits, lda: V, b: x, ldb: C, c: dhead, ldc: C,
                 accumulate: true, threads: th)
        }
        backwardTrunk()
        return meanLoss()
    }

    /// Whether a training step fuses the head: on one thread at widths ≤ 32
    /// (`BackwardScratch.fusedHeadMaxWidth`; wider models get no head buffers), where the [BT × V]
    /// logits and their exponentials outweigh the head's matmuls (Zen 1, best of 5, V 443:
    /// 2-1-8 1.14×, 2-2-32 1.07× the unfused step). From width 64 it measured even (0.99×) and
    /// below at 128 (gpt2-4-4-128: 0.90×: the row blocks' matmuls are smaller); two threads lose
    /// the head's parallel matmuls.
    public var fusesHead: Bool { threads == 1 && scratch.headRows > 0 }

    /// Mean of the last pass's per-position losses over scored positions (nats/token), summed
    /// in position order in Double; sets `countedTargets`.
    private func meanLoss() -> Float {
        var total: Double = 0
        var counted = 0
        let BT = batch * seqLen
        for i in 0..<BT where acts.targets[i] >= 0 { total += Double(acts.losses[i]); counted += 1 }
        countedTargets = counted
        return counted > 0 ? Float(total / Double(counted)) : 0
    }

    /// Embedding, blocks and final LayerNorm: fills `acts` up to `acts.lnf` [BT × C].
    private func forwardTrunk(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch B: Int, seqLen: Int?,
                              training: Bool) {
        let T = seqLen ?? config.contextLength
        precondition(T >= 1 && T <= config.contextLength && B * T <= maxBatch * config.contextLength,
                     "batch \(B) × \(T) tokens exceeds the model's buffers")
        batch = B
        self.seqLen = T
        let C = config.width, BT = B * T, th = threads
        let p = params.pointer, a = acts
        let attention = Attention(batch: B, seqLen: T, heads: config.heads, width: C)
        a.inputs.update(from: inputs, count: BT)
        a.targets.update(from: targets, count: BT)

        // encoded[bt] = wte[token]: [BT × C]
        for i in 0..<BT { (a.encoded + i * C).update(from: p + layout.embedding + Int(inputs[i]) * C, count: C) }

        var x = UnsafeMutablePointer(a.encoded)
        var aux: Float = 0
        for (l, o) in layout.layers.enumerated() {
            let la = a.layers[l]
            // Attention: res2 = x + proj(attention(rotary(qkv(ln1(x))))).
            o.ln1.forward(p, x: x, y: la.ln1, mean: la.ln1Mean, rstd: la.ln1Rstd, rows: BT, width: C, threads: th)
            o.qkv.forward(p, x: la.ln1, y: la.qkv, rows: BT, threads: th)
            rotaryForward(la.qkv, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            rotaryForward(la.qkv + C, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            attention.forward(qkv: la.qkv, att: la.att, y: la.atty, threads: th)
            la.res2.update(from: x, count: BT * C)
            o.proj.forward(p, x: la.atty, y: la.res2, rows: BT, accumulate: true, threads: th)
            // MLP: res3 = res2 + mlp(ln2(res2)).
            la.res3.update(from: la.res2, count: BT * C)
            if let ln2 = o.ln2, let m = o.mlp {
                ln2.forward(p, x: la.res2, y: la.ln2, mean: la.ln2Mean, rstd: la.ln2Rstd, rows: BT, width: C, threads: th)
                MLP(config: config, offsets: m, rows: BT, threads: th)
                    .forward(p, x: la.ln2, out: la.res3, targets: a.targets, acts: la.mlp, training: training, seqLen: T)
                aux += la.mlp.moe?.auxiliaryLoss ?? 0
            }
            x = la.res3
        }
        auxiliaryLoss = aux
        layout.lnf.forward(p, x: x, y: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, rows: BT, width: C, threads: th)
    }

    /// Per-position cross-entropy of the last forward pass, nats: [B × T] (0 where not scored).
    public var positionLosses: UnsafePointer<Float> { UnsafePointer(acts.losses) }
    /// Logits of the last forward pass: [B × T × V] (overwritten by `backward`).
    public var logits: UnsafePointer<Float> { UnsafePointer(acts.logits) }

    // MARK: backward

    /// Gradient of the last forward pass's objective (the mean loss plus, for MoE, the
    /// load-balancing loss `auxiliaryLoss`), accumulated into `grads` (call `zeroGrads` first).
    /// Overwrites the logits with their gradient.
    public func backward() {
        let C = config.width, V = config.vocabularySize, BT = batch * seqLen, th = threads
        let a = acts, s = scratch
        let scale: Float = countedTargets > 0 ? 1 / Float(countedTargets) : 0
        crossEntropyBackward(dlogits: a.logits, logits: a.logits, targets: a.targets, lse: a.lse,
                             scale: scale, rows: BT, vocab: V, threads: th)
        // Head: dhead += dlogitsᵀ · lnf; dlnf = dlogits · head.
        linearBackward(dx: s.dln, dy: a.logits, x: a.lnf, weight: params.pointer + layout.head,
                       dweight: grads.pointer + layout.head, dbias: nil, rows: BT, inFeatures: C, outFeatures: V,
                       threads: th)
        backwardTrunk()
    }

    /// From ∂loss/∂lnf in `scratch.dln` [BT × C] back through the final LayerNorm, the blocks and
    /// the embedding, accumulating into `grads`.
    private func backwardTrunk() {
        let B = batch, T = seqLen, C = config.width, BT = B * T, th = threads
        let p = params.pointer, g = grads.pointer, a = acts, s = scratch
        let attention = Attention(batch: B, seqLen: T, heads: config.heads, width: C)
        s.dres.update(repeating: 0, count: BT * C)
        let lastOut = config.layers > 0 ? a.layers[config.layers - 1].res3 : a.encoded
        layout.lnf.backward(p, g, dx: s.dres, dy: s.dln, x: lastOut, mean: a.lnfMean, rstd: a.lnfRstd,
                            rows: BT, width: C, threads: th)

        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let o = layout.layers[l], la = a.layers[l]
            let x = l > 0 ? a.layers[l - 1].res3 : a.encoded
            // s.dres = ∂loss/∂res3; through the MLP to ∂loss/∂res2.
            if let ln2 = o.ln2, let m = o.mlp {
                MLP(config: config, offsets: m, rows: BT, threads: th)
                    .backward(p, g, dy: s.dres, x: la.ln2, dx: s.dln, acts: la.mlp, scratch: s.mlp)
                ln2.backward(p, g, dx: s.dres, dy: s.dln, x: la.res2, mean: la.ln2Mean, rstd: la.ln2Rstd,
                             rows: BT, width: C, threads: th)
            }
            // s.dres = ∂loss/∂res2; through attention to ∂loss/∂x.
            o.proj.backward(p, g, dy: s.dres, x: la.atty, dx: s.datty, rows: BT, threads: th)
            attention.backward(dy: s.datty, qkv: la.qkv, att: la.att, dqkv: s.dqkv, scratch: s.datt, threads: th)
            rotaryBackward(s.dqkv, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            rotaryBackward(s.dqkv + C, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            o.qkv.backward(p, g, dy: s.dqkv, x: la.ln1, dx: s.dln, rows: BT, threads: th)
            o.ln1.backward(p, g, dx: s.dres, dy: s.dln, x: x, mean: la.ln1Mean, rstd: la.ln1Rstd,
                           rows: BT, width: C, threads: th)
        }
        // Embedding rows: dwte[token] += dres[bt], in position order (tokens repeat).
        let dwte = g + layout.embedding
        for i in 0..<BT { axpy(1, s.dres + i * C, dwte + Int(a.inputs[i]) * C, C) }
    }

    public func zeroGrads() { grads.zero() }
}

