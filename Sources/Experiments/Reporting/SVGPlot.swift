import Foundation

/// A small scatter plot rendered as standalone SVG: log or linear axes with labelled ticks,
/// one colour per series with a legend, reference lines, optional error bars, notes underneath.
public struct SVGPlot: Sendable {
    public enum Scale: Sendable { case linear, log10 }

    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// Error bar from `low` to `high` (e.g. min and max over seeds).
        public var low: Double?
        public var high: Double?
        /// Hover text (an SVG <title>).
        public var label: String?
        public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil, label: String? = nil) {
            self.x = x; self.y = y; self.low = low; self.high = high; self.label = label
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        /// Drawn as one line through the points (in order), without markers: a curve.
        public var connected = false
        public init(name: String, points: [Point]) { self.name = name; self.points = points }
    }

    public enum Reference: Sendable {
        /// y = slope · x (a straight line of slope 1 on log-log axes).
        case proportional(Double, label: String)
        /// y = value.
        case horizontal(Double, label: String)
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale = .log10
    public var yScale: Scale = .log10
    public var series: [Series] = []
    public var references: [Reference] = []
    public var notes: [String] = []

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale = .log10, yScale: Scale = .log10) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xScale = xScale; self.yScale = yScale
    }

    /// Tableau 10.
    public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    // Layout, in SVG user units. The canvas is at least 900 × 560 and grows to fit the legend
    // and the notes, so no name is ever cut off.
    static let minimumWidth = 900.0, minimumHeight = 560.0
    let left = 80.0, top = 50.0, plotWidth = 560.0, plotHeight = 400.0
    var legendX: Double { left + plotWidth + 24 }

    /// Width and height that hold the plot, every legend entry and every note.
    var canvas: (width: Double, height: Double) {
        let legend = series.map { Self.textWidth($0.name, fontSize: 12) }.max().map { legendX + 16 + $0 + 12 } ?? 0
        let noteWidth = notes.map { left + Self.textWidth($0, fontSize: 11) + 12 }.max() ?? 0
        let legendBottom = top + 10 + Double(series.count) * 20
        let notesBottom = top + plotHeight + 70 + Double(max(notes.count - 1, 0)) * 16 + 14
        let titleRight = titleCenter + Self.textWidth(title, fontSize: 16) / 2 + 10
        return (max(Self.minimumWidth, legend, noteWidth, titleRight), max(Self.minimumHeight, legendBottom, notesBottom))
    }

    /// The title is centred over the plot unless it is too long to fit left of that centre.
    var titleCenter: Double { max(left + plotWidth / 2, Self.textWidth(title, fontSize: 16) / 2 + 10) }

    /// A generous estimate of a text's rendered width in Helvetica (0.6 em a character, above
    /// the font's average), so boxes sized from it hold the text.
    static func textWidth(_ text: String, fontSize: Double) -> Double { Double(text.count) * fontSize * 0.6 }

    struct Axis {
        var scale: Scale
        var lo: Double
        var hi: Double
        /// Position in [0, 1] along the axis.
        func unit(_ v: Double) -> Double {
            switch scale {
            case .linear: return (v - lo) / (hi - lo)
            case .log10: return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
            }
        }
        func contains(_ v: Double) -> Bool { v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) && (scale == .linear || v > 0) }
    }

    /// Decades covering the positive values (or a default range).
    static func logAxis(_ values: [Double]) -> Axis {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let mn = positive.min(), let mx = positive.max() else { return Axis(scale: .log10, lo: 1, hi: 1000) }
        var lo = pow(10, floor(log10(mn))), hi = pow(10, ceil(log10(mx)))
        if hi <= lo { hi = lo * 10 }
        if hi / lo < 100 { lo /= 10 }  // at least two decades, with room below
        return Axis(scale: .log10, lo: lo, hi: hi)
    }

    /// A 1-2-5 step covering the values, always including 0.
    static func linearAxis(_ values: [Double]) -> (Axis, step: Double) {
        let finite = values.filter(\.isFinite) + [0]
        var mn = finite.min()!, mx = finite.max()!
        if mx - mn < 1e-12 { mx = mn + 1 }
        let raw = (mx - mn) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        mn = floor(mn / step) * step
        mx = ceil(mx / step) * step
        return (Axis(scale: .linear, lo: mn, hi: mx), step)
    }

    public func render() -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        var ys = series.flatMap { $0.points.flatMap { [$0.y, $0.low, $0.high].compactMap { $0 } } }
        for case .horizontal(let v, _) in references { ys.append(v) }
        let xAxis: Axis, yAxis: Axis, xStep: Double, yStep: Double
        switch xScale {
        case .log10: xAxis = Self.logAxis(xs); xStep = 0
        case .linear: (xAxis, xStep) = Self.linearAxis(xs)
        }
        switch yScale {
        case .log10: yAxis = Self.logAxis(ys); yStep = 0
        case .linear: (yAxis, yStep) = Self.linearAxis(ys)
        }
        func px(_ x: Double) -> Double { left + xAxis.unit(x) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - yAxis.unit(y)) * plotHeight }
        let (width, height) = canvas

        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
        <text x="\(f(titleCenter))" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(escapeXML(title))</text>
        <defs><clipPath id="plot-area"><rect x="\(f(left))" y="\(f(top))" width="\(f(plotWidth))" height="\(f(plotHeight))"/></clipPath></defs>
        <rect x="\(f(left))" y="\(f(top))" width="\(f(plotWidth))" height="\(f(plotHeight))" fill="none" stroke="#333"/>

        """
        s += ticks(axis: xAxis, step: xStep, horizontal: true, px: px, py: py)
        s += ticks(axis: yAxis, step: yStep, horizontal: false, px: px, py: py)
        s += """
        <text x="\(f(left + plotWidth / 2))" y="\(f(top + plotHeight + 45))" text-anchor="middle" font-size="13">\(escapeXML(xLabel))</text>
        <text x="22" y="\(f(top + plotHeight / 2))" text-anchor="middle" font-size="13" transform="rotate(-90 22 \(f(top + plotHeight / 2)))">\(escapeXML(yLabel))</text>

        """

        // Reference lines, clipped to the plot area.
        s += "<g clip-path=\"url(#plot-area)\" stroke=\"#888\" stroke-dasharray=\"5 4\" fill=\"none\">\n"
        // Their labels sit at the lines' right ends, moved up or down where they would overlap
        // another label or a marker.
        var placer = LabelPlacer(baselines: (top + 12)...(top + plotHeight - 4))
        for series in series {
            for p in series.points where p.x.isFinite && p.y.isFinite && xAxis.contains(p.x) && yAxis.contains(p.y) {
                placer.block(x: px(p.x), y: py(p.y), radius: 5)
            }
        }
        // Each label's preferred places, in order: a horizontal line's just below it, then just
        // above it; a proportional line's below its right end. Horizontal labels go first, as
        // they name the line they sit on.
        typealias Label = (text: String, x: Double, baselines: [Double])
        var horizontalLabels: [Label] = [], proportionalLabels: [Label] = []
        for r in references {
            switch r {
            case .proportional(let k, let label):
                let x0 = max(xAxis.lo, yAxis.lo / k), x1 = min(xAxis.hi, yAxis.hi / k)
                guard x0 < x1 else { continue }
                s += "<line x1=\"\(f(px(x0)))\" y1=\"\(f(py(k * x0)))\" x2=\"\(f(px(x1)))\" y2=\"\(f(py(k * x1)))\"/>\n"
                proportionalLabels.append((label, px(x1) - 4, [min(py(k * x1) + 14, top + plotHeight - 4)]))
            case .horizontal(let v, let label):
                guard yAxis.contains(v) else { continue }
                s += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(v)))\"/>\n"
                horizontalLabels.append((label, left + plotWidth - 4, [py(v) + 14, py(v) - 4]))
            }
        }
        var referenceLabels = ""
        for l in horizontalLabels + proportionalLabels {
            let y = placer.place(l.text, x: l.x, baselines: l.baselines, fontSize: 11)
            referenceLabels += "<text x=\"\(f(l.x))\" y=\"\(f(y))\" text-anchor=\"end\" fill=\"#555\" font-size=\"11\" "
                + "stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">\(escapeXML(l.text))</text>\n"
        }
        s += "</g>\n" + referenceLabels

        // Points: values below a log axis are drawn at its floor as open markers.
        for (i, series) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            s += "<g fill=\"\(colour)\" stroke=\"\(colour)\">\n"
            if series.connected { s += polyline(series.points, xAxis: xAxis, yAxis: yAxis, px: px, py: py) + "</g>\n"; continue }
            for p in series.points where p.x.isFinite && xAxis.contains(p.x) {
                let floored = yScale == .log10 && !(p.y > yAxis.lo)
                let y = floored ? yAxis.lo : p.y
                guard y.isFinite else { continue }
                if let lo = p.low, let hi = p.high, lo.isFinite, hi.isFinite, !floored {
                    let a = yScale == .log10 ? max(lo, yAxis.lo) : lo
                    s += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(a)))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(hi)))\" stroke-width=\"1.5\"/>\n"
                }
                let title = p.label.map { "<title>\(escapeXML($0))</title>" } ?? ""
                let fill = floored ? " fill=\"white\" stroke-width=\"1.5\"" : ""
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(y)))\" r=\"4.5\"\(fill)>\(title)</circle>\n"
            }
            s += "</g>\n"
        }
        if series.allSatisfy({ $0.points.isEmpty }) {
            s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#888\">no finished runs</text>\n"
        }

        // Legend, right of the plot (the canvas is as wide as its longest name).
        for (i, series) in series.enumerated() {
            let y = top + 10 + Double(i) * 20
            s += "<circle cx=\"\(f(legendX + 5))\" cy=\"\(f(y))\" r=\"4.5\" fill=\"\(Self.palette[i % Self.palette.count])\"/>"
            s += "<text x=\"\(f(legendX + 16))\" y=\"\(f(y + 4))\">\(escapeXML(series.name))</text>\n"
        }
        for (i, note) in notes.enumerated() {
            s += "<text x=\"\(f(left))\" y=\"\(f(top + plotHeight + 70 + Double(i) * 16))\" fill=\"#555\" font-size=\"11\">\(escapeXML(note))</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    private func ticks(axis: Axis, step: Double, horizontal: Bool, px: (Double) -> Double, py: (Double) -> Double) -> String {
        var s = ""
        func tick(_ v: Double, major: Bool, label: String?) {
            let length = major ? 6.0 : 3.0
            if horizontal {
                let x = px(v), y = top + plotHeight
                s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x))\" y2=\"\(f(y + length))\" stroke=\"#333\"/>"
                if major { s += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(y))\" stroke=\"#eee\"/>" }
                if let label { s += "<text x=\"\(f(x))\" y=\"\(f(y + 22))\" text-anchor=\"middle\">\(label)</text>" }
            } else {
                let y = py(v), x = left
                s += "<line x1=\"\(f(x - length))\" y1=\"\(f(y))\" x2=\"\(f(x))\" y2=\"\(f(y))\" stroke=\"#333\"/>"
                if major { s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + plotWidth))\" y2=\"\(f(y))\" stroke=\"#eee\"/>" }
                if let label { s += "<text x=\"\(f(x - 10))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>" }
            }
            s += "\n"
        }
        switch axis.scale {
        case .log10:
            let first = Int(log10(axis.lo).rounded()), last = Int(log10(axis.hi).rounded())
            for e in first...last {
                let decade = pow(10.0, Double(e))
                tick(decade, major: true, label: "10<tspan dy=\"-6\" font-size=\"9\">\(e)</tspan>")
                if e < last { for m in 2...9 { tick(Double(m) * decade, major: false, label: nil) } }
            }
        case .linear:
            var v = axis.lo
            while v <= axis.hi + step * 1e-9 {
                let clean = abs(v) < step * 1e-9 ? 0 : v
                tick(clean, major: true, label: escapeXML(String(format: "%g", clean)))
                v += step
            }
        }
        return s
    }
}

/// Keeps text labels apart: each keeps its x (right-aligned there) and moves down or up, a line
/// at a time, to the nearest baseline within `baselines` where it overlaps nothing placed or
/// blocked before it; with no such place it keeps its own.
struct LabelPlacer {
    struct Box {
        var x0, x1, y0, y1: Double
        func overlaps(_ b: Box) -> Bool { x0 < b.x1 && b.x0 < x1 && y0 < b.y1 && b.y0 < y1 }
    }
    let baselines: ClosedRange<Double>
    var taken: [Box] = []

    init(baselines: ClosedRange<Double>) { self.baselines = baselines }

    /// Marks a square (a marker) that labels stay off.
    mutating func block(x: Double, y: Double, radius: Double) {
        taken.append(Box(x0: x - radius, x1: x + radius, y0: y - radius, y1: y + radius))
    }

    /// The box a right-aligned label occupies: ascent 0.8 em above the baseline, descent 0.25 em below.
    static func box(_ text: String, x: Double, baseline: Double, fontSize: Double) -> Box {
        Box(x0: x - SVGPlot.textWidth(text, fontSize: fontSize), x1: x, y0: baseline - 0.8 * fontSize, y1: baseline + 0.25 * fontSize)
    }

    /// The baseline to draw `text` at, right-aligned at x: the first of `baselines` that is free,
    /// else the nearest free one a line at a time around the first.
    mutating func place(_ text: String, x: Double, baselines preferred: [Double], fontSize: Double) -> Double {
        let step = fontSize + 2, first = preferred[0]
        let around: [Double] = (1..<24).map { (k: Int) -> Double in   // +1, −1, +2, −2, … lines
            let lines = Double((k + 1) / 2), sign: Double = k % 2 == 1 ? 1 : -1
            return first + lines * step * sign
        }
        for y in preferred + around where baselines.contains(y) {
            let box = Self.box(text, x: x, baseline: y, fontSize: fontSize)
            if !taken.contains(where: { $0.overlaps(box) }) { taken.append(box); return y }
        }
        taken.append(Self.box(text, x: x, baseline: first, fontSize: fontSize))
        return first
    }
}

/// `&`, `<`, `>`, `"` and `'` as entities.
public func escapeXML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}

/// A coordinate with two decimals (the bar chart's too).
func svgNumber(_ v: Double) -> String { String(format: "%.2f", v) }

/// `svgNumber`, short for the many coordinates of a plot.
private func f(_ v: Double) -> String { svgNumber(v) }
