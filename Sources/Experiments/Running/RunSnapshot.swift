import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run's whole training state between two steps, `<results>/<scenario>/snapshots/<key>.snapshot`,
/// so a stopped or killed run resumes where it was and ends bit-identical to an uninterrupted one.
///
/// File: the magic "CAPSNAP1", a UInt32 little-endian header length, the JSON header, then the
/// sections, little-endian with no padding:
///   parameters, AdamW first moments, AdamW second moments   [parameterCount Float32 each]
///   the recent-loss ring [recentCount], the plateau ring [plateauRingCount], the curve's
///   partial sum [1]                                          Float64 (kept out of the JSON so
///                                                            every bit survives)
/// The token stream is not saved: its state is a block of rendered biographies in flight, so a
/// resumed run regenerates the `windowsEmitted` windows already trained and skips them.
struct RunSnapshot {
    struct Header: Codable {
        var format = 1
        /// The run spec's JSON (sorted keys): a snapshot is resumed only by the identical spec.
        var spec: String
        var parameterCount: Int
        var totalSteps: Int
        var stepsDone: Int
        /// AdamW updates done (its bias corrections depend on it).
        var optimizerStep: Int
        /// The stream's position: windows read, and targets trained on in them.
        var windowsEmitted: Int
        var tokensTrained: Int
        var recentCount: Int
        var plateauRingCount: Int
        /// Losses the plateau detector has seen (nil without Morris mode).
        var plateauRecorded: Int?
        /// The curve file's lines so far, and the steps since its last point.
        var curve: String
        var curvePendingSteps: Int
        /// Time spent before the snapshot, seconds (timings only): training, and the whole run.
        var trainSeconds: Double
        var wallSeconds: Double
    }

    static let magic = Array("CAPSNAP1".utf8)

    var header: Header
    /// The file's bytes and where the sections start.
    let data: Data
    let body: Int

    var parameterCount: Int { header.parameterCount }

    /// Writes a snapshot atomically: a temporary file beside `url`, fsync'd, then renamed over it,
    /// so a kill at any moment leaves the old snapshot or the new one, never a torn file.
    /// `floats`: parameters, m, v; `doubles`: the recent ring, the plateau ring, the curve sum.
    static func save(_ header: Header, floats: [UnsafeBufferPointer<Float>], doubles: [Double], to url: URL) throws {
        precondition(floats.count == 3 && floats.allSatisfy { $0.count == header.parameterCount })
        precondition(doubles.count == header.recentCount + header.plateauRingCount + 1)
        do { try makeDirectory(url.deletingLastPathComponent()) }
        catch { throw SnapshotError(path: url.path, reason: plainReason(error)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var prefix = Data(magic)
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(json)

        let tmp = url.path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SnapshotError(path: tmp, reason: String(cString: strerror(errno))) }
        var closed = false
        defer { if !closed { close(fd); unlink(tmp) } }
        func put(_ raw: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SnapshotError(path: tmp, reason: String(cString: strerror(errno))) }
                offset += n
            }
        }
        try prefix.withUnsafeBytes { try put($0) }
        for f in floats { try put(UnsafeRawBufferPointer(f)) }
        try doubles.withUnsafeBytes { try put($0) }
        guard fsync(fd) == 0 else { throw SnapshotError(path: tmp, reason: String(cString: strerror(errno))) }
        close(fd); closed = true
        guard rename(tmp, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw SnapshotError(path: url.path, reason: reason)
        }
    }

    /// Reads and checks a snapshot's framing (the caller checks that it is this run's).
    init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SnapshotError(path: url.path, reason: "cannot read the file")
        }
        guard data.count >= 12, Array(data.prefix(8)) == Self.magic else {
            throw SnapshotError(path: url.path, reason: "not a capacity snapshot (expected magic CAPSNAP1)")
        }
        let len = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
        guard data.count >= 12 + len else { throw SnapshotError(path: url.path, reason: "header truncated") }
        do { header = try JSONDecoder().decode(Header.self, from: data.subdata(in: 12..<(12 + len))) }
        catch { throw SnapshotError(path: url.path, reason: "header is not valid JSON: \(error)") }
        guard header.format == 1 else { throw SnapshotError(path: url.path, reason: "snapshot format \(header.format), expected 1") }
        let expected = 3 * 4 * header.parameterCount + 8 * (header.recentCount + header.plateauRingCount + 1)
        guard data.count - 12 - len == expected else {
            throw SnapshotError(path: url.path, reason: "expected \(expected) bytes after the header, found \(data.count - 12 - len)")
        }
        self.data = data
        body = 12 + len
    }

    /// Copies float section `section` (0: parameters, 1: m, 2: v) to `dst` [parameterCount].
    func copyFloats(section: Int, to dst: UnsafeMutablePointer<Float>) {
        let bytes = 4 * parameterCount
        data.withUnsafeBytes { raw in _ = memcpy(dst, raw.baseAddress! + body + section * bytes, bytes) }
    }

    /// Every Float64 of the last section: the recent ring, the plateau ring, the curve sum.
    var doubles: [Double] {
        let count = header.recentCount + header.plateauRingCount + 1
        var out = [Double](repeating: 0, count: count)
        let start = body + 3 * 4 * parameterCount
        out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { raw in _ = memcpy(dst.baseAddress!, raw.baseAddress! + start, 8 * count) }
        }
        return out
    }
}

struct SnapshotError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
}

/// How a run finds its snapshot: only the identical spec's is used.
extension RunExecutor {
    /// The run's snapshot when it is this spec's and fits its model and loop; else nil, and a
    /// snapshot of another spec (or a damaged one) is deleted with a log line.
    func loadSnapshot(_ url: URL, key: String, specJSON: String, parameterCount: Int, totalSteps: Int, plateauRing: Int,
                      progress: ProgressDisplay?) -> RunSnapshot? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let why: String
        do {
            let s = try RunSnapshot(contentsOf: url), h = s.header
            if h.spec != specJSON { why = "it is of a different run spec" }
            else if h.parameterCount != parameterCount || h.totalSteps != totalSteps || h.stepsDone <= 0 || h.stepsDone >= totalSteps
                        || h.recentCount != Self.recentLossSteps || h.plateauRingCount != plateauRing || (plateauRing > 0) != (h.plateauRecorded != nil) {
                why = "it does not fit the run (\(h.parameterCount) parameters, step \(h.stepsDone)/\(h.totalSteps))"
            } else { return s }
        } catch { why = "\(error)" }
        discardSnapshot(url, key: key, why: why, progress: progress)
        return nil
    }

    func discardSnapshot(_ url: URL, key: String, why: String, progress: ProgressDisplay?) {
        try? FileManager.default.removeItem(at: url)
        progress?.log("\(key): snapshot \(url.path) not used (\(why)); deleted, training from the start")
    }
}
