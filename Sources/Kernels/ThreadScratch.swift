#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-thread scratch buffers for kernels that need a little memory of their own and may run on
/// many threads at once (runs in parallel, attention heads in parallel). Each is allocated on a
/// thread's first use (and regrown if a later call needs more), freed when the thread exits, so
/// calls after warm-up never allocate.
public enum ScratchSlot: Int, CaseIterable {
    /// GEMM's packing buffers and edge tile (GEMM.swift).
    case gemm
    /// `forEachExp8`'s chunk of range reductions: [2 × expChunkVectors] SIMD8 values.
    case exp
    /// Attention's transposed keys or values of one (window, head): [hd × T].
    case attention
    /// LayerNorm's eight rows transposed (`layerNormForward`, `layerNormBackward`): [2 × width × 8].
    case layerNorm
}

/// The calling thread's buffer for `slot`, at least `floats` long and 64-byte aligned; its
/// contents are whatever the thread's last use left.
public func threadScratch(_ slot: ScratchSlot, floats: Int) -> UnsafeMutablePointer<Float> {
    let key = scratchKeys[slot.rawValue]
    if let p = pthread_getspecific(key) {
        let header = p.assumingMemoryBound(to: Int.self)
        if header.pointee >= floats { return (p + 64).assumingMemoryBound(to: Float.self) }
        p.deallocate()
    }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: 64 + 4 * floats, alignment: 64)
    raw.storeBytes(of: floats, as: Int.self)
    let buffer = (raw + 64).initializeMemory(as: Float.self, repeating: 0, count: floats)
    pthread_setspecific(key, raw)
    return buffer
}

/// `threadScratch(.exp, …)` as `forEachExp8` takes it.
@inline(__always)
public func expScratch() -> UnsafeMutablePointer<SIMD8<Float>> {
    UnsafeMutableRawPointer(threadScratch(.exp, floats: 2 * expChunkVectors * 8)).assumingMemoryBound(to: SIMD8<Float>.self)
}

private let scratchKeys: [pthread_key_t] = ScratchSlot.allCases.map { _ in
    var key = pthread_key_t()
    pthread_key_create(&key) { $0?.deallocate() }
    return key
}
