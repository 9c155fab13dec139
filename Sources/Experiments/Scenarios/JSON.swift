import Foundation

/// A parsed JSON document that keeps what good error messages need: each number's literal text,
/// the order of object keys (so grids expand in the order the user wrote them), and, through the
/// parser, the line and column of a syntax error.
///
/// Foundation's `JSONDecoder` on Linux reports a number that does not fit its type (2.5 for an
/// `Int`, -1 for a `UInt64`) as "not valid JSON" with an empty coding path; decoding through
/// `JSONTreeDecoder` instead names the key path and the value found.
enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)             // the literal, e.g. "1e-3"
    case string(String)
    case array([JSON])
    case object(JSONObject)

    /// The value as an error message quotes it: `-3`, `"abc"`, `null`, `a list`, `an object`.
    var quoted: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let text): return text
        case .string(let s):
            let short = s.count > 40 ? String(s.prefix(37)) + "..." : s
            return "\"\(short)\""
        case .array(let a): return a.isEmpty ? "an empty list" : "a list"
        case .object: return "an object"
        }
    }

    var object: JSONObject? { if case .object(let o) = self { return o }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
}

/// A JSON object with its keys in document order.
struct JSONObject: Equatable, Sendable {
    private(set) var keys: [String] = []
    private var values: [String: JSON] = [:]

    init() {}

    subscript(key: String) -> JSON? {
        get { values[key] }
        set {
            if let v = newValue {
                if values[key] == nil { keys.append(key) }
                values[key] = v
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// This object with `other`'s members laid over it (other's values win).
    func merging(_ other: JSONObject) -> JSONObject {
        var out = self
        for k in other.keys { out[k] = other[k] }
        return out
    }
}

// MARK: - Parsing

struct JSONSyntaxError: Error, CustomStringConvertible {
    var line: Int
    var column: Int
    var message: String
    var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 parser. Duplicate keys are an error (JSONDecoder silently keeps one).
struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0

    static func parse(_ data: Data) throws -> JSON {
        var p = JSONParser(bytes: [UInt8](data))
        if p.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }  // UTF-8 byte-order mark
        p.skipWhitespace()
        let value = try p.parseValue()
        p.skipWhitespace()
        if p.i < p.bytes.count { throw p.error("unexpected \(p.describeCurrent()) after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let end = min(offset ?? i, bytes.count)
        var line = 1, column = 1
        for b in bytes[0..<end] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return JSONSyntaxError(line: line, column: column, message: message)
    }

    private func describeCurrent() -> String {
        guard i < bytes.count else { return "end of file" }
        let b = bytes[i]
        switch b {
        case 0x0A, 0x0D: return "end of line"
        case 0x20...0x7E: return "'\(Character(UnicodeScalar(b)))'"
        default: return "byte 0x\(String(b, radix: 16))"
        }
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    private mutating func parseValue() throws -> JSON {
        guard i < bytes.count else { throw error("unexpected end of file, expected a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else {
            throw error("expected a value, found \(describeCurrent())")
        }
        i += w.count
    }

    private mutating func enter() throws {
        depth += 1
        if depth > 256 { throw error("nesting deeper than 256 levels") }
    }

    private mutating func parseObject() throws -> JSON {
        try enter(); defer { depth -= 1 }
        i += 1
        var object = JSONObject()
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard i < bytes.count else { throw error("unexpected end of file inside an object") }
            if bytes[i] == UInt8(ascii: "}") { throw error("trailing comma before '}'") }
            guard bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes, found \(describeCurrent())") }
            let keyOffset = i
            let key = try parseString()
            if object[key] != nil { throw error("duplicate key \"\(key)\"", at: keyOffset) }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw error("expected ':' after the key \"\(key)\", found \(describeCurrent())")
            }
            i += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard i < bytes.count else { throw error("unexpected end of file inside an object, expected '}'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
            throw error("expected ',' or '}' after the value of \"\(key)\", found \(describeCurrent())")
        }
    }

    private mutating func parseArray() throws -> JSON {
        try enter(); defer { depth -= 1 }
        i += 1
        var items: [JSON] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
            items.append(try parseValue())
            skipWhitespace()
            guard i < bytes.count else { throw error("unexpected end of file inside a list, expected ']'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("expected ',' or ']' in a list, found \(describeCurrent())")
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = i
        func digits() -> Int { let s = i; while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { throw error("invalid number", at: start) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { throw error("invalid number: leading zero", at: start) }
        } else { _ = digits() }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { throw error("invalid number: expected digits after '.'", at: start) }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { throw error("invalid number: expected digits in the exponent", at: start) }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func parseString() throws -> String {
        let start = i
        i += 1
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw error("unterminated string", at: start) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw error("control character (byte 0x\(String(b, radix: 16))) in a string; write it as an escape") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw error("unterminated string", at: start) }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw error("unpaired surrogate in \\u escape")
                }
                out.append(contentsOf: Array(String(Character(UnicodeScalar(code)!)).utf8))
            default:
                throw error("invalid escape '\\\(Character(UnicodeScalar(e)))' in a string", at: i - 2)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in a string", at: start) }
        return s
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - i >= 4 else { throw error("expected four hex digits after \\u") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = Character(UnicodeScalar(bytes[i])).hexDigitValue else { throw error("expected four hex digits after \\u") }
            v = v * 16 + UInt32(d)
            i += 1
        }
        return v
    }
}

// MARK: - Coding paths

/// A coding-path component: an object key or a list index.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    var isIndex: Bool
    init(_ key: String) { stringValue = key; intValue = nil; isIndex = false }
    init(index: Int) { stringValue = "Index \(index)"; intValue = index; isIndex = true }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}

/// `a.b[2].c` for a coding path.
func renderPath(_ path: [CodingKey]) -> String {
    var out = ""
    for key in path {
        if let p = key as? PathKey, p.isIndex {
            out += "[\(p.intValue!)]"
        } else {
            if !out.isEmpty { out += "." }
            out += key.stringValue
        }
    }
    return out
}

// MARK: - Decoding a tree

/// Records every object a decode opened and every key it asked about: keys never asked about
/// are unknown keys (a misspelt field would otherwise silently take its default).
final class KeyTracker {
    private var order: [String] = []
    private var objects: [String: (path: [CodingKey], object: JSONObject)] = [:]
    private var asked: [String: Set<String>] = [:]

    func register(_ path: [CodingKey], _ object: JSONObject) {
        let p = renderPath(path)
        if objects[p] == nil { order.append(p); objects[p] = (path, object) }
    }
    func ask(_ path: [CodingKey], _ key: String) { asked[renderPath(path), default: []].insert(key) }

    /// The first key, in document order, that no decoder asked about, with the keys that were.
    func firstUnknownKey() -> (path: [CodingKey], known: Set<String>)? {
        for p in order {
            let (path, object) = objects[p]!
            let known = asked[p] ?? []
            if let key = object.keys.first(where: { !known.contains($0) }) {
                return (path + [PathKey(key)], known)
            }
        }
        return nil
    }
}

/// Decodes `Decodable` values straight from a `JSON` tree, with exact coding paths and error
/// descriptions that quote the value found ("expected an integer, found 2.5").
struct JSONTreeDecoder {
    var tracker: KeyTracker? = nil
    /// Accept the strings "nan", "inf" and "-inf" for floating-point fields (result files).
    var nonConformingFloats = false

    func decode<T: Decodable>(_ type: T.Type, from value: JSON, path: [CodingKey] = []) throws -> T {
        try T(from: TreeDecoder(value: value, codingPath: path, options: self))
    }
}

func describeExpected(_ type: Any.Type) -> String {
    switch type {
    case is Bool.Type: return "true or false"
    case is String.Type: return "a string"
    case is Float.Type, is Double.Type: return "a number"
    case is UInt.Type, is UInt8.Type, is UInt16.Type, is UInt32.Type, is UInt64.Type: return "a non-negative integer"
    case is Int.Type, is Int8.Type, is Int16.Type, is Int32.Type, is Int64.Type: return "an integer"
    default: return "a value of type \(type)"
    }
}

/// The raw JSON at a decoder's position: lets a Decodable keep part of a file undecoded
/// (grid entries are expanded before their typed decode).
struct RawJSON: Decodable {
    var value: JSON
    var path: [CodingKey]
    init(from decoder: Decoder) throws {
        guard let tree = decoder as? TreeDecoder else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "raw JSON needs JSONTreeDecoder"))
        }
        value = tree.value
        path = tree.codingPath
    }
}

/// A value or a list of values: `"exposures": 1000` and `"exposures": [100, 1000]` both decode.
struct OneOrMany<T: Decodable>: Decodable {
    var values: [T]
    init(from decoder: Decoder) throws {
        if let tree = decoder as? TreeDecoder, case .array = tree.value {
            values = try [T](from: decoder)
        } else {
            values = [try T(from: decoder)]
        }
    }
}

final class TreeDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [CodingKey]
    let options: JSONTreeDecoder
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSON, codingPath: [CodingKey], options: JSONTreeDecoder) {
        self.value = value; self.codingPath = codingPath; self.options = options
    }

    func mismatch(_ type: Any.Type, _ expected: String? = nil) -> DecodingError {
        let message = "expected \(expected ?? describeExpected(type)), found \(value.quoted)"
        if value == .null { return .valueNotFound(type, .init(codingPath: codingPath, debugDescription: message)) }
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: message))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else { throw mismatch([String: Any].self, "an object") }
        options.tracker?.register(codingPath, o)
        return KeyedDecodingContainer(KeyedTree<Key>(object: o, decoder: self))
    }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw mismatch([Any].self, "a list") }
        return UnkeyedTree(items: a, decoder: self)
    }
    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    // SingleValueDecodingContainer
    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(type) }
        return b
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch(type) }
        return s
    }
    func decode(_ type: Double.Type) throws -> Double {
        if options.nonConformingFloats, case .string(let s) = value {
            switch s {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: break
            }
        }
        guard case .number(let text) = value, let d = Double(text) else { throw mismatch(type) }
        guard d.isFinite else { throw mismatch(type, "a finite number") }
        return d
    }
    func decode(_ type: Float.Type) throws -> Float {
        let d = try decode(Double.self)
        guard !d.isFinite || abs(d) <= Double(Float.greatestFiniteMagnitude) else { throw mismatch(type, "a number in Float range") }
        return Float(d)
    }
    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let text) = value else { throw mismatch(type) }
        if let v = T(text) { return v }
        if let d = Double(text), d.rounded() == d, let v = T(exactly: d) { return v }
        if let d = Double(text), d.rounded() == d, d < 0, !T.isSigned { throw mismatch(type) }
        if let d = Double(text), d.rounded() == d {
            let range = T.isSigned ? "an integer in \(T.min)...\(T.max)" : "a non-negative integer up to \(T.max)"
            throw mismatch(type, range)
        }
        throw mismatch(type)
    }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
}

/// Keys a scenario commonly requires, with what a value must be (for "missing required key").
let requiredKeyHints: [String: String] = [
    "kind": "\"bioS\", \"bioD\" or \"random\"",
    "people": "a positive integer", "attributes": "a positive integer", "diversity": "a positive integer",
    "alphabet": "a positive integer", "sequences": "a positive integer", "length": "a positive integer",
    "vocabulary": "a positive integer", "layers": "a positive integer", "heads": "a positive integer",
    "width": "a positive integer", "exposures": "a positive integer or a list of them",
    "fraction": "a number in [0, 1)", "dataset": "a dataset object",
]

struct KeyedTree<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let decoder: TreeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    var allKeys: [Key] {
        object.keys.forEach { decoder.options.tracker?.ask(codingPath, $0) }
        return object.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        decoder.options.tracker?.ask(codingPath, key.stringValue)
        return object[key.stringValue] != nil
    }
    func child(_ key: Key) throws -> TreeDecoder {
        decoder.options.tracker?.ask(codingPath, key.stringValue)
        guard let v = object[key.stringValue] else {
            var hint = requiredKeyHints[key.stringValue].map { " (expected \($0))" } ?? ""
            // A near miss among the keys given is most likely the missing one, misspelt.
            let k = key.stringValue
            if let near = object.keys.filter({ editDistance($0, k) <= max(2, k.count / 3) })
                .min(by: { editDistance($0, k) < editDistance($1, k) }) {
                hint += "; \"\(near)\" is given: did you mean \"\(k)\"?"
            }
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required key" + hint))
        }
        return TreeDecoder(value: v, codingPath: codingPath + [PathKey(key.stringValue)], options: decoder.options)
    }
    func decodeNil(forKey key: Key) throws -> Bool { try child(key).decodeNil() }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: child(key)) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> Decoder {
        TreeDecoder(value: object[ "super"] ?? .null, codingPath: codingPath + [PathKey("super")], options: decoder.options)
    }
    func superDecoder(forKey key: Key) throws -> Decoder { try child(key) }
}

struct UnkeyedTree: UnkeyedDecodingContainer {
    let items: [JSON]
    let decoder: TreeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }
    private(set) var currentIndex = 0

    init(items: [JSON], decoder: TreeDecoder) { self.items = items; self.decoder = decoder }

    mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath + [PathKey(index: currentIndex)],
                                                              debugDescription: "expected another list element"))
        }
        defer { currentIndex += 1 }
        return TreeDecoder(value: items[currentIndex], codingPath: codingPath + [PathKey(index: currentIndex)], options: decoder.options)
    }
    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if items[currentIndex] == .null { currentIndex += 1; return true }
        return false
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decode(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> Decoder { try next() }
}

/// Levenshtein distance, for "did you mean" hints on unknown keys.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
