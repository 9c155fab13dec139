/// Single-precision matrix multiply in the three layouts training needs. All matrices row-major.
///   .nn: C[m×n] (+)= A[m×k] · B[k×n]
///   .nt: C[m×n] (+)= A[m×k] · B[n×k]ᵀ     (linear forward: x · Wᵀ; W stored [out × in])
///   .tn: C[m×n] (+)= A[k×m]ᵀ · B[k×n]     (weight gradient: doutᵀ · x)
/// lda/ldb/ldc are row strides in elements. accumulate=false overwrites C.
/// Parallel over output tiles only (never over k), so every element's sum runs in one fixed
/// order and the result is bit-identical for any thread count.
///
/// Structure (BLIS-style): for each NC-column block of C and KC-step block of k, pack B into
/// NR-column panels (GEMMPack.swift), or read it in place where its rows are short and
/// contiguous (`gemmShouldReadBInPlace`), or take it prepacked (`gemmPackB`); for each MC-row block, pack A into MR-row panels, or let
/// the kernel read rows of A in place where that measured faster (`gemmShouldPackA`); then run
/// the tile shape's micro-kernel (GEMMMicroKernel.swift) over every tile of the block. Strides
/// absorb the layout, so the kernel is layout-free.
public enum GEMMLayout: Sendable { case nn, nt, tn }

// MARK: - Threads (blocking is per tile shape: GEMMMicroKernel.swift)

/// Below this many FLOPs (2·m·n·k) one thread does the whole product. Measured on this 2-vCPU
/// VM with back-to-back calls: a second thread costs ~15 µs of Dispatch hand-off, so 2 threads
/// break even near 1.5 MFLOP and are ~1.5× faster at 4 MFLOP (~115 µs on one core). After the
/// caller has been idle the worker wakes later still, so the cutoff errs high.
let gemmParallelMinFLOPs = 4_000_000

// MARK: - Per-worker packing buffers

/// Floats per worker: packed A block [MC/MR][KC][MR], packed B block [NC/NR][KC][NR], and one
/// MR×NR edge tile (ragged tiles of C are computed there, then copied out). Sized for the
/// largest tile shape, so one buffer serves every shape.
private func gemmAPackCount<T: GEMMTile>(_: T.Type) -> Int { T.mc * T.kc }
private func gemmBPackCount<T: GEMMTile>(_: T.Type) -> Int { T.nc * T.kc }
private func gemmWorkspaceFloats<T: GEMMTile>(_: T.Type) -> Int { gemmAPackCount(T.self) + gemmBPackCount(T.self) + T.mr * T.nr }
private let gemmWorkspaceCount = max(gemmWorkspaceFloats(GEMMTile256.self), gemmWorkspaceFloats(GEMMTile512.self))
/// Workers that can run at once (more requested threads are clamped to this).
private let gemmMaxWorkers = 64

/// The calling thread's packing buffer (`threadScratch(.gemm, …)`: allocated on its first `gemm`,
/// freed when the thread exits, 64-byte aligned so packed panels suit the kernel's loads).
/// Thread-local, so independent runs (and attention heads) may call `gemm` from many threads at
/// once; a thread's calls after warm-up never allocate.
@inline(__always)
private func gemmWorkspace() -> UnsafeMutablePointer<Float> { threadScratch(.gemm, floats: gemmWorkspaceCount) }

// MARK: - Driver

/// One product in stride form: A element (i, p) at a[i·aRowStride + p·aKStride], B element
/// (p, j) at b[p·bKStride + j·bColStride]. Every layout maps onto this.
private struct GEMMOperands {
    var a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int
    var b: UnsafePointer<Float>, bKStride: Int, bColStride: Int
    var c: UnsafeMutablePointer<Float>, ldc: Int
    var n: Int, k: Int, accumulate: Bool
}

/// C (+)= op(A)·op(B) for `layout` (see `GEMMLayout`); `threads` caps the workers, and small
/// products use one. Safe to call from several threads at once (buffers are thread-local).
/// Runs this build's tile shape (`GEMMHostTile`); every shape gives the same bits.
public func gemm(_ layout: GEMMLayout, m: Int, n: Int, k: Int,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 c: UnsafeMutablePointer<Float>, ldc: Int,
                 accumulate: Bool, threads: Int = 1) {
    gemm(GEMMHostTile.self, layout, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
         accumulate: accumulate, threads: threads)
}

/// `gemm` with the tile shape named (tests run every shape on every host).
func gemm<T: GEMMTile>(_ tile: T.Type, _ layout: GEMMLayout, m: Int, n: Int, k: Int,
                       a: UnsafePointer<Float>, lda: Int,
                       b: UnsafePointer<Float>, ldb: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int,
                       accumulate: Bool, threads: Int = 1, packedB: UnsafePointer<Float>? = nil) {
    if m <= 0 || n <= 0 { return }
    if k <= 0 {
        if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    let ops: GEMMOperands
    switch layout {
    case .nn: ops = GEMMOperands(a: a, aRowStride: lda, aKStride: 1, b: b, bKStride: ldb, bColStride: 1,
                                 c: c, ldc: ldc, n: n, k: k, accumulate: accumulate)
    case .nt: ops = GEMMOperands(a: a, aRowStride: lda, aKStride: 1, b: b, bKStride: 1, bColStride: ldb,
                                 c: c, ldc: ldc, n: n, k: k, accumulate: accumulate)
    case .tn: ops = GEMMOperands(a: a, aRowStride: 1, aKStride: lda, b: b, bKStride: ldb, bColStride: 1,
                                 c: c, ldc: ldc, n: n, k: k, accumulate: accumulate)
    }

    // Split C into `workers` slabs along whichever dimension has more register tiles, on tile
    // boundaries, so each worker packs its own panels and writes disjoint rows or columns.
    let mTiles = (m + T.mr - 1) / T.mr, nTiles = (n + T.nr - 1) / T.nr
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    var workers = flops < Double(gemmParallelMinFLOPs) ? 1 : min(threads, gemmMaxWorkers)
    workers = max(1, min(workers, max(mTiles, nTiles)))
    let splitRows = mTiles >= nTiles
    if workers == 1 {
        gemmSlab(T.self, ops, rows: 0..<m, cols: 0..<n, workspace: gemmWorkspace(), packedB: packedB)
        return
    }
    let job = (ops: ops, m: m, n: n, workers: workers, mTiles: mTiles, nTiles: nTiles, splitRows: splitRows,
               packedB: packedB)
    parallelFor(workers, threads: workers, job) { job, w in
        let workspace = gemmWorkspace()
        if job.splitRows {
            let tiles = chunkRange(w, of: job.workers, count: job.mTiles)
            gemmSlab(T.self, job.ops, rows: (tiles.lowerBound * T.mr)..<min(job.m, tiles.upperBound * T.mr),
                     cols: 0..<job.n, workspace: workspace, packedB: job.packedB)
        } else {
            let tiles = chunkRange(w, of: job.workers, count: job.nTiles)
            gemmSlab(T.self, job.ops, rows: 0..<job.m,
                     cols: (tiles.lowerBound * T.nr)..<min(job.n, tiles.upperBound * T.nr),
                     workspace: workspace, packedB: job.packedB)
        }
    }
}

// MARK: - B packed once, for products that share it

/// Floats `gemmPackB` writes for op(B) with n columns and k steps: every NR-column panel of
/// every k block, the last panel zero-padded.
public func gemmPackedBCount(n: Int, k: Int) -> Int { gemmPackedBCount(GEMMHostTile.self, n: n, k: k) }

func gemmPackedBCount<T: GEMMTile>(_: T.Type, n: Int, k: Int) -> Int { (n + T.nr - 1) / T.nr * T.nr * max(k, 0) }

/// Packs all of op(B) for `layout` (B as `gemm` takes it: n columns of C, k steps) into the
/// panels `gemm` would pack block by block, so products that share one B (the output head's
/// weights, once per row block of a step) pack it once and call `gemm(_:m:n:k:a:lda:packedB:…)`.
/// The sums are the same FMA chains, so the results are bit-identical to packing per call.
/// packed: [gemmPackedBCount(n:k:)]; the k block at step pc starts at panels·NR·pc and holds its
/// panels [kc][NR] one after another, with the k blocks `gemm` itself picks for this k.
public func gemmPackB(_ layout: GEMMLayout, n: Int, k: Int, b: UnsafePointer<Float>, ldb: Int,
                      into packed: UnsafeMutablePointer<Float>) {
    gemmPackB(GEMMHostTile.self, layout, n: n, k: k, b: b, ldb: ldb, into: packed)
}

func gemmPackB<T: GEMMTile>(_: T.Type, _ layout: GEMMLayout, n: Int, k: Int, b: UnsafePointer<Float>, ldb: Int,
                            into packed: UnsafeMutablePointer<Float>) {
    guard n > 0, k > 0 else { return }
    let (kStride, colStride) = layout == .nt ? (1, ldb) : (ldb, 1)
    let kcMax = balancedBlock(k, max: T.kc, multiple: 1), panels = (n + T.nr - 1) / T.nr
    var pc = 0
    while pc < k {
        let kc = min(kcMax, k - pc)
        gemmPack(b + pc * kStride, laneStride: colStride, kStride: kStride, lanes: n, kc: kc, width: T.nr,
                 into: packed + gemmPackedBOffset(panels: panels, nr: T.nr, pc: pc, jc: 0, kc: kc))
        pc += kc
    }
}

/// Where the k block at step pc, column jc (a multiple of nr) starts in a `gemmPackB` buffer.
@inline(__always)
private func gemmPackedBOffset(panels: Int, nr: Int, pc: Int, jc: Int, kc: Int) -> Int {
    panels * nr * pc + jc * kc
}

/// `gemm` with B already packed by `gemmPackB` for the same layout, n and k.
public func gemm(_ layout: GEMMLayout, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                 packedB: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                 accumulate: Bool, threads: Int = 1) {
    gemm(GEMMHostTile.self, layout, m: m, n: n, k: k, a: a, lda: lda, b: packedB, ldb: 0, c: c, ldc: ldc,
         accumulate: accumulate, threads: threads, packedB: packedB)
}

/// Splits `count` into ceil(count/maxBlock) near-equal blocks, each rounded up to a multiple
/// of `multiple`; returns the block size. Depends only on its arguments, never on threads.
@inline(__always)
private func balancedBlock(_ count: Int, max maxBlock: Int, multiple: Int) -> Int {
    let blocks = (count + maxBlock - 1) / maxBlock
    let size = (count + blocks - 1) / blocks
    return min(maxBlock, (size + multiple - 1) / multiple * multiple)
}

/// Computes C[rows, cols] with one worker's buffers. Every element's sum runs over k blocks in
/// increasing order and within a block in increasing p (one FMA chain), whatever the slab.
/// With `packedB` (all of B packed by `gemmPackB`), the B blocks are read from there instead.
private func gemmSlab<T: GEMMTile>(_: T.Type, _ ops: GEMMOperands, rows: Range<Int>, cols: Range<Int>,
                                   workspace: UnsafeMutablePointer<Float>, packedB: UnsafePointer<Float>?) {
    if rows.isEmpty || cols.isEmpty { return }
    let aPack = workspace                          // [mc/MR][kc][MR]
    let bWorkspace = workspace + gemmAPackCount(T.self) // [nc/NR][kc][NR]
    let edge = bWorkspace + gemmBPackCount(T.self) // [MR][NR]
    let allPanels = (ops.n + T.nr - 1) / T.nr
    let k = ops.k
    let kcMax = balancedBlock(k, max: T.kc, multiple: 1)
    let mcMax = balancedBlock(rows.count, max: T.mc, multiple: T.mr)
    let bInPlace = packedB == nil && gemmShouldReadBInPlace(ops)

    var jc = cols.lowerBound
    while jc < cols.upperBound {
        let nc = min(T.nc, cols.upperBound - jc)
        let packA = gemmShouldPackA(nc: nc, kc: kcMax, aKStride: ops.aKStride, nr: T.nr)
        var pc = 0
        while pc < k {
            let kc = min(kcMax, k - pc)
            let loadC = ops.accumulate || pc > 0
            // B's column panel jr (relative to jc) starts at b + jr·bPanelStep, rows bStride apart.
            let b: UnsafePointer<Float>, bStride: Int, bPanelStep: Int
            if let packedB {
                b = packedB + gemmPackedBOffset(panels: allPanels, nr: T.nr, pc: pc, jc: jc, kc: kc)
                (bStride, bPanelStep) = (T.nr, kc)
            } else if bInPlace {
                b = ops.b + pc * ops.bKStride + jc
                (bStride, bPanelStep) = (ops.bKStride, 1)
            } else {
                gemmPack(ops.b + pc * ops.bKStride + jc * ops.bColStride, laneStride: ops.bColStride,
                         kStride: ops.bKStride, lanes: nc, kc: kc, width: T.nr, into: bWorkspace)
                (b, bStride, bPanelStep) = (UnsafePointer(bWorkspace), T.nr, kc)
            }
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(mcMax, rows.upperBound - ic)
                let a = ops.a + ic * ops.aRowStride + pc * ops.aKStride
                var panels = GEMMAPanels(base: a, panelStride: T.mr * ops.aRowStride,
                                         rowStride: ops.aRowStride, kStride: ops.aKStride,
                                         fullRows: mc / T.mr * T.mr, ragged: aPack)
                if packA {
                    gemmPack(a, laneStride: ops.aRowStride, kStride: ops.aKStride, lanes: mc, kc: kc,
                             width: T.mr, into: aPack)
                    panels = GEMMAPanels(base: aPack, panelStride: T.mr * kc, rowStride: 1,
                                         kStride: T.mr, fullRows: mc, ragged: aPack)
                } else if mc % T.mr != 0 {
                    // The kernel always reads MR rows: pack the ragged last panel, zero-padded.
                    let full = mc / T.mr * T.mr
                    gemmPack(a + full * ops.aRowStride, laneStride: ops.aRowStride, kStride: ops.aKStride,
                             lanes: mc - full, kc: kc, width: T.mr, into: aPack)
                }
                gemmMacroKernel(T.self, mc: mc, nc: nc, kc: kc, a: panels, b: b, bStride: bStride, bPanelStep: bPanelStep,
                                c: ops.c + ic * ops.ldc + jc, ldc: ops.ldc, loadC: loadC, edge: edge)
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// Whether to pack an A block or let the kernel broadcast A straight from the matrix.
/// Measured on Zen (1 thread, % of FMA peak):
///   - k contiguous (A of .nn/.nt, aKStride = 1): the kernel walks 6 rows front to back, which
///     the prefetchers handle and L2 holds for reuse; the transposing pack costs ~1.5 cycles per
///     element, as much as the FMAs it serves when n ≤ 128 (4096×128×512: 91% in place vs 77%
///     packed; 2048×32×1024: 85% vs 48%). Never packed.
///   - rows contiguous (A of .tn, aKStride = lda): each k step jumps lda floats. With
///     lda ≥ 512 (≥ 2 KiB) and kc ≥ 48 steps the walk touches more lines and pages than L1 and
///     the TLB hold (they alias in L1), and packing wins once several column panels reuse the
///     block (512×512×1024: 90% vs 76%; 2048×256×2048: 88% vs 69%; 2048×512×64: 83% vs 77%).
///     Otherwise nothing reuses the copy or the walk fits in L1 (2048×16×16: 82% in place vs
///     56%; 2048×48×16: 80% vs 72%; 64×16×2048: 77% vs 55%).
/// Rechecked on Zen 3 (2026-11): packing every A with several column panels lost on .nn/.nt
/// (4096×128×512: 50–57% packed vs 69–76% in place, best of 0.3 s, three alternating rounds).
@inline(__always)
private func gemmShouldPackA(nc: Int, kc: Int, aKStride: Int, nr: Int) -> Bool {
    aKStride >= 512 && kc >= 48 && nc > nr
}

/// Whether the kernel may read B's rows where they are instead of packed panels: B's columns
/// contiguous (B of .nn/.tn), every panel's valid columns exactly a sum of kernel widths (so no
/// read runs past a row: n a multiple of 8) and rows close together, so a panel's kc rows stay
/// in L1 like a packed one. The narrow products of small widths (n = C or a head size of 8-64)
/// then skip a copy as large as their arithmetic.
@inline(__always)
private func gemmShouldReadBInPlace(_ ops: GEMMOperands) -> Bool {
    ops.bColStride == 1 && ops.n % 8 == 0 && ops.bKStride <= 128
}

/// Where the micro-kernel finds the A rows of an MC block: panel q (rows q·MR ..< q·MR+MR) starts
/// at base + q·panelStride, element (r, p) of a panel at r·rowStride + p·kStride. Rows past
/// `fullRows` (a ragged last panel) are read from `ragged`, packed [kc][MR] and zero-padded.
private struct GEMMAPanels {
    var base: UnsafePointer<Float>, panelStride: Int, rowStride: Int, kStride: Int
    var fullRows: Int, ragged: UnsafePointer<Float>
}

/// Runs the micro-kernel over every MR×NR tile of an mc×nc block of C. Column panels outer, so
/// one B micro-panel stays in L1 while all A micro-panels stream past it from L2. A panel's
/// columns go in kernel widths (`width(fitting:)`); a piece narrower than the narrowest kernel,
/// or a ragged last row tile, goes through `edge` (an MR×NR scratch tile) so the kernel always
/// writes a full tile.
@inline(__always)
private func gemmMacroKernel<T: GEMMTile>(_: T.Type, mc: Int, nc: Int, kc: Int, a: GEMMAPanels,
                                          b: UnsafePointer<Float>, bStride: Int, bPanelStep: Int,
                                          c: UnsafeMutablePointer<Float>,
                                          ldc: Int, loadC: Bool, edge: UnsafeMutablePointer<Float>) {
    var jr = 0
    while jr < nc {
        let nr = min(T.nr, nc - jr)
        var j0 = 0
        while j0 < nr {
            let width = T.width(fitting: nr - j0), cols = min(width, nr - j0)
            let bp = b + jr * bPanelStep + j0
            var ir = 0
            while ir < mc {
                let mr = min(T.mr, mc - ir)
                let full = ir < a.fullRows
                let ap = full ? a.base + ir / T.mr * a.panelStride : a.ragged
                let rs = full ? a.rowStride : 1, ks = full ? a.kStride : T.mr
                let tile = c + ir * ldc + jr + j0
                if mr == T.mr && cols == width {
                    T.kernel(width: width, kc: kc, a: ap, aRowStride: rs, aKStride: ks, bp: bp, bStride: bStride, c: tile,
                             ldc: ldc, loadC: loadC)
                } else {
                    if loadC { copyTile(rows: mr, cols: cols, from: tile, ld: ldc, to: edge, ld: T.nr) }
                    T.kernel(width: width, kc: kc, a: ap, aRowStride: rs, aKStride: ks, bp: bp, bStride: bStride, c: edge,
                             ldc: T.nr, loadC: loadC)
                    copyTile(rows: mr, cols: cols, from: edge, ld: T.nr, to: tile, ld: ldc)
                }
                ir += T.mr
            }
            j0 += width
        }
        jr += T.nr
    }
}

/// dst[i, 0..<cols] = src[i, 0..<cols] for i in 0..<rows (an edge tile in or out), a row at a
/// time with the packing's `copyLanes`.
@inline(__always)
private func copyTile(rows: Int, cols: Int, from src: UnsafePointer<Float>, ld lds: Int,
                      to dst: UnsafeMutablePointer<Float>, ld ldd: Int) {
    for i in 0..<rows { copyLanes(src + i &* lds, to: dst + i &* ldd, count: cols) }
}
