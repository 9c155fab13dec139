import XCTest
@testable import Kernels

/// Checks `gemm` against a Double-precision reference in every layout, on sizes that do not
/// divide the register tiles (6×16 and 12×32) or the cache blocks, with padded row strides.
final class GEMMTests: XCTestCase {
    /// Operands for one product, stored with row strides wider than the matrices (`pad` extra
    /// columns filled with NaN, so any read or write past a row's width shows up in C).
    struct Problem {
        let layout: GEMMLayout, m: Int, n: Int, k: Int
        let lda: Int, ldb: Int, ldc: Int
        var a: [Float], b: [Float], c: [Float]

        init(_ layout: GEMMLayout, m: Int, n: Int, k: Int, pad: Int, seed: UInt64) {
            self.layout = layout; self.m = m; self.n = n; self.k = k
            let (aRows, aCols) = layout == .tn ? (k, m) : (m, k)
            let (bRows, bCols) = layout == .nt ? (n, k) : (k, n)
            lda = aCols + pad; ldb = bCols + pad; ldc = n + pad
            var rng = SeededGenerator(seed: seed)
            func matrix(_ rows: Int, _ cols: Int, _ ld: Int) -> [Float] {
                var x = [Float](repeating: .nan, count: max(1, rows * ld))
                for r in 0..<rows { for j in 0..<cols { x[r * ld + j] = Float.random(in: -1...1, using: &rng) } }
                return x
            }
            a = matrix(aRows, aCols, lda); b = matrix(bRows, bCols, ldb); c = matrix(m, n, ldc)
        }

        func aAt(_ i: Int, _ p: Int) -> Double { Double(layout == .tn ? a[p * lda + i] : a[i * lda + p]) }
        func bAt(_ p: Int, _ j: Int) -> Double { Double(layout == .nt ? b[j * ldb + p] : b[p * ldb + j]) }

        /// Runs gemm with tile shape `tile` (default: this build's) on a copy of C and returns it.
        func run<T: GEMMTile>(_ tile: T.Type = GEMMHostTile.self, accumulate: Bool, threads: Int) -> [Float] {
            var out = c
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { c in
                        gemm(T.self, layout, m: m, n: n, k: k, a: a.baseAddress!, lda: lda, b: b.baseAddress!,
                             ldb: ldb, c: c.baseAddress!, ldc: ldc, accumulate: accumulate, threads: threads)
                    }
                }
            }
            return out
        }

        /// C as one fused multiply-add chain per element over p in increasing order, from C's
        /// value (accumulate) or from zero: the exact bits every kernel must produce.
        func fmaChain(accumulate: Bool) -> [Float] {
            var out = c
            for i in 0..<m {
                for j in 0..<n {
                    var s: Float = accumulate ? c[i * ldc + j] : 0
                    for p in 0..<k { s = s.addingProduct(Float(aAt(i, p)), Float(bAt(p, j))) }
                    out[i * ldc + j] = s
                }
            }
            return out
        }

        /// Asserts `out` matches the Double reference within 1e-4 of each row's magnitude
        /// (Σ|a·b| plus |C| when accumulating), and that the row padding was left untouched.
        func check(_ out: [Float], accumulate: Bool, file: StaticString = #filePath, line: UInt = #line) {
            for i in 0..<m {
                var worst = 0.0, scale = 1e-30
                for j in 0..<n {
                    var s = accumulate ? Double(c[i * ldc + j]) : 0, mag = accumulate ? abs(s) : 0
                    for p in 0..<k { let t = aAt(i, p) * bAt(p, j); s += t; mag += abs(t) }
                    worst = max(worst, abs(Double(out[i * ldc + j]) - s))
                    scale = max(scale, mag)
                }
                XCTAssertLessThanOrEqual(worst / scale, 1e-4, "\(layout) \(m)×\(n)×\(k) row \(i)", file: file, line: line)
                if worst / scale > 1e-4 { return }
                for j in n..<ldc where i * ldc + j < out.count {
                    XCTAssertTrue(out[i * ldc + j].isNaN, "padding written at row \(i)", file: file, line: line)
                }
            }
        }
    }

    /// Sizes that leave ragged row and column tiles (1…5 rows, 1…15 columns), narrow 8-column
    /// tiles (n = 8, 24), 9 valid columns in a 16-wide tile (n = 25), and k spanning several
    /// cache blocks (k > 256, not a multiple of it).
    static let oddSizes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (7, 13, 5), (37, 29, 41), (130, 67, 259), (6, 16, 1), (5, 17, 300), (61, 3, 513),
        (12, 8, 33), (13, 24, 9), (11, 25, 70),
    ]

    private func checkAgainstReference(_ layout: GEMMLayout, sizes: [(m: Int, n: Int, k: Int)], pad: Int) {
        for (index, s) in sizes.enumerated() {
            for accumulate in [false, true] {
                let problem = Problem(layout, m: s.m, n: s.n, k: s.k, pad: pad, seed: UInt64(index))
                problem.check(problem.run(accumulate: accumulate, threads: 1), accumulate: accumulate)
            }
        }
    }

    func testPlainGemmMatchesDoubleReferenceOnOddSizes() { checkAgainstReference(.nn, sizes: Self.oddSizes, pad: 3) }
    func testTransposedBGemmMatchesDoubleReferenceOnOddSizes() { checkAgainstReference(.nt, sizes: Self.oddSizes, pad: 3) }
    func testTransposedAGemmMatchesDoubleReferenceOnOddSizes() { checkAgainstReference(.tn, sizes: Self.oddSizes, pad: 3) }

    /// .tn with a wide A (row stride ≥ 512), k blocks ≥ 48 and several column panels takes the
    /// packed-A path (the other odd-size tests read A in place); a ragged m checks its zero
    /// padding.
    func testTransposedAGemmWithPackedAMatchesDoubleReference() {
        checkAgainstReference(.tn, sizes: [(520, 40, 300), (515, 33, 70)], pad: 5)
    }

    /// B read in place (n a multiple of 8, short rows) against the reference, with a row stride
    /// wider than n so a read past a tile's columns would pull in the NaN padding.
    func testInPlaceBGemmMatchesDoubleReference() {
        for layout in [GEMMLayout.nn, .tn] {
            checkAgainstReference(layout, sizes: [(100, 8, 300), (37, 16, 40), (50, 24, 600), (13, 48, 9)], pad: 7)
        }
    }


    /// Splitting over threads must not change a single bit: each element's sum runs in the
    /// same order whichever worker computes it. Shapes split by rows and by columns, with
    /// ragged tiles on the split boundary and k over several blocks; above the single-thread
    /// cutoff so two workers really run.
    func testResultsAreBitIdenticalForOneAndTwoThreads() {
        XCTAssertGreaterThan(2 * 300 * 70 * 600, gemmParallelMinFLOPs)
        XCTAssertGreaterThan(2 * 10 * 500 * 600, gemmParallelMinFLOPs)
        for layout in [GEMMLayout.nn, .nt, .tn] {
            for (m, n, k) in [(300, 70, 600), (10, 500, 600), (530, 40, 300)] {
                for accumulate in [false, true] {
                    let problem = Problem(layout, m: m, n: n, k: k, pad: 1, seed: 7)
                    let one = problem.run(accumulate: accumulate, threads: 1).map(\.bitPattern)
                    let two = problem.run(accumulate: accumulate, threads: 2).map(\.bitPattern)
                    XCTAssertEqual(one, two, "\(layout) \(m)×\(n)×\(k) accumulate \(accumulate)")
                }
            }
        }
    }

    /// Every tile shape, the 256-bit (6×16, 6×8) and the 512-bit (12×32, 12×16, 12×8) kernels
    /// alike, computes each element as one FMA chain over k in order, so all give the same bits
    /// (the 512-bit kernels run here as two 256-bit halves where the CPU lacks AVX-512). Sizes
    /// cover ragged tiles of both shapes, every narrow width, k over several blocks of both
    /// (KC 256 and 128), m over several A blocks, n over two B blocks, one and two threads.
    func testEveryTileShapeGivesTheBitsOfOneFMAChainPerElement() {
        // n a multiple of 8 with short rows: B of .nn/.tn is read in place (every other shape packs).
        let inPlace = [(100, 8, 300), (37, 16, 40), (50, 24, 600), (13, 48, 9), (64, 32, 257)]
        let sizes = Self.oddSizes + inPlace + [(300, 70, 600), (10, 500, 600), (40, 1030, 20), (600, 9, 31), (25, 17, 129)]
        for layout in [GEMMLayout.nn, .nt, .tn] {
            for (index, s) in sizes.enumerated() {
                for accumulate in [false, true] {
                    let problem = Problem(layout, m: s.m, n: s.n, k: s.k, pad: 2, seed: UInt64(100 + index))
                    let chain = problem.fmaChain(accumulate: accumulate).map(\.bitPattern)
                    let label = "\(layout) \(s.m)×\(s.n)×\(s.k) accumulate \(accumulate)"
                    for threads in [1, 2] {
                        XCTAssertEqual(problem.run(GEMMTile256.self, accumulate: accumulate, threads: threads).map(\.bitPattern),
                                       chain, "256-bit, \(threads) thread(s), " + label)
                        XCTAssertEqual(problem.run(GEMMTile512.self, accumulate: accumulate, threads: threads).map(\.bitPattern),
                                       chain, "512-bit, \(threads) thread(s), " + label)
                    }
                }
            }
        }
    }

    /// The packed-A path (.tn with a wide A) in both tile shapes, against the same chains.
    func testPackedAPathGivesTheSameBitsInEveryTileShape() {
        for (m, n, k) in [(520, 40, 300), (515, 33, 70)] {
            let problem = Problem(.tn, m: m, n: n, k: k, pad: 5, seed: 9)
            let chain = problem.fmaChain(accumulate: true).map(\.bitPattern)
            XCTAssertEqual(problem.run(GEMMTile256.self, accumulate: true, threads: 1).map(\.bitPattern), chain)
            XCTAssertEqual(problem.run(GEMMTile512.self, accumulate: true, threads: 1).map(\.bitPattern), chain)
        }
    }

    /// Two threads on a shape large enough to split must still match the reference (the bit
    /// identity test alone would pass if both runs were equally wrong).
    func testTwoThreadGemmMatchesDoubleReference() {
        for layout in [GEMMLayout.nn, .nt, .tn] {
            let problem = Problem(layout, m: 100, n: 90, k: 300, pad: 2, seed: 11)
            problem.check(problem.run(accumulate: true, threads: 2), accumulate: true)
        }
    }

    /// B packed once (`gemmPackB`) gives the bits of packing per call, in both tile shapes and
    /// every layout: k over several blocks of both (KC 256 and 128), n over two B blocks and a
    /// ragged last panel, one and two threads (split by rows and by columns).
    func testPrepackedBGivesTheBitsOfOneFMAChainPerElement() {
        func check<T: GEMMTile>(_ tile: T.Type, _ problem: Problem, accumulate: Bool, threads: Int) -> [UInt32] {
            let count = gemmPackedBCount(T.self, n: problem.n, k: problem.k)
            var packed = [Float](repeating: .nan, count: count)
            var out = problem.c
            problem.b.withUnsafeBufferPointer { b in
                packed.withUnsafeMutableBufferPointer { packed in
                    gemmPackB(T.self, problem.layout, n: problem.n, k: problem.k, b: b.baseAddress!, ldb: problem.ldb,
                              into: packed.baseAddress!)
                }
            }
            XCTAssertFalse(packed.contains { $0.isNaN }, "every packed float is written")
            problem.a.withUnsafeBufferPointer { a in
                packed.withUnsafeBufferPointer { packed in
                    out.withUnsafeMutableBufferPointer { c in
                        gemm(T.self, problem.layout, m: problem.m, n: problem.n, k: problem.k, a: a.baseAddress!,
                             lda: problem.lda, b: packed.baseAddress!, ldb: 0, c: c.baseAddress!, ldc: problem.ldc,
                             accumulate: accumulate, threads: threads, packedB: packed.baseAddress!)
                    }
                }
            }
            return out.map(\.bitPattern)
        }
        let sizes = [(13, 443, 8), (72, 16, 443), (300, 70, 600), (10, 1030, 20), (520, 40, 300), (7, 5, 3)]
        for layout in [GEMMLayout.nn, .nt, .tn] {
            for (index, (m, n, k)) in sizes.enumerated() {
                let problem = Problem(layout, m: m, n: n, k: k, pad: 2, seed: UInt64(300 + index))
                for accumulate in [false, true] {
                    let chain = problem.fmaChain(accumulate: accumulate).map(\.bitPattern)
                    for threads in [1, 2] {
                        let label = "\(layout) \(m)×\(n)×\(k) accumulate \(accumulate), \(threads) thread(s)"
                        XCTAssertEqual(check(GEMMTile256.self, problem, accumulate: accumulate, threads: threads), chain,
                                       "256-bit " + label)
                        XCTAssertEqual(check(GEMMTile512.self, problem, accumulate: accumulate, threads: threads), chain,
                                       "512-bit " + label)
                    }
                }
            }
        }
    }

    /// k = 0 is an empty sum: C is zeroed, or left alone when accumulating.
    func testEmptyInnerDimensionZeroesOrKeepsC() {
        for accumulate in [false, true] {
            let problem = Problem(.nn, m: 3, n: 5, k: 0, pad: 1, seed: 3)
            let out = problem.run(accumulate: accumulate, threads: 1)
            for i in 0..<3 { for j in 0..<5 {
                XCTAssertEqual(out[i * problem.ldc + j], accumulate ? problem.c[i * problem.ldc + j] : 0)
            } }
        }
    }

    func testPeakMeasurementIsPositiveAndFinite() {
        for threads in [1, 2] {
            let peak = measurePeakGFLOPS(threads: threads, seconds: 0.02)
            XCTAssertTrue(peak.isFinite && peak > 0, "peak \(peak) with \(threads) threads")
        }
        let achieved = benchmarkGEMM(.nn, m: 64, n: 64, k: 64, threads: 1, seconds: 0.01)
        XCTAssertTrue(achieved.isFinite && achieved > 0)
    }
}
