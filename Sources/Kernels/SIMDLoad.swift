/// Unaligned SIMD8 loads and stores on raw float pointers, the building block of the row kernels.

@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
public func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// p[0..<count] in lanes 0..<count (count ≤ 8), zeros above: the ragged tail of a row as one
/// vector, so a tail of up to seven values takes one exp8 instead of one each.
@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for j in 0..<count { v[j] = p[j] }
    return v
}

@inlinable @inline(__always)
public func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// p[0..<count] = 0 in SIMD8 stores, for the few floats where a memset call costs more than the
/// stores: a ragged packed panel's padding each k step, a head's row of dK or dV (8-32 floats).
@inlinable @inline(__always)
public func zeroLanes(_ p: UnsafeMutablePointer<Float>, count: Int) {
    var l = 0
    while l + 8 <= count { store8(SIMD8(), p + l); l += 8 }
    while l < count { p[l] = 0; l += 1 }
}

/// Four lanes (the packing's 4-float steps for 6-row A panels).
@inlinable @inline(__always)
public func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inlinable @inline(__always)
public func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// dst[j·ldd + i] = src[i·lds + j] for i < rows, j < cols (a [rows × cols] block as [cols × rows]):
/// blocks of 8 × 8 through registers (eight row loads, eight column stores), then the rows left
/// over four at a time (4 × 8 blocks: a 12-lane GEMM panel is 8 + 4 rows), the edges one float at
/// a time. GEMM's transposing pack, attention's Kᵀ and Vᵀ, LayerNorm's blocks of eight rows.
public func transpose(_ src: UnsafePointer<Float>, ld lds: Int, rows: Int, cols: Int,
                      into dst: UnsafeMutablePointer<Float>, ld ldd: Int) {
    let rows8 = rows / 8 * 8, rows4 = rows / 4 * 4, cols8 = cols / 8 * 8
    var i = 0
    while i < rows8 {
        var j = 0
        while j < cols8 { transpose8x8(src + (i &* lds &+ j), ld: lds, into: dst + (j &* ldd &+ i), ld: ldd); j &+= 8 }
        i &+= 8
    }
    if i < rows4 {
        var j = 0
        while j < cols8 { transpose4x8(src + (i &* lds &+ j), ld: lds, into: dst + (j &* ldd &+ i), ld: ldd); j &+= 8 }
        i &+= 4
    }
    for r in 0..<rows4 { for c in cols8..<cols { dst[c &* ldd &+ r] = src[r &* lds &+ c] } }
    for r in rows4..<rows { for c in 0..<cols { dst[c &* ldd &+ r] = src[r &* lds &+ c] } }
}

/// The even and the odd lanes of a and b laid end to end: one step of a transpose. Read the
/// registers as one array with index bits (row bits, column bits); taking the even elements and
/// then the odd ones of the whole array rotates its index bits right by one, so three steps move
/// element (r, c) of an 8 × 8 block, or of a 4 × 8 one, to (c, r). Each half is one two-source
/// shuffle (vpermt2ps with AVX-512, vshufps + vpermpd with AVX2), where building each column from
/// eight registers' lanes took broadcasts and blends.
@inline(__always)
private func unzip(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
    let ab = SIMD16(lowHalf: a, highHalf: b)
    return (ab.evenHalf, ab.oddHalf)
}

@inline(__always)
private func transpose8x8(_ src: UnsafePointer<Float>, ld lds: Int, into dst: UnsafeMutablePointer<Float>, ld ldd: Int) {
    var v = (load8(src), load8(src + lds), load8(src + 2 &* lds), load8(src + 3 &* lds),
             load8(src + 4 &* lds), load8(src + 5 &* lds), load8(src + 6 &* lds), load8(src + 7 &* lds))
    for _ in 0..<3 {
        let a = unzip(v.0, v.1), b = unzip(v.2, v.3), c = unzip(v.4, v.5), d = unzip(v.6, v.7)
        v = (a.even, b.even, c.even, d.even, a.odd, b.odd, c.odd, d.odd)
    }
    store8(v.0, dst); store8(v.1, dst + ldd); store8(v.2, dst + 2 &* ldd); store8(v.3, dst + 3 &* ldd)
    store8(v.4, dst + 4 &* ldd); store8(v.5, dst + 5 &* ldd); store8(v.6, dst + 6 &* ldd); store8(v.7, dst + 7 &* ldd)
}

/// Four rows of eight as eight columns of four: after the three steps register k holds columns
/// 2k and 2k + 1.
@inline(__always)
private func transpose4x8(_ src: UnsafePointer<Float>, ld lds: Int, into dst: UnsafeMutablePointer<Float>, ld ldd: Int) {
    var v = (load8(src), load8(src + lds), load8(src + 2 &* lds), load8(src + 3 &* lds))
    for _ in 0..<3 {
        let a = unzip(v.0, v.1), b = unzip(v.2, v.3)
        v = (a.even, b.even, a.odd, b.odd)
    }
    store4(v.0.lowHalf, dst); store4(v.0.highHalf, dst + ldd)
    store4(v.1.lowHalf, dst + 2 &* ldd); store4(v.1.highHalf, dst + 3 &* ldd)
    store4(v.2.lowHalf, dst + 4 &* ldd); store4(v.2.highHalf, dst + 5 &* ldd)
    store4(v.3.lowHalf, dst + 6 &* ldd); store4(v.3.highHalf, dst + 7 &* ldd)
}

/// Σ a[i]·b[i] over n floats (SIMD8 body, scalar tail).
@inlinable
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n { acc.addProduct(load8(a + i), load8(b + i)); i += 8 }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y[i] += alpha · x[i] over n floats.
@inlinable
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let av = SIMD8<Float>(repeating: alpha)
    var i = 0
    while i + 8 <= n { store8(load8(y + i).addingProduct(av, load8(x + i)), y + i); i += 8 }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// Rows are processed in this many fixed chunks whatever the thread count, so partial sums
/// combine in the same order on 1 or many threads (bit-identical results).
public let reductionChunks = 16

/// out[j] += Σ_rows x[r·ld + j], j in 0..<width: bias gradients. Parallel over column blocks, each
/// column summed over rows in order, so the result is independent of the thread count.
public func accumulateColumnSums(_ x: UnsafePointer<Float>, rows: Int, width: Int, ld: Int,
                                 into out: UnsafeMutablePointer<Float>, threads: Int) {
    let blocks = (width + 63) / 64
    parallelFor(blocks, threads: rows * width >= 1 << 16 ? threads : 1,
                (x: x, out: out, rows: rows, width: width, ld: ld)) { a, blk in
        let (x, out, rows, width, ld) = (a.x, a.out, a.rows, a.width, a.ld)
        let j0 = blk * 64, j1 = min(width, j0 + 64)
        var j = j0
        while j + 8 <= j1 {
            var acc = SIMD8<Float>(repeating: 0)
            for r in 0..<rows { acc += load8(x + r * ld + j) }
            store8(load8(out + j) + acc, out + j)
            j += 8
        }
        while j < j1 {
            var s: Float = 0
            for r in 0..<rows { s += x[r * ld + j] }
            out[j] += s
            j += 1
        }
    }
}
