import Foundation
import Kernels
import Coding

/// One biography as token ids with the positions the evaluator scores.
/// `tokens[0]` is end-of-text (a biography is scored right after one); with a domain token,
/// `tokens[1]` is the domain token. Spans index into `tokens`.
public struct Rendering: Hashable, Sendable {
    public var tokens: [Int32]
    /// The full name's tokens (empty for random data).
    public var nameSpan: Range<Int>
    /// One span per counted attribute, in `Dataset.attributeNames` order. bioS: birth date, birth
    /// city, university, major, employer, gender (the pronoun opening the second sentence).
    /// bioD: ID 1...ID K (all C·L symbols). random: the whole sequence.
    public var valueSpans: [Range<Int>]
    /// bioD: the first chunk (L tokens) of each value, attribute order; empty otherwise.
    public var firstChunkSpans: [Range<Int>]
    /// The person's index in the dataset (for fresh junk people, the junk biography's index).
    public var person: Int
}

/// Who a biography is about: a stored person, or a fresh person (noise junk) derived from a seed.
enum Who: Hashable, Sendable {
    case stored(Int)
    case fresh(UInt64)
}

/// Where rendering writes spans. With `record == false` nothing is written (the stream's hot path).
struct SpanSink {
    var record: Bool
    var name: Range<Int> = 0..<0
    var values: [Range<Int>]
    var firstChunks: [Range<Int>]
    static let off = SpanSink(record: false, values: [], firstChunks: [])
    init(record: Bool, values: [Range<Int>], firstChunks: [Range<Int>]) {
        self.record = record; self.values = values; self.firstChunks = firstChunks
    }
}

/// Reusable per-thread buffers for rendering (no allocation once warmed up).
struct RenderScratch {
    var order: [Int] = []
    var values: [Int32] = []
}

/// A dataset built from a spec and a seed: people with names and values, the tokenizer, the
/// closed-form information content and renderings with spans. Immutable and `Sendable`: many
/// runs and threads may render from one dataset at once.
public final class Dataset: Sendable {
    public let spec: DatasetSpec
    public let seed: UInt64
    public let tokenizer: Tokenizer
    /// Closed-form bits of this dataset (uses the spec's N even when people are fresh junk).
    public let information: InformationContent
    /// Counted attributes, in span order (bioS: birth date … gender; bioD: "ID 1"…; random: "sequence").
    public let attributeNames: [String]
    /// Number of possible values of each counted attribute (bioD: D^C; random: V^S, may be +inf).
    public let attributeValueCounts: [Double]
    /// log2 of `attributeValueCounts`, bits (finite even where the count overflows a Double).
    public let attributeLog2ValueCounts: [Double]
    /// Sorted ids of the tokens that occur in this dataset's biographies: the embedding rows the
    /// paper's parameter count includes. (bioS: every configured template word, both pronouns,
    /// and the names and values of the N people; bioS-simple: the tokens of the fixed renderings.)
    /// The domain token is not included (see `TokenStream.usedTokenIDs`).
    public let usedTokenIDs: [Int32]
    /// True when built as noise junk: no stored people; every biography is a fresh person.
    public let freshOnly: Bool

    /// The generated people (the kind's store); the hot path renders through `withRenderer`.
    let store: any PersonStore

    /// Number of stored people (sequences for random); 0 for a fresh-only junk dataset.
    public var personCount: Int { store.personCount }

    /// A dataset whose vocabulary covers its own words and those of `vocabularyAlsoCovering` (so a
    /// junk dataset of those specs can share token ids). Throws `SpecError` for an invalid spec.
    public convenience init(spec: DatasetSpec, seed: UInt64, vocabularyAlsoCovering others: [DatasetSpec] = []) throws {
        try spec.validate()
        for (i, other) in others.enumerated() { try other.validate(at: "vocabularyAlsoCovering[\(i)].") }
        var words = spec.words
        for other in others { words.formUnion(other.words) }
        try self.init(spec: spec, seed: seed, tokenizer: Tokenizer(words: words), excluding: [], storePeople: true)
    }

    /// The useful dataset of a stream: its vocabulary also covers the stream's junk dataset.
    public convenience init(spec: DatasetSpec, seed: UInt64, stream: StreamConfig) throws {
        try stream.validate()
        try self.init(spec: spec, seed: seed, vocabularyAlsoCovering: stream.junk.map { [$0.dataset] } ?? [])
    }

    /// A junk dataset for `useful`: same tokenizer (shared ids), names outside the useful people's.
    /// With `freshPeople`, no people are stored: every junk biography is a fresh person.
    /// `parameter` prefixes error messages (the junk spec's key path).
    public convenience init(junk spec: DatasetSpec, seed: UInt64, sharingVocabularyWith useful: Dataset,
                            freshPeople: Bool, parameter: String = "stream.junk.dataset.") throws {
        try spec.validate(at: parameter)
        let missing = spec.words.subtracting(useful.tokenizer.vocabulary)
        if let example = missing.sorted().first {
            throw SpecError(String(parameter.dropLast()),
                "\(missing.count) words (e.g. \"\(example)\") are not in the useful dataset's vocabulary; build the useful dataset with Dataset(spec:seed:stream:)")
        }
        let excluded = useful.nameCodes
        if let pools = spec.namePools {
            let inside = pools.countInside(excluded)
            let kindKey = parameter + spec.kindName
            if freshPeople, pools.size <= inside {
                throw SpecError(kindKey, "the name pool (N0 = \(pools.size)) has no name outside the \(inside) useful people")
            }
            if !freshPeople, spec.people > pools.size - inside {
                throw SpecError(kindKey + ".people",
                    "N′ = \(spec.people) exceeds the \(pools.size - inside) names of the pool outside the useful people")
            }
        }
        try self.init(spec: spec, seed: seed, tokenizer: useful.tokenizer, excluding: excluded, storePeople: !freshPeople)
    }

    init(spec: DatasetSpec, seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws {
        self.spec = spec; self.seed = seed; self.tokenizer = tokenizer
        self.freshOnly = !storePeople
        let kind = spec.stored
        information = kind.information
        store = try kind.makeStore(seed: seed, tokenizer: tokenizer, excluding: excluding, storePeople: storePeople)
        attributeNames = kind.attributeNames
        attributeValueCounts = kind.attributeValueCounts
        attributeLog2ValueCounts = kind.attributeLog2ValueCounts
        usedTokenIDs = store.usedTokens(tokenizer).union([tokenizer.endOfText]).sorted()
    }
}
