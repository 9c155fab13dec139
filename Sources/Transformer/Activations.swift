import Kernels

/// One block's saved activations. Shapes: BT = B·T rows.
final class LayerActivations {
    let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>   // [BT × C], [BT], [BT]
    let qkv: UnsafeMutablePointer<Float>                      // [BT × 3C], q and k rotated
    let att: UnsafeMutablePointer<Float>                      // [B × H × T × T] probabilities
    let atty: UnsafeMutablePointer<Float>                     // [BT × C] attention output (pre-proj)
    let res2: UnsafeMutablePointer<Float>                     // [BT × C] residual after attention
    let ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>   // [BT × C], [BT], [BT]
    let fch, fchGelu: UnsafeMutablePointer<Float>            // [BT × F] each
    let res3: UnsafeMutablePointer<Float>                     // [BT × C] block output

    init(arena: Arena, config c: ModelConfig, batch: Int) {
        let BT = batch * c.contextLength, C = c.width, F = ParameterLayout.mlpHidden(c)
        ln1 = arena.take(BT * C); ln1Mean = arena.take(BT); ln1Rstd = arena.take(BT)
        qkv = arena.take(BT * 3 * C)
        att = arena.take(batch * c.heads * c.contextLength * c.contextLength)
        atty = arena.take(BT * C); res2 = arena.take(BT * C)
        ln2 = arena.take(BT * C); ln2Mean = arena.take(BT); ln2Rstd = arena.take(BT)
        fch = arena.take(BT * F); fchGelu = arena.take(BT * F)
        res3 = arena.take(BT * C)
    }

    static func floats(config c: ModelConfig, batch: Int) -> Int {
        let BT = batch * c.contextLength, C = c.width, F = ParameterLayout.mlpHidden(c)
        return BT * C * 6 + BT * 4 + BT * 3 * C + batch * c.heads * c.contextLength * c.contextLength + 2 * BT * F
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

    init(config c: ModelConfig, batch: Int) {
        let BT = batch * c.contextLength, C = c.width, V = c.vocabularySize
        let arena = Arena(floats: BT * C * 2 + BT * 4 + BT * V + c.layers * LayerActivations.floats(config: c, batch: batch),
                          slices: 8 + 14 * c.layers)
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
    let dfch: UnsafeMutablePointer<Float>     // [BT × F]
    let datt: UnsafeMutablePointer<Float>     // [B × H × T × T]

    init(config c: ModelConfig, batch: Int) {
        let BT = batch * c.contextLength, C = c.width, F = ParameterLayout.mlpHidden(c)
        let attFloats = batch * c.heads * c.contextLength * c.contextLength
        arena = Arena(floats: BT * C * 6 + BT * F + attFloats, slices: 6)
        dres = arena.take(BT * C); dln = arena.take(BT * C); datty = arena.take(BT * C)
        dqkv = arena.take(BT * 3 * C); dfch = arena.take(BT * F); datt = arena.take(attFloats)
    }
}

/// A bump allocator over one zeroed FloatBuffer; slices are 16-float (64-byte) aligned.
final class Arena {
    let storage: FloatBuffer
    private var used = 0
    /// `slices`: how many `take`s will follow (each may waste up to 15 floats to alignment).
    init(floats: Int, slices: Int) { storage = FloatBuffer(count: floats + 16 * (slices + 1)) }
    func take(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = storage.pointer + used
        used += (n + 15) / 16 * 16
        precondition(used <= storage.count, "arena overflow")
        return p
    }
}
