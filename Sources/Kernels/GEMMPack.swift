/// Packing: copies a block of A or B into the panel layout the micro-kernel streams through.
///
/// Both operands are described the same way: a "lane" index (rows of A, or columns of B) and
/// the k index, with one stride each, so one routine serves every layout:
///   A (lane = row i of C):    .nn/.nt element (i, p) at a[i·lda + p];  .tn at a[p·lda + i]
///   B (lane = column j of C): .nn/.tn element (p, j) at b[p·ldb + j];  .nt at b[j·ldb + p]
/// The packed block is a sequence of panels of `width` lanes: panel q holds lanes
/// q·width ..< (q+1)·width as [kc][width], lanes past `lanes` zero-filled so the micro-kernel
/// never branches on edges (their products land in tile rows/columns that are not written back).

/// Packs `lanes` lanes × `kc` k-steps starting at `src` (lane l, step p at
/// src[l·laneStride + p·kStride]) into ceil(lanes/width) panels [kc][width] at `dst`.
/// Inlined so each call site specializes on its constant `width`.
@inline(__always)
func gemmPack(_ src: UnsafePointer<Float>, laneStride: Int, kStride: Int, lanes: Int, kc: Int,
              width: Int, into dst: UnsafeMutablePointer<Float>) {
    let fullLanes = lanes / width * width, panelSize = width * kc
    if laneStride == 1 {
        // Lanes contiguous (A of .tn, B of .nn/.tn): walk k outer so each source row segment is
        // read once, front to back, and split across the panels; the ragged last panel copies
        // its valid lanes and zero-fills the rest.
        let tail = lanes - fullLanes
        for p in 0..<kc {
            let row = src + p * kStride
            var out = dst + p * width
            var lane0 = 0
            while lane0 < fullLanes {
                copyLanes(row + lane0, to: out, count: width)
                lane0 += width
                out += panelSize
            }
            if tail > 0 {
                copyLanes(row + lane0, to: out, count: tail)
                zeroLanes(out + tail, count: width - tail)
            }
        }
        return
    }
    // k contiguous or general strides (A of .nn/.nt, B of .nt): a transpose, panel by panel.
    var panel = dst
    var lane0 = 0
    while lane0 < lanes {
        let valid = min(width, lanes - lane0)
        let lane = src + lane0 * laneStride
        if kStride == 1 {
            transpose(lane, ld: laneStride, rows: valid, cols: kc, into: panel, ld: width)
        } else {
            for l in 0..<valid { for p in 0..<kc { panel[p * width + l] = lane[l * laneStride + p * kStride] } }
        }
        for l in valid..<width {
            for p in 0..<kc { panel[p &* width &+ l] = 0 }
        }
        panel += panelSize
        lane0 += width
    }
}

/// dst[0..<count] = src[0..<count], eight lanes at a time, then four (the 6-row A panels).
@inline(__always)
func copyLanes(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    var l = 0
    while l + 8 <= count { store8(load8(src + l), dst + l); l += 8 }
    if l + 4 <= count {
        store4(load4(src + l), dst + l)
        l += 4
    }
    while l < count { dst[l] = src[l]; l += 1 }
}
