import Kernels

/// JSON decoding of model and training configs: absent fields take their defaults.

extension ModelConfig {
    enum CodingKeys: String, CodingKey { case layers, heads, width, vocabularySize, contextLength, mlp, rotaryBase }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(layers: try c.decode(Int.self, forKey: .layers),
                  heads: try c.decode(Int.self, forKey: .heads),
                  width: try c.decode(Int.self, forKey: .width))
        vocabularySize = try c.decode(.vocabularySize, default: vocabularySize)
        contextLength = try c.decode(.contextLength, default: contextLength)
        mlp = try c.decode(.mlp, default: mlp)
        rotaryBase = try c.decode(.rotaryBase, default: rotaryBase)
    }
}

extension TrainingConfig {
    enum CodingKeys: String, CodingKey {
        case batchWindows, peakLearningRate, warmupFraction, finalLearningRateRatio, weightDecay
        case beta1, beta2, epsilon, gradientClip
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
    }
}
