import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(context, i)` for i in 0..<count, on the persistent worker pool when `threads` > 1
/// and the pool is free, otherwise inline on the caller's thread (single-threaded runs pay no
/// synchronization, and a nested or concurrent call simply runs inline). Work items must write
/// disjoint memory; results then never depend on the thread count.
///
/// `body` must capture nothing: everything it reads comes in through `context` (a tuple or struct
/// of pointers and sizes). A closure that captures nothing is a bare function pointer, so handing
/// it to the workers allocates nothing; a capturing closure would be boxed on the heap at every
/// call (as `withoutActuallyEscaping` did: ~130 allocations per training step).
@inlinable
public func parallelFor<Context>(_ count: Int, threads: Int, _ context: Context,
                                 _ body: @escaping (Context, Int) -> Void) {
    if count <= 0 { return }
    if threads <= 1 || count == 1 { for i in 0..<count { body(context, i) }; return }
    let ran = withUnsafePointer(to: (context, body)) { job in
        WorkerPool.shared.run(count, job: UnsafeRawPointer(job)) { job, i in
            let (context, body) = job.assumingMemoryBound(to: (Context, (Context, Int) -> Void).self).pointee
            body(context, i)
        }
    }
    if !ran { for i in 0..<count { body(context, i) } }
}

/// Splits 0..<count into `parts` contiguous chunks as equal as possible; chunk `i` of them.
@inlinable
public func chunkRange(_ i: Int, of parts: Int, count: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = i * base + min(i, extra)
    return start..<(start + base + (i < extra ? 1 : 0))
}

/// The number of cores available to the process.
public var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }

/// Carries a value across threads where the caller guarantees data-race freedom (disjoint writes).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}

/// Worker threads (one per extra core) that live as long as the process. A job is published by
/// bumping `generation`; workers spin briefly before sleeping on a condition variable, so the
/// back-to-back kernels of a training step find them awake, and a job allocates nothing (unlike
/// `DispatchQueue.concurrentPerform`, which allocates and wakes its workers late on small VMs).
public final class WorkerPool: @unchecked Sendable {
    public static let shared = WorkerPool(workers: max(0, availableCores - 1))

    let workerCount: Int
    private let inUse = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let nextItem = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)          // workers not yet done with the current job
    // The current job (set only while `inUse`): the caller's (context, body) pair on its stack,
    // and the non-capturing trampoline that calls body(context, i) from it.
    private var job: UnsafeRawPointer? = nil
    private var invoke: ((UnsafeRawPointer, Int) -> Void)? = nil
    private var itemCount = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Atomic polls before a worker sleeps (tens of microseconds).
    private let spinLimit = 50_000

    init(workers: Int) {
        workerCount = workers
        mutex = .allocate(capacity: 1); condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil); pthread_cond_init(condition, nil)
        for _ in 0..<workers {
            let t = Thread { [unowned self] in self.workerLoop() }
            t.stackSize = 1 << 22
            t.start()
        }
    }

    /// Runs invoke(job, i) for i in 0..<count on the pool and the calling thread; false (nothing
    /// run) if the pool is busy. `invoke` must capture nothing (see `parallelFor`).
    @usableFromInline
    func run(_ count: Int, job: UnsafeRawPointer, _ invoke: @escaping (UnsafeRawPointer, Int) -> Void) -> Bool {
        guard workerCount > 0, inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        self.job = job
        self.invoke = invoke
        itemCount = count
        nextItem.store(0, ordering: .relaxed)
        pending.store(workerCount, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        runItems()
        while pending.load(ordering: .acquiring) > 0 {}
        self.job = nil
        self.invoke = nil
        inUse.store(false, ordering: .releasing)
        return true
    }

    private func runItems() {
        let job = job!, invoke = invoke!, count = itemCount
        while true {
            let i = nextItem.add(1, ordering: .relaxed).oldValue
            if i >= count { break }
            invoke(job, i)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins >= spinLimit {
                    pthread_mutex_lock(mutex)
                    while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(condition, mutex) }
                    pthread_mutex_unlock(mutex)
                    break
                }
            }
            seen = generation.load(ordering: .acquiring)
            runItems()
            pending.subtract(1, ordering: .releasing)
        }
    }
}
