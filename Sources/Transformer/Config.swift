import Coding

/// Model and training configuration: small Codable value types, units in the names.

public enum MLPKind: String, Codable, Hashable, Sendable, CaseIterable {
    case gelu          // GPT-2: d → 4d → d, GELU
    case quarter       // GPT2_{1/4}: d → d → d
    case none          // GPT2_0: attention only
    case gatedSiLU     // LLaMA: W3·(SiLU(W1 x) ⊙ W2 x), hidden round(8d/3), no biases: ≈ 8d² parameters
    case moe           // GPT2-MoE: `experts` GELU experts d → d → d, top-1 routing

    // Hidden width, tensors and buffers of each kind: MLP.swift.
}

/// Which normalization the blocks and the final norm use.
public enum NormKind: String, Codable, Hashable, Sendable, CaseIterable {
    case layer     // LayerNorm: (x − mean)/√(var + eps) · g (+ b)
    case rms       // RMSNorm (LLaMA): x/√(mean(x²) + eps) · g (+ b when normBias)
}

/// `gpt2-L-H-W`: L layers, H heads, width W (W need not be 64·H for tiny CPU models).
public struct ModelConfig: Hashable, Sendable {
    public var layers: Int
    public var heads: Int
    public var width: Int
    public var vocabularySize: Int = 0          // set from the dataset's tokenizer when 0
    public var contextLength: Int = 128         // tokens the rotary tables cover
    public var mlp: MLPKind = .gelu
    public var rotaryBase: Float = 10_000
    /// LayerNorms carry a bias (GPT-2); false = gain only (LLaMA's "LayerNorm without bias").
    public var normBias: Bool = true
    /// LayerNorm (GPT-2) or RMSNorm (LLaMA); eps 1e-5 either way.
    public var norm: NormKind = .layer
    /// The attention's qkv and output projections carry biases (GPT-2); false = none (LLaMA).
    public var attentionBias: Bool = true
    /// The output head is the input embedding (GPT-2); false = a separate [V × C] head matrix.
    public var tiedHead: Bool = true
    /// MoE only (mlp = moe): experts per layer, each d → d → d with GELU (the paper uses 32).
    public var experts: Int = 32
    /// MoE only: an expert takes at most ceil(factor · tokens / experts) tokens of a batch;
    /// the rest skip the MLP (residual only). The paper: 2 in training, 8 at test.
    public var trainingCapacityFactor: Float = 2
    public var evaluationCapacityFactor: Float = 8
    /// MoE only: weight of the Switch load-balancing loss E·Σ_e f_e·P_e, per layer.
    public var loadBalancingCoefficient: Float = 0.01

    public init(layers: Int, heads: Int, width: Int, vocabularySize: Int = 0,
                contextLength: Int = 128, mlp: MLPKind = .gelu) {
        self.layers = layers; self.heads = heads; self.width = width
        self.vocabularySize = vocabularySize; self.contextLength = contextLength; self.mlp = mlp
    }

    public var headDim: Int { width / heads }
    public var name: String { "gpt2-\(layers)-\(heads)-\(width)" + (mlp == .gelu ? "" : "-\(mlp.rawValue)") }
}

/// How weights are stored between optimizer steps.
public enum WeightPrecision: String, Codable, Hashable, Sendable, CaseIterable {
    case fp32
    /// Weights rounded to bfloat16 (round to nearest, ties to even) after every AdamW update;
    /// gradients, moments and arithmetic stay fp32.
    case bf16
}

/// Optimizer and schedule. Steps follow from the stream's token count and `batchWindows`.
public struct TrainingConfig: Hashable, Sendable {
    public var batchWindows: Int = 8            // windows (of the context length) per optimizer step
    public var peakLearningRate: Float = 1e-2
    public var warmupFraction: Double = 0.02    // of all steps, linear from 0
    public var finalLearningRateRatio: Float = 0.1  // cosine decays to this × peak
    public var weightDecay: Float = 0.01        // decoupled; not on norms and biases
    public var beta1: Float = 0.9
    public var beta2: Float = 0.98
    public var epsilon: Float = 1e-8
    public var gradientClip: Float = 1.0        // global L2 norm; 0 disables
    public var weightPrecision: WeightPrecision = .fp32
    /// Morris mode: stop when the mean training loss over the last `plateauSteps` steps is less
    /// than `plateauMinImprovementNats` below the mean of the `plateauSteps` before. 0 = never.
    public var plateauSteps: Int = 0
    public var plateauMinImprovementNats: Double = 1e-3
    public init() {}
}

// MARK: - Validation: the rules a config must meet to build and train without trapping

extension ModelConfig {
    /// Throws a `SpecError` naming the first field (prefixed by `prefix`) that cannot build a model.
    /// `vocabularySize` 0 is valid here: the dataset sets it before the model is built.
    public func validate(at prefix: String = "") throws {
        try requireCount(layers, prefix + "layers")
        try requireCount(heads, prefix + "heads")
        try requireCount(width, prefix + "width")
        try require(width % heads == 0, prefix + "width", expected: "a multiple of heads (\(heads))", found: "\(width)")
        // Rotary embedding rotates pairs of a head's dimensions.
        try require(headDim % 2 == 0, prefix + "width",
                    expected: "an even head size (width / heads; width \(width) / \(heads) heads is odd)", found: "\(width)")
        try require(vocabularySize >= 0, prefix + "vocabularySize", expected: "a non-negative integer", found: "\(vocabularySize)")
        try require(contextLength >= 2, prefix + "contextLength", expected: "an integer of at least 2", found: "\(contextLength)")
        try require(rotaryBase > 0, prefix + "rotaryBase", expected: "a positive number", found: fieldText(rotaryBase))
        try requireCount(experts, prefix + "experts")
        try require(trainingCapacityFactor > 0, prefix + "trainingCapacityFactor",
                    expected: "a positive number", found: fieldText(trainingCapacityFactor))
        try require(evaluationCapacityFactor > 0, prefix + "evaluationCapacityFactor",
                    expected: "a positive number", found: fieldText(evaluationCapacityFactor))
        try require(loadBalancingCoefficient >= 0, prefix + "loadBalancingCoefficient",
                    expected: "a non-negative number", found: fieldText(loadBalancingCoefficient))
    }
}

extension TrainingConfig {
    /// Throws a `SpecError` naming the first field (prefixed by `prefix`) the trainer cannot use.
    public func validate(at prefix: String = "") throws {
        func inUnit(_ v: Double, closed: Bool) -> Bool { v >= 0 && (closed ? v <= 1 : v < 1) }
        try requireCount(batchWindows, prefix + "batchWindows")
        try require(peakLearningRate > 0, prefix + "peakLearningRate", expected: "a positive number", found: fieldText(peakLearningRate))
        try require(inUnit(warmupFraction, closed: false), prefix + "warmupFraction",
                    expected: "a number in [0, 1)", found: fieldText(warmupFraction))
        try require(inUnit(Double(finalLearningRateRatio), closed: true), prefix + "finalLearningRateRatio",
                    expected: "a number in [0, 1]", found: fieldText(finalLearningRateRatio))
        try require(weightDecay >= 0, prefix + "weightDecay", expected: "a non-negative number", found: fieldText(weightDecay))
        try require(inUnit(Double(beta1), closed: false), prefix + "beta1", expected: "a number in [0, 1)", found: fieldText(beta1))
        try require(inUnit(Double(beta2), closed: false), prefix + "beta2", expected: "a number in [0, 1)", found: fieldText(beta2))
        try require(epsilon > 0, prefix + "epsilon", expected: "a positive number", found: fieldText(epsilon))
        try require(gradientClip >= 0, prefix + "gradientClip",
                    expected: "a non-negative number (0 disables clipping)", found: fieldText(gradientClip))
        try require(plateauSteps >= 0, prefix + "plateauSteps",
                    expected: "a non-negative integer (0: never stop early)", found: "\(plateauSteps)")
        try require(plateauMinImprovementNats >= 0, prefix + "plateauMinImprovementNats",
                    expected: "a non-negative number", found: fieldText(plateauMinImprovementNats))
    }
}
