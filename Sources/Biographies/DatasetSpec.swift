/// What a dataset is, as a scenario file writes it. Every field has the paper's default where the
/// paper has one, so a scenario names only what it changes.

/// bioS(N): people with distinct first·middle·last names and six attributes rendered as English
/// sentences. Pool sizes are parameters so scaled-down variants fit a CPU.
public struct BioSConfig: Codable, Hashable, Sendable {
    public var people: Int                      // N
    public var firstNames: Int = 400
    public var middleNames: Int = 400
    public var lastNames: Int = 1000
    public var birthYears: Int = 200             // birth dates: 12 months × 28 days × birthYears
    public var birthCities: Int = 200
    public var universities: Int = 300
    public var majors: Int = 100
    public var employers: Int = 263
    public var templatesPerAttribute: Int = 50
    /// bioS-simple: one fixed rendering per person instead of a fresh one per exposure.
    public var simple: Bool = false

    public init(people: Int) { self.people = people }
}

/// bioD(N, K, C, D, L, T): K attributes, each value C chunks of L symbols from an alphabet of T,
/// chunks drawn from a per-attribute diversity set of D. One symbol = one token.
public struct BioDConfig: Codable, Hashable, Sendable {
    public var people: Int                      // N
    public var attributes: Int                  // K
    public var chunks: Int = 1                  // C
    public var diversity: Int                   // D
    public var chunkLength: Int = 1             // L
    public var alphabet: Int                    // T
    public var firstNames: Int = 400
    public var middleNames: Int = 400
    public var lastNames: Int = 1000

    public init(people: Int, attributes: Int, chunks: Int = 1, diversity: Int, chunkLength: Int = 1, alphabet: Int) {
        self.people = people; self.attributes = attributes; self.chunks = chunks
        self.diversity = diversity; self.chunkLength = chunkLength; self.alphabet = alphabet
    }
}

/// random(N, S, V): N sequences of S tokens drawn uniformly from V (Morris et al.).
public struct RandomConfig: Codable, Hashable, Sendable {
    public var sequences: Int                   // N
    public var length: Int                      // S
    public var vocabulary: Int                  // V
    public init(sequences: Int, length: Int, vocabulary: Int) {
        self.sequences = sequences; self.length = length; self.vocabulary = vocabulary
    }
}

/// One dataset. JSON: `{"kind": "bioS" | "bioD" | "random", ...that kind's fields}`.
public enum DatasetSpec: Hashable, Sendable {
    case bioS(BioSConfig)
    case bioD(BioDConfig)
    case random(RandomConfig)
}

/// Junk mixed into the training stream: a second dataset at a fraction of the windows.
public struct JunkSpec: Codable, Hashable, Sendable {
    public var dataset: DatasetSpec
    public var fraction: Double                 // of training windows (tokens), in [0, 1)
    /// Noise junk: every junk biography is a fresh person (N′ unbounded); otherwise the junk
    /// dataset's own N people repeat (repetitive junk).
    public var freshPeople: Bool = false
    public init(dataset: DatasetSpec, fraction: Double, freshPeople: Bool = false) {
        self.dataset = dataset; self.fraction = fraction; self.freshPeople = freshPeople
    }
}

/// How a dataset becomes a training stream.
public struct StreamConfig: Codable, Hashable, Sendable {
    public var exposures: Int                   // E: each useful biography appears exactly E times
    public var contextLength: Int               // tokens per training window
    public var junk: JunkSpec? = nil
    public var domainToken: Bool = false        // a special token opening every useful biography
    public init(exposures: Int, contextLength: Int, junk: JunkSpec? = nil, domainToken: Bool = false) {
        self.exposures = exposures; self.contextLength = contextLength
        self.junk = junk; self.domainToken = domainToken
    }
}
