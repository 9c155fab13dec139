/// A dataset or stream spec that cannot be built. `parameter` is the key path of the offending
/// field as a scenario file writes it ("bioD.diversity", "stream.junk.fraction"), so a message reads
/// `bioD.diversity: D = 300 exceeds T^L = 256`.
public struct SpecError: Error, CustomStringConvertible, Hashable, Sendable {
    public let parameter: String
    public let message: String
    public init(_ parameter: String, _ message: String) {
        self.parameter = parameter; self.message = message
    }
    public var description: String { "\(parameter): \(message)" }
}

/// `value` must lie in 1...limit; the message names `parameter` and what the limit is.
func requireCount(_ value: Int, _ parameter: String, atMost limit: Int? = nil, what: String? = nil) throws {
    if value < 1 { throw SpecError(parameter, "must be at least 1, found \(value)") }
    if let limit, value > limit {
        throw SpecError(parameter, "\(value) exceeds the \(limit) \(what ?? "values") available")
    }
}

/// Throws unless the product of `factors` is at most `limit` (no overflow on the way): a guard
/// that keeps absurd sizes (a typo'd exponent) an error instead of an allocation that traps.
func requireProduct(_ factors: [Int], atMost limit: Int, _ parameter: String, what: String) throws {
    var p = 1
    for f in factors {
        let (r, overflow) = p.multipliedReportingOverflow(by: max(f, 0))
        if overflow || r > limit { throw SpecError(parameter, "\(what) exceeds \(limit)") }
        p = r
    }
}
