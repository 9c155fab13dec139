import Kernels

/// A model, its optimizer and its schedule: one `step` = forward, backward, clip, AdamW update.
public final class Trainer {
    public let model: GPT
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    public let training: TrainingConfig
    public private(set) var stepsDone = 0

    public init(model: GPT, training: TrainingConfig, totalSteps: Int) {
        self.model = model
        self.training = training
        optimizer = AdamW(layout: model.layout, config: training)
        schedule = LearningRateSchedule(training, totalSteps: totalSteps)
    }

    /// Trains on one batch: inputs, targets [batch × T]. Returns the mean loss in nats/token
    /// (measured before the update).
    @discardableResult
    public func step(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, batch: Int) -> Float {
        model.zeroGrads()
        let loss = model.forward(inputs: inputs, targets: targets, batch: batch)
        model.backward()
        clipGradients(model.grads, maxNorm: training.gradientClip, threads: model.threads)
        optimizer.update(params: model.params, grads: model.grads,
                         learningRate: schedule.rate(at: stepsDone), threads: model.threads)
        stepsDone += 1
        return loss
    }
}
