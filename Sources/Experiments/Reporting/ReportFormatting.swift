import Foundation

// Markdown tables and number formats shared by the report's sections.

func table(_ header: [String], _ rows: [[String]]) -> String {
    func line(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
    }
    if rows.isEmpty { return "_(none)_\n" }
    return line(header) + "|" + header.map { _ in "---|" }.joined() + "\n" + rows.map(line).joined()
}

func unique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}

/// An interval as the tables write it: `1.742 to 2.087`.
func span(_ r: ClosedRange<Double>, _ digits: Int) -> String { "\(fixed(r.lowerBound, digits)) to \(fixed(r.upperBound, digits))" }

func fixed(_ v: Double, _ digits: Int) -> String {
    v.isFinite ? String(format: "%.\(digits)f", v) : "\(v)"
}

/// `1.780 ± 0.080` (just the mean for a single value).
func meanSpread(_ s: Spread, _ digits: Int) -> String {
    let value = digits == 0 ? grouped(s.mean) : fixed(s.mean, digits)
    guard s.count > 1 else { return value }
    return value + " ± " + (digits == 0 ? grouped(s.sd) : fixed(s.sd, digits))
}

/// An integer with thousands separators: `25,176`, `-1,204`.
func grouped(_ v: Int) -> String {
    let digits = String(v.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (v < 0 ? "-" : "") + out
}

func grouped(_ v: Double) -> String {
    guard v.isFinite, abs(v) < 9e18 else { return "\(v)" }
    return grouped(Int(v.rounded()))
}

/// `850`, `41.2K`, `1.3M`.
func compact(_ v: Double) -> String {
    switch abs(v) {
    case 1e9...: return fixed(v / 1e9, 1) + "G"
    case 1e6...: return fixed(v / 1e6, 1) + "M"
    case 1e3...: return fixed(v / 1e3, 1) + "K"
    default: return fixed(v, 0)
    }
}

/// `8.4 s`, `128 s`, `21:05` (minutes), `1:02:03`.
func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "—" }
    if seconds < 10 { return fixed(seconds, 1) + " s" }
    if seconds < 600 { return fixed(seconds, 0) + " s" }
    return clock(seconds)
}

/// `0:37`, `12:05`, `1:02:03`.
func clock(_ seconds: Double) -> String {
    let t = Int(seconds.rounded())
    let h = t / 3600, m = (t % 3600) / 60, s = t % 60
    return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
}
