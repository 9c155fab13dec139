/// The register-blocked inner kernels: one MR×w tile of C updated by a rank-kc product of an A
/// micro-panel and a packed B micro-panel. Layout-free: A is addressed through two strides (a
/// packed panel or rows of A read in place) and B is always packed (GEMMPack.swift).
///
/// One source, generic over the SIMD vector V (SIMD8 = 256 bits, SIMD16 = 512 bits): every tile
/// is made of 6-row groups of one or two vectors per row (`SixRows`). Each element of C is one
/// FMA chain over p in increasing order, whatever V, the tile shape, the tile's place or the
/// thread, so every kernel here gives bit-identical results; on a CPU without 512-bit registers
/// SIMD16 lowers to two 256-bit halves, still exact, so the 512-bit kernels are tested on every
/// host.

/// A tile shape and its blocking: the driver in GEMM.swift is generic over it, so the constants
/// fold into the loops.
protocol GEMMTile {
    /// Rows of C per register tile (a multiple of 6).
    static var mr: Int { get }
    /// Columns of C per register tile; also the packed B panel width.
    static var nr: Int { get }
    /// Max k steps per block (a B micro-panel, kc·nr floats, plus an A micro-panel stay in L1).
    static var kc: Int { get }
    /// Max rows per A block (packed: mc·kc floats in L2). A multiple of mr.
    static var mc: Int { get }
    /// Max columns of B packed at once. A multiple of nr.
    static var nc: Int { get }
    /// The kernel width for the next `columns` (≥ 1) valid columns of a panel: the widest that
    /// fits in them, or the narrowest when even that does not (the driver then runs it on a
    /// scratch tile). A panel's columns go in these pieces, 24 as 16 + 8 on the 512-bit tile,
    /// so no kernel computes columns that are not there.
    static func width(fitting columns: Int) -> Int
    /// C[0..<mr, 0..<width] (+)= A·B, `width` one of those `width(fitting:)` returns; B element
    /// (p, j) at bp[p·bStride + j] (a packed panel: bStride = nr; rows of B in place: ldb).
    static func kernel(width: Int, kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
                       bp: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool)
}

/// 256-bit vectors (AVX2, and NEON as two halves): 6×16 = 12 accumulators + 2 B vectors + 1
/// broadcast = 15 of the 16 ymm registers, 12 FMAs per 8 loads, so the loop is FMA-bound (BLIS
/// uses 6×16 on Zen for the same reason). Narrow tile 6×8 for panels with ≤ 8 valid columns.
/// Blocking for AMD Zen (32 KiB L1d, 512 KiB L2 per core): B micro-panel 256×16 floats = 16 KiB,
/// A micro-panel 6 KiB; A block 144×256 = 144 KiB; B block 256×1024 = 1 MiB per worker in L3.
/// (A sweep of KC 128…384 and MC 72…240 moved the target shapes by ±3% on Zen 1, except
/// KC = 128: −5…8%.)
enum GEMMTile256: GEMMTile {
    static var mr: Int { 6 }
    static var nr: Int { 16 }
    static var kc: Int { 256 }
    static var mc: Int { 144 }
    static var nc: Int { 1024 }
    @inline(__always) static func width(fitting columns: Int) -> Int { columns >= 16 ? 16 : 8 }
    @inline(__always)
    static func kernel(width: Int, kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
                       bp: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool) {
        if width == 8 {
            gemmKernel6x8(kc, a, aRowStride, aKStride, bp, bStride, c, ldc, loadC)
        } else {
            gemmKernel6x16(kc, a, aRowStride, aKStride, bp, bStride, c, ldc, loadC)
        }
    }
}

/// 512-bit vectors (AVX-512: 32 zmm registers): 12×32 = 24 accumulators + 2 B vectors + 1
/// broadcast = 27 registers, 24 FMAs per 14 loads. Narrower tiles 12×16 (one zmm per row) and
/// 12×8 (one ymm per row) for panels with ≤ 16 and ≤ 8 valid columns. Blocking by the same
/// cache rule as the 256-bit tile (B micro-panel 128×32 floats = 16 KiB, A micro-panel 6 KiB;
/// A block 288×128 = 144 KiB). On a Xeon with AVX-512 (family 6 model 207, 48 KiB L1d, 2 MiB
/// L2), KC 256 and 512 raised `bench --gemm` at k = 512 (70–80% → 79–92% of peak) but moved
/// the workload shapes only within that host's noise (±15%), so KC stays 128.
enum GEMMTile512: GEMMTile {
    static var mr: Int { 12 }
    static var nr: Int { 32 }
    static var kc: Int { 128 }
    static var mc: Int { 288 }
    static var nc: Int { 1024 }
    @inline(__always) static func width(fitting columns: Int) -> Int { columns >= 32 ? 32 : columns >= 16 ? 16 : 8 }
    @inline(__always)
    static func kernel(width: Int, kc: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
                       bp: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool) {
        switch width {
        case 8: gemmKernel12x8(kc, a, aRowStride, aKStride, bp, bStride, c, ldc, loadC)
        case 16: gemmKernel12x16(kc, a, aRowStride, aKStride, bp, bStride, c, ldc, loadC)
        default: gemmKernel12x32(kc, a, aRowStride, aKStride, bp, bStride, c, ldc, loadC)
        }
    }
}

/// The tile this build uses: 512-bit where the build targets AVX-512 (Package.swift defines
/// CAPACITY_AVX512), else 256-bit.
#if CAPACITY_AVX512
typealias GEMMHostTile = GEMMTile512
#else
typealias GEMMHostTile = GEMMTile256
#endif

// MARK: - Kernels (one out-of-line copy per shape, each specialized from `gemmMicroKernel`)

typealias V8 = SIMD8<Float>
typealias V16 = SIMD16<Float>

@inline(never) func gemmKernel6x8(_ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ks: Int,
                                  _ bp: UnsafePointer<Float>, _ bs: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ loadC: Bool) {
    gemmMicroKernel(V8.self, twoVectors: false, groups: 1, kc: kc, a: a, rs: rs, ks: ks, bp: bp, bs: bs, c: c, ldc: ldc, loadC: loadC)
}
@inline(never) func gemmKernel6x16(_ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ks: Int,
                                   _ bp: UnsafePointer<Float>, _ bs: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ loadC: Bool) {
    gemmMicroKernel(V8.self, twoVectors: true, groups: 1, kc: kc, a: a, rs: rs, ks: ks, bp: bp, bs: bs, c: c, ldc: ldc, loadC: loadC)
}
@inline(never) func gemmKernel12x8(_ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ks: Int,
                                   _ bp: UnsafePointer<Float>, _ bs: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ loadC: Bool) {
    gemmMicroKernel(V8.self, twoVectors: false, groups: 2, kc: kc, a: a, rs: rs, ks: ks, bp: bp, bs: bs, c: c, ldc: ldc, loadC: loadC)
}
@inline(never) func gemmKernel12x16(_ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ks: Int,
                                    _ bp: UnsafePointer<Float>, _ bs: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ loadC: Bool) {
    gemmMicroKernel(V16.self, twoVectors: false, groups: 2, kc: kc, a: a, rs: rs, ks: ks, bp: bp, bs: bs, c: c, ldc: ldc, loadC: loadC)
}
@inline(never) func gemmKernel12x32(_ kc: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ ks: Int,
                                    _ bp: UnsafePointer<Float>, _ bs: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ loadC: Bool) {
    gemmMicroKernel(V16.self, twoVectors: true, groups: 2, kc: kc, a: a, rs: rs, ks: ks, bp: bp, bs: bs, c: c, ldc: ldc, loadC: loadC)
}

/// C[0..<6·groups, 0..<(twoVectors ? 2 : 1)·V.scalarCount] (+)= A · B where
///   a:  A element (r, p) at a[r·rs + p·ks] — a packed panel [kc][mr] has strides (1, mr); rows
///       of A read in place have (lda, 1),
///   bp: B element (p, j) at bp[p·bs + j]: a packed micro-panel [kc][nr] (bs = nr, 32-byte
///       aligned) or rows of B read in place (bs = ldb); only the tile's own columns are read,
///   c:  the tile's top-left element, row stride ldc (any alignment).
/// With loadC the sums continue from C's current values, else they start from zero; either way
/// each element is one FMA chain over p in increasing order.
/// `twoVectors` and `groups` are constants at every call site, so each copy keeps only the
/// accumulators it uses, all in registers.
@inline(__always)
private func gemmMicroKernel<V: SIMD>(_: V.Type, twoVectors: Bool, groups: Int, kc: Int,
                                      a: UnsafePointer<Float>, rs: Int, ks: Int, bp: UnsafePointer<Float>, bs: Int,
                                      c: UnsafeMutablePointer<Float>, ldc: Int, loadC: Bool) where V.Scalar == Float {
    var top = SixRows<V>(), bottom = SixRows<V>()
    if loadC {
        top.load(c, ldc: ldc, twoVectors: twoVectors)
        if groups == 2 { bottom.load(c + 6 * ldc, ldc: ldc, twoVectors: twoVectors) }
    }
    // Rows of A through one pointer per three rows, each row at pointer + (0, 1 or 2)·rs: 4 base
    // and 2 index registers, every address independent of the others. (Kernels is built without
    // LLVM's loop strength reduction, Package.swift, which turned a[r·rs] into one pointer walked
    // from row to row by a chain of dependent adds, 12 a k step, carried from step to step.)
    let third = 3 * rs, rs2 = 2 * rs
    var a0 = a, a3 = a + third, b = bp
    var a6 = groups == 2 ? a3 + third : a, a9 = groups == 2 ? a6 + third : a
    for _ in 0..<kc {
        let b0 = UnsafeRawPointer(b).loadUnaligned(as: V.self)
        let b1 = twoVectors ? UnsafeRawPointer(b + V.scalarCount).loadUnaligned(as: V.self) : V()
        top.update(a0, a3, rs: rs, rs2: rs2, b0, b1, twoVectors: twoVectors)
        if groups == 2 { bottom.update(a6, a9, rs: rs, rs2: rs2, b0, b1, twoVectors: twoVectors) }
        a0 += ks; a3 += ks; a6 += ks; a9 += ks
        b += bs
    }
    top.store(c, ldc: ldc, twoVectors: twoVectors)
    if groups == 2 { bottom.store(c + 6 * ldc, ldc: ldc, twoVectors: twoVectors) }
}

/// Accumulators of six rows of a tile, one or two vectors per row (x: first vector, y: second).
private struct SixRows<V: SIMD> where V.Scalar == Float {
    var x0 = V(), x1 = V(), x2 = V(), x3 = V(), x4 = V(), x5 = V()
    var y0 = V(), y1 = V(), y2 = V(), y3 = V(), y4 = V(), y5 = V()

    /// acc(r) += a[r·rs] · (b0 | b1) for r < 3 and a3[(r − 3)·rs] · (b0 | b1) for r ≥ 3 (rs2 = 2·rs),
    /// rows in order (each its own chain; the order across rows is immaterial to the result).
    @inline(__always)
    mutating func update(_ a: UnsafePointer<Float>, _ a3: UnsafePointer<Float>, rs: Int, rs2: Int, _ b0: V, _ b1: V, twoVectors: Bool) {
        var s = V(repeating: a[0])
        x0 = x0.addingProduct(s, b0); if twoVectors { y0 = y0.addingProduct(s, b1) }
        s = V(repeating: a[rs])
        x1 = x1.addingProduct(s, b0); if twoVectors { y1 = y1.addingProduct(s, b1) }
        s = V(repeating: a[rs2])
        x2 = x2.addingProduct(s, b0); if twoVectors { y2 = y2.addingProduct(s, b1) }
        s = V(repeating: a3[0])
        x3 = x3.addingProduct(s, b0); if twoVectors { y3 = y3.addingProduct(s, b1) }
        s = V(repeating: a3[rs])
        x4 = x4.addingProduct(s, b0); if twoVectors { y4 = y4.addingProduct(s, b1) }
        s = V(repeating: a3[rs2])
        x5 = x5.addingProduct(s, b0); if twoVectors { y5 = y5.addingProduct(s, b1) }
    }

    @inline(__always)
    mutating func load(_ c: UnsafeMutablePointer<Float>, ldc: Int, twoVectors: Bool) {
        @inline(__always) func ld(_ r: Int, _ v: Int) -> V {
            UnsafeRawPointer(c + r * ldc + v * V.scalarCount).loadUnaligned(as: V.self)
        }
        x0 = ld(0, 0); x1 = ld(1, 0); x2 = ld(2, 0); x3 = ld(3, 0); x4 = ld(4, 0); x5 = ld(5, 0)
        if twoVectors { y0 = ld(0, 1); y1 = ld(1, 1); y2 = ld(2, 1); y3 = ld(3, 1); y4 = ld(4, 1); y5 = ld(5, 1) }
    }

    @inline(__always)
    func store(_ c: UnsafeMutablePointer<Float>, ldc: Int, twoVectors: Bool) {
        @inline(__always) func st(_ v: V, _ r: Int, _ j: Int) {
            UnsafeMutableRawPointer(c + r * ldc + j * V.scalarCount).storeBytes(of: v, as: V.self)
        }
        st(x0, 0, 0); st(x1, 1, 0); st(x2, 2, 0); st(x3, 3, 0); st(x4, 4, 0); st(x5, 5, 0)
        if twoVectors { st(y0, 0, 1); st(y1, 1, 1); st(y2, 2, 1); st(y3, 3, 1); st(y4, 4, 1); st(y5, 5, 1) }
    }
}
