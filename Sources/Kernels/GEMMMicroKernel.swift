/// The register-blocked inner kernel: one MR×NR tile of C updated by a rank-kc product of an A
/// micro-panel and a packed B micro-panel. Layout-free: A is addressed through two strides (so it
/// can be a packed panel or rows of A read in place) and B is always packed (GEMMPack.swift).

/// Rows of C per register tile.
let gemmMR = 6
/// Columns of C per register tile (two SIMD8 vectors); also the packed B panel width.
let gemmNR = 16
/// Columns of the narrow tile, used when at most 8 columns of a panel are valid (n = 8, 24, …)
/// so tiny widths do not pay for 16 columns of FMAs.
let gemmNarrowNR = 8

/// C[0..<6, 0..<16] (+)= A · Bp (all 16 columns).
@inline(never)
func gemmMicroKernel6x16(kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
                         bp: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool) {
    gemmMicroKernel(wide: true, kc: kc, a: a, aRowStride: aRowStride, aKStride: aKStride, bp: bp,
                    c: c, ldc: ldc, loadC: loadC)
}

/// C[0..<6, 0..<8] (+)= A · Bp (first 8 columns of the panel only).
@inline(never)
func gemmMicroKernel6x8(kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
                        bp: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool) {
    gemmMicroKernel(wide: false, kc: kc, a: a, aRowStride: aRowStride, aKStride: aKStride, bp: bp,
                    c: c, ldc: ldc, loadC: loadC)
}

/// C[0..<6, 0..<(wide ? 16 : 8)] (+)= A · Bp where
///   a:  A element (r, p) at a[r·aRowStride + p·aKStride] — a packed panel [kc][6] has strides
///       (1, 6); rows of A read in place have (lda, 1),
///   bp: packed B micro-panel [kc][16], 32-byte aligned,
///   c:  the tile's top-left element, row stride ldc (any alignment).
/// With loadC the sums continue from C's current values, else they start from zero; either way
/// each element is one FMA chain over p in increasing order, so its value never depends on the
/// tile shape, on where the tile lies, or on which thread computes it.
/// Wide: 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of the 16 ymm registers, and 12
/// FMAs per 8 loads, so the loop is FMA-bound (BLIS uses 6×16 on Zen for the same reason).
/// `wide` is a constant at both call sites, so each copy keeps only the accumulators it uses.
@inline(__always)
private func gemmMicroKernel(wide: Bool, kc: Int, a: UnsafePointer<Float>, aRowStride rs: Int,
                             aKStride ks: Int, bp: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool) {
    typealias V = SIMD8<Float>
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }
    @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }
    let c0 = c, c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc
    var r00 = V(), r01 = V(), r10 = V(), r11 = V(), r20 = V(), r21 = V()
    var r30 = V(), r31 = V(), r40 = V(), r41 = V(), r50 = V(), r51 = V()
    if loadC {
        r00 = load(c0); r10 = load(c1); r20 = load(c2); r30 = load(c3); r40 = load(c4); r50 = load(c5)
        if wide {
            r01 = load(c0 + 8); r11 = load(c1 + 8); r21 = load(c2 + 8)
            r31 = load(c3 + 8); r41 = load(c4 + 8); r51 = load(c5 + 8)
        }
    }
    var a = a, b = bp
    for _ in 0..<kc {
        let b0 = UnsafeRawPointer(b).load(as: V.self)
        let b1 = wide ? UnsafeRawPointer(b + 8).load(as: V.self) : V()
        var x = V(repeating: a[0])
        r00 = r00.addingProduct(x, b0); if wide { r01 = r01.addingProduct(x, b1) }
        x = V(repeating: a[rs])
        r10 = r10.addingProduct(x, b0); if wide { r11 = r11.addingProduct(x, b1) }
        x = V(repeating: a[2 * rs])
        r20 = r20.addingProduct(x, b0); if wide { r21 = r21.addingProduct(x, b1) }
        x = V(repeating: a[3 * rs])
        r30 = r30.addingProduct(x, b0); if wide { r31 = r31.addingProduct(x, b1) }
        x = V(repeating: a[4 * rs])
        r40 = r40.addingProduct(x, b0); if wide { r41 = r41.addingProduct(x, b1) }
        x = V(repeating: a[5 * rs])
        r50 = r50.addingProduct(x, b0); if wide { r51 = r51.addingProduct(x, b1) }
        a += ks
        b += gemmNR
    }
    store(r00, c0); store(r10, c1); store(r20, c2); store(r30, c3); store(r40, c4); store(r50, c5)
    if wide {
        store(r01, c0 + 8); store(r11, c1 + 8); store(r21, c2 + 8)
        store(r31, c3 + 8); store(r41, c4 + 8); store(r51, c5 + 8)
    }
}
