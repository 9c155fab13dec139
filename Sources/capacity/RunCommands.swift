import Foundation
import Kernels
import Biographies
import Transformer
import Capacity
import Experiments

enum RunCommand {
    static let help = """
    capacity run SCENARIO.json [--results DIR] [--cores N] [--shard i/n] [--retry-failed] [--no-checkpoints]
                               [--dry-run [--json]]

    Trains and evaluates every run of a scenario file and appends one JSON line per finished run
    to <results>/<scenario>/runs.jsonl. Runs already there are skipped, so an interrupted sweep
    resumes where it stopped. Then writes the report (report.md, runs.csv, capacity.svg, ratio.svg).

      --results DIR     results root (default: results)
      --cores N         cores to use (default: all); one run per core when there are enough runs
      --shard i/n       run only runs whose index % n == i (cluster job arrays); own results file
      --retry-failed    run again the runs recorded as failed
      --no-checkpoints  do not save trained models under <results>/<scenario>/checkpoints/
      --dry-run         train nothing, write nothing: list the runs still to do with their tokens,
                        steps, parameters, data bits, R_max and estimated time (from timing a few
                        training steps of each model shape on this machine), and the total
      --json            with --dry-run: one JSON object per run, then one with the totals
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["results", "cores", "shard"], flags: ["retry-failed", "no-checkpoints", "dry-run", "json", "help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1 else { throw CLIError("run: expected one scenario file\n\n\(help)") }
        let path = a.positionals[0]
        let scenario = try Scenario.load(path: path)
        let shard = try a.options["shard"].map { try Shard(parsing: $0) }
        let cores = try a.int("cores", default: availableCores)
        guard cores >= 1 else { throw CLIError("--cores: expected a positive integer, found \(cores)") }
        let root = URL(fileURLWithPath: a.options["results"] ?? "results")
        let store = ResultStore(resultsRoot: root, scenario: scenario.name, shard: shard)
        if a.switches.contains("dry-run") {
            let plan = try DryRun.plan(scenario, store: store, cores: cores, shard: shard, retryFailed: a.switches.contains("retry-failed"))
            print(a.switches.contains("json") ? DryRunOutput.json(plan) : DryRunOutput.text(plan))
            return
        }
        if a.switches.contains("json") { throw CLIError("--json: only with --dry-run") }
        // Shards share the results directory: each writes only its own runs file (and the
        // scenario copy only when it is missing or differs); `capacity report` writes the report.
        if let data = FileManager.default.contents(atPath: path),
           shard == nil || FileManager.default.contents(atPath: store.directory.appendingPathComponent("scenario.json").path) != data {
            try store.saveScenario(data)
        }
        let progress = ProgressDisplay()
        let runner = ScenarioRunner(cores: cores, shard: shard, retryFailed: a.switches.contains("retry-failed"),
                                    saveCheckpoints: !a.switches.contains("no-checkpoints"))
        let summary = try runner.run(scenario, store: store, progress: progress)
        var line = "done · \(store.fileURL.path) (\(summary.finished) finished, \(summary.failed) failed, \(summary.skipped) skipped)"
        if shard == nil {
            let report = try Report.generate(directory: store.directory, settings: scenario.report)
            line += " · " + report.files.map(\.path).joined(separator: " · ")
        } else {
            line += " · the report waits for every shard: capacity report \(store.directory.path)"
        }
        print(line)
        if summary.failed > 0 { exit(3) }
    }
}

enum ReportCommand {
    static let help = """
    capacity report DIR

    Regenerates report.md, runs.csv, capacity.svg and ratio.svg in DIR (a results/<scenario>
    directory) from its runs*.jsonl files alone, merging shards.
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: [], flags: ["help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1 else { throw CLIError("report: expected one results directory\n\n\(help)") }
        let dir = URL(fileURLWithPath: a.positionals[0])
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("\(dir.path): no such results directory")
        }
        let out = try Report.generate(directory: dir)
        print(out.files.map(\.path).joined(separator: "\n"))
    }
}

enum EvaluateCommand {
    static let help = """
    capacity evaluate CHECKPOINT [--people N] [--renderings R] [--seed S] [--threads N] [--json]

    Scores a checkpoint saved by `capacity run` against its own dataset (rebuilt from the run spec
    stored in the checkpoint): name and value losses (nats), learned bits, R and accuracies.

      --people N        score a seeded sample of N people (default: the run's evaluation setting)
      --renderings R    fresh renderings per person (bioS)
      --seed S          evaluation seed
      --json            print the evaluation as JSON
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["people", "renderings", "seed", "threads"], flags: ["json", "help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1 else { throw CLIError("evaluate: expected one checkpoint file\n\n\(help)") }
        let path = a.positionals[0]
        let threads = try a.int("threads", default: availableCores)
        let (model, header) = try loadCheckpoint(path, threads: threads)
        guard let json = header.metadata["run"] else {
            throw CLIError("\(path): checkpoint has no run spec (metadata \"run\"); it was not saved by `capacity run`")
        }
        let spec = try JSONDecoder().decode(RunSpec.self, from: Data(json.utf8))
        let dataset = try spec.makeDataset()
        var people = spec.evaluation.sampleSize
        if let n = a.options["people"] { guard let v = Int(n), v > 0 else { throw CLIError("--people: expected a positive integer, found \"\(n)\"") }; people = v }
        let renderings = try a.int("renderings", default: spec.evaluation.renderings)
        let seed = UInt64(try a.int("seed", default: Int(spec.evaluation.seed)))
        let e = try evaluate(model: model, dataset: dataset, people: people, renderings: renderings, seed: seed,
                             domainToken: spec.stream.domainToken, threads: threads)
        let used = Set(dataset.usedTokenIDs).count
        let params = ParameterCount(config: model.config, usedTokens: used)
        if a.switches.contains("json") {
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(e), as: UTF8.self))
            return
        }
        print("run \(spec.key) · \(header.steps) steps · \(e.description)")
        print(String(format: "p1 (name) %.3f nats · p2 (value) %.3f nats · p3 (first chunk) %.3f nats", e.p1Nats, e.p2Nats, e.p3Nats))
        print(String(format: "learned bits %.0f ± %.0f (name %.0f, value %.0f, diversity %.0f) of %.0f in the data",
                     e.bits.total, e.bitsStandardError, e.bits.name, e.bits.value, e.bits.diversity, e.datasetBits))
        print(String(format: "params %d (paper count; %d total) · R = %.3f bits/param · R_max = %.3f",
                     params.paper, params.total, e.bits.total / Double(params.paper), e.datasetBits / Double(params.paper)))
        for (n, acc) in zip(e.attributeNames, e.accuracyPerAttribute) { print(String(format: "  %-14@ accuracy %.3f", n as NSString, acc)) }
    }
}

enum GenerateCommand {
    static let help = """
    capacity generate DATASET --out FILE.jsonl [--exposures E] [--context T] [--seed S] [--domain-token]

    Writes a dataset's training stream as JSON Lines so other tools (PyTorch) can train on exactly
    the same data: one line per biography (text, token ids, spans, person id), plus the vocabulary.
    DATASET is a JSON dataset spec, inline or a file, e.g.
      capacity generate '{"kind": "bioD", "people": 100, "attributes": 6, "diversity": 256, "alphabet": 256}' --out d.jsonl
      capacity generate '{"kind": "bioS", "people": 1000}' --exposures 2 --out bios.jsonl

      --exposures E     biographies per person in the stream (default 1)
      --context T       window length in tokens (default 128)
      --seed S          dataset and stream seed (default 1)
      --domain-token    a domain token opens every biography
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["out", "exposures", "context", "seed"], flags: ["domain-token", "help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1, let out = a.options["out"] else { throw CLIError("generate: expected a dataset spec and --out FILE\n\n\(help)") }
        let source = a.positionals[0]
        let text = source.trimmingCharacters(in: .whitespaces).hasPrefix("{") ? source
            : try String(contentsOfFile: source, encoding: .utf8)
        let spec: DatasetSpec
        do { spec = try JSONDecoder().decode(DatasetSpec.self, from: Data(text.utf8)) }
        catch { throw CLIError("\(source.hasPrefix("{") ? "dataset spec" : source): \(describeDecodingError(error))") }
        let stream = StreamConfig(exposures: try a.int("exposures", default: 1), contextLength: try a.int("context", default: 128),
                                  domainToken: a.switches.contains("domain-token"))
        let seed = UInt64(try a.int("seed", default: 1))
        let dataset = try Dataset(spec: spec, seed: seed, stream: stream)
        let start = Date()
        let summary = try writeJSONL(dataset: dataset, stream: stream, seed: seed, to: out)
        print("\(out): \(summary.usefulBiographies) biographies, \(summary.windows) windows, \(summary.bytes) bytes, "
              + "vocabulary \(dataset.tokenizer.count) tokens, \(String(format: "%.0f", dataset.information.total)) bits, "
              + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }
}

/// A DecodingError as "key.path: what was wrong".
func describeDecodingError(_ error: Error) -> String {
    func path(_ p: [CodingKey]) -> String {
        p.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch error as? DecodingError {
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
        return (c.codingPath.isEmpty ? "" : path(c.codingPath) + ": ") + c.debugDescription
    case .keyNotFound(let k, let c):
        return path(c.codingPath + [k]) + ": required key is missing"
    default:
        return "\(error)"
    }
}
