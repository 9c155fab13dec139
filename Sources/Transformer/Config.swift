/// Model and training configuration: small Codable value types, units in the names.

public enum MLPKind: String, Codable, Hashable, Sendable {
    case gelu          // GPT-2: d → 4d → d, GELU
    case quarter       // GPT2_{1/4}: d → d → d
    case none          // GPT2_0: attention only
}

/// `gpt2-L-H-W`: L layers, H heads, width W (W need not be 64·H for tiny CPU models).
public struct ModelConfig: Codable, Hashable, Sendable {
    public var layers: Int
    public var heads: Int
    public var width: Int
    public var vocabularySize: Int = 0          // set from the dataset's tokenizer when 0
    public var contextLength: Int = 128         // tokens the rotary tables cover
    public var mlp: MLPKind = .gelu
    public var rotaryBase: Float = 10_000

    public init(layers: Int, heads: Int, width: Int, vocabularySize: Int = 0,
                contextLength: Int = 128, mlp: MLPKind = .gelu) {
        self.layers = layers; self.heads = heads; self.width = width
        self.vocabularySize = vocabularySize; self.contextLength = contextLength; self.mlp = mlp
    }

    public var headDim: Int { width / heads }
    public var name: String { "gpt2-\(layers)-\(heads)-\(width)" + (mlp == .gelu ? "" : "-\(mlp.rawValue)") }
}

/// Optimizer and schedule. Steps follow from the stream's token count and `batchWindows`.
public struct TrainingConfig: Codable, Hashable, Sendable {
    public var batchWindows: Int = 8            // windows (of the context length) per optimizer step
    public var peakLearningRate: Float = 1e-2
    public var warmupFraction: Double = 0.02    // of all steps, linear from 0
    public var finalLearningRateRatio: Float = 0.1  // cosine decays to this × peak
    public var weightDecay: Float = 0.01        // decoupled; not on norms and biases
    public var beta1: Float = 0.9
    public var beta2: Float = 0.98
    public var epsilon: Float = 1e-8
    public var gradientClip: Float = 1.0        // global L2 norm; 0 disables
    public init() {}
}
