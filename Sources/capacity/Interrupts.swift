import Foundation
import Experiments
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT (Ctrl-C) and SIGTERM (`kill`, `scancel`, a scheduler's time limit) during `capacity run`:
/// the first sets `interruption`, so every run in flight writes its snapshot at its next step and
/// stops, and the command exits with 128 + the signal once they have; a second exits at once.
enum Interrupts {
    /// The stop request the handler sets. A global, because a C signal handler captures nothing.
    static let interruption = StopSignal()

    static func install() -> StopSignal {
        // Touch the static before a handler can: its lazy initialization is not async-signal-safe.
        _ = interruption.isRequested
        signal(SIGINT, onSignal)
        signal(SIGTERM, onSignal)
        return interruption
    }
}

/// Only async-signal-safe work: one atomic compare-exchange, or `_exit`.
private func onSignal(_ sig: Int32) {
    if !Interrupts.interruption.request(signal: sig) { _exit(128 + sig) }
}
