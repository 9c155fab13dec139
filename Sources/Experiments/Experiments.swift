/// Experiments: scenario files expanded into runs, the runs trained and recorded, the records
/// turned into reports. One folder per job; a folder uses only those above it in this list.
///
/// - `Scenarios/`: the file format and its loader (`Scenario`, `Scenario.load(path:)`,
///   `ScenarioError`, JSON.swift for error positions), run keys, `RunSpec` (one run's settings
///   and seeds), run identity (fingerprints), and `PreparedRun`: the dataset, stream, model,
///   steps and parameter counts a spec makes, built once for every command.
/// - `Storing/`: `RunRecord` and `RunMetrics` (what a run measured), `ResultStore` and `Shard`
///   (`results/<scenario>/runs*.jsonl`), and the exports (`capacity export`, `export-model`).
/// - `Running/`: `RunExecutor` (one run: train, snapshot, score, record), `ScenarioRunner` (the
///   sweep: which runs, on which cores), the learning-rate search (`RateSearchPhases` and its
///   rounds), the dry run, snapshots, training curves, progress lines and stop requests.
/// - `Reporting/`: `Report` (report.md, runs.csv), its sections, fits and intervals, and the SVG
///   plots, from a results directory alone.
