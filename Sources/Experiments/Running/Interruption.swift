import Foundation
import Synchronization

/// A request to stop training, shared by every run in flight: set by `capacity run`'s SIGINT and
/// SIGTERM handlers (or a test). Each run checks it after every step; when it is set the run
/// writes its snapshot and stops, and no new run starts. Lock-free, so a signal handler may set it.
public final class StopSignal: Sendable {
    /// 0: no request; otherwise the signal that asked (any nonzero number for other callers).
    private let signalNumber = Atomic<Int32>(0)

    public init() {}

    /// Records the request; false when one was already made (a second Ctrl-C).
    @discardableResult
    public func request(signal: Int32) -> Bool {
        signalNumber.compareExchange(expected: 0, desired: max(1, signal), ordering: .relaxed).exchanged
    }

    /// The signal of the first request, or nil while none was made.
    public var requestedSignal: Int32? {
        let s = signalNumber.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    public var isRequested: Bool { signalNumber.load(ordering: .relaxed) != 0 }
}

/// A run stopped by a stop request before its last step: not recorded, resumed by a rerun.
public struct InterruptedRun: Sendable, Hashable {
    public var key: String
    /// Steps trained (0 when it stopped before its first), of the run's total.
    public var stepsDone: Int
    public var totalSteps: Int
    /// Where its snapshot is, or nil when none could be written (then `problem` says why).
    public var snapshot: URL?
    public var problem: String?

    /// The one line `capacity run` prints when a signal stopped it, e.g.
    /// `interrupted · 5 run(s) recorded in results/x/runs.jsonl · 2 in flight saved as snapshots
    /// (bioD-…-s1 at step 1200/5000, …) · rerun the same command to resume`.
    public static func summaryLine(recorded: Int, file: String, inFlight: [InterruptedRun]) -> String {
        var line = "interrupted · \(recorded) run(s) recorded in \(file)"
        let saved = inFlight.filter { $0.snapshot != nil }, lost = inFlight.filter { $0.snapshot == nil }
        func at(_ r: InterruptedRun) -> String { "\(r.key) at step \(r.stepsDone)/\(r.totalSteps)" }
        if !saved.isEmpty {
            line += " · \(saved.count) in flight saved as snapshots (" + saved.map(at).joined(separator: ", ") + ")"
        }
        if !lost.isEmpty {
            line += " · \(lost.count) in flight not saved (" + lost.map { at($0) + ($0.problem.map { ": \($0)" } ?? "") }.joined(separator: ", ") + ")"
        }
        if inFlight.isEmpty { line += " · none in flight" }
        return line + " · rerun the same command to resume"
    }
}

/// Thrown inside `RunExecutor.trainAndEvaluate` when a stop request ends training early.
struct RunStopped: Error {
    var run: InterruptedRun
}
