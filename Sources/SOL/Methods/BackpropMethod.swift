import Corrector

/// First-order methods: exact reverse mode through the corrector, and through the solver's
/// discrete adjoint for FO-SOL.
/// - NON: one step (`unroll = 1`), corrector only (Um et al. 2020's supervised baseline).
/// - FO-SOL: `n` unrolled steps, gradients through corrector and solver.
/// - NOG-SOL: `n` unrolled steps, the solver's Jacobian treated as zero (List et al. 2024).
public struct BackpropMethod: TrainingMethod {
    public let kind: TrainingMethodKind
    /// The rollout engine that runs the forward and backward passes.
    public let engine: RolloutEngine
    /// The rollout loss `ℓ`.
    public let lossFunction: RolloutLoss

    /// NON, FO-SOL or NOG-SOL (not ZO-SOL).
    public init(kind: TrainingMethodKind, engine: RolloutEngine, lossFunction: RolloutLoss) {
        precondition(kind != .zoSOL, "BackpropMethod: ZO-SOL is ZerothOrderMethod")
        self.kind = kind
        self.engine = engine
        self.lossFunction = lossFunction
    }

    public mutating func step(_ network: Network, batch: RolloutBatch, iteration: Int) throws -> MethodStep {
        let (loss, gradient) = try engine.lossAndGradient(network, batch: batch, lossFunction: lossFunction,
                                                          flow: kind == .foSOL ? .throughSolver : .correctorOnly)
        return MethodStep(loss: loss, gradient: gradient, queries: 0)
    }
}
