/// Word-level tokenizer built from a dataset's own vocabulary: every name, every value word and
/// every template word is one token; punctuation is separate ("Princeton, NJ" → Princeton , NJ).
/// Ids 0 and 1 are reserved in every vocabulary for end-of-text and the domain token, so ids do
/// not depend on whether a domain token is used. The remaining words are sorted, so a vocabulary
/// depends only on the set of words (never on the seed, N, or the order specs were listed in):
/// useful and junk data of the same config share token ids.
public struct Tokenizer: Hashable, Sendable {
    public static let endOfTextString = "<|endoftext|>"
    public static let domainString = "<|domain|>"

    /// Token strings by id: [endOfText, domain, sorted words...].
    public let vocabulary: [String]
    private let index: [String: Int32]

    /// Id of the end-of-text token that precedes every biography (always 0).
    public var endOfText: Int32 { 0 }
    /// Id of the domain token that may open every useful biography (always 1).
    public var domainToken: Int32 { 1 }
    /// Vocabulary size (number of ids).
    public var count: Int { vocabulary.count }

    /// A vocabulary of the two special tokens plus the given words (deduplicated, sorted).
    public init<S: Sequence>(words: S) where S.Element == String {
        var set = Set(words)
        set.remove(Tokenizer.endOfTextString); set.remove(Tokenizer.domainString)
        vocabulary = [Tokenizer.endOfTextString, Tokenizer.domainString] + set.sorted()
        var index: [String: Int32] = [:]
        index.reserveCapacity(vocabulary.count)
        for (i, word) in vocabulary.enumerated() { index[word] = Int32(i) }
        self.index = index
    }

    public static func == (a: Tokenizer, b: Tokenizer) -> Bool { a.vocabulary == b.vocabulary }
    public func hash(into hasher: inout Hasher) { hasher.combine(vocabulary) }

    /// The id of one token string, or nil if it is not in the vocabulary.
    public func id(of word: String) -> Int32? { index[word] }

    /// The ids of a text (split with `Tokenizer.split`), or nil if any word is unknown.
    public func encode(_ text: String) -> [Int32]? {
        var ids: [Int32] = []
        for word in Tokenizer.split(text) {
            guard let id = index[word] else { return nil }
            ids.append(id)
        }
        return ids
    }

    /// The text of a sequence of ids (inverse of `encode` for every value and template text).
    public func decode<S: Sequence>(_ ids: S) -> String where S.Element == Int32 {
        Tokenizer.join(ids.map { id in
            id >= 0 && Int(id) < vocabulary.count ? vocabulary[Int(id)] : "<|\(id)|>"
        })
    }

    /// Splits text into word-level tokens: whitespace separates; each of , . ; : ! ? ( ) " is a
    /// token of its own; an apostrophe starts a new token ("Lowe's" → Lowe 's, "O'Lakes" → O 'Lakes).
    /// Everything else (letters, digits, & and -) stays inside a word: "AT&T", "Winston-Salem".
    public static func split(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text {
            if ch.isWhitespace {
                if !current.isEmpty { out.append(current); current = "" }
            } else if separatePunctuation.contains(ch) {
                if !current.isEmpty { out.append(current); current = "" }
                out.append(String(ch))
            } else if ch == "'" {
                if !current.isEmpty { out.append(current) }
                current = "'"
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Joins tokens with spaces, except none before , . ; : ! ? ) or a token starting with an
    /// apostrophe, and none after "(".
    public static func join(_ words: [String]) -> String {
        var text = ""
        for (i, word) in words.enumerated() {
            if i > 0 && words[i - 1] != "(" && !gluesLeft(word) { text += " " }
            text += word
        }
        return text
    }

    static let separatePunctuation: Set<Character> = [",", ".", ";", ":", "!", "?", "(", ")", "\""]
    private static func gluesLeft(_ word: String) -> Bool {
        guard let first = word.first else { return false }
        if first == "'" { return true }
        return word.count == 1 && [",", ".", ";", ":", "!", "?", ")"].contains(first)
    }
}
