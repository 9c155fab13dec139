/// One flat parameter buffer and the named ranges inside it. Parameters, gradients and both Adam
/// moments share this layout, so the optimizer, the quantizer and checkpoints walk one buffer.
/// The layout follows the config: each block holds the tensors its attention and its MLP kind
/// need, in the order they are initialized (which fixes every random draw of the init).

/// How a tensor starts (GPT-2's initialization).
public enum ParameterInit: Sendable, Hashable {
    case normal              // N(0, 0.02²): matrices and the embedding
    case residualProjection  // N(0, (0.02/√(2L))²): the projections that write the residual stream
    case ones                // LayerNorm weights
    case zeros               // biases
}

/// A named tensor inside the flat buffer: `rows` × `columns` (a vector has one row).
public struct ParameterTensor: Hashable, Sendable {
    public let name: String
    public let offset: Int
    public let rows: Int
    public let columns: Int
    public let initialization: ParameterInit
    public var count: Int { rows * columns }
    /// AdamW decays matrices and the embedding, not norms or biases.
    public var decays: Bool { initialization == .normal || initialization == .residualProjection }
    /// The weight matrices (embedding and head included): what quantization rounds.
    public var isMatrix: Bool { decays }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// A linear layer y = x·Wᵀ + b: weight [out × in] at `weight`, bias [out] at `bias` (nil: none).
public struct LinearOffsets: Sendable {
    public var weight = 0
    public var bias: Int? = nil
    public var inFeatures = 0, outFeatures = 0
}

/// A LayerNorm or RMSNorm (`kind`): gain [C] at `weight`, bias [C] at `bias` (nil: gain only).
public struct NormOffsets: Sendable {
    public var weight = 0
    public var bias: Int? = nil
    public var kind: NormKind = .layer
}

/// One MLP's tensors, by kind (C = width, F = hidden, E = experts):
/// gelu, quarter: fc [F × C] + [F], proj [C × F] + [C];
/// gatedSiLU: gate W1 [F × C], up W2 [F × C], down W3 [C × F], no biases;
/// moe: router [E × C] (no bias), then per expert fc [C × C] + [C], proj [C × C] + [C].
public struct MLPOffsets: Sendable {
    public var fc = LinearOffsets(), proj = LinearOffsets()
    public var gate = LinearOffsets(), up = LinearOffsets(), down = LinearOffsets()
    public var router = LinearOffsets()
    public var experts: [(fc: LinearOffsets, proj: LinearOffsets)] = []
}

/// Offsets of one transformer block's tensors.
public struct LayerOffsets: Sendable {
    public var ln1 = NormOffsets()
    public var qkv = LinearOffsets()             // [3C × C] + [3C]
    public var proj = LinearOffsets()            // [C × C] + [C]
    public var ln2: NormOffsets? = nil           // nil without an MLP
    public var mlp: MLPOffsets? = nil
}

public struct ParameterLayout: Sendable {
    public let config: ModelConfig
    public private(set) var tensors: [ParameterTensor] = []
    public private(set) var layers: [LayerOffsets] = []
    public private(set) var embedding = 0        // wte [V × C]
    public private(set) var lnf = NormOffsets()  // [C]
    /// The output head [V × C]: the embedding when tied.
    public private(set) var head = 0
    public private(set) var count = 0

    /// MLP hidden width F (`MLPKind.hidden(width:)`).
    public static func mlpHidden(_ c: ModelConfig) -> Int { c.mlp.hidden(width: c.width) }

    public init(config: ModelConfig) {
        self.config = config
        let C = config.width, V = config.vocabularySize
        embedding = add("embedding", V, C, .normal)
        for l in 0..<config.layers {
            let n = "layer[\(l)]"
            var o = LayerOffsets()
            o.ln1 = norm("\(n).ln1", C)
            o.qkv = linear("\(n).attention.qkv", in: C, out: 3 * C, bias: config.attentionBias, .normal)
            o.proj = linear("\(n).attention.proj", in: C, out: C, bias: config.attentionBias, .residualProjection)
            if config.mlp != .none {
                o.ln2 = norm("\(n).ln2", C)
                o.mlp = config.mlp.offsets(config, name: "\(n).mlp") { linear($0, in: $1, out: $2, bias: $3, $4) }
            }
            layers.append(o)
        }
        lnf = norm("lnf", C)
        head = config.tiedHead ? embedding : add("head", V, C, .normal)
    }

    private mutating func norm(_ name: String, _ C: Int) -> NormOffsets {
        NormOffsets(weight: add("\(name).weight", 1, C, .ones), bias: config.normBias ? add("\(name).bias", 1, C, .zeros) : nil,
                    kind: config.norm)
    }

    private mutating func linear(_ name: String, in i: Int, out o: Int, bias: Bool, _ initialization: ParameterInit) -> LinearOffsets {
        let w = add("\(name).weight", o, i, initialization)
        return LinearOffsets(weight: w, bias: bias ? add("\(name).bias", 1, o, .zeros) : nil, inFeatures: i, outFeatures: o)
    }

    private mutating func add(_ name: String, _ rows: Int, _ columns: Int, _ initialization: ParameterInit) -> Int {
        let off = count
        tensors.append(ParameterTensor(name: name, offset: off, rows: rows, columns: columns, initialization: initialization))
        count += rows * columns
        return off
    }

    public func tensor(named name: String) -> ParameterTensor? { tensors.first { $0.name == name } }
}

/// Parameter counts both ways (science.md, "Parameter count").
public struct ParameterCount: Codable, Hashable, Sendable {
    /// Every parameter, the whole embedding (and an untied head) included; every expert of a
    /// mixture counts, not only the one a token uses.
    public var total: Int
    /// The paper's count: the embedding counts only the rows of tokens the data uses (so does an
    /// untied head: a row for a token that never occurs holds nothing learned).
    /// For GPT-2 with width d and U used tokens: L·(12d² + 13d) + 2d + U·d.
    public var paper: Int

    public init(config: ModelConfig, usedTokens: Int) {
        let layout = ParameterLayout(config: config)
        total = layout.count
        let unusedRows = (config.vocabularySize - usedTokens) * (config.tiedHead ? 1 : 2)
        paper = layout.count - unusedRows * config.width
    }
}
