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

    func int(_ name: String, default d: Int) throws -> Int {
        guard let s = options[name] else { return d }
        guard let v = Int(s) else { throw CLIError("--\(name): expected an integer, found \"\(s)\"") }
        return v
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Writes to stderr (progress and errors never mix with results on stdout).
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
