import Foundation
import Biographies
import Kernels
import Transformer

// What makes two runs the same run: everything that decides what a run trains on, how it trains
// and how it is scored. A results directory holds, under each key, a run trained with exactly
// the spec the scenario would train now; anything else stops the sweep before it trains.

/// A value's JSON with sorted keys and every field (defaults included): the text seeds and
/// fingerprints are derived from, so they never depend on how a scenario file was written.
func canonicalJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let data = try? encoder.encode(value) else { return "" }
    return String(decoding: data, as: UTF8.self)
}

/// The parts of a spec that decide the run (not its key, labels or position in the scenario).
struct RunIdentity: Encodable {
    var dataset: DatasetSpec
    var stream: StreamConfig
    /// The model as the scenario gives it: the vocabulary (the dataset's) is filled in at training.
    var model: ModelConfig
    var training: TrainingConfig
    var evaluation: EvaluationSettings
    var seeds: RunSeeds

    init(_ spec: RunSpec) {
        dataset = spec.dataset; stream = spec.stream; model = spec.model; training = spec.training
        evaluation = spec.evaluation; seeds = spec.seeds
        model.vocabularySize = 0
    }
}

extension RunSpec {
    /// 16 hex digits: FNV-1a (64-bit) of the canonical JSON of `RunIdentity`. Equal fingerprints,
    /// equal runs: same data, stream, model, training, scoring and seeds.
    public var fingerprint: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in canonicalJSON(RunIdentity(self)).utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(h, radix: 16).leftPadded(to: 16)
    }

    /// The settings in which `other` differs from this spec, as `path: this → other`, e.g.
    /// `training.batchWindows: 8 → 2`.
    public func differences(from other: RunSpec) -> [String] {
        let a = flatten(canonicalObject(RunIdentity(self))), b = flatten(canonicalObject(RunIdentity(other)))
        var out: [String] = []
        for path in unique(a.map(\.0) + b.map(\.0)) {
            let x = a.first { $0.0 == path }?.1, y = b.first { $0.0 == path }?.1
            if x != y { out.append("\(path): \(x ?? "absent") → \(y ?? "absent")") }
        }
        if seedRule != other.seedRule {
            out.append("seed rule: \(seedRule) → \(other.seedRule) (format-1 lines derived every seed from the key; see docs/science.md)")
        }
        return out
    }
}

/// `a.b[2].c = value` pairs of a JSON object, leaves only, in document order.
private func flatten(_ object: JSONObject, prefix: String = "") -> [(String, String)] {
    var out: [(String, String)] = []
    func walk(_ v: JSON, _ path: String) {
        switch v {
        case .object(let o): for k in o.keys { walk(o[k]!, path.isEmpty ? k : "\(path).\(k)") }
        case .array(let items): for (i, x) in items.enumerated() { walk(x, "\(path)[\(i)]") }
        default: out.append((path, v.quoted))
        }
    }
    walk(.object(object), prefix)
    return out
}

private extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

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
