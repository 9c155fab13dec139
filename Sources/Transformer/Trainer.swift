import Foundation
import Kernels

/// A model, its optimizer and its schedule: one `step` = forward, backward, clip, AdamW update.
public final class Trainer {
    public let model: GPT
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    public let training: TrainingConfig
    public private(set) var stepsDone = 0

    /// With bf16 weights the initial weights are rounded too, so the model is bf16 throughout.
    public init(model: GPT, training: TrainingConfig, totalSteps: Int) {
        self.model = model
        self.training = training
        optimizer = AdamW(layout: model.layout, config: training)
        schedule = LearningRateSchedule(training, totalSteps: totalSteps)
        if training.weightPrecision == .bf16 { roundToBFloat16(model.params.pointer, count: model.params.count) }
    }

    /// Trains on one batch: inputs, targets [batch × T]. Returns the mean loss in nats/token
    /// (measured before the update; MoE's load-balancing loss is optimized but not included).
    @discardableResult
    public func step(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch: Int) -> Float {
        model.zeroGrads()
        let loss = model.forwardBackward(inputs: inputs, targets: targets, batch: batch)
        clipGradients(model.grads, maxNorm: training.gradientClip, threads: model.threads)
        optimizer.update(params: model.params, grads: model.grads,
                         learningRate: schedule.rate(at: stepsDone), threads: model.threads)
        stepsDone += 1
        return loss
    }

    /// Continues a run from a snapshot taken after `stepsDone` steps (the caller has restored the
    /// parameters and the optimizer's moments): the schedule and the optimizer go on from there.
    public func resume(stepsDone: Int, optimizerStep: Int) {
        self.stepsDone = stepsDone
        optimizer.resume(step: optimizerStep)
    }
}

/// Morris mode's stopping rule: training has saturated when the mean loss of the last `window`
/// steps is less than `minImprovementNats` below the mean of the `window` steps before them.
/// Feed every step's loss; a fixed ring of 2·window losses, so nothing allocates per step.
public struct PlateauDetector: Sendable {
    public let window: Int
    public let minImprovementNats: Double
    private var ringBuffer: [Double]
    private var seen = 0

    public init(window: Int, minImprovementNats: Double) {
        precondition(window > 0)
        self.window = window; self.minImprovementNats = minImprovementNats
        ringBuffer = [Double](repeating: 0, count: 2 * window)
    }

    /// Records one step's loss (nats/token); true once the loss has plateaued. Checked only at
    /// multiples of `window` steps, so consecutive checks compare disjoint windows.
    public mutating func record(_ lossNats: Double) -> Bool {
        ringBuffer[seen % ringBuffer.count] = lossNats
        seen += 1
        guard seen >= 2 * window, seen % window == 0 else { return false }
        var recent = 0.0, before = 0.0
        for i in 0..<window {
            recent += ringBuffer[(seen - 1 - i) % ringBuffer.count]
            before += ringBuffer[(seen - 1 - window - i) % ringBuffer.count]
        }
        return (before - recent) / Double(window) < minImprovementNats
    }

    /// The whole state, for a resumable snapshot: the ring of the last 2·window losses (nats/token)
    /// and how many losses were recorded.
    public var ring: [Double] { ringBuffer }
    public var recorded: Int { seen }

    /// Restores the state `ring` and `recorded` read from a detector of the same window.
    public mutating func restore(ring: [Double], recorded: Int) {
        precondition(ring.count == 2 * window && recorded >= 0, "plateau state of another window")
        ringBuffer = ring
        seen = recorded
    }

    /// Why training stopped, for the run's record.
    public var reason: String {
        String(format: "loss plateau: mean over the last %d steps improved by less than %g nats/token on the %d before",
               window, minImprovementNats, window)
    }
}
