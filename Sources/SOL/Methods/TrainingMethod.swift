import Corrector

/// The loss and gradient one training method produced for one mini-batch.
public struct MethodStep: Sendable {
    /// The rollout loss `L(θ)` of the batch.
    public var loss: Double
    /// The (exact or estimated) gradient, one entry per parameter.
    public var gradient: [Float]
    /// Loss evaluations spent (ZO-SOL's queries; 0 for first-order methods).
    public var queries: Int
}

/// A way to obtain a gradient of the solver-in-the-loop loss: exact backprop (NON, FO-SOL,
/// NOG-SOL) or zeroth-order estimation (ZO-SOL). The trainer owns the network, the optimizer and
/// the loop; a method only turns (parameters, batch) into a gradient.
public protocol TrainingMethod {
    /// Which of NON, FO-SOL, ZO-SOL, NOG-SOL this is.
    var kind: TrainingMethodKind { get }
    /// The loss at `network` on `batch` and its (estimated) gradient with respect to the parameters.
    mutating func step(_ network: Network, batch: RolloutBatch, iteration: Int) throws -> MethodStep
    /// Loss evaluations of one ``step(_:batch:iteration:)`` (0 for first-order methods).
    var queriesPerIteration: Int { get }
    /// Loss evaluations spent before the first step (ZO-GraSP's scoring; 0 otherwise).
    var setupQueries: Int { get }
    /// State an estimator carries from one iteration to the next (guided CGE's scale fit), saved
    /// in the checkpoint so a resumed run continues exactly; nil when there is none.
    var estimatorState: [Double]? { get }
    /// Restores ``estimatorState`` from a checkpoint.
    mutating func restoreEstimatorState(_ state: [Double]) throws
}

extension TrainingMethod {
    /// First-order methods spend no loss evaluations on their gradient.
    public var queriesPerIteration: Int { 0 }
    /// No set-up queries unless a method says otherwise.
    public var setupQueries: Int { 0 }
    /// Most methods carry nothing from one iteration to the next.
    public var estimatorState: [Double]? { nil }
    public mutating func restoreEstimatorState(_ state: [Double]) throws {}
}
