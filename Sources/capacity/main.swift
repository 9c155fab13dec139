import Foundation

let usage = """
capacity — how many bits of knowledge a small transformer stores per parameter.

usage: capacity <command> [options]     (capacity <command> --help for details)

  run SCENARIO       train and evaluate every run of a scenario file, resumably
  report DIR         write report.md, runs.csv and SVG plots from results/<scenario>
  evaluate CKPT      score a checkpoint against its dataset in learned bits
  generate           write a dataset as JSON Lines (text, token ids, spans)
  bench              training throughput and % of this machine's peak
"""

let argv = Array(CommandLine.arguments.dropFirst())
guard let command = argv.first, !["-h", "--help", "help"].contains(command) else {
    print(usage)
    exit(argv.isEmpty ? 2 : 0)
}
let rest = Array(argv.dropFirst())
do {
    switch command {
    case "run": try RunCommand.run(rest)
    case "report": try ReportCommand.run(rest)
    case "evaluate": try EvaluateCommand.run(rest)
    case "generate": try GenerateCommand.run(rest)
    case "bench": try BenchCommand.run(rest)
    default: throw CLIError("unknown command \"\(command)\"\n\n\(usage)")
    }
} catch {
    printError("capacity \(command): \(error)")
    exit(1)
}
