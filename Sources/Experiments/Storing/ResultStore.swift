import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--shard i/n`: this process runs every n-th run of the expanded list, those with
/// `index % n == i` (0-based), and writes its own file, `runs.shard-i-of-n.jsonl`.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw ResultStoreError(file: "--shard", line: nil, message: "expected i/n with 0 ≤ i < n, found \(index)/\(count)")
        }
        self.index = index; self.count = count
    }

    /// Parses `"i/n"`, e.g. `"0/4"` … `"3/4"`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ResultStoreError(file: "--shard", line: nil, message: "expected i/n (e.g. 0/4), found \"\(text)\"")
        }
        try self.init(index: i, count: n)
    }

    public func contains(runIndex: Int) -> Bool { runIndex % count == index }

    /// The items at positions `index`, `index + n`, `index + 2n`, ...
    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { contains(runIndex: $0.offset) }.map(\.element)
    }

    /// The runs of this shard (by their position in the scenario, `RunSpec.index`).
    public func select(runs: [RunSpec]) -> [RunSpec] { runs.filter { contains(runIndex: $0.index) } }

    public var fileName: String { "runs.shard-\(index)-of-\(count).jsonl" }
    public var description: String { "\(index)/\(count)" }
}

public struct ResultStoreError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String
    public var description: String { line.map { "\(file): line \($0): \(message)" } ?? "\(file): \(message)" }
}

/// The records of a results directory (or of one file), de-duplicated by key.
public struct LoadedResults: Sendable {
    /// One record per key, ordered by run index then key. When a key appears more than once an
    /// ok record beats a failed one; otherwise the later line wins.
    public var records: [RunRecord] = []
    /// Problems that were tolerated: a truncated or corrupted last line (named by file and line).
    public var warnings: [String] = []
    /// The files read, in order.
    public var files: [URL] = []
    /// Lines dropped because another line had the same key.
    public var duplicates: Int = 0

    public var ok: [RunRecord] { records.filter { $0.status == .ok } }
    public var failed: [RunRecord] { records.filter { $0.status == .failed } }

    /// Keys a rerun skips: every recorded run, or only the ok ones when failed runs are retried.
    public func finishedKeys(retryFailed: Bool = false) -> Set<String> {
        Set(records.filter { !retryFailed || $0.status == .ok }.map(\.key))
    }

    mutating func merge(_ lines: [RunRecord]) {
        var byKey = Dictionary(uniqueKeysWithValues: records.map { ($0.key, $0) })
        for r in lines {
            if let old = byKey[r.key] {
                duplicates += 1
                if r.status == .failed && old.status == .ok { continue }
            }
            byKey[r.key] = r
        }
        records = byKey.values.sorted { ($0.spec.index, $0.key) < ($1.spec.index, $1.key) }
    }
}

/// `results/<scenario>/runs.jsonl`: one JSON line per finished run, appended as runs finish.
///
/// A line is written whole with one `write(2)` on a file opened with `O_APPEND`, then fsync'd,
/// so a crash can only leave a partial last line. Loading reports such a line and ignores it;
/// the first append repairs the file by truncating it after the last good line. A bad line
/// anywhere else is an error naming the file and line: that is damage, not an interrupted write.
public final class ResultStore: @unchecked Sendable {
    public let directory: URL
    /// The file this store appends to: `runs.jsonl`, or `runs.shard-i-of-n.jsonl` for a shard.
    public let fileURL: URL
    private let lock = NSLock()
    private var checkedTail = false

    public init(directory: URL, shard: Shard? = nil) {
        self.directory = directory
        self.fileURL = directory.appendingPathComponent(shard?.fileName ?? "runs.jsonl")
    }

    /// `<resultsRoot>/<scenario>/`.
    public convenience init(resultsRoot: URL, scenario: String, shard: Shard? = nil) {
        self.init(directory: resultsRoot.appendingPathComponent(scenario), shard: shard)
    }

    /// Appends one record as one line. Thread-safe.
    public func append(_ record: RunRecord) throws {
        var line = try Self.encode(record)
        line.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        if !checkedTail {
            _ = try repairLocked()
            checkedTail = true
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try appendLocked(line, to: fileURL)
    }

    /// Truncates a partial or corrupted last line (and ends a complete last line that lacks its
    /// newline). Returns what was done, or nil if the file was fine.
    @discardableResult
    public func repair() throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        return try repairLocked()
    }

    private func repairLocked() throws -> String? {
        guard let data = FileManager.default.contents(atPath: fileURL.path) else { return nil }
        let parsed = try Self.parse(data, file: fileURL.path)
        if parsed.goodLength < data.count {
            guard truncate(fileURL.path, off_t(parsed.goodLength)) == 0 else { throw posixError("cannot truncate") }
            return "\(fileURL.path): removed \(data.count - parsed.goodLength) bytes after the last complete line"
                + (parsed.warning.map { " (\($0))" } ?? "")
        }
        if parsed.missingNewline {
            let fd = open(fileURL.path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else { throw posixError("cannot open for appending") }
            defer { close(fd) }
            var newline: UInt8 = 0x0A
            guard write(fd, &newline, 1) == 1, fsync(fd) == 0 else { throw posixError("cannot end the last line") }
            return "\(fileURL.path): added the missing newline after the last line"
        }
        return nil
    }

    /// This store's own file.
    public func loadOwnFile() throws -> LoadedResults {
        var out = LoadedResults()
        guard let data = FileManager.default.contents(atPath: fileURL.path) else { return out }
        let parsed = try Self.parse(data, file: fileURL.path)
        out.files = [fileURL]
        out.warnings = parsed.warning.map { [$0] } ?? []
        out.merge(parsed.records)
        return out
    }

    /// Every `runs*.jsonl` in the directory (all shards), merged.
    public func loadAll() throws -> LoadedResults { try Self.load(directory: directory) }

    /// Keys already in the directory (any shard's file), which a rerun skips.
    public func finishedKeys(retryFailed: Bool = false) throws -> Set<String> {
        try loadAll().finishedKeys(retryFailed: retryFailed)
    }

    /// The runs still to do: this shard's runs (all runs without a shard) minus finished ones. A
    /// recorded run counts as finished only when its fingerprint is the spec's (a changed spec is
    /// an `IdentityCheck` conflict, which `ScenarioRunner` refuses before this is asked).
    public func pendingRuns(_ runs: [RunSpec], shard: Shard? = nil, retryFailed: Bool = false) throws -> [RunSpec] {
        let records = try loadAll().records.filter { !retryFailed || $0.status == .ok }
        let done = Dictionary(records.map { ($0.key, $0.fingerprint) }, uniquingKeysWith: { a, _ in a })
        return (shard?.select(runs: runs) ?? runs).filter { done[$0.key] != $0.fingerprint }
    }

    /// The scenario against every record of the directory (all shards' files).
    public func checkIdentity(_ scenario: Scenario) throws -> IdentityCheck {
        IdentityCheck(scenario: scenario, records: try loadAll().records)
    }

    /// Moves every line of the directory's runs files whose key is in `keys` to `superseded.jsonl`
    /// (appended, so nothing is lost), rewriting each runs file whole (a temporary file, then a
    /// rename), and each moved run's training curve from `curves/` to `superseded/curves/` (a
    /// later curve of the same run replaces an earlier one there). Returns the number of lines moved. Not safe while other processes append to the
    /// same directory (shards of a running sweep): run it before starting them.
    @discardableResult
    public func supersede(keys: Set<String>) throws -> Int {
        guard !keys.isEmpty else { return 0 }
        lock.lock()
        defer { lock.unlock() }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var count = 0
        for name in names.sorted() where name.hasPrefix("runs") && name.hasSuffix(".jsonl") {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            var kept = Data(), moved = Data(), movedKeys: [String] = []
            for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
                let bytes = ArraySlice([UInt8](line))
                // A line that does not decode (an interrupted last write) moves too: it would
                // otherwise sit in the middle of the file once more lines are appended.
                let r = try? Self.decode(line: bytes)
                if r.map({ keys.contains($0.key) }) ?? !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    moved.append(contentsOf: bytes); moved.append(0x0A)
                    if let r { count += 1; movedKeys.append(r.key) }
                } else {
                    kept.append(contentsOf: bytes); kept.append(0x0A)
                }
            }
            guard !moved.isEmpty else { continue }
            // The superseded lines reach the disk before the runs file loses them.
            try appendLocked(moved, to: directory.appendingPathComponent("superseded.jsonl"))
            try kept.write(to: url, options: .atomic)
            try moveCurves(of: movedKeys)
        }
        checkedTail = false
        return count
    }

    /// `curves/<key>.jsonl` → `superseded/curves/<key>.jsonl`, for the runs that have one.
    private func moveCurves(of keys: [String]) throws {
        let fm = FileManager.default, curves = directory.appendingPathComponent("curves")
        let target = directory.appendingPathComponent("superseded/curves")
        for key in keys {
            let from = curves.appendingPathComponent("\(key).jsonl")
            guard fm.fileExists(atPath: from.path) else { continue }
            try fm.createDirectory(at: target, withIntermediateDirectories: true)
            let to = target.appendingPathComponent("\(key).jsonl")
            if fm.fileExists(atPath: to.path) { try fm.removeItem(at: to) }
            try fm.moveItem(at: from, to: to)
        }
    }

    /// Appends `data` whole with `O_APPEND` and fsyncs. Only a full disk or a signal interrupts a
    /// regular-file write: the rest is written after it, so the file stays line-aligned, or reported.
    private func appendLocked(_ data: Data, to url: URL) throws {
        guard !data.isEmpty else { return }
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot open \(url.path) for appending") }
        defer { close(fd) }
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw posixError("write to \(url.path) failed after \(offset) of \(data.count) bytes") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw posixError("fsync of \(url.path) failed") }
    }

    /// Keeps a verbatim copy of the scenario file beside the results (`scenario.json`), so the
    /// report can be regenerated with its settings from the directory alone.
    public func saveScenario(_ data: Data) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: directory.appendingPathComponent("scenario.json"), options: .atomic)
    }

    /// Loads and merges every `runs*.jsonl` in `directory`; a missing directory holds no records.
    public static func load(directory: URL) throws -> LoadedResults {
        var out = LoadedResults()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.sorted() where name.hasPrefix("runs") && name.hasSuffix(".jsonl") {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ResultStoreError(file: url.path, line: nil, message: "cannot read the file")
            }
            let parsed = try parse(data, file: url.path)
            out.files.append(url)
            if let w = parsed.warning { out.warnings.append(w) }
            out.merge(parsed.records)
        }
        return out
    }

    // MARK: Lines

    static func encode(_ record: RunRecord) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(record)
    }

    static func decode(line: ArraySlice<UInt8>) throws -> RunRecord {
        let json = try JSONParser.parse(Data(line))
        return try JSONTreeDecoder(nonConformingFloats: true).decode(RunRecord.self, from: json)
    }

    struct ParsedFile {
        var records: [RunRecord] = []
        /// A tolerated problem with the last line.
        var warning: String?
        /// Bytes up to and including the newline of the last good line.
        var goodLength = 0
        /// The last line is a complete record without its newline.
        var missingNewline = false
    }

    static func parse(_ data: Data, file: String) throws -> ParsedFile {
        let bytes = [UInt8](data)
        var out = ParsedFile()
        var start = 0, lineNumber = 0
        var lines: [(number: Int, range: Range<Int>, newline: Bool)] = []
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lines.append((lineNumber, start..<end, end < bytes.count))
            start = end + 1
        }
        let lastContent = lines.lastIndex { !isBlank(bytes[$0.range]) }
        for (i, line) in lines.enumerated() {
            let text = bytes[line.range]
            let lineEnd = line.range.upperBound + (line.newline ? 1 : 0)
            if isBlank(text) {
                if line.newline { out.goodLength = lineEnd }
                continue
            }
            do {
                out.records.append(try decode(line: text))
                out.goodLength = lineEnd
                if !line.newline { out.missingNewline = true }
            } catch {
                let reason = describe(error)
                guard i == lastContent else {
                    throw ResultStoreError(file: file, line: line.number, message: "not a valid run record (\(reason))")
                }
                out.warning = line.newline
                    ? "\(file): line \(line.number) is corrupted (\(reason)); ignored"
                    : "\(file): line \(line.number) is truncated (an interrupted write); ignored"
                break
            }
        }
        return out
    }

    private static func isBlank(_ s: ArraySlice<UInt8>) -> Bool { s.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }

    private static func describe(_ error: Error) -> String {
        switch error {
        case let e as JSONSyntaxError: return "invalid JSON at column \(e.column): \(e.message)"
        case let e as DecodingError:
            switch e {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
                return "\(renderPath(c.codingPath)): \(c.debugDescription)"
            case .keyNotFound(let k, let c):
                return "\(renderPath(c.codingPath + [PathKey(k.stringValue)])): missing required key"
            @unknown default: return "\(e)"
            }
        default: return "\(error)"
        }
    }

    private func posixError(_ what: String) -> ResultStoreError {
        ResultStoreError(file: fileURL.path, line: nil, message: "\(what): \(String(cString: strerror(errno)))")
    }
}
