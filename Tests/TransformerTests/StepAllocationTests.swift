import XCTest
import Foundation
import Kernels
import Transformer

/// A training step allocates nothing. The `capacity bench` configurations train, on 1 and on 2
/// threads, in a child copy of this test bundle run under an LD_PRELOAD shim that counts malloc &
/// co. (scripts/bench/count-allocs.c); the child reads the shim's counter after 2 warm-up + 2
/// steps and again after 10 more, and the two counts must be equal.
///
/// The count is taken inside one process rather than as the totals of `capacity bench --steps 2`
/// and `--steps 12`, because those totals vary by a few from run to run whatever the step count:
/// the JSON/text output formats measured times (a Double's shortest form is a small string or a
/// heap one depending on its digits), and on 2 threads the first call of each `parallelFor` site
/// lets the worker and the caller race to instantiate the same Swift type metadata (the loser's
/// demangling allocations are counted too). Both happen outside the counted steps here.
final class StepAllocationTests: XCTestCase {
    func testTrainingStepsAllocateNothing() throws {
        #if !os(Linux)
        throw XCTSkip("the allocation-counting shim needs glibc (Linux)")
        #else
        let shim = try buildAllocationShim()
        let dir = shim.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        for threads in [1, 2] {
            let out = dir.appendingPathComponent("counts-\(threads)")
            let log = dir.appendingPathComponent("log-\(threads)")
            var env = ProcessInfo.processInfo.environment
            env["LD_PRELOAD"] = shim.path
            env[childThreadsKey] = "\(threads)"
            env[childOutputKey] = out.path
            let status = try runProcess(bundle, ["TransformerTests.StepAllocationTests/testChildCountsStepAllocations"],
                                 environment: env, output: log)
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            XCTAssertEqual(status, 0, "child test run failed on \(threads) thread(s):\n\(logText)")
            let rows = text.split(separator: "\n").map { $0.split(separator: " ") }
            XCTAssertEqual(rows.count, benchConfigurations.count, "child wrote no counts on \(threads) thread(s):\n\(logText)")
            for row in rows where row.count == 3 {
                let (name, few, many) = (row[0], Int(row[1]) ?? -1, Int(row[2]) ?? -2)
                XCTAssertGreaterThan(few, 0, "the shim counted nothing; is LD_PRELOAD honoured?")
                XCTAssertEqual(many, few, "\(name) on \(threads) thread(s): 10 more training steps allocated \(many - few) times")
            }
        }
        #endif
    }

    /// The child half of `testTrainingStepsAllocateNothing`; skipped unless run by it.
    func testChildCountsStepAllocations() throws {
        let env = ProcessInfo.processInfo.environment
        guard let threadsText = env[childThreadsKey], let threads = Int(threadsText), let out = env[childOutputKey] else {
            throw XCTSkip("runs only as the child process of testTrainingStepsAllocateNothing")
        }
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "count_allocs_total") else {   // RTLD_DEFAULT
            return XCTFail("count_allocs_total not found: the shim is not preloaded")
        }
        let allocations = unsafeBitCast(symbol, to: (@convention(c) () -> UInt).self)
        var lines = ""
        for (config, batch) in benchConfigurations {
            // As `benchmarkTraining` does (`capacity bench`): 2 untimed warm-up steps, then timed ones.
            let model = GPT(config: config, maxBatch: batch, seed: 1, threads: threads)
            let trainer = Trainer(model: model, training: TrainingConfig(), totalSteps: 14)
            let n = batch * config.contextLength
            var rng = SeededGenerator(seed: 2)
            let inputs = (0..<n).map { _ in Int32(rng.nextInt(below: config.vocabularySize)) }
            let targets = (0..<n).map { _ in Int32(rng.nextInt(below: config.vocabularySize)) }
            inputs.withUnsafeBufferPointer { inputs in
                targets.withUnsafeBufferPointer { targets in
                    let (i, t) = (inputs.baseAddress!, targets.baseAddress!)
                    for _ in 0..<4 { trainer.step(inputs: i, targets: t, batch: batch) }
                    let few = allocations()
                    for _ in 0..<10 { trainer.step(inputs: i, targets: t, batch: batch) }
                    let many = allocations()
                    lines += "\(config.name.replacingOccurrences(of: " ", with: "_")) \(few) \(many)\n"
                }
            }
        }
        try lines.write(toFile: out, atomically: true, encoding: .utf8)
    }
}

private let childThreadsKey = "CAPACITY_STEP_ALLOCS_THREADS"
private let childOutputKey = "CAPACITY_STEP_ALLOCS_OUT"

/// The configurations `capacity bench` trains (Sources/capacity/BenchCommand.swift), with batch windows.
private let benchConfigurations: [(ModelConfig, Int)] = [
    (ModelConfig(layers: 2, heads: 2, width: 64, vocabularySize: 512, contextLength: 128), 16),
    (ModelConfig(layers: 4, heads: 4, width: 128, vocabularySize: 1024, contextLength: 128), 16),
    (ModelConfig(layers: 6, heads: 4, width: 256, vocabularySize: 2048, contextLength: 256), 8),
]

/// The repository root, from this file's path (Tests/TransformerTests/<file>).
private func repositoryRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs `executable` with `arguments`; its exit status. Output goes to `output` (or nowhere).
private func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                 output: URL? = nil) throws -> Int32 {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let output {
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        p.standardOutput = handle
        p.standardError = handle
    } else {
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
    }
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// Compiles scripts/bench/count-allocs.c into a shared library in a fresh temporary directory;
/// skips the test when no clang is available or the compile fails.
private func buildAllocationShim() throws -> URL {
    let source = repositoryRoot().appendingPathComponent("scripts/bench/count-allocs.c")
    guard FileManager.default.fileExists(atPath: source.path) else { throw XCTSkip("\(source.path) not found") }
    var compilers = [URL(fileURLWithPath: "/opt/swift/usr/bin/clang")]
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        compilers.append(URL(fileURLWithPath: String(dir)).appendingPathComponent("clang"))
    }
    guard let clang = compilers.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw XCTSkip("no clang to compile the allocation-counting shim")
    }
    let dir = URL(fileURLWithPath: NSTemporaryDirectory())
        .appendingPathComponent("capacity-allocs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let library = dir.appendingPathComponent("count-allocs.so")
    guard try runProcess(clang, ["-shared", "-fPIC", "-O2", "-o", library.path, source.path]) == 0 else {
        try? FileManager.default.removeItem(at: dir)
        throw XCTSkip("\(clang.path) could not compile the allocation-counting shim")
    }
    return library
}
