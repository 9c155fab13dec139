import Foundation
import Kernels
import XCTest
@testable import Biographies

final class StreamTests: XCTestCase {
    /// People of a bioS/bioD biography, identified by their name tokens right after EOS [domain].
    func personIndex(_ d: Dataset) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: (0..<d.personCount).map { (d.name(of: $0), $0) })
    }

    func testEveryPersonAppearsExactlyEExposuresInTheWindows() throws {
        let E = 7
        let d = try Dataset(spec: .bioS(smallBioS(300)), seed: 1)
        let s = try TokenStream(dataset: d, config: StreamConfig(exposures: E, contextLength: 64), seed: 5, threads: 2)
        let w = drain(s)
        let seq = kindSequence(w, T: 64, junk: false)
        XCTAssertEqual(seq.count, s.usefulTokenCount)
        let bios = splitBiographies(seq, eos: d.tokenizer.endOfText)
        XCTAssertEqual(bios.count, 300 * E)
        let index = personIndex(d)
        var counts = [Int](repeating: 0, count: 300)
        for b in bios { counts[index[d.tokenizer.decode(b.dropFirst().prefix(3))]!] += 1 }
        XCTAssertEqual(counts, [Int](repeating: E, count: 300))
        // The schedule says the same, and its renderings are exactly the stream's tokens.
        var scheduled: [Int32] = []
        var perPerson = [Set<Int>](repeating: [], count: 300)
        s.forEachBiography { b in
            XCTAssertFalse(b.isJunk)
            XCTAssertEqual(b.offset, scheduled.count)
            XCTAssertEqual(b.window, b.offset / 64)
            scheduled += s.rendering(of: b).tokens
            perPerson[b.person].insert(b.exposure)
        }
        XCTAssertEqual(scheduled, seq)
        XCTAssertTrue(perPerson.allSatisfy { $0 == Set(0..<E) })
        // Each round is one appearance of everybody.
        XCTAssertEqual(Set(bios.prefix(300).map { d.tokenizer.decode($0.dropFirst().prefix(3)) }).count, 300)
    }

    func testEveryBioDAndRandomItemAppearsExactlyETimes() throws {
        let E = 5
        let bioD = try Dataset(spec: .bioD(BioDConfig(people: 120, attributes: 3, diversity: 10, alphabet: 10)), seed: 2)
        let sd = try TokenStream(dataset: bioD, config: StreamConfig(exposures: E, contextLength: 50), seed: 3)
        let index = personIndex(bioD)
        var counts = [Int](repeating: 0, count: 120)
        for b in splitBiographies(kindSequence(drain(sd), T: 50, junk: false), eos: 0) {
            counts[index[bioD.tokenizer.decode(b.dropFirst().prefix(3))]!] += 1
        }
        XCTAssertEqual(counts, [Int](repeating: E, count: 120))
        let random = try Dataset(spec: .random(RandomConfig(sequences: 40, length: 12, vocabulary: 1000)), seed: 2)
        let sr = try TokenStream(dataset: random, config: StreamConfig(exposures: E, contextLength: 31), seed: 3)
        var seqCounts: [ArraySlice<Int32>: Int] = [:]
        for b in splitBiographies(kindSequence(drain(sr), T: 31, junk: false), eos: 0) { seqCounts[b.dropFirst(), default: 0] += 1 }
        XCTAssertEqual(seqCounts.count, 40)
        XCTAssertTrue(seqCounts.values.allSatisfy { $0 == E })
    }

    func testWindowsArePackedWithSharedBoundariesAndPaddedAtTheEnd() throws {
        let d = try Dataset(spec: .bioS(smallBioS(40)), seed: 1)
        let T = 33
        let s = try TokenStream(dataset: d, config: StreamConfig(exposures: 3, contextLength: T), seed: 2)
        let w = drain(s, batch: 4)
        XCTAssertEqual(w.junk.count, s.windowCount)
        XCTAssertEqual(s.windowCount, (s.usefulTokenCount - 1 + T - 1) / T)
        XCTAssertEqual(s.tokensTrained, s.plannedTrainedTokens)
        XCTAssertEqual(s.tokensTrained, s.usefulTokenCount - 1)
        for k in 0..<s.windowCount {
            for j in 0..<(T - 1) where w.targets[k * T + j] != -1 {
                XCTAssertEqual(w.inputs[k * T + j + 1], w.targets[k * T + j])      // next-token targets
            }
            if k + 1 < s.windowCount { XCTAssertEqual(w.inputs[(k + 1) * T], w.targets[k * T + T - 1]) }
        }
        let padding = w.targets.filter { $0 == -1 }.count
        XCTAssertEqual(padding, s.windowCount * T - (s.usefulTokenCount - 1))
        XCTAssertLessThan(padding, T)
        // Exhausted: no more windows.
        var bufIn = [Int32](repeating: 0, count: T), bufTg = bufIn
        XCTAssertEqual(s.nextWindows(1, inputs: &bufIn, targets: &bufTg), 0)
        // reset() gives the same windows again.
        s.reset()
        let again = drain(s, batch: 5)
        XCTAssertEqual(again.inputs, w.inputs); XCTAssertEqual(again.targets, w.targets)
    }

    func testJunkWindowFractionIsWithinOneWindowOfTheTarget() throws {
        for (fraction, fresh) in [(7.0 / 8, true), (0.5, false), (0.3, true), (0.0, true)] {
            let junk = JunkSpec(dataset: .bioS(smallBioS(50)), fraction: fraction, freshPeople: fresh)
            let config = StreamConfig(exposures: 4, contextLength: 64, junk: junk)
            let d = try Dataset(spec: .bioS(smallBioS(100)), seed: 1, stream: config)
            let s = try TokenStream(dataset: d, config: config, seed: 9)
            let w = drain(s)
            let junkWindows = w.junk.filter { $0 }.count
            XCTAssertEqual(junkWindows, s.junkWindowCount)
            XCTAssertEqual(w.junk.count, s.windowCount)
            XCTAssertLessThanOrEqual(abs(Double(junkWindows) - fraction * Double(s.windowCount)), 1.0, "f = \(fraction)")
            // Junk tokens are junk windows · T: the token fraction is the window fraction.
            XCTAssertEqual(s.tokensTrained, s.usefulTokenCount - 1 + junkWindows * 64)
            if fraction > 0.4 {
                // Junk windows are spread over the stream, not bunched at one end.
                let firstHalf = w.junk.prefix(w.junk.count / 2).filter { $0 }.count
                XCTAssertEqual(Double(firstHalf), Double(junkWindows) / 2, accuracy: Double(junkWindows) * 0.15)
            }
        }
    }

    /// The paper's parameter count keeps the embedding rows of `usedTokenIDs`: exactly the tokens
    /// of the windows the model trains on (inputs and targets), for every kind of data and junk:
    /// noise junk over 5 windows shows far fewer words than its spec can render, and a bioS
    /// stream shows a template only if some exposure drew it.
    func testUsedTokensAreExactlyTheTokensOfTheWindows() throws {
        let bioD = DatasetSpec.bioD(BioDConfig(people: 40, attributes: 3, diversity: 64, alphabet: 64))
        let rare = smallBioS(3)
        let cases: [(String, DatasetSpec, StreamConfig)] = [
            ("bioD", bioD, StreamConfig(exposures: 2, contextLength: 32, domainToken: true)),
            ("bioD + noise junk, 5 windows", bioD,
             StreamConfig(exposures: 1, contextLength: 16, junk: JunkSpec(dataset: bioD, fraction: 0.13, freshPeople: true))),
            ("bioD + repetitive junk, 3 windows", bioD,
             StreamConfig(exposures: 1, contextLength: 16, junk: JunkSpec(dataset: .bioD(BioDConfig(people: 30, attributes: 3, diversity: 64, alphabet: 64)),
                                                                          fraction: 0.03))),
            ("bioS", .bioS(rare), StreamConfig(exposures: 2, contextLength: 24)),
            ("simple bioS + bioS noise junk", .bioS(smallBioS(30, simple: true)),
             StreamConfig(exposures: 2, contextLength: 24, junk: JunkSpec(dataset: .bioS(smallBioS(30)), fraction: 0.1, freshPeople: true))),
            ("random", .random(RandomConfig(sequences: 20, length: 8, vocabulary: 50)), StreamConfig(exposures: 1, contextLength: 16)),
        ]
        for (name, spec, config) in cases {
            let d = try Dataset(spec: spec, seed: 3, stream: config)
            let s = try TokenStream(dataset: d, config: config, seed: 9, threads: 2)
            let w = drain(s)
            let seen = Set(w.inputs).union(w.targets.filter { $0 >= 0 })
            XCTAssertEqual(s.usedTokenIDs, seen.sorted(), name)
            if config.junk != nil { XCTAssertGreaterThan(s.junkWindowCount, 0, name) }
        }
        // The cases that make the rule matter: words the spec could render but no window shows.
        let noise = try Dataset(spec: bioD, seed: 3, stream: cases[1].2)
        let noiseStream = try TokenStream(dataset: noise, config: cases[1].2, seed: 9)
        XCTAssertEqual(noiseStream.junkWindowCount, 5, "\(noiseStream.usefulWindowCount) useful windows")
        var renderable = Set(noise.usedTokenIDs)
        for word in bioD.words { if let id = noise.tokenizer.id(of: word) { renderable.insert(id) } }
        XCTAssertLessThan(noiseStream.usedTokenIDs.count, renderable.count)
        let rareData = try Dataset(spec: .bioS(rare), seed: 3)
        XCTAssertLessThan(try TokenStream(dataset: rareData, config: cases[3].2, seed: 9).usedTokenIDs.count, rareData.usedTokenIDs.count)
    }

    func testDomainTokenOpensEveryUsefulBiographyAndNoJunkOne() throws {
        let junk = JunkSpec(dataset: .bioS(smallBioS(20)), fraction: 0.75, freshPeople: false)
        let config = StreamConfig(exposures: 3, contextLength: 48, junk: junk, domainToken: true)
        let d = try Dataset(spec: .bioS(smallBioS(60)), seed: 1, stream: config)
        let s = try TokenStream(dataset: d, config: config, seed: 4)
        let w = drain(s)
        let eos = d.tokenizer.endOfText, dom = d.tokenizer.domainToken
        let useful = splitBiographies(kindSequence(w, T: 48, junk: false), eos: eos)
        XCTAssertEqual(useful.count, 60 * 3)
        for b in useful { XCTAssertEqual(b[b.startIndex + 1], dom) }
        XCTAssertEqual(kindSequence(w, T: 48, junk: false).filter { $0 == dom }.count, 180)
        let junkSeq = kindSequence(w, T: 48, junk: true)
        XCTAssertFalse(junkSeq.contains(dom))
        XCTAssertGreaterThan(splitBiographies(junkSeq, eos: eos).count, 100)
        XCTAssertTrue(s.usedTokenIDs.contains(dom))
        // Repetitive junk: the 20 junk people, none of them a useful person.
        let usefulNames = Set((0..<60).map(d.name(of:)))
        var junkNames = Set<String>()
        for b in splitBiographies(junkSeq, eos: eos).dropFirst().dropLast() {
            junkNames.insert(d.tokenizer.decode(b.dropFirst().prefix(3)))
        }
        XCTAssertEqual(junkNames.count, 20)
        XCTAssertTrue(junkNames.isDisjoint(with: usefulNames))
    }

    func testFreshJunkPeopleAreNewAndNamedOutsideTheUsefulSet() throws {
        // 5 · 5 · 5 = 125 names, 100 of them useful: a fresh junk name collides 80% of the time
        // unless excluded.
        var pools = BioSConfig(people: 100)
        pools.firstNames = 5; pools.middleNames = 5; pools.lastNames = 5
        var junkPools = pools; junkPools.people = 1
        let config = StreamConfig(exposures: 2, contextLength: 40,
                                  junk: JunkSpec(dataset: .bioS(junkPools), fraction: 0.5, freshPeople: true))
        let d = try Dataset(spec: .bioS(pools), seed: 1, stream: config)
        let s = try TokenStream(dataset: d, config: config, seed: 3)
        XCTAssertEqual(s.junk?.personCount, 0)
        let usefulNames = Set((0..<100).map(d.name(of:)))
        var count = 0, indices = Set<Int>()
        var renderings = Set<[Int32]>()
        s.forEachBiography { b in
            guard b.isJunk else { return }
            XCTAssertTrue(b.isFresh)
            let r = s.rendering(of: b)
            XCTAssertFalse(usefulNames.contains(d.tokenizer.decode(r.tokens[r.nameSpan])))
            renderings.insert(r.tokens); indices.insert(b.person); count += 1
        }
        XCTAssertGreaterThan(count, 100)
        XCTAssertEqual(indices.count, count)
        XCTAssertEqual(renderings.count, count)            // each a new person
        // The windows hold exactly those biographies.
        let junkSeq = kindSequence(drain(s), T: 40, junk: true)
        var scheduled: [Int32] = []
        s.forEachBiography { b in if b.isJunk { scheduled += s.rendering(of: b).tokens } }
        XCTAssertEqual(Array(scheduled.prefix(junkSeq.count)), junkSeq)
        XCTAssertEqual(junkSeq.count, s.junkWindowCount * 40 + 1)
    }

    func testSameSeedGivesIdenticalStreamWithOneAndTwoThreads() throws {
        // 600 people · 9 exposures = 5,400 biographies: more than one block of 4,096.
        let config = StreamConfig(exposures: 9, contextLength: 128,
                                  junk: JunkSpec(dataset: .bioS(smallBioS(10)), fraction: 0.25, freshPeople: true),
                                  domainToken: true)
        let d = try Dataset(spec: .bioS(smallBioS(600)), seed: 1, stream: config)
        let one = drain(try TokenStream(dataset: d, config: config, seed: 77, threads: 1), batch: 16)
        let two = drain(try TokenStream(dataset: d, config: config, seed: 77, threads: 2), batch: 3)
        let three = drain(try TokenStream(dataset: d, config: config, seed: 77, threads: 3), batch: 64)
        XCTAssertEqual(one.inputs, two.inputs); XCTAssertEqual(one.targets, two.targets); XCTAssertEqual(one.junk, two.junk)
        XCTAssertEqual(one.inputs, three.inputs)
        let other = drain(try TokenStream(dataset: d, config: config, seed: 78, threads: 2), batch: 16)
        XCTAssertNotEqual(one.inputs, other.inputs)
        let otherData = try Dataset(spec: .bioS(smallBioS(600)), seed: 2, stream: config)
        XCTAssertNotEqual(one.inputs, drain(try TokenStream(dataset: otherData, config: config, seed: 77)).inputs)
    }

    func testCountingPassMatchesRenderedTokensForEveryKind() throws {
        let specs: [DatasetSpec] = [.bioS(smallBioS(70)), .bioS(smallBioS(70, simple: true)),
                                    .bioD(BioDConfig(people: 70, attributes: 4, chunks: 2, diversity: 9, chunkLength: 2, alphabet: 5)),
                                    .random(RandomConfig(sequences: 70, length: 9, vocabulary: 30))]
        for spec in specs {
            let d = try Dataset(spec: spec, seed: 1)
            let s = try TokenStream(dataset: d, config: StreamConfig(exposures: 6, contextLength: 100, domainToken: true), seed: 2, threads: 2)
            XCTAssertEqual(kindSequence(drain(s), T: 100, junk: false).count, s.usefulTokenCount)
            XCTAssertEqual(s.tokensTrained, s.usefulTokenCount - 1)
        }
    }

    func testBioSSimpleStreamRepeatsOneRenderingPerPerson() throws {
        let d = try Dataset(spec: .bioS(smallBioS(30, simple: true)), seed: 1)
        let s = try TokenStream(dataset: d, config: StreamConfig(exposures: 4, contextLength: 64), seed: 2)
        let bios = splitBiographies(kindSequence(drain(s), T: 64, junk: false), eos: 0)
        XCTAssertEqual(Set(bios.map(Array.init)).count, 30)
        let free = try Dataset(spec: .bioS(smallBioS(30)), seed: 1)
        let sf = try TokenStream(dataset: free, config: StreamConfig(exposures: 4, contextLength: 64), seed: 2)
        XCTAssertEqual(Set(splitBiographies(kindSequence(drain(sf), T: 64, junk: false), eos: 0).map(Array.init)).count, 120)
    }

    /// Generation speed (set CAPACITY_BENCH=1): default bioS(20000), 20 exposures, windows of
    /// 512; biographies per second through `nextWindows` (best of 3), 1 and 2 threads.
    func testBenchmarkGenerationSpeed() throws {
        guard ProcessInfo.processInfo.environment["CAPACITY_BENCH"] != nil else { throw XCTSkip("set CAPACITY_BENCH=1") }
        let n = 20_000, e = 20
        let d = try Dataset(spec: .bioS(BioSConfig(people: n)), seed: 1)
        for threads in [1, 2] {
            var best = Double.infinity, counting = Double.infinity, tokens = 0, cpu = 0.0
            for _ in 0..<3 {
                let cpuStart = clock()
                let start = Date()
                let s = try TokenStream(dataset: d, config: StreamConfig(exposures: e, contextLength: 512), seed: 1, threads: threads)
                let built = Date()
                var inputs = [Int32](repeating: 0, count: 8 * 512), targets = inputs
                var windows = 0
                while case let n = s.nextWindows(8, inputs: &inputs, targets: &targets), n > 0 { windows += n }
                let wall = Date().timeIntervalSince(built)
                // What was timed is the whole stream: every window, every planned target.
                XCTAssertEqual(windows, s.windowCount)
                XCTAssertEqual(s.tokensTrained, s.plannedTrainedTokens)
                if wall < best { cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC) / (wall + built.timeIntervalSince(start)) }
                best = min(best, wall); counting = min(counting, built.timeIntervalSince(start))
                tokens = s.usefulTokenCount
            }
            print(String(format: "bioS(%d) × %d exposures, %d thread(s): counting pass %.3f s, windows %.3f s → %.0f biographies/s, %.1f M tokens/s, %.1f tokens/biography, %.2f cores busy",
                         n, e, threads, counting, best, Double(n * e) / best, Double(tokens) / best / 1e6, Double(tokens) / Double(n * e), cpu))
        }
    }
}

/// Allocation check (set CAPACITY_ALLOC=<windows>): warms a stream up, then reads that many more
/// windows one at a time; run under `perf stat -e probe_libc:malloc` with two values and compare.
final class StreamAllocationProbe: XCTestCase {
    func testProbeAllocationsWhileReadingWindows() throws {
        guard let n = ProcessInfo.processInfo.environment["CAPACITY_ALLOC"].flatMap(Int.init) else { throw XCTSkip("set CAPACITY_ALLOC") }
        let threads = ProcessInfo.processInfo.environment["CAPACITY_THREADS"].flatMap(Int.init) ?? 1
        let config = StreamConfig(exposures: 100, contextLength: 128,
                                  junk: JunkSpec(dataset: .bioD(BioDConfig(people: 10, attributes: 3, diversity: 5, alphabet: 5)),
                                                 fraction: 0.5, freshPeople: true), domainToken: true)
        let d = try Dataset(spec: .bioS(smallBioS(5000)), seed: 1, stream: config)
        let s = try TokenStream(dataset: d, config: config, seed: 1, threads: threads)
        var inputs = [Int32](repeating: 0, count: 128), targets = inputs
        for _ in 0..<20_000 { s.nextWindows(1, inputs: &inputs, targets: &targets) }   // warm up
        for _ in 0..<n { s.nextWindows(1, inputs: &inputs, targets: &targets) }
        XCTAssertEqual(s.windowsEmitted, 20_000 + n, "the stream has that many windows: a probe of fewer reads measures nothing")
        print("read \(20_000 + n) windows")
    }
}
