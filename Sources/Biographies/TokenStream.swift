import Kernels
import Coding

/// One biography of a stream, as scheduled (for tests and export).
public struct StreamBiography: Hashable, Sendable {
    public var isJunk: Bool
    /// Stored person index; for fresh (noise) junk, the index of the junk biography.
    public var person: Int
    public var isFresh: Bool
    /// Appearance number: useful data and repeating junk: the round (0..<E for useful people).
    public var exposure: Int
    /// Position of its end-of-text token in its kind's token sequence (useful or junk).
    public var offset: Int
    /// Tokens, end-of-text and domain token included.
    public var length: Int
    /// Window of its kind (0..<usefulWindowCount or 0..<junkWindowCount) whose targets begin with
    /// its first token after end-of-text: offset / contextLength.
    public var window: Int
}

/// The training stream: every useful person's biography exactly E times (E rounds; each round a
/// seeded shuffle of all N people), each preceded by end-of-text (and the domain token when
/// configured), packed into windows of `contextLength` tokens; junk windows interleaved at
/// seeded positions; every window is all-useful or all-junk.
///
/// Packing: each kind (useful, junk) is one token sequence x_0 x_1 …; its window w has inputs
/// x_{wT} … x_{wT+T−1} and targets x_{wT+1} … x_{wT+T}, so consecutive windows of one kind share
/// their boundary token and every token but x_0 is a target exactly once. The useful sequence
/// has L_U tokens and gives ⌈(L_U − 1)/T⌉ windows; the last is padded with end-of-text inputs and
/// target −1 (ignore). Junk windows: round(f/(1 − f) · useful windows), so the junk fraction of
/// windows (and of tokens) is within one window of f. Which windows are junk is a uniformly
/// random subset (selection sampling from a seeded generator, O(1) memory).
///
/// Determinism: the stream depends only on (datasets, config, seed), never on `threads`: each
/// biography's rendering is seeded by (seed, person, exposure) and blocks are concatenated in
/// schedule order. Memory: O(N) (one round's permutation, one block of rendered biographies).
/// Not for concurrent use; move it to the thread that trains.
public final class TokenStream: @unchecked Sendable {
    public let dataset: Dataset
    public let junk: Dataset?
    public let config: StreamConfig
    public let seed: UInt64
    /// Threads used to render a block of biographies (any value gives the same stream).
    public var threads: Int { didSet { useful?.threads = max(1, threads); junkSource?.threads = max(1, threads) } }

    public var contextLength: Int { config.contextLength }
    public let windowCount: Int
    public let usefulWindowCount: Int
    public let junkWindowCount: Int
    /// L_U: tokens of the useful sequence (N·E biographies, end-of-text and domain tokens included).
    public let usefulTokenCount: Int
    /// Targets that are not −1 over the whole stream: (L_U − 1) + junk windows · T.
    public let plannedTrainedTokens: Int
    /// Windows written so far.
    public private(set) var windowsEmitted = 0
    /// Windows still to come.
    public var remainingWindows: Int { windowCount - windowsEmitted }
    /// Targets written so far that are not −1 (tokens trained on).
    public private(set) var tokensTrained = 0
    /// Sorted ids of the tokens that occur in the stream's windows (as inputs or targets): the
    /// embedding rows the paper's parameter count includes (docs/science.md, "Parameters").
    /// Computed on first use by one pass over the stream's token sequence (`occurringTokens`).
    public private(set) lazy var usedTokenIDs: [Int32] = occurringTokens()

    /// Render seed of useful biographies: `dataset.rendering(person:exposure:seed:)` with this seed
    /// reproduces the stream's biography of that person and exposure.
    public let usefulRenderSeed: UInt64
    let junkRenderSeed: UInt64
    let usefulRoundSeed: UInt64, junkRoundSeed: UInt64, freshSeed: UInt64, selectorSeed: UInt64

    private var useful: BiographySource?
    private var junkSource: BiographySource?
    private var usefulBoundary: Int32?, junkBoundary: Int32?
    private var usefulWindowsDone = 0, junkWindowsDone = 0
    private var selector: SeededGenerator

    /// Builds the stream and counts its windows (a counting pass over N·E layouts for bioS; O(N)
    /// otherwise). With `config.junk` set and `junk` nil, the junk dataset is built here from
    /// deriveSeed(seed, "junk dataset"), sharing `dataset`'s vocabulary (build `dataset` with
    /// `Dataset(spec:seed:stream:)` so it covers the junk words).
    public init(dataset: Dataset, config: StreamConfig, junk: Dataset? = nil, seed: UInt64, threads: Int = 1) throws {
        try config.validate()
        if dataset.freshOnly { throw SpecError("dataset", "a fresh-only junk dataset cannot be the useful data") }
        var junkData = junk
        if let spec = config.junk {
            if let j = junkData {
                if j.spec != spec.dataset {
                    throw SpecError("stream.junk.dataset", "the junk Dataset was built from a different spec than stream.junk.dataset")
                }
                if j.tokenizer != dataset.tokenizer {
                    throw SpecError("stream.junk.dataset", "the junk Dataset's vocabulary differs from the useful one; build it with Dataset(junk:seed:sharingVocabularyWith:freshPeople:)")
                }
                if j.freshOnly != spec.freshPeople {
                    throw SpecError("stream.junk.freshPeople", "the junk Dataset was built with freshPeople = \(j.freshOnly)")
                }
            } else {
                junkData = try Dataset(junk: spec.dataset, seed: deriveSeed(seed, "junk dataset"),
                                       sharingVocabularyWith: dataset, freshPeople: spec.freshPeople)
            }
        } else if junk != nil {
            throw SpecError("stream.junk", "a junk Dataset was given but the stream config has no junk")
        }
        self.dataset = dataset; self.junk = junkData; self.config = config; self.seed = seed
        self.threads = max(1, threads)
        usefulRenderSeed = deriveSeed(seed, "useful render")
        junkRenderSeed = deriveSeed(seed, "junk render")
        usefulRoundSeed = deriveSeed(seed, "useful rounds")
        junkRoundSeed = deriveSeed(seed, "junk rounds")
        freshSeed = deriveSeed(seed, "fresh junk")
        selectorSeed = deriveSeed(seed, "junk windows")
        selector = SeededGenerator(seed: selectorSeed)

        let T = config.contextLength, E = config.exposures
        let lu = TokenStream.countUsefulTokens(dataset, exposures: E, renderSeed: usefulRenderSeed,
                                               domain: config.domainToken, threads: self.threads)
        usefulTokenCount = lu
        usefulWindowCount = (lu - 1 + T - 1) / T
        if let f = config.junk?.fraction, f > 0 {
            junkWindowCount = Int((f / (1 - f) * Double(usefulWindowCount)).rounded())
        } else {
            junkWindowCount = 0
        }
        windowCount = usefulWindowCount + junkWindowCount
        plannedTrainedTokens = (lu - 1) + junkWindowCount * T

        reset()
    }

    /// Restarts the stream from its first window (same windows again).
    public func reset() {
        useful = BiographySource(dataset: dataset, renderSeed: usefulRenderSeed, domain: config.domainToken,
                                 schedule: usefulSchedule(), threads: threads)
        junkSource = junk.map { j in
            BiographySource(dataset: j, renderSeed: junkRenderSeed, domain: false, schedule: junkSchedule(j), threads: threads)
        }
        usefulBoundary = nil; junkBoundary = nil
        usefulWindowsDone = 0; junkWindowsDone = 0
        windowsEmitted = 0; tokensTrained = 0
        selector = SeededGenerator(seed: selectorSeed)
    }

    func usefulSchedule() -> Schedule {
        Schedule(.rounds(people: dataset.personCount, rounds: config.exposures), seed: usefulRoundSeed)
    }
    func junkSchedule(_ j: Dataset) -> Schedule {
        j.freshOnly ? Schedule(.fresh, seed: freshSeed)
                    : Schedule(.rounds(people: j.personCount, rounds: nil), seed: junkRoundSeed)
    }

    /// Writes the next `count` windows (fewer at the end of the stream; returns how many):
    /// `inputs` and `targets` each [written × contextLength]; target −1 = ignore (padding).
    /// `junkFlags`, if given, receives one flag per window written. No allocation once warm.
    @discardableResult
    public func nextWindows(_ count: Int, inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>,
                            junkFlags: UnsafeMutablePointer<Bool>? = nil) -> Int {
        let T = config.contextLength
        var written = 0
        while written < count && windowsEmitted < windowCount {
            let remaining = windowCount - windowsEmitted
            let junkLeft = junkWindowCount - junkWindowsDone
            let isJunk = junkLeft > 0 && selector.nextInt(below: remaining) < junkLeft
            let inp = inputs + written * T, tgt = targets + written * T
            if isJunk {
                tokensTrained += fill(junkSource!, boundary: &junkBoundary, inp, tgt)
                junkWindowsDone += 1
            } else {
                tokensTrained += fill(useful!, boundary: &usefulBoundary, inp, tgt)
                usefulWindowsDone += 1
            }
            junkFlags?[written] = isJunk
            windowsEmitted += 1; written += 1
        }
        return written
    }

    /// One window of one kind; returns the number of real targets.
    private func fill(_ source: BiographySource, boundary: inout Int32?, _ inputs: UnsafeMutablePointer<Int32>,
                      _ targets: UnsafeMutablePointer<Int32>) -> Int {
        let T = config.contextLength, eos = dataset.tokenizer.endOfText
        if boundary == nil {
            var first: Int32 = eos
            if source.read(into: &first, count: 1) == 0 {       // nothing left: an all-padding window
                for j in 0..<T { inputs[j] = eos; targets[j] = -1 }
                return 0
            }
            boundary = first
        }
        inputs[0] = boundary!
        let got = source.read(into: targets, count: T)
        if T > 1 { (inputs + 1).update(from: targets, count: min(got, T - 1)) }
        if got < T {
            for j in got..<T { targets[j] = -1 }
            if got + 1 < T { for j in (got + 1)..<T { inputs[j] = eos } }
            boundary = nil
        } else {
            boundary = targets[T - 1]
        }
        return got
    }

    /// L_U: total tokens of all N·E useful biographies. bioS (not simple) sums the layout of every
    /// (person, exposure), split over threads by person; other data has exposure-free lengths.
    static func countUsefulTokens(_ d: Dataset, exposures: Int, renderSeed: UInt64, domain: Bool, threads: Int) -> Int {
        let n = d.personCount
        let parts = max(1, min(threads, n))
        var partial = [Int](repeating: 0, count: parts)
        let exposureFree = d.lengthIndependentOfExposure
        partial.withUnsafeMutableBufferPointer { sums in
            let box = UncheckedSendable(sums)
            d.withRenderer { r in
                parallelFor(parts, threads: threads,
                            (r: r, box: box, n: n, parts: parts, exposureFree: exposureFree, exposures: exposures,
                             renderSeed: renderSeed, domain: domain)) { a, part in
                    let (r, box, n, parts, exposureFree) = (a.r, a.box, a.n, a.parts, a.exposureFree)
                    let (exposures, renderSeed, domain) = (a.exposures, a.renderSeed, a.domain)
                    var s = 0
                    for p in chunkRange(part, of: parts, count: n) {
                        if exposureFree {
                            s += exposures * r.length(.stored(p), exposure: 0, renderSeed: renderSeed, domain: domain)
                        } else {
                            for e in 0..<exposures { s += r.length(.stored(p), exposure: e, renderSeed: renderSeed, domain: domain) }
                        }
                    }
                    box.value[part] = s
                }
            }
        }
        return partial.reduce(0, +)
    }

    /// The tokens of the stream's windows: every useful token (the last window's padding is
    /// end-of-text, which opens every biography anyway) and the first junkWindows · T + 1 tokens
    /// of the junk sequence (the junk windows read T each after one boundary token). Data whose
    /// stored renderings do not depend on the exposure (all but non-simple bioS) shows every
    /// person at least once, so its useful tokens are `dataset.usedTokenIDs`; the rest is
    /// rendered, in blocks, on fresh sources (the stream's own position is untouched).
    func occurringTokens() -> [Int32] {
        var seen = [Bool](repeating: false, count: dataset.tokenizer.count)
        func mark(_ source: BiographySource, tokens limit: Int?) {
            var block = [Int32](repeating: 0, count: 1 << 16)
            var left = limit ?? Int.max
            while left > 0 {
                let n = block.withUnsafeMutableBufferPointer { source.read(into: $0.baseAddress!, count: min(left, $0.count)) }
                if n == 0 { break }
                for t in block[0..<n] { seen[Int(t)] = true }
                left -= n
            }
        }
        if dataset.lengthIndependentOfExposure {
            for t in dataset.usedTokenIDs { seen[Int(t)] = true }
            if config.domainToken { seen[Int(dataset.tokenizer.domainToken)] = true }
        } else {
            mark(BiographySource(dataset: dataset, renderSeed: usefulRenderSeed, domain: config.domainToken,
                                 schedule: usefulSchedule(), threads: threads), tokens: nil)
        }
        if let j = junk, junkWindowCount > 0 {
            mark(BiographySource(dataset: j, renderSeed: junkRenderSeed, domain: false, schedule: junkSchedule(j), threads: threads),
                 tokens: junkWindowCount * config.contextLength + 1)
        }
        return seen.indices.filter { seen[$0] }.map { Int32($0) }
    }

    // MARK: - Iterating the schedule (tests, export)

    /// Every useful biography in stream order, then (if any) every junk biography whose window is
    /// in the stream, in junk order. Computed from the schedule and lengths, without rendering.
    public func forEachBiography(_ body: (StreamBiography) -> Void) {
        var it = biographies(junk: false)
        while let b = it.next() { body(b) }
        if junkWindowCount > 0 {
            var jt = biographies(junk: true)
            while let b = jt.next() { body(b) }
        }
    }

    /// Iterator over one kind's biographies in stream order.
    public struct BiographyIterator: IteratorProtocol {
        let dataset: Dataset
        let renderSeed: UInt64
        let domain: Bool
        let isJunk: Bool
        let windowLimit: Int
        let contextLength: Int
        var schedule: Schedule
        var offset = 0
        public mutating func next() -> StreamBiography? {
            if offset / contextLength >= windowLimit { return nil }
            guard let item = schedule.next() else { return nil }
            let length = dataset.length(item.who, exposure: item.exposure, renderSeed: renderSeed, domain: domain)
            defer { offset += length }
            let fresh: Bool
            if case .fresh = item.who { fresh = true } else { fresh = false }
            return StreamBiography(isJunk: isJunk, person: item.person, isFresh: fresh, exposure: item.exposure,
                                   offset: offset, length: length, window: offset / contextLength)
        }
    }

    public func biographies(junk isJunk: Bool) -> BiographyIterator {
        if isJunk, let j = junk {
            return BiographyIterator(dataset: j, renderSeed: junkRenderSeed, domain: false, isJunk: true,
                                     windowLimit: junkWindowCount, contextLength: config.contextLength,
                                     schedule: junkSchedule(j))
        }
        return BiographyIterator(dataset: dataset, renderSeed: usefulRenderSeed, domain: config.domainToken,
                                 isJunk: isJunk, windowLimit: isJunk ? 0 : usefulWindowCount,
                                 contextLength: config.contextLength, schedule: usefulSchedule())
    }

    /// The rendering (tokens and spans) of a scheduled biography, exactly as the stream emits it.
    public func rendering(of b: StreamBiography) -> Rendering {
        let d = b.isJunk ? junk! : dataset
        let who: Who = b.isFresh ? .fresh(deriveSeed(freshSeed, UInt64(b.person))) : .stored(b.person)
        var r = d.render(who, exposure: b.exposure, renderSeed: b.isJunk ? junkRenderSeed : usefulRenderSeed,
                         domain: b.isJunk ? false : config.domainToken, canonical: false)
        r.person = b.person
        return r
    }

    /// Whether each window of the stream is junk, in order (O(windows) memory; export and tests).
    public func windowKinds() -> [Bool] {
        var rng = SeededGenerator(seed: selectorSeed)
        var kinds: [Bool] = []
        kinds.reserveCapacity(windowCount)
        var junkLeft = junkWindowCount
        for w in 0..<windowCount {
            let isJunk = junkLeft > 0 && rng.nextInt(below: windowCount - w) < junkLeft
            if isJunk { junkLeft -= 1 }
            kinds.append(isJunk)
        }
        return kinds
    }
}
