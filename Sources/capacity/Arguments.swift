import Foundation

/// A command's arguments: positionals, `--flag value` options and `--switch` booleans.
/// Unknown options are errors, so a typo never silently does the default.
struct Arguments {
    var positionals: [String] = []
    var options: [String: String] = [:]
    var switches: Set<String> = []

    /// `valued`: options that take a value; `flags`: boolean switches.
    init(_ args: [String], valued: Set<String>, flags: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2)), inline: String? = nil
                if let eq = name.firstIndex(of: "=") { inline = String(name[name.index(after: eq)...]); name = String(name[..<eq]) }
                if flags.contains(name) { switches.insert(name) }
                else if valued.contains(name) {
                    if let v = inline { options[name] = v }
                    else {
                        guard i + 1 < args.count else { throw CLIError("option --\(name) needs a value") }
                        options[name] = args[i + 1]; i += 1
                    }
                } else { throw CLIError("unknown option --\(name)") }
            } else if a == "-h" { switches.insert("help") }
            else { positionals.append(a) }
            i += 1
        }
    }

    /// An integer option within `range` (the default is not checked). Every integer option goes
    /// through here, so no value, however large or negative, reaches code that could trap on it.
    func int(_ name: String, default d: Int, in range: ClosedRange<Int>, what: String? = nil) throws -> Int {
        guard let s = options[name] else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw CLIError("--\(name): expected \(Self.describe(range))\(what.map { ", " + $0 } ?? ""), found \"\(s)\"")
        }
        return v
    }

    /// A seed: any UInt64, 0 ... 18446744073709551615.
    func seed(_ name: String, default d: UInt64) throws -> UInt64 {
        guard let s = options[name] else { return d }
        guard let v = UInt64(s) else {
            throw CLIError("--\(name): expected an integer from 0 to \(UInt64.max), found \"\(s)\"")
        }
        return v
    }

    static func describe(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return r.lowerBound == 1 ? "a positive integer" : "an integer of at least \(r.lowerBound)" }
        return "an integer from \(r.lowerBound) to \(r.upperBound)"
    }
}

/// The most threads or cores an option accepts (far above any machine; a guard against typos).
let maximumThreads = 4096

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The directory at `path` (a results/<scenario> directory), or the one-line error every
/// command that reads results gives when it is not a directory.
func resultsDirectory(_ path: String) throws -> URL {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
        throw CLIError("\(path): no such results directory")
    }
    return URL(fileURLWithPath: path)
}

/// Writes to stderr (progress and errors never mix with results on stdout).
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
