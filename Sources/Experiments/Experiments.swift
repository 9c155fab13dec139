/// Experiments: scenario files (JSON) expanded into runs, the resumable result store, reports
/// (Markdown, CSV, SVG) and the progress display.
///
/// - `Scenario` (Scenario.swift): the file format, `Scenario.load(path:)`, `ScenarioError`.
/// - `RunSpec`, `RunRecord`, `RunMetrics` (RunRecord.swift): one run and what it measured.
/// - `ResultStore`, `Shard` (ResultStore.swift): `results/<scenario>/runs*.jsonl`.
/// - `Report` (Report.swift, SVGPlot.swift, Fit.swift): tables, fits and plots from a results directory.
/// - `ProgressDisplay` (Progress.swift): live progress lines on stderr.
