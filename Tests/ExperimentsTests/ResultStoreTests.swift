import Foundation
import XCTest
@testable import Experiments
import Capacity

/// Runs of a small scenario: 1 dataset × 3 widths × 2 learning rates × 2 seeds = 12 runs.
func sampleRuns() throws -> [RunSpec] {
    try Scenario.parse(Data("""
    {"name": "sample", "seeds": [1, 2], "datasets": [\(bioD("1000"))],
     "models": [{"layers": 2, "heads": 2, "width": [16, 24, 32], "learningRates": [0.003, 0.01]}],
     "training": {"exposures": 1000}}
    """.utf8), file: "sample.json").runs
}

/// A finished run with `bits` learned by a model of `params` parameters.
func okRecord(_ spec: RunSpec, params: Int, bits: Double, dataBits: Double = 60_000, accuracy: Double = 0.5) -> RunRecord {
    let metrics = RunMetrics(paramsPaper: params, paramsTotal: params + 100, p1Nats: 3.2, valueNatsPerPerson: 20.5, p3Nats: 4.1,
                             bits: LearnedBits(name: bits * 0.1, value: bits * 0.8, diversity: bits * 0.1), dataBits: dataBits,
                             accuracy: [AttributeAccuracy(attribute: "a0", accuracy: accuracy), AttributeAccuracy(attribute: "a1", accuracy: accuracy)],
                             peopleScored: 1000, tokensTrained: 22_000_000, steps: 21_484, tokensPerSecond: 150_000,
                             finalLossNatsPerToken: 1.93, evaluation: "all 1000 people, canonical rendering after end-of-text")
    return RunRecord(spec: spec, metrics: metrics, wallSeconds: 128.4, finishedAt: Date(timeIntervalSince1970: 1_800_000_000))
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("capacity-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

final class ResultStoreTests: XCTestCase {
    func testAppendedRecordsReloadUnchanged() throws {
        let dir = try temporaryDirectory()
        let runs = try sampleRuns()
        let store = ResultStore(directory: dir)
        var written = [okRecord(runs[0], params: 25_000, bits: 44_000)]
        var odd = okRecord(runs[1], params: 25_000, bits: -1_500)
        odd.metrics!.finalLossNatsPerToken = .nan
        written.append(odd)
        written.append(RunRecord(spec: runs[2], failure: "loss became NaN at step 120", wallSeconds: 3))
        for r in written { try store.append(r) }

        let text = try String(contentsOf: store.fileURL, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 4, "three lines, each ending in a newline")
        let loaded = try store.loadOwnFile()
        XCTAssertEqual(loaded.records.count, 3)
        XCTAssertEqual(loaded.records[0], written[0])
        XCTAssertTrue(loaded.records[1].metrics!.finalLossNatsPerToken.isNaN)
        XCTAssertEqual(loaded.records[2], written[2])
        XCTAssertEqual(loaded.warnings, [])
        XCTAssertEqual(try store.finishedKeys(), Set(runs[0...2].map(\.key)))
        XCTAssertEqual(try store.finishedKeys(retryFailed: true), Set(runs[0...1].map(\.key)))
        XCTAssertEqual(try store.pendingRuns(runs).map(\.key), runs[3...].map(\.key))
        XCTAssertEqual(try store.pendingRuns(runs, shard: Shard(index: 1, count: 5)).map(\.key), [runs[6].key, runs[11].key],
                       "a shard's runs minus the finished run 1")
        XCTAssertEqual(try store.pendingRuns(runs, retryFailed: true).map(\.key), runs[2...].map(\.key))
    }

    func testTruncatedLastLineIsReportedIgnoredAndRepaired() throws {
        let dir = try temporaryDirectory()
        let runs = try sampleRuns()
        let store = ResultStore(directory: dir)
        try store.append(okRecord(runs[0], params: 25_000, bits: 44_000))
        try store.append(okRecord(runs[1], params: 25_000, bits: 45_000))
        // An interrupted write: half of a third line, no newline.
        let third = try ResultStore.encode(okRecord(runs[2], params: 25_000, bits: 46_000))
        let handle = try FileHandle(forWritingTo: store.fileURL)
        handle.seekToEndOfFile()
        handle.write(third.prefix(third.count / 2))
        try handle.close()

        let loaded = try ResultStore.load(directory: dir)
        XCTAssertEqual(loaded.records.map(\.key), [runs[0].key, runs[1].key])
        XCTAssertEqual(loaded.warnings.count, 1)
        XCTAssertTrue(loaded.warnings[0].contains("runs.jsonl: line 3 is truncated"), loaded.warnings[0])

        // The next append first cuts the partial line, so the file stays one record per line.
        let fresh = ResultStore(directory: dir)
        try fresh.append(okRecord(runs[2], params: 25_000, bits: 46_000))
        let reloaded = try ResultStore.load(directory: dir)
        XCTAssertEqual(reloaded.warnings, [])
        XCTAssertEqual(reloaded.records.map(\.key), runs[0...2].map(\.key))
        let lines = try String(contentsOf: store.fileURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
    }

    func testCorruptedLastLineWithNewlineIsRepairedByRepair() throws {
        let dir = try temporaryDirectory()
        let runs = try sampleRuns()
        let store = ResultStore(directory: dir)
        try store.append(okRecord(runs[0], params: 25_000, bits: 44_000))
        let handle = try FileHandle(forWritingTo: store.fileURL)
        handle.seekToEndOfFile()
        handle.write(Data("{\"key\": 12}\n".utf8))
        try handle.close()
        let loaded = try store.loadOwnFile()
        XCTAssertEqual(loaded.records.count, 1)
        XCTAssertTrue(loaded.warnings.first?.contains("line 2 is corrupted") == true, "\(loaded.warnings)")
        let action = try store.repair()
        XCTAssertNotNil(action)
        XCTAssertNil(try store.repair(), "a repaired file needs no more repair")
        XCTAssertEqual(try store.loadOwnFile().warnings, [])
    }

    func testCorruptedMiddleLineIsAnErrorNamingFileAndLine() throws {
        let dir = try temporaryDirectory()
        let runs = try sampleRuns()
        let store = ResultStore(directory: dir)
        try store.append(okRecord(runs[0], params: 25_000, bits: 44_000))
        try store.append(okRecord(runs[1], params: 25_000, bits: 44_000))
        let good = try String(contentsOf: store.fileURL, encoding: .utf8).split(separator: "\n").map(String.init)
        try Data((good[0] + "\nnot json at all\n" + good[1] + "\n").utf8).write(to: store.fileURL)
        XCTAssertThrowsError(try ResultStore.load(directory: dir)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("runs.jsonl: line 2: not a valid run record"), message)
        }
        XCTAssertThrowsError(try ResultStore(directory: dir).append(okRecord(runs[2], params: 25_000, bits: 44_000)),
                             "a store never appends to a damaged file")
    }

    func testShardsPartitionTheRunList() throws {
        let runs = try sampleRuns()
        let shards = try (0..<5).map { try Shard(index: $0, count: 5) }
        let selected = shards.map { $0.select(runs: runs).map(\.key) }
        XCTAssertEqual(selected.flatMap { $0 }.sorted(), runs.map(\.key).sorted(), "every run in exactly one shard")
        XCTAssertEqual(Set(selected.flatMap { $0 }).count, runs.count)
        XCTAssertEqual(selected[2], [runs[2].key, runs[7].key])
        XCTAssertEqual(shards[1].select(Array(0..<12)), [1, 6, 11])
        XCTAssertEqual(try Shard(parsing: "3/4"), try Shard(index: 3, count: 4))
        XCTAssertEqual(try Shard(parsing: "3/4").fileName, "runs.shard-3-of-4.jsonl")
        XCTAssertThrowsError(try Shard(parsing: "4/4"))
        XCTAssertThrowsError(try Shard(parsing: "a/4"))
    }

    func testMergingShardFilesDeduplicatesByKey() throws {
        let dir = try temporaryDirectory()
        let runs = try sampleRuns()
        let a = ResultStore(directory: dir, shard: try Shard(index: 0, count: 2))
        let b = ResultStore(directory: dir, shard: try Shard(index: 1, count: 2))
        for r in runs { try (r.index % 2 == 0 ? a : b).append(okRecord(r, params: 25_000, bits: 40_000)) }
        // The same run finished twice (a shard rerun), and a failed run later retried.
        try a.append(okRecord(runs[0], params: 25_000, bits: 41_000))
        let plain = ResultStore(directory: dir)
        try plain.append(RunRecord(spec: runs[1], failure: "killed", wallSeconds: 1))
        let loaded = try ResultStore.load(directory: dir)
        XCTAssertEqual(loaded.files.map(\.lastPathComponent), ["runs.jsonl", "runs.shard-0-of-2.jsonl", "runs.shard-1-of-2.jsonl"])
        XCTAssertEqual(loaded.records.count, runs.count)
        XCTAssertEqual(loaded.records.map(\.key), runs.map(\.key))
        XCTAssertEqual(loaded.duplicates, 2)
        XCTAssertEqual(loaded.records[0].metrics?.bits.total ?? 0, 41_000, accuracy: 1e-9, "the later line wins")
        XCTAssertEqual(loaded.records[1].status, .ok, "an ok record beats a failed one")
    }

    func testConcurrentAppendsKeepWholeLines() throws {
        let dir = try temporaryDirectory()
        let runs = try sampleRuns()
        let store = ResultStore(directory: dir)
        DispatchQueue.concurrentPerform(iterations: runs.count) { i in
            try! store.append(okRecord(runs[i], params: 25_000, bits: Double(i)))
        }
        let loaded = try store.loadOwnFile()
        XCTAssertEqual(loaded.records.count, runs.count)
        XCTAssertEqual(loaded.warnings, [])
    }
}
