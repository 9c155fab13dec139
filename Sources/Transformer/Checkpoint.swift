import Foundation
import Kernels

/// A checkpoint file: the magic "CAPCKPT1", a UInt32 little-endian header length, a JSON header
/// (model config, steps trained, parameter count, free-form metadata), then the flat parameter
/// buffer as little-endian Float32.
public struct CheckpointHeader: Codable, Sendable {
    public var model: ModelConfig
    public var parameterCount: Int
    public var steps: Int
    public var metadata: [String: String]
    public init(model: ModelConfig, parameterCount: Int, steps: Int, metadata: [String: String] = [:]) {
        self.model = model; self.parameterCount = parameterCount; self.steps = steps; self.metadata = metadata
    }
}

public enum CheckpointError: Error, CustomStringConvertible {
    case notACheckpoint(String), corrupt(String, String)
    public var description: String {
        switch self {
        case .notACheckpoint(let f): return "\(f): not a capacity checkpoint (expected magic CAPCKPT1)"
        case .corrupt(let f, let why): return "\(f): corrupt checkpoint: \(why)"
        }
    }
}

private let checkpointMagic = Array("CAPCKPT1".utf8)

public func saveCheckpoint(_ model: GPT, steps: Int, metadata: [String: String] = [:], to path: String) throws {
    let header = CheckpointHeader(model: model.config, parameterCount: model.layout.count, steps: steps, metadata: metadata)
    let json = try JSONEncoder().encode(header)
    var data = Data(checkpointMagic)
    withUnsafeBytes(of: UInt32(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    data.append(Data(bytes: model.params.pointer, count: model.layout.count * 4))
    let tmp = path + ".tmp"
    try data.write(to: URL(fileURLWithPath: tmp))
    _ = try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: tmp, toPath: path)
}

/// Reads a checkpoint into a new model (single window batch unless `maxBatch` says otherwise).
public func loadCheckpoint(_ path: String, maxBatch: Int = 1, threads: Int = 1) throws -> (GPT, CheckpointHeader) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard data.count >= 12, Array(data.prefix(8)) == checkpointMagic else { throw CheckpointError.notACheckpoint(path) }
    let len = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
    guard data.count >= 12 + len else { throw CheckpointError.corrupt(path, "header truncated") }
    let header: CheckpointHeader
    do { header = try JSONDecoder().decode(CheckpointHeader.self, from: data.subdata(in: 12..<(12 + len))) }
    catch { throw CheckpointError.corrupt(path, "header is not valid JSON: \(error)") }
    let model = GPT(config: header.model, maxBatch: maxBatch, seed: 0, threads: threads)
    guard header.parameterCount == model.layout.count else {
        throw CheckpointError.corrupt(path, "header says \(header.parameterCount) parameters, config implies \(model.layout.count)")
    }
    let body = data.count - 12 - len
    guard body == model.layout.count * 4 else {
        throw CheckpointError.corrupt(path, "expected \(model.layout.count * 4) bytes of parameters, found \(body)")
    }
    data.withUnsafeBytes { raw in
        let src = raw.baseAddress! + 12 + len
        memcpy(model.params.pointer, src, body)
    }
    return (model, header)
}
