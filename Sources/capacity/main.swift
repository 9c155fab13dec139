import Foundation
import Experiments

let usage = """
capacity — how many bits of knowledge a small transformer stores per parameter.

usage: capacity <command> [options]     (capacity <command> --help for details)

  run SCENARIO       train and evaluate every run of a scenario file, resumably
  report DIR         write report.md, runs.csv and SVG plots from results/<scenario>
  evaluate CKPT      score a checkpoint against its dataset in learned bits
  generate           write a dataset as JSON Lines (text, token ids, spans)
  export DIR KEY     write what a recorded run trained on and is scored on, as JSON Lines
  export-model CKPT  write a checkpoint as a Hugging Face transformers model directory
  peaks DIR...       peak R against N across results directories, beside the paper's
  bench              training throughput and % of this machine's peak

  --version          print the version
"""

/// The tool's version; results and export files carry their own format numbers.
let version = "capacity 0.1.0 (runs.jsonl format \(RunRecord.currentFormat), export format capacity.export.v1)"

let argv = Array(CommandLine.arguments.dropFirst())
guard let command = argv.first, !["-h", "--help", "help"].contains(command) else {
    print(usage)
    exit(argv.isEmpty ? 2 : 0)
}
if command == "--version" || command == "version" {
    print(version)
    exit(0)
}
let rest = Array(argv.dropFirst())
do {
    switch command {
    case "run": try RunCommand.run(rest)
    case "report": try ReportCommand.run(rest)
    case "evaluate": try EvaluateCommand.run(rest)
    case "generate": try GenerateCommand.run(rest)
    case "export": try ExportCommand.run(rest)
    case "export-model": try ExportModelCommand.run(rest)
    case "peaks": try PeaksCommand.run(rest)
    case "bench": try BenchCommand.run(rest)
    default: throw CLIError("unknown command \"\(command)\"\n\n\(usage)")
    }
} catch {
    printError("capacity \(command): \(error)")
    exit(1)
}
