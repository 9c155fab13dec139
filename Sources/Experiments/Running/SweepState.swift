import Synchronization

/// Shared state of a sweep's workers.
struct SweepProgress: Sendable {
    var next = 0, finished = 0, failed = 0
    var interrupted: [InterruptedRun] = []
    var storeError: String? = nil
}

/// An atomic integer shared between threads.
final class SharedCounter: Sendable {
    let value: Atomic<Int>
    init(_ v: Int) { value = Atomic(v) }
}
