import Dispatch

/// Runs `body(i)` for i in 0..<count on up to `threads` cores. With threads <= 1 (or one item)
/// it runs inline on the caller's thread, so single-threaded runs pay no synchronization.
/// Work items must write disjoint memory; results then never depend on the thread count.
@inlinable
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    if count <= 0 { return }
    if threads <= 1 || count == 1 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: count) { i in box.value(i) }
    }
}

/// Splits 0..<count into `parts` contiguous chunks as equal as possible; chunk `i` of them.
@inlinable
public func chunkRange(_ i: Int, of parts: Int, count: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = i * base + min(i, extra)
    return start..<(start + base + (i < extra ? 1 : 0))
}

/// The number of cores available to the process.
public var availableCores: Int { ProcessInfo_activeProcessorCount() }

import Foundation
@usableFromInline func ProcessInfo_activeProcessorCount() -> Int { ProcessInfo.processInfo.activeProcessorCount }

/// Carries a value across threads where the caller guarantees data-race freedom (disjoint writes).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}
