/// One flat parameter buffer and the named ranges inside it. Parameters, gradients and both Adam
/// moments share this layout, so the optimizer, the quantizer and checkpoints walk one buffer.

/// How a tensor starts (GPT-2's initialization).
public enum ParameterInit: Sendable, Hashable {
    case normal              // N(0, 0.02²): matrices and the embedding
    case residualProjection  // N(0, (0.02/√(2L))²): the projections that write the residual stream
    case ones                // LayerNorm weights
    case zeros               // biases
}

/// A named tensor inside the flat buffer.
public struct ParameterTensor: Hashable, Sendable {
    public let name: String
    public let offset: Int
    public let count: Int
    public let initialization: ParameterInit
    /// AdamW decays matrices and the embedding, not norms or biases.
    public var decays: Bool { initialization == .normal || initialization == .residualProjection }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// Offsets of one transformer block's tensors. Shapes (C = width, F = MLP hidden):
public struct LayerOffsets: Sendable {
    public var ln1Weight = 0, ln1Bias = 0        // [C]
    public var qkvWeight = 0, qkvBias = 0        // [3C × C], [3C]
    public var projWeight = 0, projBias = 0      // [C × C], [C]
    public var ln2Weight = 0, ln2Bias = 0        // [C]
    public var fcWeight = 0, fcBias = 0          // [F × C], [F]
    public var fcProjWeight = 0, fcProjBias = 0  // [C × F], [C]
}

public struct ParameterLayout: Sendable {
    public let config: ModelConfig
    public private(set) var tensors: [ParameterTensor] = []
    public private(set) var layers: [LayerOffsets] = []
    public private(set) var embedding = 0        // wte [V × C], tied with the output head
    public private(set) var lnfWeight = 0, lnfBias = 0   // [C]
    public private(set) var count = 0

    /// MLP hidden width F: 4C (GPT-2), C (quarter MLP), 0 (no MLP).
    public static func mlpHidden(_ c: ModelConfig) -> Int {
        switch c.mlp { case .gelu: return 4 * c.width; case .quarter: return c.width; case .none: return 0 }
    }

    public init(config: ModelConfig) {
        self.config = config
        let C = config.width, V = config.vocabularySize, F = Self.mlpHidden(config)
        embedding = add("embedding", V * C, .normal)
        for l in 0..<config.layers {
            var o = LayerOffsets()
            o.ln1Weight = add("layer[\(l)].ln1.weight", C, .ones)
            o.ln1Bias = add("layer[\(l)].ln1.bias", C, .zeros)
            o.qkvWeight = add("layer[\(l)].attention.qkv.weight", 3 * C * C, .normal)
            o.qkvBias = add("layer[\(l)].attention.qkv.bias", 3 * C, .zeros)
            o.projWeight = add("layer[\(l)].attention.proj.weight", C * C, .residualProjection)
            o.projBias = add("layer[\(l)].attention.proj.bias", C, .zeros)
            if F > 0 {
                o.ln2Weight = add("layer[\(l)].ln2.weight", C, .ones)
                o.ln2Bias = add("layer[\(l)].ln2.bias", C, .zeros)
                o.fcWeight = add("layer[\(l)].mlp.fc.weight", F * C, .normal)
                o.fcBias = add("layer[\(l)].mlp.fc.bias", F, .zeros)
                o.fcProjWeight = add("layer[\(l)].mlp.proj.weight", C * F, .residualProjection)
                o.fcProjBias = add("layer[\(l)].mlp.proj.bias", C, .zeros)
            }
            layers.append(o)
        }
        lnfWeight = add("lnf.weight", C, .ones)
        lnfBias = add("lnf.bias", C, .zeros)
    }

    private mutating func add(_ name: String, _ n: Int, _ initialization: ParameterInit) -> Int {
        let off = count
        tensors.append(ParameterTensor(name: name, offset: off, count: n, initialization: initialization))
        count += n
        return off
    }

    public func tensor(named name: String) -> ParameterTensor? { tensors.first { $0.name == name } }
}

/// Parameter counts both ways (science.md, "Parameter count").
public struct ParameterCount: Codable, Hashable, Sendable {
    /// Every parameter, the whole embedding included (tied head adds nothing).
    public var total: Int
    /// The paper's count: the embedding counts only the rows of tokens the data uses.
    /// For GPT-2 with width d and U used tokens: L·(12d² + 13d) + 2d + U·d.
    public var paper: Int

    public init(config: ModelConfig, usedTokens: Int) {
        let layout = ParameterLayout(config: config)
        total = layout.count
        paper = layout.count - (config.vocabularySize - usedTokens) * config.width
    }
}
