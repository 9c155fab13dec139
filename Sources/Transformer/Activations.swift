import Kernels

/// One block's saved activations. Shapes: BT = B·T rows; the MLP's own buffers depend on its kind.
final class LayerActivations {
    let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>   // [BT × C], [BT], [BT]
    let qkv: UnsafeMutablePointer<Float>                      // [BT × 3C], q and k rotated
    let att: UnsafeMutablePointer<Float>                      // [B × H × T × T] probabilities
    let atty: UnsafeMutablePointer<Float>                     // [BT × C] attention output (pre-proj)
    let res2: UnsafeMutablePointer<Float>                     // [BT × C] residual after attention
    let ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>   // [BT × C], [BT], [BT] (0 without MLP)
    let mlp: MLPActivations
    let res3: UnsafeMutablePointer<Float>                     // [BT × C] block output

    init(arena: Arena, config c: ModelConfig, batch: Int) {
        let BT = batch * c.contextLength, C = c.width, hasMLP = c.mlp != .none
        ln1 = arena.take(BT * C); ln1Mean = arena.take(BT); ln1Rstd = arena.take(BT)
        qkv = arena.take(BT * 3 * C)
        att = arena.take(batch * c.heads * c.contextLength * c.contextLength)
        atty = arena.take(BT * C); res2 = arena.take(BT * C)
        ln2 = arena.take(hasMLP ? BT * C : 0)
        ln2Mean = arena.take(hasMLP ? BT : 0); ln2Rstd = arena.take(hasMLP ? BT : 0)
        mlp = MLPActivations(arena: arena, config: c, rows: BT)
        res3 = arena.take(BT * C)
    }
}

/// Every forward activation the backward pass needs, carved from one allocation.
final class Activations {
    let arena: Arena
    let inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>   // [BT]
    let encoded: UnsafeMutablePointer<Float>                  // [BT × C] token embeddings
    let layers: [LayerActivations]
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>   // [BT × C], [BT], [BT]
    let logits: UnsafeMutablePointer<Float>                   // [BT × V]; dlogits after backward
    let losses, lse: UnsafeMutablePointer<Float>             // [BT] nats, log-sum-exp

    /// Buffers for `batch` windows of the config's context length, sized once from the config.
    convenience init(config c: ModelConfig, batch: Int) {
        let sizing = Arena()
        _ = Activations(config: c, batch: batch, arena: sizing)
        self.init(config: c, batch: batch, arena: Arena(floats: sizing.used))
    }

    private init(config c: ModelConfig, batch: Int, arena: Arena) {
        let BT = batch * c.contextLength, C = c.width, V = c.vocabularySize
        self.arena = arena
        inputs = .allocate(capacity: BT); targets = .allocate(capacity: BT)
        inputs.initialize(repeating: 0, count: BT); targets.initialize(repeating: -1, count: BT)
        encoded = arena.take(BT * C)
        layers = (0..<c.layers).map { _ in LayerActivations(arena: arena, config: c, batch: batch) }
        lnf = arena.take(BT * C); lnfMean = arena.take(BT); lnfRstd = arena.take(BT)
        logits = arena.take(BT * V)
        losses = arena.take(BT); lse = arena.take(BT)
    }

    deinit { inputs.deallocate(); targets.deallocate() }
}

/// Gradient buffers of the backward pass, reused by every layer.
final class BackwardScratch {
    let arena: Arena
    let dres: UnsafeMutablePointer<Float>     // [BT × C] ∂loss/∂(residual stream)
    let dln: UnsafeMutablePointer<Float>      // [BT × C] ∂loss/∂(a LayerNorm output)
    let datty: UnsafeMutablePointer<Float>    // [BT × C]
    let dqkv: UnsafeMutablePointer<Float>     // [BT × 3C]
    let datt: UnsafeMutablePointer<Float>     // [B × H × T × T]
    let mlp: MLPScratch
    /// Widest model whose training steps fuse the head (`GPT.fusesHead` says why).
    static let fusedHeadMaxWidth = 32
    /// The fused head (`GPT.forwardBackward`): rows per block, sized so a block's logits (about
    /// 128 KiB) stay in L2 beside the packed weights; a multiple of every GEMM tile's rows.
    /// 0 for wider models, which never fuse: their three head buffers are then empty.
    let headRows: Int
    let dlogits: UnsafeMutablePointer<Float>          // [headRows × V] a block's logits, then their gradient
    let headForPacked: UnsafeMutablePointer<Float>    // head packed as B of x·headᵀ (gemmPackB .nt)
    let headBackPacked: UnsafeMutablePointer<Float>   // head packed as B of dlogits·head (gemmPackB .nn)

    convenience init(config c: ModelConfig, batch: Int) {
        let sizing = Arena()
        _ = BackwardScratch(config: c, batch: batch, arena: sizing)
        self.init(config: c, batch: batch, arena: Arena(floats: sizing.used))
    }

    private init(config c: ModelConfig, batch: Int, arena: Arena) {
        let BT = batch * c.contextLength, C = c.width
        let attFloats = batch * c.heads * c.contextLength * c.contextLength
        self.arena = arena
        dres = arena.take(BT * C); dln = arena.take(BT * C); datty = arena.take(BT * C)
        dqkv = arena.take(BT * 3 * C); datt = arena.take(attFloats)
        mlp = MLPScratch(arena: arena, config: c, rows: BT)
        let V = max(c.vocabularySize, 1), fuses = C <= Self.fusedHeadMaxWidth
        headRows = fuses ? min(BT, max(12, 32_768 / V / 12 * 12)) : 0
        dlogits = arena.take(headRows * V)
        headForPacked = arena.take(fuses ? gemmPackedBCount(n: V, k: C) : 0)
        headBackPacked = arena.take(fuses ? gemmPackedBCount(n: C, k: V) : 0)
    }
}

/// A bump allocator over one zeroed FloatBuffer; slices are 16-float (64-byte) aligned.
/// A buffer's size is written once, where it is taken: owners build themselves first on a
/// sizing arena (no storage; its views are placeholders, never used) and then on a real one of
/// the measured size.
final class Arena {
    let storage: FloatBuffer?
    private(set) var used = 0

    /// A sizing arena: counts the floats `take` asks for.
    init() { storage = nil }
    /// A real arena of `floats` (a sizing arena's `used`).
    init(floats: Int) { storage = FloatBuffer(count: floats) }

    func take(_ n: Int) -> UnsafeMutablePointer<Float> {
        let start = used
        used += (n + 15) / 16 * 16
        guard let storage else { return UnsafeMutablePointer(bitPattern: 64)! }   // never dereferenced
        precondition(used <= storage.count, "arena overflow")
        return storage.pointer + start
    }
}
