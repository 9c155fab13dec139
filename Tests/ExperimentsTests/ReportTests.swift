import Foundation
import XCTest
@testable import Experiments
import Capacity
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Checks that a document is well-formed XML and counts its elements by name.
final class XMLCheck: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var stack: [String] = []
    var root: String?
    var rootAttributes: [String: String] = [:]
    var balanced = true
    /// Every <text> element: its attributes and its text (tspans included).
    var texts: [(attributes: [String: String], text: String)] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = name; rootAttributes = attributes }
        stack.append(name)
        counts[name, default: 0] += 1
        if name == "text" { texts.append((attributes, "")) }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if stack.contains("text"), !texts.isEmpty { texts[texts.count - 1].text += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if stack.popLast() != name { balanced = false }
    }

    static func check(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> XMLCheck {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = check
        let ok = parser.parse()
        XCTAssertTrue(ok && parser.parserError == nil, "not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
        XCTAssertTrue(check.balanced && check.stack.isEmpty, "unbalanced tags", file: file, line: line)
        return check
    }
}

/// 3 widths × 2 learning rates × 2 exposures × 2 seeds on bioD(1000), plus R values chosen so
/// that at 1000 exposures gpt2-2-2-24 at lr 0.01 peaks with R = 1.74 and 1.82 (mean 1.78).
func syntheticRecords() throws -> [RunRecord] {
    let runs = try Scenario.parse(Data("""
    {"name": "synthetic", "seeds": [1, 2], "datasets": [\(bioD("1000"))],
     "models": [{"layers": 2, "heads": 2, "width": [16, 24, 32], "learningRates": [0.003, 0.01]}],
     "training": {"exposures": [100, 1000]}}
    """.utf8), file: "synthetic.json").runs
    let params = [16: 13_700, 24: 25_200, 32: 39_700]
    var records: [RunRecord] = []
    for r in runs {
        let p = params[r.model.width]!
        var ratio: Double
        switch (r.exposures, r.model.width) {
        case (1000, 16): ratio = 1.60
        case (1000, 24): ratio = 1.70
        case (1000, _): ratio = 1.40
        default: ratio = r.model.width == 32 ? 0.30 : 0.20
        }
        if r.learningRate == 0.01 && r.exposures == 1000 && r.model.width == 24 { ratio = r.replicate == 1 ? 1.74 : 1.82 }
        if r.learningRate == 0.003 { ratio -= 0.1 }
        if r.exposures == 100 && r.model.width == 16 && r.learningRate == 0.003 { ratio = -0.05 }
        if r.exposures == 100 && r.model.width == 32 && r.learningRate == 0.003 && r.replicate == 2 {
            records.append(RunRecord(spec: r, failure: "loss diverged, \"NaN\" at step 10", wallSeconds: 2))
            continue
        }
        records.append(okRecord(r, params: p, bits: ratio * Double(p), dataBits: 60_000))
    }
    return records
}

final class ReportTests: XCTestCase {
    func testMarkdownHasThePeakRowPerDatasetAndExposures() throws {
        let md = Report.markdown(records: try syntheticRecords(), title: "synthetic")
        XCTAssertTrue(md.contains("| dataset | exposures | peak R | 95% interval | model | lr | params | R_max | bits | accuracy | seeds |"), md)
        XCTAssertTrue(md.contains("| bioD-N1000-K6-D256-T256-first40-middle40-last100 | 1000 | 1.780 ± 0.057 | 1.272 to 2.288 | gpt2-2-2-24 | 0.01 | 25,200 | 2.38 | 44,856 | 0.500 | 2 |"), md)
        XCTAssertTrue(md.contains("| bioD-N1000-K6-D256-T256-first40-middle40-last100 | 100 | 0.300 ± 0.000 | 0.300 to 0.300 | gpt2-2-2-32 | 0.01 | 39,700 | 1.51 | 11,910 | 0.500 | 2 |"), md)
    }

    func testMarkdownListsRunsLearningRatesSeedsFitsAndFailures() throws {
        let md = Report.markdown(records: try syntheticRecords(), title: "synthetic")
        // The configured columns, then the settings that vary (width, seed) and the learned fraction 45,864 / 60,000.
        XCTAssertTrue(md.contains("| bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E1000-lr0.01-s2 | gpt2-2-2-24 | 25,200 | 2.38 | 45,864 | 1.820 | 0.500 | 1000 | 0.01 | 128 s | 24 | 2 | 0.764 |"), md)
        XCTAssertTrue(md.contains("0.003: 1.600 (2 seeds) · **0.01: 1.780 (2 seeds)**"), md)
        XCTAssertTrue(md.contains("| bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-24-E1000-lr0.01 | 2 | 1.780 ± 0.057 | 1.740 to 1.820 |"), md)
        XCTAssertTrue(md.contains("| bioD-N1000-K6-D256-T256-first40-middle40-last100-gpt2-2-2-32-E100-lr0.003-s2 | loss diverged, \"NaN\" at step 10 | 2.0 s |"), md)
        XCTAssertTrue(md.contains("## Fits"), md)
        XCTAssertTrue(md.contains("| bioD-N1000-K6-D256-T256-first40-middle40-last100 · E1000 | 3 |"), md)
        XCTAssertTrue(md.contains("-685"), "negative bits keep their raw value: \(md)")
    }

    func testCSVHasAHeaderAndOneRowPerRecord() throws {
        let records = try syntheticRecords()
        let csv = Report.csv(records: records)
        XCTAssertTrue(csv.hasSuffix("\r\n"))
        let rows = csv.components(separatedBy: "\r\n").dropLast()
        XCTAssertEqual(rows.count, records.count + 1)
        XCTAssertTrue(rows.first!.hasPrefix("key,status,scenario,index,"))
        let header = rows.first!.split(separator: ",").map(String.init)
        for column in ["paramsPaper", "paramsTotal", "bits", "R", "Rmax", "accuracy.a0", "tokensPerSecond", "finalLossNatsPerToken", "wallSeconds"] {
            XCTAssertTrue(header.contains(column), column)
        }
        XCTAssertTrue(csv.contains(",\"loss diverged, \"\"NaN\"\" at step 10\"\r\n"), "RFC 4180 quoting")
    }

    func testCapacityPlotIsWellFormedSVGWithTheReferenceLines() throws {
        let records = try syntheticRecords()
        let svg = Report.capacityPlot(records: records).render()
        let xml = XMLCheck.check(svg)
        XCTAssertEqual(xml.root, "svg")
        XCTAssertTrue(svg.contains("viewBox=\"0 0 "), "the canvas grows with the legend; it starts at 900 × 560")
        XCTAssertTrue(svg.contains(">2 bits/param<"))
        XCTAssertTrue(svg.contains(">0.25 bit/param<"))
        XCTAssertTrue(svg.contains(">bioD-N1000-K6-D256-T256-first40-middle40-last100 · E1000<"))
        // One marker per model and series (3 models × 2 exposures) plus one per legend entry.
        XCTAssertEqual(xml.counts["circle"], 6 + 2)
        XCTAssertFalse(svg.contains("Open markers"), "every model's best learning rate learned positive bits")
    }

    func testNegativeBitsAreDrawnAtTheFloorAndSaidSo() throws {
        var records = try syntheticRecords()
        for i in records.indices where records[i].spec.model.width == 16 && records[i].spec.exposures == 100 {
            records[i].metrics!.bits = LearnedBits(name: -2_000, value: 500)
        }
        let svg = Report.capacityPlot(records: records).render()
        _ = XMLCheck.check(svg)
        XCTAssertTrue(svg.contains("Open markers on the bottom axis: 1 model(s)"), svg)
        XCTAssertTrue(svg.contains("(1 negative)"), svg)
        XCTAssertTrue(svg.contains("fill=\"white\" stroke-width=\"1.5\""), "an open marker")
    }

    func testRatioPlotIsWellFormedSVG() throws {
        let svg = Report.ratioPlot(records: try syntheticRecords()).render()
        let xml = XMLCheck.check(svg)
        XCTAssertEqual(xml.root, "svg")
        XCTAssertTrue(svg.contains(">2 bits/param<"))
        XCTAssertEqual(xml.counts["circle"], 6 + 2)
    }

    func testNoRecordsStillGiveValidPlotsAndCSV() throws {
        let svg = Report.capacityPlot(records: []).render()
        _ = XMLCheck.check(svg)
        XCTAssertTrue(svg.contains("no finished runs"))
        XCTAssertEqual(Report.csv(records: []).components(separatedBy: "\r\n").count, 2, "a header and nothing else")
    }

    func testTextIsEscapedInSVG() {
        var plot = SVGPlot(title: "a < b & \"c\"", xLabel: "x", yLabel: "y")
        plot.series = [SVGPlot.Series(name: "<series>", points: [SVGPlot.Point(x: 10, y: 20, label: "it's")])]
        let svg = plot.render()
        _ = XMLCheck.check(svg)
        XCTAssertTrue(svg.contains("a &lt; b &amp; &quot;c&quot;"))
        XCTAssertTrue(svg.contains("&lt;series&gt;"))
    }

    func testReportFilesAreWrittenFromTheResultsDirectoryAlone() throws {
        let dir = try temporaryDirectory()
        let store = ResultStore(directory: dir)
        for r in try syntheticRecords() { try store.append(r) }
        try store.saveScenario(Data(#"{"name": "synthetic", "description": "A synthetic test.", "dataset": {"kind": "random", "sequences": 10, "length": 4, "vocabulary": 8}, "model": {"layers": 1, "heads": 1, "width": 8}, "training": {"exposures": 1}, "report": {"columns": ["key", "R"]}}"#.utf8))
        let output = try Report.generate(directory: dir)
        // Two exposure counts per model: the passes plot joins the others.
        XCTAssertEqual(output.files.map(\.lastPathComponent), ["report.md", "runs.csv", "capacity.svg", "ratio.svg", "passes.svg"])
        XCTAssertEqual(output.warnings, [])
        XCTAssertTrue(output.summary.hasPrefix("24 runs (23 ok, 1 failed) · peak R 1.780 bits/param (gpt2-2-2-24, bioD-N1000-K6-D256-T256-first40-middle40-last100, E1000)"), output.summary)
        let md = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("A synthetic test."))
        XCTAssertTrue(md.contains("| key | R (bits/param) |"), "columns from scenario.json's report settings")
    }
}

final class FitTests: XCTestCase {
    func testLeastSquaresRecoversAnExactLine() throws {
        let x = [1.0, 2, 3, 5, 8, 13]
        let fit = try XCTUnwrap(LinearFit.leastSquares(x: x, y: x.map { 1.5 * $0 + 2 }))
        XCTAssertEqual(fit.slope, 1.5, accuracy: 1e-12)
        XCTAssertEqual(fit.intercept, 2, accuracy: 1e-12)
        XCTAssertEqual(fit.rSquared, 1, accuracy: 1e-12)
        XCTAssertEqual(fit.count, 6)
    }

    func testLogLogFitRecoversTwoBitsPerParameter() throws {
        let params = [13_700.0, 25_200, 39_700, 128_500]
        let fit = try XCTUnwrap(LinearFit.logLog(params: params + [50_000], bits: params.map { 2 * $0 } + [-10]))
        XCTAssertEqual(fit.count, 4, "non-positive bits are left out")
        XCTAssertEqual(fit.slope, 1, accuracy: 1e-12)
        XCTAssertEqual(fit.intercept, 1, accuracy: 1e-12)  // log2(2)
    }

    /// By hand: slope 0.99, residuals −0.04, 0.17, −0.22, 0.09 (SS 0.087), SE √(0.087 / 2 / 5),
    /// t(0.975, 2) = 4.3027: half-width 0.40133.
    func testSlopeIntervalIsTStandardErrors() throws {
        let fit = try XCTUnwrap(LinearFit.leastSquares(x: [0, 1, 2, 3], y: [0, 1.2, 1.8, 3.1]))
        XCTAssertEqual(fit.slope, 0.99, accuracy: 1e-12)
        XCTAssertEqual(fit.slopeHalfWidth95, 4.3027 * (0.087 / 10).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(fit.slopeInterval95).lowerBound, 0.99 - 0.40133, accuracy: 1e-4)
        XCTAssertNil(try XCTUnwrap(LinearFit.leastSquares(x: [1, 2], y: [3, 5])).slopeInterval95, "two points leave no residual")
        let r = try XCTUnwrap(Spread([1, 2, 3]).interval95)
        XCTAssertEqual(r.upperBound, 2 + 4.3027 / 3.squareRoot(), accuracy: 1e-9)
        XCTAssertNil(Spread([1]).interval95)
    }

    /// The standard table's values, and beyond it the expansion against exact quantiles.
    func testStudentT975() {
        XCTAssertEqual(studentT975(degreesOfFreedom: 1), 12.7062, accuracy: 1e-9)
        XCTAssertEqual(studentT975(degreesOfFreedom: 10), 2.2281, accuracy: 1e-9)
        for (df, exact) in [(31, 2.0395), (40, 2.0211), (60, 2.0003), (120, 1.9799), (1000, 1.9623)] {
            XCTAssertEqual(studentT975(degreesOfFreedom: df), exact, accuracy: 1e-4, "df \(df)")
        }
    }

    func testFitNeedsTwoDistinctXValues() {
        XCTAssertNil(LinearFit.leastSquares(x: [1], y: [2]))
        XCTAssertNil(LinearFit.leastSquares(x: [3, 3], y: [1, 2]))
    }

    func testNoisyFitHasRSquaredBelowOne() throws {
        let fit = try XCTUnwrap(LinearFit.leastSquares(x: [0, 1, 2, 3], y: [0, 1.2, 1.8, 3.1]))
        XCTAssertLessThan(fit.rSquared, 1)
        XCTAssertGreaterThan(fit.rSquared, 0.95)
    }
}

final class ProgressTests: XCTestCase {
    final class Capture: @unchecked Sendable {
        let lock = NSLock()
        var text = ""
        var time = 0.0
        func append(_ s: String) { lock.lock(); text += s; lock.unlock() }
    }

    func testTerminalLineShowsBarPercentStepLossRateAndEta() {
        let c = Capture()
        let p = ProgressDisplay(mode: .terminal, columns: 200, sink: { c.append($0) }, now: { c.time })
        p.update(key: "k", label: "gpt2-2-2-24", step: 0, totalSteps: 2500, lossNatsPerToken: 5.5, tokensPerSecond: 0)
        c.time = 37
        p.update(key: "k", label: "gpt2-2-2-24", step: 1200, totalSteps: 2500, lossNatsPerToken: 1.93, tokensPerSecond: 41_000)
        XCTAssertTrue(c.text.contains("  gpt2-2-2-24  [█████████░░░░░░░░░░░]  48%  step 1200/2500  loss 1.93 nats/token  41k tok/s  eta 0:40"), c.text)
        XCTAssertTrue(c.text.contains("\u{1B}[1F"), "the second draw moves back up over the first")
    }

    func testPlainModePrintsAtMostEveryIntervalPerRun() {
        let c = Capture()
        let p = ProgressDisplay(mode: .plain, plainInterval: 5, sink: { c.append($0) }, now: { c.time })
        for step in 0...100 {
            c.time = Double(step) * 0.25          // 25 seconds in all
            p.update(key: "a", step: step, totalSteps: 100, lossNatsPerToken: 2, tokensPerSecond: 1000)
        }
        let lines = c.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 6, c.text)  // t = 0, 5, 10, 15, 20 and the last step
        XCTAssertFalse(c.text.contains("\u{1B}"), "no escape codes outside a terminal")
        XCTAssertTrue(lines.last!.contains("step 100/100") && lines.last!.contains("done"))
    }

    func testConcurrentUpdatesFromManyRunsAreSafe() {
        let c = Capture()
        let p = ProgressDisplay(mode: .terminal, sink: { c.append($0) })
        DispatchQueue.concurrentPerform(iterations: 8) { run in
            for step in 0...200 {
                p.update(key: "run\(run)", step: step, totalSteps: 200, lossNatsPerToken: 1, tokensPerSecond: 1e5)
            }
            p.finish(key: "run\(run)", message: "run\(run) done")
        }
        for run in 0..<8 { XCTAssertTrue(c.text.contains("run\(run) done\n")) }
    }
}

