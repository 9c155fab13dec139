import Foundation
import Biographies
import Kernels
import Transformer

/// A scenario against the runs its results directory already holds.
public struct IdentityCheck: Sendable {
    public struct Changed: Sendable {
        public var key: String
        /// `path: recorded → now`.
        public var differences: [String]
    }
    /// Recorded keys whose spec is not the one the scenario would train now.
    public var changed: [Changed] = []
    /// Recorded keys the scenario does not have (in its grid or its learning-rate extensions).
    public var orphaned: [String] = []
    /// The directory's records that are the scenario's runs, spec for spec.
    public var current: [RunRecord] = []
    /// How many of the changed or orphaned records are format-1 lines (seeds from the key).
    public var formatOne = 0

    public var isClean: Bool { changed.isEmpty && orphaned.isEmpty }

    /// A learning-rate search's extension runs (`Scenario.extensionRuns`) are runs of the scenario
    /// like its grid's: recorded, they are current when their spec is the one the scenario would
    /// train at that key (a changed `factor` moves their rates, hence their keys: orphaned).
    public init(scenario: Scenario, records: [RunRecord]) {
        let byKey = Dictionary(scenario.allRuns.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for r in records {
            guard let spec = byKey[r.key] else {
                orphaned.append(r.key)
                if r.spec.seedRule == "keyed" { formatOne += 1 }
                continue
            }
            if r.fingerprint == spec.fingerprint && r.spec.fingerprint == spec.fingerprint {
                current.append(r)
            } else {
                var d = r.spec.differences(from: spec)
                if d.isEmpty { d = ["fingerprint: \(r.fingerprint) → \(spec.fingerprint)"] }
                changed.append(Changed(key: r.key, differences: d))
                if r.spec.seedRule == "keyed" { formatOne += 1 }
            }
        }
    }
}

/// A rerun would mix runs trained with other settings into a directory: nothing was trained.
public struct RunIdentityError: Error, CustomStringConvertible, Sendable {
    public var directory: String
    public var check: IdentityCheck

    public var description: String {
        var lines: [String] = []
        let c = check
        if !c.changed.isEmpty {
            lines.append("\(directory): \(c.changed.count) recorded run(s) were trained with settings the scenario no longer has (recorded → now):")
            for x in c.changed.prefix(8) { lines.append("  \(x.key): " + x.differences.prefix(4).joined(separator: "; ")
                                                        + (x.differences.count > 4 ? "; and \(x.differences.count - 4) more" : "")) }
            if c.changed.count > 8 { lines.append("  and \(c.changed.count - 8) more") }
        }
        if !c.orphaned.isEmpty {
            lines.append("\(directory): \(c.orphaned.count) recorded run(s) are not runs of the scenario: "
                         + c.orphaned.prefix(6).joined(separator: ", ") + (c.orphaned.count > 6 ? ", and \(c.orphaned.count - 6) more" : ""))
        }
        if c.formatOne > 0 {
            lines.append("\(c.formatOne) of them are format-1 lines (written before paired seeds: their seeds came from the key, "
                         + "so they trained on other people than this scenario's runs would); they are never reused.")
        }
        lines.append("Nothing was trained. To keep them, write elsewhere (--results OTHER_DIR); to retrain the changed runs here, "
                     + "add --replace (their lines, and those of runs not in the scenario, move to superseded.jsonl).")
        return lines.joined(separator: "\n")
    }
}
