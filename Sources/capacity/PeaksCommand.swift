import Experiments
import Foundation

enum PeaksCommand {
    static let help = """
    capacity peaks RESULTS_DIR... [--out PLOT.svg]

    Peak R against N across results directories: for each (dataset, exposures) group of each
    directory, its best model at its best learning rate (as report.md's peak table), with the
    mean ± sd over seeds and the mean's 95% interval. Prints a markdown table beside the paper's
    Figure 1(a) peaks and, with --out, writes the plot (log N). E.g.
      capacity peaks results/exposures-1000 results/peak-r-vs-n --out results/peak-r-vs-n.svg

      --out FILE        also write the plot as SVG
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["out"], flags: ["help"])
        if a.switches.contains("help") { print(help); return }
        guard !a.positionals.isEmpty else { throw CLIError("peaks: expected one or more results directories\n\n\(help)") }
        var points: [PeakPoint] = []
        for path in a.positionals {
            let loaded = try ResultStore.load(directory: try resultsDirectory(path))
            let found = peakPoints(records: loaded.records)
            guard !found.isEmpty else { throw CLIError("\(path): no successful runs to take a peak of") }
            points += found
        }
        print(peakTable(points), terminator: "")
        if let out = a.options["out"] {
            try Data(peakPlot(points).render().utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            print("\(out): peak R against N, \(points.count) point(s) of ours")
        }
    }
}
