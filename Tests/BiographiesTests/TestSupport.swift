import Coding
import Kernels
import XCTest
@testable import Biographies

/// A scaled-down bioS that builds in milliseconds: N0 = 20 · 20 · 50 = 20,000 names.
func smallBioS(_ people: Int, simple: Bool = false) -> BioSConfig {
    var c = BioSConfig(people: people)
    c.firstNames = 20; c.middleNames = 20; c.lastNames = 50
    c.simple = simple
    return c
}

/// All windows of a stream from its current position: inputs and targets [windows × T], kinds.
func drain(_ s: TokenStream, batch: Int = 7) -> (inputs: [Int32], targets: [Int32], junk: [Bool]) {
    let T = s.contextLength
    var inputs = [Int32](repeating: 0, count: batch * T), targets = inputs
    var flags = [Bool](repeating: false, count: batch)
    var allIn: [Int32] = [], allTg: [Int32] = [], allJunk: [Bool] = []
    while true {
        let n = inputs.withUnsafeMutableBufferPointer { i in
            targets.withUnsafeMutableBufferPointer { t in
                flags.withUnsafeMutableBufferPointer { f in
                    s.nextWindows(batch, inputs: i.baseAddress!, targets: t.baseAddress!, junkFlags: f.baseAddress!)
                }
            }
        }
        if n == 0 { break }
        allIn += inputs[0..<(n * T)]; allTg += targets[0..<(n * T)]; allJunk += flags[0..<n]
    }
    return (allIn, allTg, allJunk)
}

/// The token sequence of one kind rebuilt from its windows: first input, then every real target.
func kindSequence(_ w: (inputs: [Int32], targets: [Int32], junk: [Bool]), T: Int, junk: Bool) -> [Int32] {
    var seq: [Int32] = []
    for (k, isJunk) in w.junk.enumerated() where isJunk == junk {
        if seq.isEmpty { seq.append(w.inputs[k * T]) }
        for j in 0..<T {
            let t = w.targets[k * T + j]
            if t == -1 { break }
            seq.append(t)
        }
    }
    return seq
}

/// Splits a kind's sequence into biographies (each starts with end-of-text).
func splitBiographies(_ seq: [Int32], eos: Int32) -> [ArraySlice<Int32>] {
    var out: [ArraySlice<Int32>] = []
    var start = 0
    for i in 1...seq.count where i == seq.count || seq[i] == eos {
        out.append(seq[start..<i]); start = i
    }
    return out
}

extension XCTestCase {
    /// Asserts `body` throws a SpecError whose parameter is `parameter`; returns its message.
    @discardableResult
    func assertSpecError(_ parameter: String, file: StaticString = #filePath, line: UInt = #line,
                         _ body: () throws -> Void) -> String? {
        do {
            try body()
            XCTFail("expected a SpecError for \(parameter)", file: file, line: line)
        } catch let e as SpecError {
            XCTAssertEqual(e.parameter, parameter, "\(e)", file: file, line: line)
            return e.description
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }
}
