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
