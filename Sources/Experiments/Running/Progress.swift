import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Live training progress on stderr, reported from any number of threads.
///
/// On a terminal every active run keeps one line, redrawn in place with ANSI cursor moves:
/// ```
///   gpt2-2-2-24  [██████████░░░░░░░░░░]  48%  step 1200/2500  loss 1.93 nats/token  41k tok/s  eta 0:37
/// ```
/// Otherwise (a log file, a batch job) it prints plain lines, at most one per run every
/// `plainInterval` seconds, plus the first and the last step of each run.
public final class ProgressDisplay: @unchecked Sendable {
    public enum Mode: Sendable { case terminal, plain }

    public let mode: Mode
    private let plainInterval: Double
    private let redrawInterval = 0.1
    private let sink: @Sendable (String) -> Void
    private let now: @Sendable () -> Double
    private let columns: Int

    private struct Run {
        var label: String
        var step = 0
        var totalSteps = 0
        var lossNatsPerToken = Double.nan
        var tokensPerSecond = 0.0
        var firstStep = 0
        var firstTime = 0.0
        var lastTime = 0.0
        var lastPrinted = -Double.infinity
    }

    private let lock = NSLock()
    private var runs: [String: Run] = [:]
    private var order: [String] = []
    private var drawnLines = 0
    private var lastDraw = -Double.infinity

    /// - Parameters:
    ///   - mode: terminal or plain; by default terminal when stderr is a terminal (and TERM is not "dumb").
    ///   - sink: where text goes (default: stderr, one write(2) per update).
    ///   - now: a monotonic clock in seconds (default: the system's).
    public init(mode: Mode? = nil, plainInterval: Double = 5, columns: Int? = nil,
                sink: (@Sendable (String) -> Void)? = nil, now: (@Sendable () -> Double)? = nil) {
        let terminal = isatty(2) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        self.mode = mode ?? (terminal ? .terminal : .plain)
        self.plainInterval = plainInterval
        self.sink = sink ?? { text in
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break }
                offset += n
            }
        }
        self.now = now ?? { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        self.columns = columns ?? Self.terminalColumns()
    }

    /// Reports a run's progress. `label` defaults to the key; losses are in nats per token.
    public func update(key: String, label: String? = nil, step: Int, totalSteps: Int,
                       lossNatsPerToken: Double, tokensPerSecond: Double) {
        lock.lock()
        defer { lock.unlock() }
        let t = now()
        let isNew = runs[key] == nil
        var run = runs[key] ?? Run(label: label ?? key, firstStep: step, firstTime: t)
        if isNew { order.append(key) }
        if let label { run.label = label }
        run.step = step; run.totalSteps = totalSteps
        run.lossNatsPerToken = lossNatsPerToken; run.tokensPerSecond = tokensPerSecond
        run.lastTime = t
        switch mode {
        case .plain:
            if isNew || step >= totalSteps || t - run.lastPrinted >= plainInterval {
                run.lastPrinted = t
                runs[key] = run
                sink(line(run, bar: false) + "\n")
            }
            runs[key] = run
        case .terminal:
            runs[key] = run
            if isNew || step >= totalSteps || t - lastDraw >= redrawInterval { redraw(above: nil, at: t) }
        }
    }

    /// Removes a run's live line; `message` (e.g. its result) is printed in its place.
    public func finish(key: String, message: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        runs[key] = nil
        order.removeAll { $0 == key }
        switch mode {
        case .plain: if let message { sink(message + "\n") }
        case .terminal: redraw(above: message, at: now())
        }
    }

    /// Prints a line of text above the live lines.
    public func log(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        switch mode {
        case .plain: sink(message + "\n")
        case .terminal: redraw(above: message, at: now())
        }
    }

    /// Moves up over the lines drawn last time, prints `above`, then one line per active run.
    private func redraw(above: String?, at t: Double) {
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)F" : "\r"
        text += "\u{1B}[J"
        if let above { text += above + "\n" }
        let width = order.map { runs[$0]!.label.count }.max() ?? 0
        for key in order {
            var run = runs[key]!
            run.label = run.label.padding(toLength: width, withPad: " ", startingAt: 0)
            text += String(line(run, bar: true).prefix(max(20, columns - 1))) + "\n"
        }
        drawnLines = order.count
        lastDraw = t
        sink(text)
    }

    /// `  label  [████░░░░]  48%  step 1200/2500  loss 1.93 nats/token  41k tok/s  eta 0:37`
    private func line(_ run: Run, bar: Bool) -> String {
        let fraction = run.totalSteps > 0 ? min(1, max(0, Double(run.step) / Double(run.totalSteps))) : 0
        var s = "  \(run.label)  "
        if bar {
            let filled = Int((fraction * 20).rounded(.down))
            s += "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: 20 - filled) + "] "
        }
        s += String(format: "%3d%%", Int((fraction * 100).rounded(.down)))
        s += "  step \(run.step)/\(run.totalSteps)"
        s += "  loss " + (run.lossNatsPerToken.isFinite ? String(format: "%.2f", run.lossNatsPerToken) : "\(run.lossNatsPerToken)") + " nats/token"
        s += "  " + Self.rate(run.tokensPerSecond) + " tok/s"
        let elapsed = run.lastTime - run.firstTime, done = run.step - run.firstStep
        if run.step >= run.totalSteps {
            s += "  done"
        } else if elapsed > 0, done > 0 {
            s += "  eta " + clock(Double(run.totalSteps - run.step) * elapsed / Double(done))
        } else {
            s += "  eta --"
        }
        return s
    }

    /// `850`, `41k`, `1.2M`.
    static func rate(_ v: Double) -> String {
        guard v.isFinite else { return "--" }
        if v >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if v >= 1e4 { return String(format: "%.0fk", v / 1e3) }
        if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return String(format: "%.0f", v)
    }

    static func terminalColumns() -> Int {
        var size = winsize()
        #if canImport(Glibc)
        let request = UInt(TIOCGWINSZ)
        #else
        let request = TIOCGWINSZ
        #endif
        if ioctl(2, request, &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        return 120
    }
}
