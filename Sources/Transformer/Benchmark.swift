import Foundation
import Kernels

/// Training throughput of one configuration on random tokens: forward + backward + AdamW per step.
public struct TrainingBenchmark: Codable, Sendable {
    public var name: String
    public var layers: Int, heads: Int, width: Int, vocabulary: Int, context: Int, batch: Int
    public var threads: Int
    public var steps: Int
    public var seconds: Double
    public var tokensPerSecond: Double
    /// FLOPs counted per token: 6·(L·12·C² + V·C) for the matmuls of forward and backward, plus
    /// 6·L·C·(T+1) for causal attention.
    public var flopsPerToken: Double
    public var gflops: Double
    public var peakGFLOPS: Double
    /// Width of the FMAs the peak was measured with (the build's widest vectors), bits.
    public var peakFMABits: Int
    public var percentOfPeak: Double { 100 * gflops / peakGFLOPS }

    enum CodingKeys: String, CodingKey {
        case name, layers, heads, width, vocabulary, context, batch, threads, steps, seconds
        case tokensPerSecond = "tokens_per_s", flopsPerToken = "flops_per_token", gflops
        case peakGFLOPS = "peak_gflops", peakFMABits = "peak_fma_bits"
    }
}

public func flopsPerToken(_ c: ModelConfig) -> Double {
    let L = Double(c.layers), C = Double(c.width), V = Double(c.vocabularySize), T = Double(c.contextLength)
    return 6 * (L * 12 * C * C + V * C) + 6 * L * C * (T + 1)
}

/// Trains `config` for `warmupSteps` untimed and then at least `steps` timed steps on random
/// tokens, more until `minimumSeconds` have passed (tiny shapes take microseconds a step).
public func benchmarkTraining(_ config: ModelConfig, batch: Int, steps: Int, warmupSteps: Int = 2,
                              minimumSeconds: Double = 0, threads: Int, peakGFLOPS: Double) -> TrainingBenchmark {
    let model = GPT(config: config, maxBatch: batch, seed: 1, threads: threads)
    // The schedule's length only shapes the learning rate, not the cost of a step.
    let trainer = Trainer(model: model, training: TrainingConfig(), totalSteps: 1_000_000)
    let n = batch * config.contextLength
    var rng = SeededGenerator(seed: 2)
    let inputs = (0..<n).map { _ in Int32(rng.nextInt(below: config.vocabularySize)) }
    let targets = (0..<n).map { _ in Int32(rng.nextInt(below: config.vocabularySize)) }
    for _ in 0..<warmupSteps { trainer.step(inputs: inputs, targets: targets, batch: batch) }
    let start = DispatchTime.now().uptimeNanoseconds
    var done = 0, seconds = 0.0
    while done < steps || seconds < minimumSeconds {
        trainer.step(inputs: inputs, targets: targets, batch: batch)
        done += 1
        seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    let tps = Double(done * n) / seconds
    let fpt = flopsPerToken(config)
    return TrainingBenchmark(name: config.name, layers: config.layers, heads: config.heads, width: config.width,
                             vocabulary: config.vocabularySize, context: config.contextLength, batch: batch,
                             threads: threads, steps: done, seconds: seconds, tokensPerSecond: tps,
                             flopsPerToken: fpt, gflops: tps * fpt / 1e9, peakGFLOPS: peakGFLOPS, peakFMABits: fmaVectorBits)
}
