/// What a dataset kind provides, in one place per kind: its config type conforms, in the kind's
/// own file beside its store and renderer (BioS.swift, BioD.swift, RandomTokens.swift).
/// `DatasetSpec`, `Dataset`, the evaluator and the run keys ask the kind, never switch on it, so a
/// new kind is its config and store file, its view in `Renderer.Kind`, one case in `DatasetSpec`
/// (and in `DatasetSpec.stored`), and its learned-bits formula (`BitsFormula`, Capacity).
/// docs/extending.md lists the steps.
public protocol DatasetKind: Codable, Hashable, Sendable {
    /// The `kind` of the spec's JSON: "bioS", "bioD", "random".
    static var kindName: String { get }
    /// N: people (sequences for random data).
    var people: Int { get }
    /// Biographies open with a person's name, so the evaluator's name loss p1 means something.
    var hasNames: Bool { get }
    /// Values are chunks drawn from diversity sets (bioD), so the first-chunk loss p3 and the
    /// diversity term mean something.
    var hasChunks: Bool { get }
    /// The evaluator scores fresh renderings of each person (bioS), so `renderings` means something.
    var scoresFreshRenderings: Bool { get }
    /// Closed-form information content of a dataset of this config, bits.
    var information: InformationContent { get }
    /// Counted attributes, in the order of a rendering's value spans.
    var attributeNames: [String] { get }
    /// Each counted attribute's number of possible values (bioD: D^C; random: V^S, may be +inf).
    var attributeValueCounts: [Double] { get }
    /// log2 of `attributeValueCounts`, bits (finite where the count itself overflows a Double).
    var attributeLog2ValueCounts: [Double] { get }
    /// How the evaluator renders each scored person (for the evaluation's description), and how
    /// many renderings a person gets when `renderings` are asked for.
    func evaluationRenderings(_ renderings: Int, seed: UInt64) -> (samples: Int, description: String)
    /// Run-key abbreviations of the kind's fields, in key order (`K` for attributes).
    static var keyAbbreviations: [(field: String, short: String)] { get }
    /// Fields without a default: always in a run's key.
    static var requiredFields: Set<String> { get }
    /// This config with every optional field at its default (a key names the fields that differ).
    var atDefaults: Self { get }
    /// This config as a spec.
    var spec: DatasetSpec { get }
    /// Throws a `SpecError` naming the first invalid field; `prefix` is this config's key path ("bioD.").
    func validate(_ prefix: String) throws
}

/// The kind's side inside this module: its names, its words and the store of its people.
protocol StoredDatasetKind: DatasetKind {
    /// The pools names are drawn from (nil: the kind has no names).
    var namePools: NamePools? { get }
    /// Every word a dataset of this config can render (the vocabulary, minus special tokens).
    var words: Set<String> { get }
    /// Generates the people (none when `storePeople` is false: fresh-only junk) with names outside
    /// `excluding`, their token tables from `tokenizer`.
    func makeStore(seed: UInt64, tokenizer: Tokenizer, excluding: Set<UInt32>, storePeople: Bool) throws -> any PersonStore
}

/// A kind's generated people as the dataset reads them off the hot path; the hot path renders from
/// `renderer` (raw pointers, no reference counting).
protocol PersonStore: Sendable {
    /// Stored people (sequences for random data); 0 for fresh-only junk.
    var personCount: Int { get }
    /// The full name of a stored person ("" for a kind without names).
    func name(of person: Int) -> String
    /// The counted values of a stored person as strings, in attribute order.
    func valueStrings(of person: Int) -> [String]
    /// Name codes of the stored people (what junk must avoid).
    var nameCodes: Set<UInt32> { get }
    /// Tokens that occur in the stored people's biographies (end-of-text aside).
    func usedTokens(_ tokenizer: Tokenizer) -> Set<Int32>
    /// Every rendering of a stored person has the same length whatever the exposure (all but
    /// non-simple bioS), so the stream needs no counting pass over exposures.
    var lengthIndependentOfExposure: Bool { get }
    /// The raw-pointer renderer; valid while the store is alive.
    func renderer(eos: Int32, domainToken: Int32) -> Renderer
}

extension DatasetSpec {
    /// The kinds a spec file may name, in the order its error message lists them.
    static let kinds: [any StoredDatasetKind.Type] = [BioSConfig.self, BioDConfig.self, RandomConfig.self]

    /// The config of this spec, as its kind.
    var stored: any StoredDatasetKind {
        switch self { case .bioS(let c): c; case .bioD(let c): c; case .random(let c): c }
    }
    /// The config of this spec, as its kind (what every per-kind rule is asked of).
    public var kind: any DatasetKind { stored }

    /// "bioS", "bioD" or "random": the `kind` of the spec's JSON.
    public var kindName: String { type(of: kind).kindName }
    /// N (people or sequences).
    public var people: Int { kind.people }
    /// See `DatasetKind.hasNames`.
    public var hasNames: Bool { kind.hasNames }
    /// See `DatasetKind.hasChunks`.
    public var hasChunks: Bool { kind.hasChunks }
    /// See `DatasetKind.scoresFreshRenderings`.
    public var scoresFreshRenderings: Bool { kind.scoresFreshRenderings }
    var namePools: NamePools? { stored.namePools }
    var words: Set<String> { stored.words }

    /// Throws a `SpecError` naming the first invalid field; `prefix` is the key path of this spec
    /// in its file ("" gives "bioS.people", "runs[2].dataset." gives "runs[2].dataset.bioS.people").
    public func validate(at prefix: String = "") throws {
        try kind.validate(prefix + kindName + ".")
    }
}

/// Closed-form information content of a (valid) dataset spec, in bits.
public func informationContent(of spec: DatasetSpec) -> InformationContent { spec.kind.information }
