import Kernels

/// The linear layer every part of the model uses: y (+)= x·Wᵀ + b, forward beside backward.
/// x: [rows × in], W: [out × in] (row-major, PyTorch's layout), b: [out] or none, y: [rows × out].
/// One bias idiom: the output starts as the bias (or, for a residual write, as the residual
/// plus the bias), and the GEMM accumulates onto it, so each output element is one FMA chain
/// starting from its bias.

/// y = x·Wᵀ + b (accumulate: false) or y += x·Wᵀ + b (accumulate: true, a residual write).
@inline(__always)
func linearForward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                   bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int, outFeatures: Int,
                   accumulate: Bool, threads: Int) {
    if let bias {
        if accumulate { addBias(bias, rows: rows, width: outFeatures, into: y) }
        else { broadcastRows(bias, rows: rows, width: outFeatures, ld: outFeatures, into: y) }
    }
    gemm(.nt, m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures, b: weight, ldb: inFeatures,
         c: y, ldc: outFeatures, accumulate: accumulate || bias != nil, threads: threads)
}

/// Backward of `linearForward`: dx = dy·W (or dx += dy·W with accumulateDx; nil: not needed),
/// dW += dyᵀ·x, db += Σ_rows dy.
@inline(__always)
func linearBackward(dx: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                    weight: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                    rows: Int, inFeatures: Int, outFeatures: Int, accumulateDx: Bool = false, threads: Int) {
    if let dx {
        gemm(.nn, m: rows, n: inFeatures, k: outFeatures, a: dy, lda: outFeatures, b: weight, ldb: inFeatures,
             c: dx, ldc: inFeatures, accumulate: accumulateDx, threads: threads)
    }
    gemm(.tn, m: outFeatures, n: inFeatures, k: rows, a: dy, lda: outFeatures, b: x, ldb: inFeatures,
         c: dweight, ldc: inFeatures, accumulate: true, threads: threads)
    if let dbias { accumulateColumnSums(dy, rows: rows, width: outFeatures, ld: outFeatures, into: dbias, threads: threads) }
}

/// out[r, :] += bias for every row; out: [rows × width].
func addBias(_ bias: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { axpy(1, bias, out + r * width, width) }
}

extension LinearOffsets {
    /// `linearForward` with this layer's tensors inside the flat buffer `params`.
    func forward(_ params: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                 rows: Int, accumulate: Bool = false, threads: Int) {
        linearForward(y: y, x: x, weight: params + weight, bias: bias.map { params + $0 }, rows: rows,
                      inFeatures: inFeatures, outFeatures: outFeatures, accumulate: accumulate, threads: threads)
    }

    /// `linearBackward` with this layer's tensors in `params` and its gradients in `grads`.
    func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                  x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int, accumulateDx: Bool = false,
                  threads: Int) {
        linearBackward(dx: dx, dy: dy, x: x, weight: params + weight, dweight: grads + weight,
                       dbias: bias.map { grads + $0 }, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                       accumulateDx: accumulateDx, threads: threads)
    }
}

extension NormOffsets {
    /// The norm's forward with its gain (and bias, if any) from `params`; `mean` is kept for
    /// LayerNorm (RMSNorm writes zeros there, so one backward formula serves both).
    func forward(_ params: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                 mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, rows: Int, width: Int, threads: Int) {
        layerNormForward(x: x, y: y, gamma: params + weight, beta: bias.map { params + $0 }, mean: mean, rstd: rstd,
                         rows: rows, width: width, centered: kind == .layer, threads: threads)
    }

    /// The norm's backward: dx += ∂/∂x, gain and bias gradients into `grads`.
    func backward(_ params: UnsafePointer<Float>, _ grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                  rows: Int, width: Int, threads: Int) {
        layerNormBackward(dx: dx, dgamma: grads + weight, dbeta: bias.map { grads + $0 }, dy: dy, x: x,
                          gamma: params + weight, mean: mean, rstd: rstd, rows: rows, width: width,
                          centered: kind == .layer, threads: threads)
    }
}
