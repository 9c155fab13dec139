import Foundation

/// Monotonic wall clock in seconds (for benchmarks only; never affects results).
private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Benchmark results are stored here so the optimizer cannot delete the work producing them.
/// One slot per worker (a raw buffer, so concurrent writes to distinct slots are plain stores).
nonisolated(unsafe) private let benchmarkSink: UnsafeMutablePointer<Float> = {
    let sink = UnsafeMutablePointer<Float>.allocate(capacity: 64)
    sink.initialize(repeating: 0, count: 64)
    return sink
}()

/// The widest FMA this build's code can issue, in bits: 512 where the build targets AVX-512
/// (Package.swift defines CAPACITY_AVX512), 256 on other x86-64 builds (AVX2 + FMA), 128 on arm64
/// (NEON). The peak is measured with vectors of this width.
#if CAPACITY_AVX512
public let fmaVectorBits = 512
private typealias PeakVector = SIMD16<Float>
#elseif arch(arm64)
public let fmaVectorBits = 128
private typealias PeakVector = SIMD4<Float>
#else
public let fmaVectorBits = 256
private typealias PeakVector = SIMD8<Float>
#endif

/// FMAs per round of `fmaChains`: 12 independent chains. 12 covers FMA latency (4–5 cycles on
/// Zen) × throughput (1–2 per cycle), so the loop is throughput-bound, and the chains plus the
/// two constants fit in 16 vector registers.
private let chainsPerRound = 12

/// Runs `rounds` rounds of `chainsPerRound` independent FMA chains a ← a·x + y on vectors V and
/// returns a value depending on all of them. x is just below 1 and y small, so the chains
/// converge to y/(1−x) instead of overflowing or going denormal. `inline(never)` with a runtime
/// `seed` keeps the compiler from constant-folding the chains.
@inline(never)
private func fmaChains<V: SIMD>(_: V.Type, rounds: Int, seed: Float) -> Float where V.Scalar == Float {
    let x = V(repeating: 0.999_999), y = V(repeating: seed * 1e-6)
    var a0 = V(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
    var a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7
    var a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
    for _ in 0..<rounds {
        a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
        a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
        a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
        a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
    }
    let s = (a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7) + (a8 + a9 + a10 + a11)
    return s.sum()
}

/// Peak single-precision GFLOP/s of `threads` cores running FMA-bound code concurrently, with
/// FMAs `fmaVectorBits` wide (2 FLOP per lane per FMA). GEMM efficiency is reported against this,
/// measured in the same process, because clock speed moves both numbers together. Each worker
/// times ~0.5 ms batches for `seconds` and keeps its best batch: on a shared machine other
/// processes only ever slow a batch down, so the best one is the core's own rate. The total is
/// the sum over workers.
public func measurePeakGFLOPS(threads: Int, seconds: Double = 0.2) -> Double {
    let workers = max(1, threads)
    let rates = UnsafeMutablePointer<Double>.allocate(capacity: workers)
    defer { rates.deallocate() }
    parallelFor(workers, threads: workers, (rates: rates, seconds: seconds)) { job, w in
        // 3.84 M lane-FMAs a batch (480 k 8-lane FMAs) whatever the width: two clock reads cost nothing.
        let rounds = 40_000 * 8 / PeakVector.scalarCount
        _ = fmaChains(PeakVector.self, rounds: 1000, seed: 1) // warm up the code path
        var best = 0.0, result: Float = 0, batch = 0
        let start = monotonicSeconds()
        var now = start
        repeat {
            let t0 = now
            result += fmaChains(PeakVector.self, rounds: rounds, seed: Float(batch & 7) + 1)
            now = monotonicSeconds()
            best = max(best, Double(rounds * chainsPerRound * PeakVector.scalarCount * 2) / (now - t0))
            batch += 1
        } while now - start < job.seconds
        benchmarkSink[w & 63] = result
        job.rates[w] = best
    }
    var total = 0.0
    for w in 0..<workers { total += rates[w] }
    return total / 1e9
}

/// "peak: 207.3 GFLOP/s, 256-bit FMA, 2 threads": what the bench measured its percentages against.
public func peakDescription(_ gflops: Double, threads: Int) -> String {
    "peak: " + String(format: "%.1f", gflops) + " GFLOP/s, \(fmaVectorBits)-bit FMA, \(threads) thread"
        + (threads == 1 ? "" : "s")
}

/// Achieved GFLOP/s (2·m·n·k per call) of `gemm` on random operands with tight strides, from
/// the fastest of repeated timed calls (after a warm-up call) over about `seconds`. Best, not
/// median, for the same reason as the peak: interference only adds time. Operands are
/// allocated once outside the timed region.
public func benchmarkGEMM(_ layout: GEMMLayout, m: Int, n: Int, k: Int, threads: Int,
                          seconds: Double = 0.3) -> Double {
    let (aRows, aCols) = layout == .tn ? (k, m) : (m, k)
    let (bRows, bCols) = layout == .nt ? (n, k) : (k, n)
    var rng = SeededGenerator(seed: 42)
    let a = (0..<(aRows * aCols)).map { _ in Float.random(in: -1...1, using: &rng) }
    let b = (0..<(bRows * bCols)).map { _ in Float.random(in: -1...1, using: &rng) }
    var c = [Float](repeating: 0, count: m * n)
    var times: [Double] = []
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                func call() {
                    gemm(layout, m: m, n: n, k: k, a: a.baseAddress!, lda: aCols,
                         b: b.baseAddress!, ldb: bCols, c: c.baseAddress!, ldc: n,
                         accumulate: false, threads: threads)
                }
                call()
                let start = monotonicSeconds()
                repeat {
                    let t0 = monotonicSeconds()
                    call()
                    times.append(monotonicSeconds() - t0)
                } while monotonicSeconds() - start < seconds || times.count < 3
            }
        }
    }
    benchmarkSink[0] = c[0]
    return 2.0 * Double(m) * Double(n) * Double(k) / times.min()! / 1e9
}
