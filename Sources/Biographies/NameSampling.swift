import Kernels
import Coding

/// Full names as 32-bit codes: code = first · 400·1000 + middle · 1000 + last, indices into the
/// global pools (`firstNamePool`, `middleNamePool`, `lastNamePool`). A config's pool is a prefix
/// of each list, so codes from datasets with different pool sizes compare directly: junk people
/// can be kept out of the useful people's names whatever their configs.
struct NamePools: Hashable, Sendable {
    let first: Int, middle: Int, last: Int              // pool sizes in use
    static let firstStride = 400 * 1000, middleStride = 1000

    /// N0 = first · middle · last, the number of possible full names.
    var size: Int { first * middle * last }

    /// N people need N distinct names: throws unless `people` fits the pool.
    func requireDistinctNames(_ people: Int, _ parameter: String) throws {
        try require(people <= size, parameter,
                    expected: "at most firstNames × middleNames × lastNames = \(size) people (names are distinct)", found: "\(people)")
    }

    /// The code of the k-th name of this pool (k in 0..<size), enumerated last-fastest.
    func code(ofIndex k: Int) -> UInt32 {
        let l = k % last, m = (k / last) % middle, f = k / (last * middle)
        return UInt32(f * NamePools.firstStride + m * NamePools.middleStride + l)
    }
    static func parts(_ code: UInt32) -> (first: Int, middle: Int, last: Int) {
        let c = Int(code)
        return (c / firstStride, (c / middleStride) % 400, c % middleStride)
    }
    func contains(_ code: UInt32) -> Bool {
        let p = NamePools.parts(code)
        return p.first < first && p.middle < middle && p.last < last
    }
    /// A uniform name of this pool (repeats allowed).
    func draw(_ rng: inout SeededGenerator) -> UInt32 { code(ofIndex: rng.nextInt(below: size)) }

    /// A uniform name of this pool outside `excluded` (rejection; the caller ensures one exists).
    func draw(_ rng: inout SeededGenerator, excluding excluded: Set<UInt32>) -> UInt32 {
        while true {
            let c = draw(&rng)
            if !excluded.contains(c) { return c }
        }
    }

    /// How many names of `excluded` lie inside this pool.
    func countInside(_ excluded: Set<UInt32>) -> Int { excluded.reduce(0) { $0 + (contains($1) ? 1 : 0) } }

    /// `count` distinct names drawn uniformly without replacement from the pool minus `excluded`.
    /// Dense case (the pool is at most 4× what is needed): a partial Fisher-Yates over the
    /// candidates; sparse case: rejection against a set. Deterministic for a generator state.
    func drawDistinct(_ count: Int, excluding excluded: Set<UInt32>,
                      _ rng: inout SeededGenerator) -> [UInt32] {
        let inside = countInside(excluded)
        precondition(count <= size - inside, "name pool too small (validated earlier)")
        if size <= 4 * (count + inside) {
            var candidates: [UInt32] = []
            candidates.reserveCapacity(size - inside)
            for k in 0..<size {
                let c = code(ofIndex: k)
                if !excluded.contains(c) { candidates.append(c) }
            }
            for i in 0..<count {
                let j = i + rng.nextInt(below: candidates.count - i)
                candidates.swapAt(i, j)
            }
            return Array(candidates[0..<count])
        }
        var seen = Set<UInt32>(minimumCapacity: count)
        var names: [UInt32] = []
        names.reserveCapacity(count)
        while names.count < count {
            let c = draw(&rng)
            if excluded.contains(c) || seen.contains(c) { continue }
            seen.insert(c); names.append(c)
        }
        return names
    }

    /// The words of every name in the pool (for the vocabulary).
    var words: [String] {
        Array(firstNamePool[0..<first]) + Array(middleNamePool[0..<middle]) + Array(lastNamePool[0..<last])
    }
}

/// Token ids of the three name parts, indexed by pool index.
struct NameTokens: Sendable {
    let first: [Int32], middle: [Int32], last: [Int32]
    init(_ pools: NamePools, _ tokenizer: Tokenizer) throws {
        first = try firstNamePool[0..<pools.first].map { try tokenID($0, tokenizer) }
        middle = try middleNamePool[0..<pools.middle].map { try tokenID($0, tokenizer) }
        last = try lastNamePool[0..<pools.last].map { try tokenID($0, tokenizer) }
    }
    static func string(_ code: UInt32) -> String {
        let p = NamePools.parts(code)
        return "\(firstNamePool[p.first]) \(middleNamePool[p.middle]) \(lastNamePool[p.last])"
    }
}

/// The id of a single-token word; a missing word means the vocabulary does not cover this data.
func tokenID(_ word: String, _ tokenizer: Tokenizer) throws -> Int32 {
    guard let id = tokenizer.id(of: word) else {
        throw SpecError("vocabulary", "the word \"\(word)\" is not in the shared vocabulary")
    }
    return id
}

/// Several strings as token-id sequences in one flat table: entry i is tokens[offsets[i]..<offsets[i+1]].
struct TokenTable: Sendable {
    let tokens: [Int32]
    let offsets: [Int]
    init(_ strings: [String], _ tokenizer: Tokenizer) throws {
        var tokens: [Int32] = [], offsets = [0]
        for s in strings {
            guard let ids = tokenizer.encode(s) else {
                throw SpecError("vocabulary", "\"\(s)\" has words outside the shared vocabulary")
            }
            tokens += ids; offsets.append(tokens.count)
        }
        self.tokens = tokens; self.offsets = offsets
    }
    var count: Int { offsets.count - 1 }
    func ids(_ i: Int) -> ArraySlice<Int32> { tokens[offsets[i]..<offsets[i + 1]] }
}
