/// A fixed-size, zero-initialized float buffer allocated once (64-byte aligned) and freed with its
/// owner. Hot loops take its raw pointer; nothing here allocates after `init`.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }
}

/// Writes `bias` [width] into every row of out [rows × ld] (a linear layer's output starts as its
/// bias; the matmul then accumulates).
public func broadcastRows(_ bias: UnsafePointer<Float>, rows: Int, width: Int, ld: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { (out + r * ld).update(from: bias, count: width) }
}
