import ZOTrain

extension TrainingConfiguration.OptimizerOptions {
    /// The optimizer these options describe, for `parameterCount` parameters.
    public func makeOptimizer(parameterCount: Int) -> any Optimizer {
        switch kind {
        case .sgd:
            return SGD(parameterCount: parameterCount, momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(weightDecay))
        case .adam:
            return Adam(parameterCount: parameterCount, beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon),
                        weightDecay: Float(weightDecay))
        }
    }
}

extension TrainingConfiguration {
    /// The learning-rate schedule of the run: warm-up, then the chosen schedule from the
    /// optimizer's initial rate.
    public func makeSchedule() -> any LearningRateSchedule {
        let base = Float(optimizer.learningRate)
        let main: any LearningRateSchedule
        switch schedule.kind {
        case .cosine:
            main = CosineSchedule(base: base, totalIterations: max(1, iterations - schedule.warmupIterations),
                                  minimum: base * Float(schedule.minimumFactor))
        case .step:
            main = StepSchedule(base: base, every: schedule.stepSize, factor: Float(schedule.gamma))
        case .constant:
            main = ConstantSchedule(base)
        }
        return schedule.warmupIterations > 0 ? WarmupSchedule(iterations: schedule.warmupIterations, then: main) : main
    }

    /// Whether the learning rate at an iteration depends on the total `iterations` (cosine decay):
    /// then a resumed run may not change `iterations`.
    public var scheduleDependsOnIterations: Bool { schedule.kind == .cosine }
}
