/// A spec or config that cannot be built. `parameter` is the key path of the offending field as a
/// file writes it ("bioD.diversity", "stream.junk.fraction", "width"), so a message reads
/// `bioD.diversity: expected at most alphabet^chunkLength = 256 distinct chunks, found 300`.
/// The types own their rules (`DatasetSpec.validate`, `ModelConfig.validate`, ...); a file loader
/// only says where in the file the field is and, from `expected`, quotes the file's own text.
public struct SpecError: Error, CustomStringConvertible, Hashable, Sendable {
    public let parameter: String
    public let message: String
    /// What the rule expects ("a positive integer"), when the message is "expected …, found …".
    public let expected: String?
    public init(_ parameter: String, _ message: String) {
        self.parameter = parameter; self.message = message; self.expected = nil
    }
    public init(_ parameter: String, expected: String, found: String) {
        self.parameter = parameter; self.message = "expected \(expected), found \(found)"; self.expected = expected
    }
    public var description: String { "\(parameter): \(message)" }
    /// The last component of `parameter` ("people" for "bioD.people").
    public var key: String { String(parameter.split(separator: ".").last ?? Substring(parameter)) }
}

/// A number as a file would write it: 0 for 0.0, 0.25 for 0.25.
public func fieldText<T: BinaryFloatingPoint & LosslessStringConvertible>(_ v: T) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}

/// Throws unless `ok`, with "expected `expected`, found `found`" for `parameter`.
@inlinable
public func require(_ ok: Bool, _ parameter: String, expected: @autoclosure () -> String,
                    found: @autoclosure () -> String) throws {
    if !ok { throw SpecError(parameter, expected: expected(), found: found()) }
}

/// `value` must lie in 1...limit; the message names `parameter` and what the limit is.
public func requireCount(_ value: Int, _ parameter: String, atMost limit: Int? = nil, what: String? = nil) throws {
    try require(value >= 1, parameter, expected: "a positive integer", found: "\(value)")
    if let limit {
        try require(value <= limit, parameter, expected: "at most the \(limit) \(what ?? "values") available", found: "\(value)")
    }
}

/// Throws unless the product of `factors` is at most `limit` (no overflow on the way): a guard
/// that keeps absurd sizes (a typo'd exponent) an error instead of an allocation that traps.
public func requireProduct(_ factors: [Int], atMost limit: Int, _ parameter: String, what: String) throws {
    var p = 1
    for f in factors {
        let (r, overflow) = p.multipliedReportingOverflow(by: max(f, 0))
        if overflow || r > limit {
            throw SpecError(parameter, expected: "\(what) of at most \(limit)", found: overflow ? "more than \(Int.max)" : "more")
        }
        p = r
    }
}
