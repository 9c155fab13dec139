import Kernels
import Coding

/// JSON coding of model and training configs: absent fields take their defaults, and the fields
/// added after the first results (norms, head, MoE, precision, plateau) are written only when
/// they differ from their defaults, so existing runs' specs, keys and result lines are unchanged.

extension ModelConfig: Codable {
    /// The keys that only a mixture of experts reads.
    public static let mixtureKeys = ["experts", "trainingCapacityFactor", "evaluationCapacityFactor", "loadBalancingCoefficient"]

    enum CodingKeys: String, CodingKey {
        case layers, heads, width, vocabularySize, contextLength, mlp, rotaryBase
        case norm, attentionBias, normBias, tiedHead, experts, trainingCapacityFactor, evaluationCapacityFactor, loadBalancingCoefficient
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(layers: try c.decode(Int.self, forKey: .layers),
                  heads: try c.decode(Int.self, forKey: .heads),
                  width: try c.decode(Int.self, forKey: .width))
        vocabularySize = try c.decode(.vocabularySize, default: vocabularySize)
        contextLength = try c.decode(.contextLength, default: contextLength)
        mlp = try c.decode(.mlp, default: mlp)
        rotaryBase = try c.decode(.rotaryBase, default: rotaryBase)
        norm = try c.decode(.norm, default: norm)
        attentionBias = try c.decode(.attentionBias, default: attentionBias)
        normBias = try c.decode(.normBias, default: normBias)
        tiedHead = try c.decode(.tiedHead, default: tiedHead)
        experts = try c.decode(.experts, default: experts)
        trainingCapacityFactor = try c.decode(.trainingCapacityFactor, default: trainingCapacityFactor)
        evaluationCapacityFactor = try c.decode(.evaluationCapacityFactor, default: evaluationCapacityFactor)
        loadBalancingCoefficient = try c.decode(.loadBalancingCoefficient, default: loadBalancingCoefficient)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfig(layers: 0, heads: 0, width: 0)
        try c.encode(layers, forKey: .layers)
        try c.encode(heads, forKey: .heads)
        try c.encode(width, forKey: .width)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(contextLength, forKey: .contextLength)
        try c.encode(mlp, forKey: .mlp)
        try c.encode(rotaryBase, forKey: .rotaryBase)
        if norm != d.norm { try c.encode(norm, forKey: .norm) }
        if attentionBias != d.attentionBias { try c.encode(attentionBias, forKey: .attentionBias) }
        if normBias != d.normBias { try c.encode(normBias, forKey: .normBias) }
        if tiedHead != d.tiedHead { try c.encode(tiedHead, forKey: .tiedHead) }
        if experts != d.experts { try c.encode(experts, forKey: .experts) }
        if trainingCapacityFactor != d.trainingCapacityFactor { try c.encode(trainingCapacityFactor, forKey: .trainingCapacityFactor) }
        if evaluationCapacityFactor != d.evaluationCapacityFactor { try c.encode(evaluationCapacityFactor, forKey: .evaluationCapacityFactor) }
        if loadBalancingCoefficient != d.loadBalancingCoefficient { try c.encode(loadBalancingCoefficient, forKey: .loadBalancingCoefficient) }
    }
}

extension TrainingConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case batchWindows, peakLearningRate, warmupFraction, finalLearningRateRatio, weightDecay
        case beta1, beta2, epsilon, gradientClip, weightPrecision, plateauSteps, plateauMinImprovementNats
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        batchWindows = try c.decode(.batchWindows, default: batchWindows)
        peakLearningRate = try c.decode(.peakLearningRate, default: peakLearningRate)
        warmupFraction = try c.decode(.warmupFraction, default: warmupFraction)
        finalLearningRateRatio = try c.decode(.finalLearningRateRatio, default: finalLearningRateRatio)
        weightDecay = try c.decode(.weightDecay, default: weightDecay)
        beta1 = try c.decode(.beta1, default: beta1)
        beta2 = try c.decode(.beta2, default: beta2)
        epsilon = try c.decode(.epsilon, default: epsilon)
        gradientClip = try c.decode(.gradientClip, default: gradientClip)
        weightPrecision = try c.decode(.weightPrecision, default: weightPrecision)
        plateauSteps = try c.decode(.plateauSteps, default: plateauSteps)
        plateauMinImprovementNats = try c.decode(.plateauMinImprovementNats, default: plateauMinImprovementNats)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let d = TrainingConfig()
        try c.encode(batchWindows, forKey: .batchWindows)
        try c.encode(peakLearningRate, forKey: .peakLearningRate)
        try c.encode(warmupFraction, forKey: .warmupFraction)
        try c.encode(finalLearningRateRatio, forKey: .finalLearningRateRatio)
        try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(beta1, forKey: .beta1)
        try c.encode(beta2, forKey: .beta2)
        try c.encode(epsilon, forKey: .epsilon)
        try c.encode(gradientClip, forKey: .gradientClip)
        if weightPrecision != d.weightPrecision { try c.encode(weightPrecision, forKey: .weightPrecision) }
        if plateauSteps != d.plateauSteps { try c.encode(plateauSteps, forKey: .plateauSteps) }
        if plateauMinImprovementNats != d.plateauMinImprovementNats { try c.encode(plateauMinImprovementNats, forKey: .plateauMinImprovementNats) }
    }
}
