import Foundation
import XCTest
@testable import Biographies

final class JSONLTests: XCTestCase {
    func testJSONLHoldsEveryBiographyWithTokensSpansAndVocabulary() throws {
        let config = StreamConfig(exposures: 3, contextLength: 64,
                                  junk: JunkSpec(dataset: .bioS(smallBioS(15)), fraction: 0.5), domainToken: true)
        let d = try Dataset(spec: .bioS(smallBioS(40)), seed: 1, stream: config)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bio-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try writeJSONL(dataset: d, stream: config, seed: 6, to: path)
        XCTAssertEqual(summary.usefulBiographies, 120)

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + summary.usefulBiographies + summary.junkBiographies)
        let header = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(header["vocabulary"] as? [String], d.tokenizer.vocabulary)
        XCTAssertEqual(header["endOfText"] as? Int, 0); XCTAssertEqual(header["domainToken"] as? Int, 1)
        let info = header["information"] as! [String: Any]
        XCTAssertEqual(info["total"] as! Double, d.information.total, accuracy: 1e-6)
        XCTAssertEqual(header["windows"] as? Int, summary.windows)

        // Each kind's tokens, concatenated in offset order, are the stream's token sequences.
        let stream = try TokenStream(dataset: d, config: config, seed: 6)
        let w = drain(stream)
        var useful: [(Int, [Int32])] = [], junk: [(Int, [Int32])] = []
        var lastWindow = -1
        var counts: [Int: Int] = [:]
        for line in lines.dropFirst() {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let tokens = (o["tokens"] as! [Int]).map(Int32.init)
            XCTAssertGreaterThanOrEqual(o["window"] as! Int, lastWindow)        // in window order
            lastWindow = o["window"] as! Int
            XCTAssertEqual(w.junk[lastWindow], o["junk"] as! Bool)
            XCTAssertEqual(d.tokenizer.decode(tokens.filter { $0 > 1 }), o["text"] as! String)
            if o["junk"] as! Bool { junk.append((o["offset"] as! Int, tokens)); continue }
            let person = o["person"] as! Int
            counts[person, default: 0] += 1
            let name = o["nameSpan"] as! [Int]
            XCTAssertEqual(d.tokenizer.decode(tokens[name[0]..<name[1]]), d.name(of: person))
            let values = (o["valueSpans"] as! [[Int]]).map { d.tokenizer.decode(tokens[$0[0]..<$0[1]]) }
            XCTAssertEqual(values, d.valueStrings(of: person))
            useful.append((o["offset"] as! Int, tokens))
        }
        XCTAssertEqual(counts.count, 40); XCTAssertTrue(counts.values.allSatisfy { $0 == 3 })
        let u = useful.sorted { $0.0 < $1.0 }.flatMap(\.1)
        XCTAssertEqual(u, kindSequence(w, T: 64, junk: false))
        let j = junk.sorted { $0.0 < $1.0 }.flatMap(\.1)
        let junkSeq = kindSequence(w, T: 64, junk: true)
        XCTAssertEqual(Array(j.prefix(junkSeq.count)), junkSeq)
    }
}

/// Prints sample biographies (set CAPACITY_SAMPLES=1) for a human to read.
final class SampleOutput: XCTestCase {
    func testPrintSampleBiographies() throws {
        guard ProcessInfo.processInfo.environment["CAPACITY_SAMPLES"] != nil else { throw XCTSkip("set CAPACITY_SAMPLES=1") }
        let d = try Dataset(spec: .bioS(BioSConfig(people: 100)), seed: 1)
        for p in 0..<3 {
            for e in 0..<2 {
                let text = d.text(of: d.rendering(person: p, exposure: e, seed: 1))
                XCTAssertTrue(text.contains(d.name(of: p)), text)
                print(text)
            }
        }
        var c = BioDConfig(people: 10, attributes: 6, diversity: 256, alphabet: 256)
        c.firstNames = 40; c.middleNames = 40; c.lastNames = 100
        let b = try Dataset(spec: .bioD(c), seed: 1)
        print(b.text(of: b.rendering(person: 0, exposure: 0, seed: 1)))
        print(b.text(of: b.evaluationRendering(person: 0, sample: 0, seed: 1)))
        let path = "/tmp/capacity-sample.jsonl"
        try writeJSONL(dataset: d, stream: StreamConfig(exposures: 1, contextLength: 128), seed: 1, to: path)
        let line = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")[1]
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        XCTAssertNotNil(object?["text"] as? String, String(line))
        print(line)
    }
}
