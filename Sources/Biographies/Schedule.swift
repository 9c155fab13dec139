import Kernels

/// The order in which one kind of data (useful or junk) emits biographies.
/// - `rounds`: in round r every stored person appears once, in the order of a shuffle seeded by
///   (seed, r); E rounds give exactly E appearances each and need O(N) memory. Junk with
///   repeating people runs unbounded rounds.
/// - `fresh`: biography j is a new person derived from (seed, j) (noise junk).
struct Schedule {
    enum Mode { case rounds(people: Int, rounds: Int?), fresh }
    let mode: Mode
    let seed: UInt64
    private(set) var round = 0
    private(set) var position = 0
    private(set) var freshIndex = 0
    private var permutation: [Int32] = []

    init(_ mode: Mode, seed: UInt64) { self.mode = mode; self.seed = seed }

    /// One scheduled biography: who, its person index (fresh: the junk index) and exposure.
    struct Item { var who: Who; var person: Int; var exposure: Int }

    mutating func next() -> Item? {
        switch mode {
        case .fresh:
            defer { freshIndex += 1 }
            return Item(who: .fresh(deriveSeed(seed, UInt64(freshIndex))), person: freshIndex, exposure: 0)
        case .rounds(let people, let rounds):
            if position == people || permutation.isEmpty {
                if !permutation.isEmpty { round += 1 }
                if let rounds, round >= rounds { return nil }
                shuffleRound(people)
                position = 0
            }
            defer { position += 1 }
            return Item(who: .stored(Int(permutation[position])), person: Int(permutation[position]), exposure: round)
        }
    }

    /// The permutation of round `round`: identity shuffled by (seed, round); no allocation after
    /// the first round.
    private mutating func shuffleRound(_ people: Int) {
        if permutation.count != people { permutation = [Int32](repeating: 0, count: people) }
        for i in 0..<people { permutation[i] = Int32(i) }
        var rng = SeededGenerator(seed: deriveSeed(seed, UInt64(round)))
        rng.shuffle(&permutation)
    }
}

/// Per-thread output of one block of biographies.
final class PartBuffer: @unchecked Sendable {
    var tokens: [Int32] = []
    var scratch = RenderScratch()
}

/// Renders one kind's biographies block by block (in parallel, `parts` contiguous pieces of a
/// block) and hands out their tokens in order. The token sequence is the concatenation of the
/// scheduled biographies, so it is the same for any thread count.
final class BiographySource {
    let dataset: Dataset
    let renderSeed: UInt64
    let domain: Bool
    var schedule: Schedule
    let blockSize: Int
    var threads: Int
    private var items: [Schedule.Item] = []
    private var buffers: [PartBuffer] = []
    private var activeParts = 0           // buffers[0..<activeParts] hold the current block
    private var readPart = 0, readOffset = 0
    private(set) var scheduleDone = false

    init(dataset: Dataset, renderSeed: UInt64, domain: Bool, schedule: Schedule, threads: Int, blockSize: Int = 4096) {
        self.dataset = dataset; self.renderSeed = renderSeed; self.domain = domain
        self.schedule = schedule; self.threads = max(1, threads); self.blockSize = blockSize
        items.reserveCapacity(blockSize)
    }

    /// Copies up to `count` next tokens to `dst`; fewer only when the schedule is exhausted.
    func read(into dst: UnsafeMutablePointer<Int32>, count: Int) -> Int {
        var copied = 0
        while copied < count {
            if readPart >= activeParts {
                if !refill() { break }
                continue
            }
            let buf = buffers[readPart]
            let available = buf.tokens.count - readOffset
            if available == 0 { readPart += 1; readOffset = 0; continue }
            let n = min(available, count - copied)
            buf.tokens.withUnsafeBufferPointer { src in
                (dst + copied).update(from: src.baseAddress! + readOffset, count: n)
            }
            readOffset += n; copied += n
        }
        return copied
    }

    /// Renders the next block; false when nothing is left.
    private func refill() -> Bool {
        if scheduleDone { return false }
        items.removeAll(keepingCapacity: true)
        while items.count < blockSize, let item = schedule.next() { items.append(item) }
        if items.count < blockSize { scheduleDone = true }
        if items.isEmpty { return false }
        let parts = min(threads, items.count)
        while buffers.count < parts { buffers.append(PartBuffer()) }
        activeParts = parts
        let buffers = self.buffers, renderSeed = self.renderSeed, domain = self.domain
        dataset.withRenderer { renderer in
            items.withUnsafeBufferPointer { items in
                parallelFor(parts, threads: threads,
                            (renderer: renderer, items: items, buffers: buffers, parts: parts,
                             renderSeed: renderSeed, domain: domain)) { a, part in
                    let (renderer, items, buffers, parts, renderSeed, domain) =
                        (a.renderer, a.items, a.buffers, a.parts, a.renderSeed, a.domain)
                    let buffer = buffers[part]
                    buffer.tokens.removeAll(keepingCapacity: true)
                    var spans = SpanSink.off
                    for i in chunkRange(part, of: parts, count: items.count) {
                        renderer.append(items[i].who, exposure: items[i].exposure, renderSeed: renderSeed,
                                        domain: domain, canonical: false,
                                        into: &buffer.tokens, scratch: &buffer.scratch, spans: &spans)
                    }
                }
            }
        }
        readPart = 0; readOffset = 0
        return true
    }
}
