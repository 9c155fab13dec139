import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One point of a training curve: the mean training loss over the steps since the previous point.
public struct CurvePoint: Codable, Hashable, Sendable {
    /// Optimizer steps done (1-based: the point closes step `step`).
    public var step: Int
    /// Targets trained on so far (tokens).
    public var tokensTrained: Int
    /// Mean of the steps' losses since the previous point, nats per token.
    public var lossNatsPerToken: Double
    /// The learning rate of the point's last step.
    public var learningRate: Float
    /// Training time so far (evaluation excluded; summed over resumed sessions), seconds.
    public var elapsedSeconds: Double
}

/// A run's training curve, `<results>/<scenario>/curves/<key>.jsonl`: one JSON object per line,
/// written as training goes, so a killed run keeps the points it reached. A point closes every
/// `interval` steps, ⌈totalSteps / 200⌉, so a curve has at most 200 points plus the last step's.
///
/// The loop feeds every step's loss to `add` (two additions, no allocation); a line is formatted
/// and written only when a point closes. The text written so far is kept (a few KB) so a snapshot
/// can carry it: a resumed run rewrites the file as it was at the snapshot and goes on from there,
/// with no duplicate or missing point.
final class TrainingCurve {
    static let maxPoints = 200

    let url: URL
    /// Steps per point.
    let interval: Int
    /// Sum of the losses (nats/token) of the steps since the last point, and their number.
    private(set) var lossSum = 0.0
    private(set) var pendingSteps = 0
    /// Every line written so far.
    private(set) var text = ""
    /// The first write error, after which nothing more is written.
    private(set) var failure: String?
    private var fd: Int32 = -1

    init(url: URL, totalSteps: Int) {
        self.url = url
        interval = Self.interval(totalSteps: totalSteps)
    }

    /// Steps per point: ⌈totalSteps / maxPoints⌉, at least 1.
    static func interval(totalSteps: Int) -> Int { max(1, (totalSteps + maxPoints - 1) / maxPoints) }

    deinit { if fd >= 0 { close(fd) } }

    /// Opens the file afresh: empty for a new run, else the points a snapshot carried (`text`),
    /// with that snapshot's partial interval (`lossSum` over `pendingSteps` steps).
    func start(resuming saved: (text: String, lossSum: Double, pendingSteps: Int)? = nil) {
        if let saved { text = saved.text; lossSum = saved.lossSum; pendingSteps = saved.pendingSteps }
        do { try makeDirectory(url.deletingLastPathComponent()) } catch { failure = "\(url.path): \(plainReason(error))"; return }
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { failure = "\(url.path): \(String(cString: strerror(errno)))"; return }
        append(text)
    }

    /// One step's loss, nats/token.
    @inline(__always)
    func add(_ lossNatsPerToken: Double) {
        lossSum += lossNatsPerToken
        pendingSteps += 1
    }

    /// A point is due: a whole interval has passed since the last one.
    var pointDue: Bool { pendingSteps >= interval }

    /// Closes a point at `step` over the steps since the last one (none pending: nothing to do).
    func point(step: Int, tokensTrained: Int, learningRate: Float, elapsedSeconds: Double) {
        guard pendingSteps > 0 else { return }
        let mean = lossSum / Double(pendingSteps)
        let line = "{\"step\": \(step), \"tokensTrained\": \(tokensTrained), \"lossNatsPerToken\": \(mean), "
            + "\"learningRate\": \(learningRate), \"elapsedSeconds\": \(String(format: "%.3f", elapsedSeconds))}\n"
        text += line
        lossSum = 0; pendingSteps = 0
        append(line)
    }

    private func append(_ s: String) {
        guard fd >= 0, failure == nil, !s.isEmpty else { return }
        let bytes = Array(s.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { failure = "\(url.path): \(String(cString: strerror(errno)))"; return }
            offset += n
        }
    }

    /// The points of a curve file; a torn last line (a killed run's) is left out.
    static func load(_ url: URL) -> [CurvePoint] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(CurvePoint.self, from: Data($0)) }
    }
}
