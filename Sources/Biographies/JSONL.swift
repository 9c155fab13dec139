import Foundation
import Kernels

/// What `writeJSONL` wrote.
public struct JSONLSummary: Hashable, Sendable {
    public var usefulBiographies: Int
    public var junkBiographies: Int
    public var windows: Int
    public var bytes: Int
}

/// Writes a stream's biographies as JSON Lines, so other tools (PyTorch) can train and evaluate on
/// exactly the same data.
///
/// Line 1 (header): `format`, `seed`, `spec`, `stream`, `vocabulary` (token strings by id),
/// `endOfText`, `domainToken`, `attributes`, `attributeValueCounts`, `usedTokenIDs`,
/// `information` (closed-form bits), `contextLength`, `windows`, `usefulWindows`, `junkWindows`,
/// `packing` (how windows are cut, as in `TokenStream`).
/// Then one line per biography, in the order their first text token appears in the windows:
/// `{"person", "exposure", "junk", "fresh", "window" (global window index), "offset" (position of
/// its end-of-text in its kind's token sequence), "text", "tokens", "nameSpan", "valueSpans",
/// "firstChunkSpans"}`. `tokens` starts with end-of-text (and the domain token when used); spans
/// are [start, end) into `tokens`; `text` is the biography without special tokens.
/// Concatenating each kind's `tokens` in `offset` order gives the exact token sequences the
/// stream cuts into windows. Exposures come from `stream.exposures` (1 = each person once).
@discardableResult
public func writeJSONL(dataset: Dataset, stream config: StreamConfig, junk: Dataset? = nil, seed: UInt64,
                       to path: String) throws -> JSONLSummary {
    let stream = try TokenStream(dataset: dataset, config: config, junk: junk, seed: seed, threads: 1)
    guard FileManager.default.createFile(atPath: path, contents: nil),
          let handle = FileHandle(forWritingAtPath: path) else {
        throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? handle.close() }
    var out = ""
    out.reserveCapacity(1 << 21)
    var bytes = 0
    func flush(force: Bool = false) throws {
        if force || out.utf8.count >= 1 << 20 {
            let data = Data(out.utf8)
            bytes += data.count
            try handle.write(contentsOf: data)
            out.removeAll(keepingCapacity: true)
        }
    }

    // Header.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    out += "{\"format\":\"capacity.biographies.v1\",\"seed\":\(seed)"
    out += ",\"spec\":" + (try json(dataset.spec)) + ",\"stream\":" + (try json(config))
    out += ",\"vocabulary\":" + (try json(dataset.tokenizer.vocabulary))
    out += ",\"endOfText\":\(dataset.tokenizer.endOfText),\"domainToken\":\(dataset.tokenizer.domainToken)"
    out += ",\"attributes\":" + (try json(dataset.attributeNames))
    out += ",\"attributeValueCounts\":" + (try json(dataset.attributeValueCounts.map { $0.isFinite ? $0 : -1 }))
    out += ",\"usedTokenIDs\":" + (try json(stream.usedTokenIDs))
    out += ",\"information\":" + (try json(dataset.information))
    out += ",\"contextLength\":\(config.contextLength),\"windows\":\(stream.windowCount)"
    out += ",\"usefulWindows\":\(stream.usefulWindowCount),\"junkWindows\":\(stream.junkWindowCount)"
    out += ",\"packing\":" + jsonString("each kind (useful, junk) is the concatenation of its biographies' tokens in offset order; its window w has inputs x[wT..<wT+T] and targets x[wT+1...wT+T]; the last useful window is padded with endOfText inputs and target -1; windows of the two kinds are interleaved in the order of the biographies' global window indices")
    out += "}\n"

    // Biographies, merged by global window.
    var usefulIt = stream.biographies(junk: false), junkIt = stream.biographies(junk: true)
    var nextUseful = usefulIt.next(), nextJunk = junkIt.next()
    var usefulWindow = 0, junkWindow = 0
    var summary = JSONLSummary(usefulBiographies: 0, junkBiographies: 0, windows: stream.windowCount, bytes: 0)
    for (global, isJunk) in stream.windowKinds().enumerated() {
        if isJunk {
            while let b = nextJunk, b.window == junkWindow {
                appendLine(b, global: global, stream: stream, to: &out)
                summary.junkBiographies += 1
                nextJunk = junkIt.next()
                try flush()
            }
            junkWindow += 1
        } else {
            while let b = nextUseful, b.window == usefulWindow {
                appendLine(b, global: global, stream: stream, to: &out)
                summary.usefulBiographies += 1
                nextUseful = usefulIt.next()
                try flush()
            }
            usefulWindow += 1
        }
    }
    try flush(force: true)
    summary.bytes = bytes
    return summary
}

private func appendLine(_ b: StreamBiography, global: Int, stream: TokenStream, to out: inout String) {
    let r = stream.rendering(of: b)
    let d = b.isJunk ? stream.junk! : stream.dataset
    func span(_ s: Range<Int>) -> String { "[\(s.lowerBound),\(s.upperBound)]" }
    out += "{\"person\":\(b.person),\"exposure\":\(b.exposure),\"junk\":\(b.isJunk),\"fresh\":\(b.isFresh)"
    out += ",\"window\":\(global),\"offset\":\(b.offset),\"text\":" + jsonString(d.text(of: r))
    out += ",\"tokens\":["
    for (i, t) in r.tokens.enumerated() { if i > 0 { out += "," }; out += String(t) }
    out += "],\"nameSpan\":" + span(r.nameSpan)
    out += ",\"valueSpans\":[" + r.valueSpans.map(span).joined(separator: ",") + "]"
    out += ",\"firstChunkSpans\":[" + r.firstChunkSpans.map(span).joined(separator: ",") + "]}\n"
}

/// A JSON string literal (quotes, backslashes and control characters escaped).
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
