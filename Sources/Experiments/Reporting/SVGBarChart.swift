import Foundation

/// Grouped bars rendered as standalone SVG: one cluster per group along x, one bar per category
/// within it (a colour each, with a legend), a whisker from `low` to `high`, the value above.
/// Same canvas, axes and palette as `SVGPlot`; the y axis is linear and always holds 0.
public struct SVGBarChart: Sendable {
    public struct Bar: Sendable {
        public var value: Double
        /// Whisker from `low` to `high` (e.g. min and max over seeds).
        public var low: Double?
        public var high: Double?
        /// Hover text (an SVG <title>).
        public var label: String?
        public init(value: Double, low: Double? = nil, high: Double? = nil, label: String? = nil) {
            self.value = value; self.low = low; self.high = high; self.label = label
        }
    }

    public struct Cluster: Sendable {
        public var name: String
        /// One per category, in the categories' order; nil where that category did not run.
        public var bars: [Bar?]
        public init(name: String, bars: [Bar?]) { self.name = name; self.bars = bars }
    }

    public var title: String
    /// Under the cluster names: what every cluster shares.
    public var xLabel: String = ""
    public var yLabel: String
    public var categories: [String]
    public var clusters: [Cluster] = []
    public var notes: [String] = []

    public init(title: String, yLabel: String, categories: [String]) {
        self.title = title; self.yLabel = yLabel; self.categories = categories
    }

    let left = 80.0, top = 50.0, plotWidth = 560.0, plotHeight = 400.0
    var legendX: Double { left + plotWidth + 24 }

    /// At least 900 × 560, wide and tall enough for the legend, the notes and the title.
    var canvas: (width: Double, height: Double) {
        let legend = categories.map { SVGPlot.textWidth($0, fontSize: 12) }.max().map { legendX + 18 + $0 + 12 } ?? 0
        let labelWidth = left + plotWidth / 2 + SVGPlot.textWidth(xLabel, fontSize: 13) / 2 + 10
        let noteWidth = notes.map { left + SVGPlot.textWidth($0, fontSize: 11) + 12 }.max() ?? 0
        let titleRight = left + plotWidth / 2 + SVGPlot.textWidth(title, fontSize: 16) / 2 + 10
        let legendBottom = top + 10 + Double(categories.count) * 20
        let notesBottom = top + plotHeight + 70 + Double(max(notes.count - 1, 0)) * 16 + 14
        return (max(SVGPlot.minimumWidth, legend, noteWidth, titleRight, labelWidth), max(SVGPlot.minimumHeight, legendBottom, notesBottom))
    }

    public func render() -> String {
        let values = clusters.flatMap { $0.bars.compactMap { $0 }.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 } } }
        var (axis, step) = SVGPlot.linearAxis(values)
        // Room above the tallest bar (below the lowest) for its value.
        let headroom = 0.08 * (axis.hi - axis.lo)
        if let mx = values.max(), mx + headroom > axis.hi { axis.hi += step }
        if let mn = values.min(), mn < 0, mn - headroom < axis.lo { axis.lo -= step }
        func py(_ y: Double) -> Double { top + (1 - axis.unit(y)) * plotHeight }
        let (width, height) = canvas
        let x = svgNumber
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(x(width))" height="\(x(height))" viewBox="0 0 \(x(width)) \(x(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(x(width))" height="\(x(height))" fill="white"/>
        <text x="\(x(left + plotWidth / 2))" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(escapeXML(title))</text>
        <rect x="\(x(left))" y="\(x(top))" width="\(x(plotWidth))" height="\(x(plotHeight))" fill="none" stroke="#333"/>
        <text x="22" y="\(x(top + plotHeight / 2))" text-anchor="middle" font-size="13" transform="rotate(-90 22 \(x(top + plotHeight / 2)))">\(escapeXML(yLabel))</text>

        """
        var v = axis.lo
        while v <= axis.hi + step * 1e-9 {
            let clean = abs(v) < step * 1e-9 ? 0 : v
            s += "<line x1=\"\(x(left - 6))\" y1=\"\(x(py(clean)))\" x2=\"\(x(left))\" y2=\"\(x(py(clean)))\" stroke=\"#333\"/>"
            s += "<line x1=\"\(x(left))\" y1=\"\(x(py(clean)))\" x2=\"\(x(left + plotWidth))\" y2=\"\(x(py(clean)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(x(left - 10))\" y=\"\(x(py(clean) + 4))\" text-anchor=\"end\">\(escapeXML(String(format: "%g", clean)))</text>\n"
            v += step
        }
        s += "<line x1=\"\(x(left))\" y1=\"\(x(py(0)))\" x2=\"\(x(left + plotWidth))\" y2=\"\(x(py(0)))\" stroke=\"#333\"/>\n"

        let clusterWidth = plotWidth / Double(max(clusters.count, 1))
        let barWidth = clusterWidth * 0.8 / Double(max(categories.count, 1))
        for (i, cluster) in clusters.enumerated() {
            let start = left + Double(i) * clusterWidth + clusterWidth * 0.1
            for (j, bar) in cluster.bars.enumerated() {
                guard let bar, bar.value.isFinite else { continue }
                let colour = SVGPlot.palette[j % SVGPlot.palette.count]
                let x0 = start + Double(j) * barWidth + barWidth * 0.1, w = barWidth * 0.8, mid = x0 + w / 2
                let y0 = py(max(bar.value, 0)), y1 = py(min(bar.value, 0))
                let title = bar.label.map { "<title>\(escapeXML($0))</title>" } ?? ""
                s += "<rect x=\"\(x(x0))\" y=\"\(x(y0))\" width=\"\(x(w))\" height=\"\(x(max(y1 - y0, 0.5)))\" fill=\"\(colour)\">\(title)</rect>\n"
                var upper = bar.value, lower = bar.value
                if let lo = bar.low, let hi = bar.high, lo.isFinite, hi.isFinite {
                    let cap = w / 4
                    s += "<g stroke=\"#222\" stroke-width=\"1.5\">"
                    s += "<line x1=\"\(x(mid))\" y1=\"\(x(py(lo)))\" x2=\"\(x(mid))\" y2=\"\(x(py(hi)))\"/>"
                    s += "<line x1=\"\(x(mid - cap))\" y1=\"\(x(py(lo)))\" x2=\"\(x(mid + cap))\" y2=\"\(x(py(lo)))\"/>"
                    s += "<line x1=\"\(x(mid - cap))\" y1=\"\(x(py(hi)))\" x2=\"\(x(mid + cap))\" y2=\"\(x(py(hi)))\"/></g>\n"
                    upper = max(upper, hi); lower = min(lower, lo)
                }
                // The value above a bar (below one that goes down), clear of its whisker.
                let labelY = bar.value >= 0 ? py(max(upper, 0)) - 5 : py(min(lower, 0)) + 13
                s += "<text x=\"\(x(mid))\" y=\"\(x(labelY))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">\(String(format: "%.3f", bar.value))</text>\n"
            }
            s += "<text x=\"\(x(left + (Double(i) + 0.5) * clusterWidth))\" y=\"\(x(top + plotHeight + 22))\" text-anchor=\"middle\" font-size=\"13\">\(escapeXML(cluster.name))</text>\n"
        }
        if !xLabel.isEmpty {
            s += "<text x=\"\(x(left + plotWidth / 2))\" y=\"\(x(top + plotHeight + 45))\" text-anchor=\"middle\" font-size=\"13\">\(escapeXML(xLabel))</text>\n"
        }
        if clusters.isEmpty {
            s += "<text x=\"\(x(left + plotWidth / 2))\" y=\"\(x(top + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#888\">no finished runs</text>\n"
        }
        for (j, name) in categories.enumerated() {
            let y = top + 10 + Double(j) * 20
            s += "<rect x=\"\(x(legendX))\" y=\"\(x(y - 6))\" width=\"12\" height=\"12\" fill=\"\(SVGPlot.palette[j % SVGPlot.palette.count])\"/>"
            s += "<text x=\"\(x(legendX + 18))\" y=\"\(x(y + 4))\">\(escapeXML(name))</text>\n"
        }
        for (i, note) in notes.enumerated() {
            s += "<text x=\"\(x(left))\" y=\"\(x(top + plotHeight + 70 + Double(i) * 16))\" fill=\"#555\" font-size=\"11\">\(escapeXML(note))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}
