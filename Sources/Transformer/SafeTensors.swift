import Foundation

/// The safetensors format (Hugging Face), F32 only: an 8-byte little-endian UInt64 header length
/// n, n bytes of UTF-8 JSON (padded with spaces to a multiple of 8), then the raw little-endian
/// data. The header maps each tensor's name to `{"dtype": "F32", "shape": [...],
/// "data_offsets": [begin, end]}`, offsets in bytes from the start of the data; the tensors tile
/// the data with no gap. An optional `"__metadata__"` holds string-to-string pairs.

/// One row-major F32 tensor of a safetensors file.
public struct SafeTensor: Hashable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) holds \(shape.reduce(1, *)) values, not \(values.count)")
        self.name = name; self.shape = shape; self.values = values
    }
}

public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ file: String, _ why: String) { description = "\(file): not a valid F32 safetensors file: \(why)" }
}

/// The file's bytes: tensors in the order given, each right after the one before.
public func safeTensorsData(_ tensors: [SafeTensor], metadata: [String: String] = [:]) throws -> Data {
    func quoted(_ s: String) throws -> String { String(decoding: try JSONEncoder().encode(s), as: UTF8.self) }
    var entries: [String] = []
    if !metadata.isEmpty {
        let pairs = try metadata.keys.sorted().map { "\(try quoted($0)):\(try quoted(metadata[$0]!))" }
        entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for t in tensors {
        let bytes = t.values.count * 4
        entries.append("\(try quoted(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
                       + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
        offset += bytes
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for t in tensors {
        t.values.withUnsafeBufferPointer { p in
            for v in p { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
    }
    return data
}

public func writeSafeTensors(_ tensors: [SafeTensor], metadata: [String: String] = [:], to path: String) throws {
    try safeTensorsData(tensors, metadata: metadata).write(to: URL(fileURLWithPath: path), options: .atomic)
}

/// Reads an F32 safetensors file back, tensors in data order, and checks what a loader checks:
/// the header length, the JSON, each shape against its byte range, and that the ranges tile the
/// data exactly.
public func readSafeTensors(_ data: Data, file: String) throws -> (tensors: [SafeTensor], metadata: [String: String]) {
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw SafeTensorsError(file, "shorter than its 8-byte header length") }
    let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    guard n <= bytes.count - 8 else { throw SafeTensorsError(file, "header length \(n) runs past the end (\(bytes.count) bytes)") }
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any] else {
        throw SafeTensorsError(file, "the header is not a JSON object")
    }
    let body = bytes.count - 8 - n
    var metadata: [String: String] = [:]
    var found: [(begin: Int, tensor: SafeTensor)] = []
    for (name, value) in object {
        if name == "__metadata__" {
            guard let m = value as? [String: String] else { throw SafeTensorsError(file, "__metadata__ is not string to string") }
            metadata = m
            continue
        }
        guard let e = value as? [String: Any], e["dtype"] as? String == "F32",
              let shape = e["shape"] as? [Int], let range = e["data_offsets"] as? [Int], range.count == 2 else {
            throw SafeTensorsError(file, "\(name): expected dtype F32, a shape and two data_offsets")
        }
        let (begin, end) = (range[0], range[1])
        guard 0 <= begin, begin <= end, end <= body, end - begin == 4 * shape.reduce(1, *) else {
            throw SafeTensorsError(file, "\(name): data_offsets [\(begin), \(end)] do not hold shape \(shape) inside \(body) data bytes")
        }
        let start = 8 + n + begin
        let values = (0..<(shape.reduce(1, *))).map { i -> Float in
            let b = start + 4 * i
            return Float(bitPattern: UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24)
        }
        found.append((begin, SafeTensor(name: name, shape: shape, values: values)))
    }
    found.sort { $0.begin < $1.begin }
    var next = 0
    for f in found {
        guard f.begin == next else { throw SafeTensorsError(file, "\(f.tensor.name) starts at byte \(f.begin), expected \(next) (gap or overlap)") }
        next += 4 * f.tensor.values.count
    }
    guard next == body else { throw SafeTensorsError(file, "the tensors cover \(next) of \(body) data bytes") }
    return (found.map(\.tensor), metadata)
}
