import Foundation

/// The learning rate as a function of the iteration (0-based).
public protocol LearningRateSchedule: Sendable {
    /// The learning rate of iteration `iteration` (0-based).
    func rate(at iteration: Int) -> Float
}

/// A fixed learning rate.
public struct ConstantSchedule: LearningRateSchedule {
    public var rate: Float
    /// The constant `rate`.
    public init(_ rate: Float) { self.rate = rate }
    public func rate(at iteration: Int) -> Float { rate }
}

/// Cosine annealing from `base` to `minimum` over `totalIterations` (then stays at `minimum`):
/// lr(t) = min + ½ (base − min)(1 + cos(π t / T)).
public struct CosineSchedule: LearningRateSchedule {
    /// Start rate, final rate and the iterations `T` of the annealing.
    public var base: Float, minimum: Float, totalIterations: Int
    /// Cosine from `base` to `minimum` over `totalIterations` (≥ 1).
    public init(base: Float, totalIterations: Int, minimum: Float = 0) {
        precondition(totalIterations >= 1)
        self.base = base; self.minimum = minimum; self.totalIterations = totalIterations
    }
    public func rate(at iteration: Int) -> Float {
        let t = Double(min(max(iteration, 0), totalIterations)) / Double(totalIterations)
        return minimum + Float(0.5 * (1 + cos(Double.pi * t))) * (base - minimum)
    }
}

/// Step decay: lr(t) = base · factor^⌊t / every⌋.
public struct StepSchedule: LearningRateSchedule {
    /// Start rate, the decay period in iterations and the factor per period.
    public var base: Float, every: Int, factor: Float
    /// `base · factor^⌊t / every⌋` (`every` ≥ 1).
    public init(base: Float, every: Int, factor: Float = 0.1) {
        precondition(every >= 1)
        self.base = base; self.every = every; self.factor = factor
    }
    public func rate(at iteration: Int) -> Float { base * Float(pow(Double(factor), Double(max(iteration, 0) / every))) }
}

/// Linear warm-up over the first `iterations` (from lr/iterations up to the wrapped schedule's
/// value), then the wrapped schedule, shifted so it starts after the warm-up.
public struct WarmupSchedule: LearningRateSchedule {
    /// Warm-up iterations.
    public var iterations: Int
    /// The schedule that follows the warm-up.
    public var schedule: any LearningRateSchedule
    /// Linear warm-up over `iterations`, then `schedule`.
    public init(iterations: Int, then schedule: any LearningRateSchedule) {
        self.iterations = iterations; self.schedule = schedule
    }
    public func rate(at iteration: Int) -> Float {
        if iteration < iterations { return schedule.rate(at: 0) * Float(iteration + 1) / Float(iterations) }
        return schedule.rate(at: iteration - iterations)
    }
}
