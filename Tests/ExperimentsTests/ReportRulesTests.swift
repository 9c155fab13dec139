import Foundation
import XCTest
@testable import Experiments

/// Records for every run of a scenario, with parameters and bits chosen per run.
func records(_ json: String, dataBits: Double = 60_000, params: (RunSpec) -> Int, bits: (RunSpec) -> Double) throws -> [RunRecord] {
    try scenario(json).runs.map { okRecord($0, params: params($0), bits: bits($0), dataBits: dataBits) }
}

/// The rules that keep a report from misleading: fits only where there are sizes to fit,
/// series that never mix settings, seeds and scan edges said out loud, every setting shown.
final class ReportRulesTests: XCTestCase {
    func testAFitNeedsThreeSizesSpanningTwofold() throws {
        // Two models of 7,000 and 7,040 parameters, 1,000 and 5,240 bits: a least-squares line
        // through them says 106 bits/param with R² = 1.
        let two = try records("""
        {"datasets": [\(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": [8, 10]}], "training": {"exposures": 100}}
        """, params: { $0.model.width == 8 ? 7_000 : 7_040 }, bits: { $0.model.width == 8 ? 1_000 : 5_240 })
        let md = Report.markdown(records: two, title: "two")
        XCTAssertTrue(md.contains("| bioD-N100-K6-D256-T256-first40-middle40-last100 · E100 | 2 | 7,000 to 7,040 (1 size) | not enough sizes to fit (1 size) | — | — | not enough sizes to fit (1 size) | — | — |"), md)
        XCTAssertFalse(md.contains("106.000"), md)

        // Three sizes, but only 1.5× apart.
        let near = try records("""
        {"datasets": [\(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": [8, 10, 12]}], "training": {"exposures": 100}}
        """, params: { [8: 10_000, 10: 12_000, 12: 15_000][$0.model.width]! }, bits: { Double($0.model.width) * 100 })
        XCTAssertTrue(Report.markdown(records: near, title: "near").contains("not enough sizes to fit (3 sizes spanning 1.50×)"))

        // Three sizes over 4×: bits = 2 · params, fitted exactly.
        let wide = try records("""
        {"datasets": [\(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": [8, 10, 12]}], "training": {"exposures": 100}}
        """, params: { [8: 10_000, 10: 20_000, 12: 40_000][$0.model.width]! }, bits: { 2 * Double([8: 10_000, 10: 20_000, 12: 40_000][$0.model.width]!) })
        XCTAssertTrue(Report.markdown(records: wide, title: "wide").contains(
            "| bioD-N100-K6-D256-T256-first40-middle40-last100 · E100 | 3 | 10,000 to 40,000 (3 sizes, 4.00×) | 1.000 | 1.000 | 1.000 | 2.000 | 0 | 1.000 |"))
    }

    /// One point per N: its best model's mean R over seeds and the mean's t interval; the
    /// capacity-limited slope's interval comes from every seed's run.
    func testPeaksPerNAndTheirIntervals() throws {
        let rs = try records("""
        {"datasets": [\(bioD("[100, 200]"))], "seeds": [1, 2, 3],
         "models": [{"layers": 2, "heads": 1, "width": [8, 10, 12]}], "training": {"exposures": 100}}
        """, dataBits: 200_000, params: { [8: 10_000, 10: 20_000, 12: 40_000][$0.model.width]! },
           bits: { s in Double([8: 10_000, 10: 20_000, 12: 40_000][s.model.width]!) * (s.people == 100 ? 1 : 1.5)
                        + (s.model.width == 10 ? 1_000 * Double(s.replicate) : 0) })
        let points = peakPoints(records: rs).sorted { $0.people < $1.people }
        XCTAssertEqual(points.map(\.people), [100, 200])
        XCTAssertEqual(points.map(\.model), ["gpt2-2-1-10", "gpt2-2-1-10"], "the seed bonus puts width 10 on top")
        // N = 100, width 10: R = (20,000 + 1,000·seed) / 20,000 = 1.05, 1.10, 1.15.
        XCTAssertEqual(points[0].R, 1.10, accuracy: 1e-12)
        XCTAssertEqual(points[0].sd, 0.05, accuracy: 1e-12)
        let h = 4.3027 * 0.05 / 3.squareRoot()
        XCTAssertEqual(try XCTUnwrap(points[0].interval95).lowerBound, 1.10 - h, accuracy: 1e-9)
        XCTAssertEqual(points[1].R, 1.60, accuracy: 1e-12)
        let md = peakTable(points)
        XCTAssertTrue(md.contains("| \(points[0].scenario) | bioD-N100-K6-D256-T256-first40-middle40-last100 | 100 | 100 | 1.100 ± 0.050 | \(fixed(1.10 - h, 3)) to \(fixed(1.10 + h, 3)) | gpt2-2-1-10 |"), md)
        XCTAssertTrue(md.contains("1.93 at N = 50,000"), md)
        let svg = peakPlot(points).render()
        XCTAssertTrue(svg.contains("paper, Fig. 1(a): bioS, 1000 exposures"))
        XCTAssertTrue(svg.contains("ours: bioD, 100 exposures"))

        // R_max = 200,000 / params > 2 for every model: all are capacity-limited; 9 runs per N.
        let report = Report.markdown(records: rs, title: "peaks")
        XCTAssertTrue(report.contains("| slope 95% interval |"), report)
        XCTAssertTrue(report.contains("(9 runs)"), report)
    }

    func testSizeRangeCountsCountsWithinFivePercentAsOneSize() {
        XCTAssertEqual(SizeRange(params: [7_000, 7_040]).sizes, 1)
        XCTAssertEqual(SizeRange(params: [7_000, 7_040, 7_000, 14_000]).sizes, 2)
        let near = SizeRange(params: [10_000, 12_000, 15_000])
        XCTAssertEqual(near.sizes, 3)
        XCTAssertEqual(near.span, 1.5, accuracy: 1e-12)
        XCTAssertFalse(near.allowsFit)
        XCTAssertTrue(SizeRange(params: [1_000, 1_500, 2_000]).allowsFit)
        XCTAssertFalse(SizeRange(params: []).allowsFit)
    }

    /// Two datasets × two depths × three widths: each (dataset, depth) is its own series with
    /// its own exact slope (1 bit/param at depth 1, 2 at depth 2); nothing pools them.
    func testSeriesNeverPoolDatasetsOrDepths() throws {
        let grid = try records("""
        {"datasets": [\(bioD("100")), \(bioD("200"))], "models": [{"layers": [1, 2], "heads": 1, "width": [8, 16, 32]}],
         "training": {"exposures": 100}}
        """, params: { 1_000 * $0.model.width * $0.model.layers },
             bits: { Double(1_000 * $0.model.width * $0.model.layers * $0.model.layers) })
        let md = Report.markdown(records: grid, title: "grid")
        for (dataset, layers, slope) in [("bioD-N100-K6-D256-T256-first40-middle40-last100", "1 layer", "1.000"), ("bioD-N100-K6-D256-T256-first40-middle40-last100", "2 layers", "2.000"),
                                         ("bioD-N200-K6-D256-T256-first40-middle40-last100", "1 layer", "1.000"), ("bioD-N200-K6-D256-T256-first40-middle40-last100", "2 layers", "2.000")] {
            let row = md.split(separator: "\n").first { $0.hasPrefix("| \(dataset) · E100 · \(layers) | 3 | ") }
            XCTAssertNotNil(row, "\(dataset) \(layers): \(md)")
            XCTAssertTrue(row?.hasSuffix("| \(slope) | 0 | 1.000 |") ?? false, String(row ?? ""))
        }
        XCTAssertFalse(md.contains("| all |"), "no row pools series")
        XCTAssertTrue(md.contains("| dataset | exposures | layers | peak R |"), md)
        // The plots split the same way and say so in the legend.
        let svg = Report.capacityPlot(records: grid).render()
        XCTAssertTrue(svg.contains(">bioD-N100-K6-D256-T256-first40-middle40-last100 · E100 · 1 layer<") && svg.contains(">bioD-N200-K6-D256-T256-first40-middle40-last100 · E100 · 2 layers<"), svg)
    }

    func testMemorizationAlphaKeepsPrecisionsApart() throws {
        let runs = try records("""
        {"datasets": [{"kind": "random", "sequences": 16, "length": 8, "vocabulary": 16}],
         "models": [{"layers": 1, "heads": 1, "width": [4, 8, 16]}, {"layers": 1, "heads": 1, "width": [4, 8, 16], "training": {"weightPrecision": "bf16"}}],
         "training": {"exposures": 10}}
        """, params: { 100 * $0.model.width }, bits: { Double(100 * $0.model.width) * ($0.training.weightPrecision == .bf16 ? 1 : 2) })
        let md = Report.markdown(records: runs, title: "memorization")
        // okRecord's total count is the paper count + 100: α through the origin is close to, not exactly, 2 and 1.
        XCTAssertTrue(md.contains("| fp32 | 3 | 500 to 1,700 (3 sizes, 3.40×) |"), md)
        XCTAssertTrue(md.contains("| bf16 | 3 | 500 to 1,700 (3 sizes, 3.40×) |"), md)
        XCTAssertTrue(md.contains("| gpt2-1-1-8 · bf16 | 900 |"), md)
        // bits = 2·(total − 100) and 1·(total − 100) exactly: slopes 2 and 1 with no residual, so
        // the 95% interval over the runs closes on the slope.
        XCTAssertTrue(md.contains("| 2.000 | 2.000 to 2.000 (3 runs) | -200 |"), md)
        XCTAssertTrue(md.contains("| 1.000 | 1.000 to 1.000 (3 runs) | -100 |"), md)
    }

    func testLearningRateCellsCountSeedsAndFlagABestRateAtTheEdgeOfTheScan() throws {
        // Width 8 peaks inside the scan, width 16 at its largest rate, width 32 at its smallest.
        let best: [Int: Float] = [8: 0.003, 16: 0.01, 32: 0.001]
        let runs = try records("""
        {"seeds": [1, 2], "datasets": [\(bioD("100"))], "models": [{"layers": 2, "heads": 1, "width": [8, 16, 32], "learningRates": [0.001, 0.003, 0.01]}],
         "training": {"exposures": 100}}
        """, params: { 1_000 * $0.model.width }, bits: { Double(1_000 * $0.model.width) * ($0.learningRate == best[$0.model.width]! ? 1.0 : 0.5) })
        let md = Report.markdown(records: runs, title: "scan")
        XCTAssertTrue(md.contains("| gpt2-2-1-8 | bioD-N100-K6-D256-T256-first40-middle40-last100 · E100 | 0.001: 0.500 (2 seeds) · **0.003: 1.000 (2 seeds)** · 0.01: 0.500 (2 seeds) | 0.003 |"), md)
        XCTAssertTrue(md.contains("| 0.01 — best rate at the edge of the scan (the largest tried): the optimum may lie above |"), md)
        XCTAssertTrue(md.contains("| 0.001 — best rate at the edge of the scan (the smallest tried): the optimum may lie below |"), md)
        XCTAssertTrue(md.contains("(2 of 3 families here)"), md)
    }

    func testCSVCarriesEveryDatasetFieldTheModelFieldsAndTheLearnedFraction() throws {
        let runs = try records("""
        {"datasets": [\(bioD("100")), {"kind": "bioS", "people": 50, "birthYears": 20}, {"kind": "random", "sequences": 10, "length": 4, "vocabulary": 8}],
         "models": [{"layers": 1, "heads": 1, "width": 8}], "training": {"exposures": 10}}
        """, dataBits: 4_000, params: { _ in 1_000 }, bits: { _ in 1_000 })
        let lines = Report.csv(records: runs).components(separatedBy: "\r\n").dropLast()
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func column(_ name: String, _ kind: String) -> String? {
            guard let i = header.firstIndex(of: name),
                  let line = lines.dropFirst().first(where: { $0.contains(",\(kind),") }) else { return nil }
            return line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)[i]
        }
        for (name, bioD, bioS, random) in [("attributes", "6", "", ""), ("chunks", "1", "", ""), ("diversity", "256", "", ""),
                                          ("chunkLength", "1", "", ""), ("alphabet", "256", "", ""), ("firstNames", "40", "400", ""),
                                          ("lastNames", "100", "1000", ""), ("birthYears", "", "20", ""), ("employers", "", "263", ""),
                                          ("templatesPerAttribute", "", "50", ""), ("length", "", "", "4"), ("vocabulary", "", "", "8"),
                                          ("layers", "1", "1", "1"), ("width", "8", "8", "8"), ("normBias", "true", "true", "true"),
                                          ("experts", "", "", ""), ("weightPrecision", "fp32", "fp32", "fp32"),
                                          ("learnedFraction", "0.25", "0.25", "0.25")] {
            XCTAssertEqual(column(name, "bioD"), bioD, name)
            XCTAssertEqual(column(name, "bioS"), bioS, name)
            XCTAssertEqual(column(name, "random"), random, name)
        }
    }

    func testRunsTableAddsEverySettingThatVariesAndTheLearnedFraction() throws {
        let runs = try records("""
        {"datasets": [{"kind": "bioD", "people": 100, "attributes": [4, 6], "diversity": 256, "alphabet": 256}],
         "models": [{"layers": [1, 2], "heads": 1, "width": 8}], "training": {"exposures": 10}}
        """, params: { _ in 1_000 }, bits: { Double(100 * $0.model.layers) })
        var settings = ReportSettings()
        settings.columns = [.key, .R]
        let md = Report.markdown(records: runs, settings: settings, title: "varying")
        XCTAssertTrue(md.contains("| key | R (bits/param) | K (attributes) | layers | learned fraction |"), md)
        XCTAssertTrue(md.contains("| 0.200 | 4 | 2 | 0.003 |"), md)   // 200 bits of 60,000
    }

    func testColumnsOptionIsCheckedAgainstTheColumnNames() throws {
        XCTAssertEqual(try ReportColumn.parseList("key,model, params,R,learnedFraction"), [.key, .model, .params, .R, .learnedFraction])
        for bad in ["key,bitz", "", "key,,R"] {
            XCTAssertThrowsError(try ReportColumn.parseList(bad)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("--columns: "), message)
                XCTAssertTrue(message.contains("valid columns: key, dataset, people, model"), message)
                XCTAssertTrue(message.contains("learnedFraction") && message.contains("attributes"), message)
                XCTAssertFalse(message.contains("\n"), "one line")
            }
        }
        XCTAssertThrowsError(try ReportColumn.parseList("key,bitz")) { XCTAssertTrue("\($0)".contains(#"unknown column "bitz""#)) }

        let dir = try temporaryDirectory()
        let store = ResultStore(directory: dir)
        for r in try syntheticRecords() { try store.append(r) }
        _ = try Report.generate(directory: dir, columns: [.key, .bits])
        let md = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| key | bits | exposures | width | lr | seed | learned fraction |"), md)
    }

    func testAResultsRootOrAnEmptyDirectoryIsAnErrorNotAnEmptyReport() throws {
        let root = try temporaryDirectory()
        let quick = ResultStore(directory: root.appendingPathComponent("quick"))
        try quick.append(try syntheticRecords()[0])
        try ResultStore(directory: root.appendingPathComponent("junk")).saveScenario(Data("{}".utf8))
        XCTAssertThrowsError(try Report.generate(directory: root)) { error in
            XCTAssertEqual("\(error)", "\(root.path): no runs*.jsonl here; this looks like a results root holding junk, quick: run capacity report \(root.path)/<scenario>")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("report.md").path), "nothing written")
        let empty = try temporaryDirectory()
        XCTAssertThrowsError(try Report.generate(directory: empty)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(empty.path): no runs*.jsonl here: nothing to report"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: empty.path), [])
    }

    func testReportCommandOnAResultsRootFailsInOneLine() throws {
        let binary = try capacityBinary()
        let root = try temporaryDirectory()
        try ResultStore(directory: root.appendingPathComponent("quick")).append(try syntheticRecords()[0])
        for (args, expected) in [([root.path], "this looks like a results root holding quick: run capacity report"),
                                 ([root.appendingPathComponent("quick").path, "--columns", "key,bitz"], #"--columns: unknown column "bitz"; valid columns: key,"#)] {
            let p = Process()
            p.executableURL = binary
            p.arguments = ["report"] + args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            p.waitUntilExit()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(p.terminationStatus, 1, text)
            XCTAssertTrue(text.contains(expected), text)
            XCTAssertEqual(text.split(separator: "\n").count, 1, text)
        }
    }
}

/// Plots that read at a glance: nothing cut off, no label on another, one bar per variant.
final class ReportPlotTests: XCTestCase {
    func testTheCanvasGrowsToHoldALongLegendName() throws {
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y")
        let name = String(repeating: "gpt2-2-1-14 (11,270 params) ", count: 4)
        plot.series = [SVGPlot.Series(name: name, points: [SVGPlot.Point(x: 10, y: 20)])]
        let xml = XMLCheck.check(plot.render())
        let width = try XCTUnwrap(Double(xml.rootAttributes["width"] ?? ""))
        let legend = try XCTUnwrap(xml.texts.first { $0.text == name })
        let x = try XCTUnwrap(Double(legend.attributes["x"] ?? ""))
        XCTAssertGreaterThanOrEqual(width, x + SVGPlot.textWidth(name, fontSize: 12), "the legend entry fits on the canvas")
    }

    /// exposures-1000's layout: the 0.25 bit/param line leaves the plot at 25,000 bits, just above
    /// a dataset's 22,658 bits, so their labels would share a spot.
    func testReferenceLabelsNeverOverlap() throws {
        var plot = SVGPlot(title: "labels", xLabel: "params", yLabel: "bits")
        plot.series = [SVGPlot.Series(name: "s", points: [SVGPlot.Point(x: 2_000, y: 1_500), SVGPlot.Point(x: 25_000, y: 22_000)])]
        plot.references = [2.0, 1, 0.5, 0.25].map { .proportional($0, label: "\($0) bit/param") }
            + [22_658.0, 17_118, 11_529].map { .horizontal($0, label: "bioD: \(grouped($0)) bits") }
        let xml = XMLCheck.check(plot.render())
        let labels = xml.texts.filter { $0.attributes["text-anchor"] == "end" && $0.attributes["font-size"] == "11" }
        XCTAssertEqual(labels.count, 7)
        let boxes = labels.map { l in
            LabelPlacer.box(l.text, x: Double(l.attributes["x"]!)!, baseline: Double(l.attributes["y"]!)!, fontSize: 11)
        }
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                XCTAssertFalse(boxes[i].overlaps(boxes[j]), "\"\(labels[i].text)\" overlaps \"\(labels[j].text)\"")
            }
        }
    }

    func junkRecords() throws -> [RunRecord] {
        let R: [String: Double] = ["clean-E100-s1": 0.30, "clean-E100-s2": 0.34, "noise-E100-s1": 0.02, "noise-E100-s2": 0.04,
                                   "clean-E300-s1": 0.60, "clean-E300-s2": 0.60, "noise-E300-s1": 0.10, "noise-E300-s2": 0.06]
        return try records("""
        {"name": "junk", "seeds": [1, 2], "datasets": [\(bioD("40"))], "models": [{"layers": 2, "heads": 1, "width": 8}],
         "training": {"exposures": [100, 300]},
         "junk": [{"name": "clean"}, {"name": "noise", "dataset": \(bioD("20")), "fraction": 0.875, "freshPeople": true}]}
        """, params: { _ in 1_000 }, bits: { 1_000 * R["\($0.junkLabel!)-E\($0.exposures)-s\($0.replicate)"]! })
    }

    func testJunkPlotHasABarPerVariantAndExposuresWithSeedWhiskers() throws {
        let chart = try XCTUnwrap(Report.junkPlot(records: try junkRecords(), settings: ReportSettings()))
        XCTAssertEqual(chart.categories, ["clean", "noise"])
        XCTAssertEqual(chart.clusters.map(\.name), ["E100", "E300"])
        XCTAssertEqual(chart.clusters[0].bars[0]?.value ?? 0, 0.32, accuracy: 1e-12)
        XCTAssertEqual(chart.clusters[0].bars[1]?.value ?? 0, 0.03, accuracy: 1e-12)
        XCTAssertEqual(chart.clusters[0].bars[1]?.low ?? 0, 0.02, accuracy: 1e-12)
        XCTAssertEqual(chart.clusters[0].bars[1]?.high ?? 0, 0.04, accuracy: 1e-12)
        XCTAssertEqual(chart.xLabel, "gpt2-2-1-8 · bioD-N40-K6-D256-T256-first40-middle40-last100")
        let svg = chart.render()
        let xml = XMLCheck.check(svg)
        // Background, frame, 2 × 2 bars and 2 legend swatches; one whisker (3 lines) per bar.
        XCTAssertEqual(xml.counts["rect"], 2 + 4 + 2)
        XCTAssertEqual(xml.counts["g"], 4)
        XCTAssertTrue(xml.texts.contains { $0.text == "0.320" }, svg)

        let dir = try temporaryDirectory()
        let files = try Report.write(records: try junkRecords(), to: dir, title: "junk")
        XCTAssertTrue(files.map(\.lastPathComponent).contains("junk.svg"))
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8).contains("](junk.svg)"))
        XCTAssertNil(Report.junkPlot(records: try syntheticRecords(), settings: ReportSettings()), "no junk variants, no junk plot")
    }

    func testPassesSeriesNameTheVariantTheyDifferBy() throws {
        let plot = try XCTUnwrap(Report.passesPlot(records: try junkRecords(), settings: ReportSettings()))
        XCTAssertEqual(plot.series.map(\.name), ["gpt2-2-1-8 · clean (1,000 params, R_max 60.00)", "gpt2-2-1-8 · noise (1,000 params, R_max 60.00)"])
        let md = Report.markdown(records: try junkRecords(), title: "junk")
        XCTAssertTrue(md.contains("| dataset | model | junk | params | R_max | E100 | E300 |"), md)
    }
}
