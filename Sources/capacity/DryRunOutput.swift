import Foundation
import Experiments

/// How `capacity run --dry-run` prints a plan: a table for people, JSON Lines for scripts.
enum DryRunOutput {
    static func text(_ plan: DryRun) -> String {
        let counts = Dictionary(grouping: plan.runs, by: \.status).mapValues(\.count)
        func n(_ s: DryRun.Run.Status) -> Int { counts[s] ?? 0 }
        var out = "\(plan.scenario) · dry run · \(plan.runs.count) runs: \(n(.toDo)) to do"
        if n(.afterScan) > 0 { out += ", \(n(.afterScan)) waiting for the learning-rate scan (\(plan.toTrain.count - n(.toDo)) of them will train)" }
        if n(.notChosen) > 0 { out += ", \(n(.notChosen)) at rates the scan did not choose" }
        if n(.mayExtend) > 0 { out += ", \(n(.mayExtend)) the scan may add (at most \(plan.extensionRunsAtMost) will train)" }
        out += ", \(n(.finished)) finished (skipped)\n"
        if !plan.replacing.isEmpty {
            out += "--replace: \(plan.replacing.count) recorded run(s) whose settings changed train again: \(plan.replacing.joined(separator: ", "))\n"
        }
        if !plan.settingAside.isEmpty {
            out += "--replace: \(plan.settingAside.count) recorded run(s) not in the scenario move to superseded.jsonl: \(plan.settingAside.joined(separator: ", "))\n"
        }
        let header = ["key", "status", "tokens", "steps", "params (paper / total)", "data bits", "R_max", "est. time"]
        var rows = [header]
        for r in plan.runs {
            rows.append([r.key, r.status.rawValue, compact(Double(r.tokens)), compact(Double(r.steps)),
                         "\(compact(Double(r.paramsPaper))) / \(compact(Double(r.paramsTotal)))", compact(r.dataBits),
                         String(format: "%.2f", r.capacityRatioMax), r.estimatedSeconds.map(clock) ?? "—"])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max()! }
        for row in rows {
            out += zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }
        out += "total: \(plan.toTrain.count) runs to train · \(compact(Double(plan.totalTokens))) tokens · \(compact(Double(plan.totalSteps))) steps"
        out += " · estimated \(clock(plan.estimatedWallSeconds)) of wall time on \(plan.cores) core\(plan.cores == 1 ? "" : "s")"
        out += " (\(clock(plan.totalRunSeconds)) of run time on one core)\n"
        out += String(format: "Estimates from timing training steps of %d model shape(s) on this machine just now (%.1f s);", plan.shapesTimed, plan.timingSeconds)
        out += " other load on the machine slows them."
        if n(.afterScan) > 0 { out += "\nRuns waiting for the scan train at one rate per family and seed; the total counts one." }
        if !plan.extending.isEmpty {
            let families = plan.extending.count == 1 ? "1 family" : "\(plan.extending.count) families"
            out += "\n\(families) may still extend the learning-rate scan past an edge (\"may extend\"): at most "
            out += "\(plan.extensionRunsAtMost) more run(s), \(clock(plan.extensionSecondsAtMost)) of run time on one core, not in the total; "
            out += "each trains only once the one before it is recorded and the best rate is still at that edge:"
            for f in plan.extending {
                out += "\n  \(f.family): at most \(f.runsAtMost) run(s), \(clock(f.secondsAtMost))"
            }
        }
        return out
    }

    static func json(_ plan: DryRun) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func line<T: Encodable>(_ value: T) -> String { (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }
        var lines = plan.runs.map(line)
        struct Total: Encodable {
            var total = true
            var scenario: String, cores: Int, runsToTrain: Int, tokens: Int, steps: Int
            var estimatedWallSeconds: Double, estimatedRunSeconds: Double, shapesTimed: Int
            /// Possible learning-rate extensions beyond the total: runs and one-core seconds, at most.
            var extensionRunsAtMost: Int, extensionSecondsAtMost: Double
        }
        let total = Total(scenario: plan.scenario, cores: plan.cores, runsToTrain: plan.toTrain.count, tokens: plan.totalTokens,
                          steps: plan.totalSteps, estimatedWallSeconds: plan.estimatedWallSeconds,
                          estimatedRunSeconds: plan.totalRunSeconds, shapesTimed: plan.shapesTimed,
                          extensionRunsAtMost: plan.extensionRunsAtMost, extensionSecondsAtMost: plan.extensionSecondsAtMost)
        lines.append(line(total))
        return lines.joined(separator: "\n")
    }

    /// `850`, `41.2K`, `1.3M`.
    static func compact(_ v: Double) -> String {
        switch abs(v) {
        case 1e9...: return String(format: "%.1fG", v / 1e9)
        case 1e6...: return String(format: "%.1fM", v / 1e6)
        case 1e3...: return String(format: "%.1fK", v / 1e3)
        default: return String(format: "%.0f", v)
        }
    }

    /// `0:37`, `12:05`, `1:02:03`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
