import Kernels

/// GPT-2 as in the paper: pre-LayerNorm with bias, rotary positions, causal attention, GELU MLP
/// d → 4d → d, tied input/output embedding, no dropout. Parameters and gradients are flat buffers
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

    public init(config: ModelConfig, maxBatch: Int, seed: UInt64, threads: Int = 1) {
        precondition(config.width % config.heads == 0, "width must be divisible by heads")
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
    @discardableResult
    public func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch B: Int, seqLen: Int? = nil) -> Float {
        let T = seqLen ?? config.contextLength
        precondition(T >= 1 && T <= config.contextLength && B * T <= maxBatch * config.contextLength,
                     "batch \(B) × \(T) tokens exceeds the model's buffers")
        batch = B
        self.seqLen = T
        let C = config.width, V = config.vocabularySize
        let F = ParameterLayout.mlpHidden(config), BT = B * T, th = threads
        let p = params.pointer, a = acts
        let attention = Attention(batch: B, seqLen: T, heads: config.heads, width: C)
        a.inputs.update(from: inputs, count: BT)
        a.targets.update(from: targets, count: BT)

        // encoded[bt] = wte[token]: [BT × C]
        for i in 0..<BT { (a.encoded + i * C).update(from: p + layout.embedding + Int(inputs[i]) * C, count: C) }

        var x = UnsafeMutablePointer(a.encoded)
        for (l, o) in layout.layers.enumerated() {
            let la = a.layers[l]
            layerNormForward(x: x, y: la.ln1, gamma: p + o.ln1Weight, beta: p + o.ln1Bias,
                             mean: la.ln1Mean, rstd: la.ln1Rstd, rows: BT, width: C, threads: th)
            broadcastRows(p + o.qkvBias, rows: BT, width: 3 * C, ld: 3 * C, into: la.qkv)
            gemm(.nt, m: BT, n: 3 * C, k: C, a: la.ln1, lda: C, b: p + o.qkvWeight, ldb: C,
                 c: la.qkv, ldc: 3 * C, accumulate: true, threads: th)
            rotaryForward(la.qkv, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            rotaryForward(la.qkv + C, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            attention.forward(qkv: la.qkv, att: la.att, y: la.atty, threads: th)
            // res2 = x + atty · Wprojᵀ + bproj
            la.res2.update(from: x, count: BT * C)
            addBias(p + o.projBias, rows: BT, width: C, into: la.res2)
            gemm(.nt, m: BT, n: C, k: C, a: la.atty, lda: C, b: p + o.projWeight, ldb: C,
                 c: la.res2, ldc: C, accumulate: true, threads: th)
            if F > 0 {
                layerNormForward(x: la.res2, y: la.ln2, gamma: p + o.ln2Weight, beta: p + o.ln2Bias,
                                 mean: la.ln2Mean, rstd: la.ln2Rstd, rows: BT, width: C, threads: th)
                broadcastRows(p + o.fcBias, rows: BT, width: F, ld: F, into: la.fch)
                gemm(.nt, m: BT, n: F, k: C, a: la.ln2, lda: C, b: p + o.fcWeight, ldb: C,
                     c: la.fch, ldc: F, accumulate: true, threads: th)
                geluForward(x: la.fch, y: la.fchGelu, count: BT * F, threads: th)
                la.res3.update(from: la.res2, count: BT * C)
                addBias(p + o.fcProjBias, rows: BT, width: C, into: la.res3)
                gemm(.nt, m: BT, n: C, k: F, a: la.fchGelu, lda: F, b: p + o.fcProjWeight, ldb: F,
                     c: la.res3, ldc: C, accumulate: true, threads: th)
            } else {
                la.res3.update(from: la.res2, count: BT * C)
            }
            x = la.res3
        }
        layerNormForward(x: x, y: a.lnf, gamma: p + layout.lnfWeight, beta: p + layout.lnfBias,
                         mean: a.lnfMean, rstd: a.lnfRstd, rows: BT, width: C, threads: th)
        // logits = lnf · wteᵀ: [BT × V]
        gemm(.nt, m: BT, n: V, k: C, a: a.lnf, lda: C, b: p + layout.embedding, ldb: C,
             c: a.logits, ldc: V, accumulate: false, threads: th)
        crossEntropyForward(logits: a.logits, targets: targets, losses: a.losses, lse: a.lse,
                            rows: BT, vocab: V, threads: th)
        var total: Double = 0
        var counted = 0
        for i in 0..<BT where targets[i] >= 0 { total += Double(a.losses[i]); counted += 1 }
        countedTargets = counted
        return counted > 0 ? Float(total / Double(counted)) : 0
    }

    /// Per-position cross-entropy of the last forward pass, nats: [B × T] (0 where not scored).
    public var positionLosses: UnsafePointer<Float> { UnsafePointer(acts.losses) }
    /// Logits of the last forward pass: [B × T × V] (overwritten by `backward`).
    public var logits: UnsafePointer<Float> { UnsafePointer(acts.logits) }

    // MARK: backward

    /// Gradient of the last forward pass's mean loss, accumulated into `grads` (call `zeroGrads`
    /// first). Overwrites the logits with their gradient.
    public func backward() {
        let B = batch, T = seqLen, C = config.width, V = config.vocabularySize
        let F = ParameterLayout.mlpHidden(config), BT = B * T, th = threads
        let p = params.pointer, g = grads.pointer, a = acts, s = scratch
        let attention = Attention(batch: B, seqLen: T, heads: config.heads, width: C)

        let scale: Float = countedTargets > 0 ? 1 / Float(countedTargets) : 0
        crossEntropyBackward(dlogits: a.logits, logits: a.logits, targets: a.targets, lse: a.lse,
                             scale: scale, rows: BT, vocab: V, threads: th)
        let dlogits = a.logits
        // Tied head: dwte += dlogitsᵀ · lnf; dlnf = dlogits · wte.
        gemm(.tn, m: V, n: C, k: BT, a: dlogits, lda: V, b: a.lnf, ldb: C,
             c: g + layout.embedding, ldc: C, accumulate: true, threads: th)
        gemm(.nn, m: BT, n: C, k: V, a: dlogits, lda: V, b: p + layout.embedding, ldb: C,
             c: s.dln, ldc: C, accumulate: false, threads: th)
        s.dres.update(repeating: 0, count: BT * C)
        let lastOut = config.layers > 0 ? a.layers[config.layers - 1].res3 : a.encoded
        layerNormBackward(dx: s.dres, dgamma: g + layout.lnfWeight, dbeta: g + layout.lnfBias, dy: s.dln,
                          x: lastOut, gamma: p + layout.lnfWeight, mean: a.lnfMean, rstd: a.lnfRstd,
                          rows: BT, width: C, threads: th)

        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let o = layout.layers[l], la = a.layers[l]
            let x = l > 0 ? a.layers[l - 1].res3 : a.encoded
            if F > 0 {
                // s.dres = ∂loss/∂res3. MLP: res3 = res2 + gelu(ln2 · Wfcᵀ + bfc) · Wfcprojᵀ + b.
                gemm(.nn, m: BT, n: F, k: C, a: s.dres, lda: C, b: p + o.fcProjWeight, ldb: F,
                     c: s.dfch, ldc: F, accumulate: false, threads: th)
                gemm(.tn, m: C, n: F, k: BT, a: s.dres, lda: C, b: la.fchGelu, ldb: F,
                     c: g + o.fcProjWeight, ldc: F, accumulate: true, threads: th)
                accumulateColumnSums(s.dres, rows: BT, width: C, ld: C, into: g + o.fcProjBias, threads: th)
                geluBackward(dx: s.dfch, dy: s.dfch, x: la.fch, count: BT * F, threads: th)
                gemm(.tn, m: F, n: C, k: BT, a: s.dfch, lda: F, b: la.ln2, ldb: C,
                     c: g + o.fcWeight, ldc: C, accumulate: true, threads: th)
                accumulateColumnSums(s.dfch, rows: BT, width: F, ld: F, into: g + o.fcBias, threads: th)
                gemm(.nn, m: BT, n: C, k: F, a: s.dfch, lda: F, b: p + o.fcWeight, ldb: C,
                     c: s.dln, ldc: C, accumulate: false, threads: th)
                layerNormBackward(dx: s.dres, dgamma: g + o.ln2Weight, dbeta: g + o.ln2Bias, dy: s.dln,
                                  x: la.res2, gamma: p + o.ln2Weight, mean: la.ln2Mean, rstd: la.ln2Rstd,
                                  rows: BT, width: C, threads: th)
            }
            // s.dres = ∂loss/∂res2. Attention: res2 = x + attn(ln1) · Wprojᵀ + bproj.
            gemm(.nn, m: BT, n: C, k: C, a: s.dres, lda: C, b: p + o.projWeight, ldb: C,
                 c: s.datty, ldc: C, accumulate: false, threads: th)
            gemm(.tn, m: C, n: C, k: BT, a: s.dres, lda: C, b: la.atty, ldb: C,
                 c: g + o.projWeight, ldc: C, accumulate: true, threads: th)
            accumulateColumnSums(s.dres, rows: BT, width: C, ld: C, into: g + o.projBias, threads: th)
            attention.backward(dy: s.datty, qkv: la.qkv, att: la.att, dqkv: s.dqkv, scratch: s.datt, threads: th)
            rotaryBackward(s.dqkv, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            rotaryBackward(s.dqkv + C, rows: BT, seqLen: T, heads: config.heads, ld: 3 * C, table: rotary, threads: th)
            gemm(.tn, m: 3 * C, n: C, k: BT, a: s.dqkv, lda: 3 * C, b: la.ln1, ldb: C,
                 c: g + o.qkvWeight, ldc: C, accumulate: true, threads: th)
            accumulateColumnSums(s.dqkv, rows: BT, width: 3 * C, ld: 3 * C, into: g + o.qkvBias, threads: th)
            gemm(.nn, m: BT, n: C, k: 3 * C, a: s.dqkv, lda: 3 * C, b: p + o.qkvWeight, ldb: C,
                 c: s.dln, ldc: C, accumulate: false, threads: th)
            layerNormBackward(dx: s.dres, dgamma: g + o.ln1Weight, dbeta: g + o.ln1Bias, dy: s.dln,
                              x: x, gamma: p + o.ln1Weight, mean: la.ln1Mean, rstd: la.ln1Rstd,
                              rows: BT, width: C, threads: th)
        }
        // Embedding rows: dwte[token] += dres[bt], in position order (tokens repeat).
        let dwte = g + layout.embedding
        for i in 0..<BT { axpy(1, s.dres + i * C, dwte + Int(a.inputs[i]) * C, C) }
    }

    public func zeroGrads() { grads.zero() }
}

/// out[r, :] += bias for every row; out: [rows × width].
func addBias(_ bias: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { axpy(1, bias, out + r * width, width) }
}
