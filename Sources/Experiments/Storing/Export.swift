import Biographies
import Capacity
import Foundation
import Kernels
import Transformer

/// What `exportRun` wrote.
public struct ExportSummary: Hashable, Sendable {
    public var scoredRenderings: Int
    public var windows: Int
    public var bytes: Int
}

/// Writes exactly what a recorded run trained on and is scored on, as JSON Lines (docs/export.md),
/// so another program can train and score the same run token for token:
///
/// 1. a header (`"type": "header"`): the run's key and seeds, its spec, the model as trained,
///    the vocabulary and special tokens, the stream's window counts, the evaluation plan and the
///    recorded metrics;
/// 2. one `"type": "score"` line per rendering the evaluator scores, in its order (people sorted,
///    then samples): the tokens (end-of-text first) and the name, value and first-chunk spans;
/// 3. one `"type": "window"` line per training window in stream order (junk windows and domain
///    tokens included): `tokens` holds T + 1 ids, inputs `tokens[0..<T]`, targets
///    `tokens[1...T]`, of which only the first `targets` are trained (the rest are −1).
///
/// Everything is rebuilt from `record.spec` with the run's own seeds (`PreparedRun`,
/// `EvaluationPlan`), the code paths `RunExecutor` trains and scores with.
@discardableResult
public func exportRun(_ record: RunRecord, to path: String) throws -> ExportSummary {
    let spec = record.spec
    let run = try PreparedRun(spec)
    let (dataset, stream, model) = (run.dataset, run.stream, run.model)
    let plan = EvaluationPlan(dataset: dataset, people: spec.evaluation.sampleSize,
                              renderings: spec.evaluation.renderings, seed: spec.evaluation.seed)
    let B = spec.training.batchWindows, T = spec.stream.contextLength

    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
        throw ExportError("\(path): cannot create the file")
    }
    defer { try? handle.close() }
    var out = ""
    out.reserveCapacity(1 << 21)
    var bytes = 0
    func flush(force: Bool = false) throws {
        guard force || out.utf8.count >= 1 << 20 else { return }
        let data = Data(out.utf8)
        bytes += data.count
        try handle.write(contentsOf: data)
        out.removeAll(keepingCapacity: true)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    func ids<S: Sequence>(_ s: S) -> String where S.Element == Int32 { "[" + s.map(String.init).joined(separator: ",") + "]" }
    func span(_ s: Range<Int>) -> String { "[\(s.lowerBound),\(s.upperBound)]" }

    // 1. Header.
    let tokenizer = dataset.tokenizer
    out += "{\"type\":\"header\",\"format\":\"capacity.export.v1\",\"key\":" + jsonString(spec.key)
    out += ",\"scenario\":" + jsonString(spec.scenario) + ",\"status\":" + jsonString(record.status.rawValue)
    out += ",\"seedRule\":" + jsonString(spec.seedRule) + ",\"replicate\":\(spec.replicate)"
    if let s = spec.scenarioSeed { out += ",\"scenarioSeed\":\(s)" }
    if let s = spec.legacyRunSeed { out += ",\"runSeed\":\(s)" }
    out += ",\"datasetSeed\":\(spec.datasetSeed),\"streamSeed\":\(spec.streamSeed)"
    out += ",\"initSeed\":\(spec.initSeed),\"evaluationSeed\":\(spec.evaluation.seed)"
    out += ",\"seedStrings\":" + (try json(RunRecord.seedStrings(of: spec))) + ",\"fingerprint\":" + jsonString(spec.fingerprint)
    out += ",\"spec\":" + (try json(spec)) + ",\"model\":" + (try json(model)) + ",\"training\":" + (try json(spec.training))
    out += ",\"vocabulary\":" + (try json(tokenizer.vocabulary))
    out += ",\"endOfText\":\(tokenizer.endOfText),\"domainToken\":\(tokenizer.domainToken)"
    out += ",\"usedTokenIDs\":" + ids(stream.usedTokenIDs)
    out += ",\"attributes\":" + (try json(dataset.attributeNames))
    out += ",\"information\":" + (try json(dataset.information))
    out += ",\"contextLength\":\(T),\"batchWindows\":\(B),\"windows\":\(stream.windowCount)"
    out += ",\"usefulWindows\":\(stream.usefulWindowCount),\"junkWindows\":\(stream.junkWindowCount)"
    out += ",\"steps\":\(run.totalSteps)"
    if let m = record.metrics { out += ",\"stepsTrained\":\(m.steps),\"metrics\":" + (try json(m)) }
    out += ",\"evaluation\":{\"people\":\(plan.people.count),\"renderingsPerPerson\":\(plan.samples)"
    out += ",\"scoredRenderings\":\(plan.people.count * plan.samples),\"description\":" + jsonString(plan.description) + "}"
    out += "}\n"

    // 2. What the evaluator scores, in its order.
    var index = 0
    for person in plan.people {
        for sample in 0..<plan.samples {
            let r = dataset.evaluationRendering(person: person, sample: sample, seed: spec.evaluation.seed,
                                                domainToken: spec.stream.domainToken)
            out += "{\"type\":\"score\",\"index\":\(index),\"person\":\(person),\"sample\":\(sample)"
            out += ",\"name\":" + jsonString(dataset.name(of: person)) + ",\"text\":" + jsonString(dataset.text(of: r))
            out += ",\"tokens\":" + ids(r.tokens) + ",\"nameSpan\":" + span(r.nameSpan)
            out += ",\"valueSpans\":[" + r.valueSpans.map(span).joined(separator: ",") + "]"
            out += ",\"firstChunkSpans\":[" + r.firstChunkSpans.map(span).joined(separator: ",") + "]}\n"
            index += 1
            try flush()
        }
    }

    // 3. The training stream, B windows at a time as the trainer reads it.
    var inputs = [Int32](repeating: 0, count: B * T), targets = [Int32](repeating: -1, count: B * T)
    var junk = [Bool](repeating: false, count: B)
    var window = 0
    while true {
        let n = inputs.withUnsafeMutableBufferPointer { i in
            targets.withUnsafeMutableBufferPointer { t in
                junk.withUnsafeMutableBufferPointer { j in
                    stream.nextWindows(B, inputs: i.baseAddress!, targets: t.baseAddress!, junkFlags: j.baseAddress!)
                }
            }
        }
        if n == 0 { break }
        for w in 0..<n {
            let base = w * T
            var trained = 0
            while trained < T, targets[base + trained] >= 0 { trained += 1 }
            // Targets are the inputs shifted by one: T inputs and the last target give all of them.
            let last = trained == T ? targets[base + T - 1] : tokenizer.endOfText
            out += "{\"type\":\"window\",\"window\":\(window),\"step\":\(window / B),\"junk\":\(junk[w]),\"targets\":\(trained)"
            out += ",\"tokens\":" + ids(inputs[base..<(base + T)] + [last]) + "}\n"
            window += 1
            try flush()
        }
    }
    try flush(force: true)
    return ExportSummary(scoredRenderings: index, windows: window, bytes: bytes)
}

public struct ExportError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
