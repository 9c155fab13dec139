/// JSON decoding of model and training configs: absent fields take their defaults.

extension KeyedDecodingContainer {
    @inlinable
    func decodeOr<T: Decodable>(_ key: Key, _ fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension ModelConfig {
    enum CodingKeys: String, CodingKey { case layers, heads, width, vocabularySize, contextLength, mlp, rotaryBase }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(layers: try c.decode(Int.self, forKey: .layers),
                  heads: try c.decode(Int.self, forKey: .heads),
                  width: try c.decode(Int.self, forKey: .width))
        vocabularySize = try c.decodeOr(.vocabularySize, vocabularySize)
        contextLength = try c.decodeOr(.contextLength, contextLength)
        mlp = try c.decodeOr(.mlp, mlp)
        rotaryBase = try c.decodeOr(.rotaryBase, rotaryBase)
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
        batchWindows = try c.decodeOr(.batchWindows, batchWindows)
        peakLearningRate = try c.decodeOr(.peakLearningRate, peakLearningRate)
        warmupFraction = try c.decodeOr(.warmupFraction, warmupFraction)
        finalLearningRateRatio = try c.decodeOr(.finalLearningRateRatio, finalLearningRateRatio)
        weightDecay = try c.decodeOr(.weightDecay, weightDecay)
        beta1 = try c.decodeOr(.beta1, beta1)
        beta2 = try c.decodeOr(.beta2, beta2)
        epsilon = try c.decodeOr(.epsilon, epsilon)
        gradientClip = try c.decodeOr(.gradientClip, gradientClip)
    }
}
