import Corrector
import Solver

/// ZO-SOL with `--estimator vjp`: zeroth order where the black box actually is. The corrector is
/// ours, so the unrolled loss is backpropagated through it exactly; the solver's Jacobian, which
/// only its step can tell, enters as vector-Jacobian products estimated by coordinate-wise finite
/// differences of the solver's STATE (``FiniteDifferenceVJP``: `Simulator.step` on batches of
/// perturbed states, never an adjoint). FO-SOL's backward pass with every `stepVJP` replaced by
/// that estimate (``RolloutEngine/GradientFlow/throughSolverByDifferences(_:)``).
///
/// Its cost per iteration is `(n + 1) · B · (unroll − 1)` solver states (forward differences;
/// `2 n · B · (unroll − 1)` central) for states of n numbers and a batch of B — independent of the
/// network's size, where parameter-space CGE pays one unrolled
/// rollout per queried parameter.
public struct StateVJPMethod: TrainingMethod {
    public let kind = TrainingMethodKind.zoSOL
    /// The engine that runs the rollouts and steps the perturbed states.
    public let engine: RolloutEngine
    /// The rollout loss `ℓ`.
    public let lossFunction: RolloutLoss
    /// The finite-difference VJP of the solver.
    public let differences: FiniteDifferenceVJP

    /// The method stepping `source` with VJPs estimated by `differences`, their perturbed states
    /// stepped on `threads` workers (the result does not depend on it) — or on the calling thread
    /// when the source steps a batch concurrently by itself (two pools on two cores measured 19 %
    /// slower than one on karman) — and, if `distributed`, split across the MPI ranks.
    public init(source: any SourceSolver, lossFunction: RolloutLoss, differences: FiniteDifferenceVJP, threads: Int = 1,
                distributed: Bool = false) {
        engine = RolloutEngine(source: source, networkThreads: threads)
        engine.distributesDifferences = distributed
        let workers = source.stepsBatchConcurrently ? 1 : max(threads, 1)
        engine.differenceWorkers = (1..<workers).map { _ in RolloutEngine(source: source) }
        self.lossFunction = lossFunction
        self.differences = differences
    }

    /// Perturbed solver states stepped per iteration for `batch` states of `count` numbers
    /// unrolled `unroll` steps (one VJP per step but the first, which has no solver before it).
    public func statesPerIteration(count: Int, batch: Int, unroll: Int) -> Int {
        differences.steppedStates(count: count, batch: batch) * max(unroll - 1, 0)
    }

    /// The loss and its gradient; ``MethodStep/queries`` counts the perturbed states stepped.
    public mutating func step(_ network: Network, batch: RolloutBatch, iteration: Int) throws -> MethodStep {
        let before = engine.differenceStates
        let (loss, gradient) = try engine.lossAndGradient(network, batch: batch, lossFunction: lossFunction,
                                                          flow: .throughSolverByDifferences(differences))
        return MethodStep(loss: loss, gradient: gradient, queries: engine.differenceStates - before)
    }
}
