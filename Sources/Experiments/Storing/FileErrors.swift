import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file problem found before Foundation could report it in its own words.
struct FileProblem: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// Checks that `dir` is a directory or can be made one (with its parents).
func makeDirectory(_ dir: URL) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), !isDirectory.boolValue {
        throw FileProblem(reason: "\(dir.path) is a file, not a directory")
    }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
}

/// A file error in plain words: the POSIX reason (`No space left on device`, `Not a directory`)
/// when Foundation wraps one, else its own description.
func plainReason(_ error: Error) -> String {
    if let p = error as? FileProblem { return p.reason }
    let e = error as NSError
    if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
    if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    if e.domain == NSCocoaErrorDomain {
        switch CocoaError.Code(rawValue: e.code) {
        case .fileWriteOutOfSpace: return "no space left on device"
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteFileExists: return "a file is in the way"
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        default: break
        }
    }
    return e.localizedDescription
}
