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
/// blocks of 8 × 8 through registers (eight row loads, eight column stores), the edges one float
/// at a time. GEMM's transposing pack, attention's Kᵀ and Vᵀ, LayerNorm's blocks of eight rows.
public func transpose(_ src: UnsafePointer<Float>, ld lds: Int, rows: Int, cols: Int,
                      into dst: UnsafeMutablePointer<Float>, ld ldd: Int) {
    let rows8 = rows / 8 * 8, cols8 = cols / 8 * 8
    var i = 0
    while i < rows8 {
        var j = 0
        while j < cols8 { transpose8x8(src + (i &* lds &+ j), ld: lds, into: dst + (j &* ldd &+ i), ld: ldd); j &+= 8 }
        for r in i..<(i + 8) { for c in cols8..<cols { dst[c &* ldd &+ r] = src[r &* lds &+ c] } }
        i &+= 8
    }
    for r in rows8..<rows { for c in 0..<cols { dst[c &* ldd &+ r] = src[r &* lds &+ c] } }
}

@inline(__always)
private func transpose8x8(_ src: UnsafePointer<Float>, ld lds: Int, into dst: UnsafeMutablePointer<Float>, ld ldd: Int) {
    let r0 = load8(src), r1 = load8(src + lds), r2 = load8(src + 2 &* lds), r3 = load8(src + 3 &* lds)
    let r4 = load8(src + 4 &* lds), r5 = load8(src + 5 &* lds), r6 = load8(src + 6 &* lds), r7 = load8(src + 7 &* lds)
    for j in 0..<8 {
        store8(SIMD8(r0[j], r1[j], r2[j], r3[j], r4[j], r5[j], r6[j], r7[j]), dst + j &* ldd)
    }
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
