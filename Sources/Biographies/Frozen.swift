/// An immutable buffer that owns its memory, read in hot loops through raw pointers.
/// Why: an Array read from an object shared between threads is retained and released on every
/// access, and that atomic reference-count traffic is shared by all threads (it took half the
/// rendering time and stopped two threads from being faster than one). A `Frozen` buffer is
/// written once in `init` and freed in `deinit`; pointers into it stay valid while it is alive.
final class Frozen<T: BitwiseCopyable>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    let count: Int

    init(_ values: [T]) {
        count = values.count
        base = .allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { src in
            if let a = src.baseAddress { base.initialize(from: a, count: src.count) }
        }
    }
    deinit { base.deallocate() }

    var buffer: UnsafeBufferPointer<T> { UnsafeBufferPointer(start: base, count: count) }
}

/// Appends ints to one array and remembers where each piece starts (to build a `Frozen` arena
/// whose pieces are then addressed by pointer).
struct ArenaBuilder {
    var ints: [Int32] = []
    mutating func add<C: Collection>(_ piece: C) -> Int where C.Element == Int32 {
        defer { ints.append(contentsOf: piece) }
        return ints.count
    }
}

/// A `TokenTable` inside an arena: entry i is tokens[offsets[i]..<offsets[i+1]].
struct TableView {
    let tokens: UnsafePointer<Int32>
    let offsets: UnsafePointer<Int32>
    @inline(__always) func length(_ i: Int) -> Int { Int(offsets[i + 1] - offsets[i]) }
    @inline(__always) func append(_ i: Int, to out: inout [Int32]) {
        appendTokens(tokens + Int(offsets[i]), Int(offsets[i + 1] - offsets[i]), to: &out)
    }
}

extension ArenaBuilder {
    /// Adds a table's tokens and offsets; returns their positions.
    mutating func add(_ table: TokenTable) -> (tokens: Int, offsets: Int) {
        (add(table.tokens), add(table.offsets.map { Int32($0) }))
    }
}

/// Sorted name codes that a fresh person must avoid, searched by bisection (no hashing, no ARC).
struct SortedCodes {
    let codes: UnsafePointer<UInt32>
    let count: Int
    @inline(__always) func contains(_ code: UInt32) -> Bool {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if codes[mid] < code { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && codes[lo] == code
    }
}

/// Appends n tokens one by one: biographies are built from pieces of 1–6 tokens, where a
/// per-piece memmove costs more than the copy.
@inline(__always)
func appendTokens(_ p: UnsafePointer<Int32>, _ n: Int, to out: inout [Int32]) {
    for i in 0..<n { out.append(p[i]) }
}
