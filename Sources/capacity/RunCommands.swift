import Foundation
import Kernels
import Biographies
import Transformer
import Capacity
import Experiments

enum RunCommand {
    static let help = """
    capacity run SCENARIO.json [--results DIR] [--cores N] [--shard i/n] [--retry-failed] [--no-checkpoints]
                               [--replace] [--scan-only] [--dry-run [--json]]

    Trains and evaluates every run of a scenario file and appends one JSON line per finished run
    to <results>/<scenario>/runs.jsonl. Runs already there are skipped, so an interrupted sweep
    resumes where it stopped. Then writes the report (report.md, runs.csv, capacity.svg, ratio.svg).
    A recorded run is reused only when it was trained with exactly the spec the scenario gives it
    now (its fingerprint); if the scenario changed a recorded run, or no longer has one, nothing
    trains and the error names the runs and the settings that differ.
    The report also has loss.svg. Each run writes its training curve to <results>/<scenario>/curves/<key>.jsonl and
    keeps a snapshot of its training state every 5 minutes in snapshots/<key>.snapshot; a run that
    finds its snapshot resumes from it, to the same bits. Ctrl-C (SIGINT) or SIGTERM: the runs in
    flight save their snapshots and stop, and the command exits with 130 or 143 (a second signal
    exits at once).

      --results DIR     results root (default: results)
      --cores N         cores to use (default: all); one run per core when there are enough runs
      --shard i/n       run only runs whose index % n == i (cluster job arrays); own results file
      --retry-failed    run again the runs recorded as failed
      --no-checkpoints  do not save trained models under <results>/<scenario>/checkpoints/
      --replace         retrain the recorded runs whose settings changed, and set aside the recorded
                        runs the scenario no longer has: their lines move to superseded.jsonl
      --scan-only       with a learningRateSearch: train the scan seed's runs and the extensions
                        the scan calls for, one after another, but no other seed (a cluster's
                        single job between two arrays: scripts/slurm/submit.sh)
      --dry-run         train nothing, write nothing: list the runs still to do with their tokens,
                        steps, parameters, data bits, R_max and estimated time (from timing a few
                        training steps of each model shape on this machine), and the total
      --json            with --dry-run: one JSON object per run, then one with the totals
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["results", "cores", "shard"], flags: ["retry-failed", "no-checkpoints", "replace", "scan-only", "dry-run", "json", "help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1 else { throw CLIError("run: expected one scenario file\n\n\(help)") }
        let path = a.positionals[0]
        // Options first: a bad option is reported whatever the file holds.
        let shard = try a.options["shard"].map { try Shard(parsing: $0) }
        let cores = try a.int("cores", default: availableCores, in: 1...maximumThreads)
        let scenario = try Scenario.load(path: path)
        let root = URL(fileURLWithPath: a.options["results"] ?? "results")
        let store = ResultStore(resultsRoot: root, scenario: scenario.name, shard: shard)
        let scanOnly = a.switches.contains("scan-only")
        if scanOnly && scenario.learningRateSearch == nil {
            throw CLIError("--scan-only: \(path) has no learningRateSearch, so no scan to run alone")
        }
        if scanOnly && a.switches.contains("dry-run") { throw CLIError("--scan-only: not with --dry-run (the plan shows every run)") }
        if a.switches.contains("dry-run") {
            let plan = try DryRun.plan(scenario, store: store, cores: cores, shard: shard, retryFailed: a.switches.contains("retry-failed"),
                                       replace: a.switches.contains("replace"))
            print(a.switches.contains("json") ? DryRunOutput.json(plan) : DryRunOutput.text(plan))
            return
        }
        if a.switches.contains("json") { throw CLIError("--json: only with --dry-run") }
        let progress = ProgressDisplay()
        // Before anything is written: the directory's runs must be this scenario's (or be set
        // aside with --replace), so scenario.json never describes runs it did not produce.
        if let repaired = try store.repair() { progress.log("repaired: \(repaired)") }
        try ScenarioRunner.reconcile(scenario, store: store, replace: a.switches.contains("replace"), progress: progress)
        // Shards share the results directory: each writes only its own runs file (and the
        // scenario copy only when it is missing or differs); `capacity report` writes the report.
        if let data = FileManager.default.contents(atPath: path),
           shard == nil || FileManager.default.contents(atPath: store.directory.appendingPathComponent("scenario.json").path) != data {
            try store.saveScenario(data)
        }
        var runner = ScenarioRunner(cores: cores, shard: shard, retryFailed: a.switches.contains("retry-failed"),
                                    saveCheckpoints: !a.switches.contains("no-checkpoints"))
        runner.scanOnly = scanOnly
        runner.stop = Interrupts.install()
        let summary = try runner.run(scenario, store: store, progress: progress)
        exitIfInterrupted(runner.stop!, store: store, inFlight: summary.interrupted)
        var line = "done · \(store.fileURL.path) (\(summary.finished) finished, \(summary.failed) failed, \(summary.skipped) skipped)"
        if scanOnly {
            line += " · the scan is done where it could be; the other seeds and the report come next: capacity run \(path)"
        } else if shard == nil {
            let report = try Report.generate(directory: store.directory, settings: scenario.report)
            line += " · " + report.files.map(\.path).joined(separator: " · ")
        } else {
            line += " · the report waits for every shard: capacity report \(store.directory.path)"
        }
        exitIfInterrupted(runner.stop!, store: store, inFlight: [])
        print(line)
        if summary.failed > 0 { exit(3) }
    }

    /// After a SIGINT or SIGTERM: one line on stderr saying what is kept, then exit 128 + signal
    /// (130, 143). The stopped runs are not recorded (not even as failed); a rerun resumes them.
    static func exitIfInterrupted(_ stop: StopSignal, store: ResultStore, inFlight: [InterruptedRun]) {
        guard let sig = stop.requestedSignal else { return }
        let recorded = (try? store.loadOwnFile().records.count) ?? 0
        printError(InterruptedRun.summaryLine(recorded: recorded, file: store.fileURL.path, inFlight: inFlight))
        exit(128 + sig)
    }
}

enum ReportCommand {
    static let help = """
    capacity report DIR [--columns key,model,params,R,...]

    Regenerates report.md, runs.csv and the SVG plots in DIR (a results/<scenario> directory)
    from its runs*.jsonl files alone, merging shards. A directory without runs*.jsonl (an empty
    one, or the results root that holds the scenario directories) is an error.

      --columns LIST    the runs table's columns, comma-separated, instead of scenario.json's
                        `report.columns`; every setting that varies among the runs and the
                        learned fraction are added after them. Names: \(ReportColumn.allCases.map(\.rawValue).joined(separator: ", "))
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["columns"], flags: ["help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1 else { throw CLIError("report: expected one results directory\n\n\(help)") }
        let columns = try a.options["columns"].map { try ReportColumn.parseList($0) }
        let dir = try resultsDirectory(a.positionals[0])
        let out = try Report.generate(directory: dir, columns: columns)
        print(out.files.map(\.path).joined(separator: "\n"))
    }
}

enum EvaluateCommand {
    static let help = """
    capacity evaluate CHECKPOINT [--people N] [--renderings R] [--seed S] [--threads N] [--json]

    Scores a checkpoint saved by `capacity run` against its own dataset (rebuilt from the run spec
    stored in the checkpoint): name and value losses (nats), learned bits, R and accuracies.

      --people N        score a seeded sample of N people (default: the run's evaluation setting)
      --renderings R    fresh renderings per person (bioS; default: the run's setting)
      --seed S          evaluation seed, 0 ... 2^64-1 (default: the run's)
      --threads N       cores to use (default: all)
      --json            print the evaluation as JSON
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["people", "renderings", "seed", "threads"], flags: ["json", "help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1 else { throw CLIError("evaluate: expected one checkpoint file\n\n\(help)") }
        let path = a.positionals[0]
        let threads = try a.int("threads", default: availableCores, in: 1...maximumThreads)
        try requireCheckpointFile(path)
        let checkpoint = try CheckpointedRun(path: path, threads: threads)
        let (model, run, spec, dataset) = (checkpoint.model, checkpoint.run, checkpoint.run.spec, checkpoint.run.dataset)
        var people = spec.evaluation.sampleSize
        if a.options["people"] != nil {
            people = try a.int("people", default: 0, in: 1...dataset.personCount,
                               what: "at most the run's \(dataset.personCount) people")
        }
        var renderings = spec.evaluation.renderings
        if a.options["renderings"] != nil {
            guard spec.dataset.scoresFreshRenderings else {
                throw CLIError("--renderings: only bioS scores fresh renderings; this run's \(spec.dataset.kindName) data has one rendering per person")
            }
            renderings = try a.int("renderings", default: 1, in: 1...1_000_000)
        }
        let seed = try a.seed("seed", default: spec.evaluation.seed)
        let e = try run.evaluate(model, people: people, renderings: renderings, seed: seed, threads: threads)
        let params = run.params
        let out = EvaluateOutput(run: run, steps: checkpoint.steps, evaluation: e)
        if a.switches.contains("json") {
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try enc.encode(out), as: UTF8.self))
            return
        }
        print("run \(spec.key) · \(checkpoint.steps) steps · \(e.description)")
        print(String(format: "p1 (name) %.3f nats · value loss %.3f nats per person (%.3f per attribute) · p3 (first chunk) %.3f nats",
                     e.p1Nats, e.valueNatsPerPerson, e.valueNatsPerPerson / Double(max(1, e.attributeNames.count)), e.p3Nats))
        print(String(format: "learned bits %.0f ± %.0f (name %.0f, value %.0f, diversity %.0f) of %.0f in the data",
                     e.bits.total, e.bitsStandardError, e.bits.name, e.bits.value, e.bits.diversity, e.datasetBits))
        print(String(format: "params %d (paper count; %d total) · R = %.3f bits/param · R_max = %.3f",
                     params.paper, params.total, out.capacityRatio, out.capacityRatioMax))
        for (n, acc) in zip(e.attributeNames, e.accuracyPerAttribute) { print(String(format: "  %-14@ accuracy %.3f", n as NSString, acc)) }
    }

    /// A clear error unless `path` is a file; for a directory, names a checkpoint inside it.
    static func requireCheckpointFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("\(path): no such file") }
        if isDirectory.boolValue {
            let url = URL(fileURLWithPath: path)
            let inside = [url, url.appendingPathComponent("checkpoints")].flatMap { d in
                ((try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []).filter { $0.hasSuffix(".ckpt") }.sorted()
                    .map { d.appendingPathComponent($0).path }
            }
            throw CLIError("\(path) is a directory; expected a checkpoint file (capacity run writes <results>/<scenario>/checkpoints/<key>.ckpt)"
                           + (inside.isEmpty ? "" : ", e.g. \(inside[0])" + (inside.count > 1 ? " (\(inside.count) here)" : "")))
        }
    }
}

/// `capacity evaluate --json`: the run's own fields under runs.jsonl's names (`paramsPaper`,
/// `valueNatsPerPerson`, `dataBits`, `capacityRatio`, ...), so one name means one quantity.
struct EvaluateOutput: Encodable {
    var key: String
    var scenario: String
    var fingerprint: String
    var seedStrings: [String: String]
    var steps: Int
    var evaluation: String
    var peopleScored: Int
    var paramsPaper: Int
    var paramsTotal: Int
    /// nats summed over the name's tokens, mean over people (bioS, bioD).
    var p1Nats: Double?
    /// nats summed over every counted attribute's value tokens, mean over people.
    var valueNatsPerPerson: Double
    /// nats per attribute's value, mean over people, in `attributes` order.
    var valueNatsPerAttribute: [Double]
    /// bioD: nats of each value's first chunk, mean over (person, attribute).
    var p3Nats: Double?
    var bits: LearnedBits
    var bitsStandardError: Double
    var dataBits: Double
    var capacityRatio: Double
    var capacityRatioMax: Double
    var accuracy: [AttributeAccuracy]
    var meanAccuracy: Double
    var nameAccuracyAfterFirstToken: Double

    init(run: PreparedRun, steps: Int, evaluation e: Evaluation) {
        let spec = run.spec, params = run.params
        key = spec.key; scenario = spec.scenario; fingerprint = spec.fingerprint
        seedStrings = RunRecord.seedStrings(of: spec)
        self.steps = steps; evaluation = e.description; peopleScored = e.peopleScored
        paramsPaper = params.paper; paramsTotal = params.total
        p1Nats = spec.dataset.hasNames ? e.p1Nats : nil
        valueNatsPerPerson = e.valueNatsPerPerson; valueNatsPerAttribute = e.valueLossNatsPerAttribute
        p3Nats = spec.dataset.hasChunks ? e.p3Nats : nil
        bits = e.bits; bitsStandardError = e.bitsStandardError; dataBits = e.datasetBits
        capacityRatio = run.capacityRatio(bits: e.bits.total)
        capacityRatioMax = run.capacityRatio(bits: e.datasetBits)
        accuracy = zip(e.attributeNames, e.accuracyPerAttribute).map { AttributeAccuracy(attribute: $0, accuracy: $1) }
        meanAccuracy = e.meanAccuracy; nameAccuracyAfterFirstToken = e.nameAccuracyAfterFirstToken
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

      --out FILE        where to write (required)
      --exposures E     biographies per person in the stream (default 1)
      --context T       window length in tokens (default 128)
      --seed S          dataset and stream seed, 0 ... 2^64-1 (default 1)
      --domain-token    a domain token opens every biography

    To get exactly what a recorded run trained on (its dataset and stream seeds differ), use
    `capacity export RESULTS_DIR KEY --out FILE.jsonl`.
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["out", "exposures", "context", "seed"], flags: ["domain-token", "help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 1, let out = a.options["out"] else { throw CLIError("generate: expected a dataset spec and --out FILE\n\n\(help)") }
        let source = a.positionals[0]
        let inline = source.trimmingCharacters(in: .whitespaces).hasPrefix("{")
        let data: Data
        if inline { data = Data(source.utf8) }
        else {
            guard let d = FileManager.default.contents(atPath: source) else { throw CLIError("\(source): cannot read the file") }
            data = d
        }
        let spec = try decodeStrictJSON(DatasetSpec.self, from: data, file: inline ? "dataset spec" : source)
        let stream = StreamConfig(exposures: try a.int("exposures", default: 1, in: 1...1_000_000),
                                  contextLength: try a.int("context", default: 128, in: 2...1_000_000),
                                  domainToken: a.switches.contains("domain-token"))
        let seed = try a.seed("seed", default: 1)
        let dataset = try Dataset(spec: spec, seed: seed, stream: stream)
        let start = Date()
        let summary = try writeJSONL(dataset: dataset, stream: stream, seed: seed, to: out)
        print("\(out): \(summary.usefulBiographies) biographies, \(summary.windows) windows, \(summary.bytes) bytes, "
              + "vocabulary \(dataset.tokenizer.count) tokens, \(String(format: "%.0f", dataset.information.total)) bits, "
              + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }
}

enum ExportCommand {
    static let help = """
    capacity export RESULTS_DIR KEY --out FILE.jsonl

    Writes exactly what a recorded run trained on and is scored on, rebuilt from the spec and seeds
    in its runs*.jsonl line, so another program can train and score the same run token for token:
    a header (seeds, spec, the model as trained, vocabulary, window counts, recorded metrics),
    one line per rendering the evaluator scores (tokens, name and value spans), then one line per
    training window in stream order (T + 1 token ids; junk windows and domain tokens included).
    The format is described in docs/export.md. E.g.
      capacity export results/quick bioD-N500-K6-D256-T256-first40-middle40-last100-gpt2-2-1-16-E1000-lr0.01-s1 --out run.jsonl

      --out FILE        where to write (required)
    """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["out"], flags: ["help"])
        if a.switches.contains("help") { print(help); return }
        guard a.positionals.count == 2, let out = a.options["out"] else {
            throw CLIError("export: expected a results directory, a run key and --out FILE\n\n\(help)")
        }
        let dir = try resultsDirectory(a.positionals[0]), key = a.positionals[1]
        let loaded = try ResultStore.load(directory: dir)
        guard let record = loaded.records.first(where: { $0.key == key }) else {
            let keys = loaded.records.map(\.key)
            let near = keys.min { editDistance($0, key) < editDistance($1, key) }
            throw CLIError("\(dir.path): no run \"\(key)\" in \(keys.count) recorded run(s)" + (near.map { " (nearest: \($0))" } ?? ""))
        }
        let start = Date()
        let summary = try exportRun(record, to: out)
        print("\(out): run \(key) · \(summary.scoredRenderings) scored renderings · \(summary.windows) training windows · "
              + "\(summary.bytes) bytes · " + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }
}
