/// Single-precision matrix multiply in the three layouts training needs. All matrices row-major.
///   .nn: C[m×n] (+)= A[m×k] · B[k×n]
///   .nt: C[m×n] (+)= A[m×k] · B[n×k]ᵀ     (linear forward: x · Wᵀ; W stored [out × in])
///   .tn: C[m×n] (+)= A[k×m]ᵀ · B[k×n]     (weight gradient: doutᵀ · x)
/// lda/ldb/ldc are row strides in elements. accumulate=false overwrites C.
/// Parallel over output tiles only (never over k), so every element's sum runs in one fixed
/// order and the result is bit-identical for any thread count.
public enum GEMMLayout: Sendable { case nn, nt, tn }

public func gemm(_ layout: GEMMLayout, m: Int, n: Int, k: Int,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 c: UnsafeMutablePointer<Float>, ldc: Int,
                 accumulate: Bool, threads: Int = 1) {
    // Naive placeholder, replaced by the packed SIMD implementation.
    for i in 0..<m {
        for j in 0..<n {
            var s: Float = 0
            for p in 0..<k {
                let av: Float, bv: Float
                switch layout {
                case .nn: av = a[i * lda + p]; bv = b[p * ldb + j]
                case .nt: av = a[i * lda + p]; bv = b[j * ldb + p]
                case .tn: av = a[p * lda + i]; bv = b[p * ldb + j]
                }
                s += av * bv
            }
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s
        }
    }
}
