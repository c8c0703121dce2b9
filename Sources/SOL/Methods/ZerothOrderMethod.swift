import Corrector
import Solver
import ZOTrain

/// ZO-SOL: the gradient of the unrolled loss estimated by (sparse) coordinate-wise finite
/// differences (DeepZero, Chen et al. 2024), with the solver called only through
/// ``Simulator/step(_:)``. Queries run on a ``QueryPool`` of worker objectives (threads, and MPI
/// ranks when launched by `mpirun`), reusing the first solver step and the first corrector
/// call's features (``RolloutObjective``).
public struct ZerothOrderMethod: TrainingMethod {
    public let kind = TrainingMethodKind.zoSOL
    /// The current mini-batch and its first solver step, shared by every worker.
    public let context: RolloutContext
    /// The workers (threads, MPI ranks) that evaluate the queries.
    public let pool: QueryPool
    /// The gradient estimator (CGE dense or sparse, forward or central, or RGE).
    public var estimator: any GradientEstimator
    private let engine: RolloutEngine

    /// - Parameters:
    ///   - estimator: CGE (dense or sparse, forward or central) or RGE.
    public init(network: Network, scenario: any Scenario, lossFunction: RolloutLoss, initialBatch: RolloutBatch,
                estimator: any GradientEstimator, threads: Int, distributed: Bool = false) throws {
        engine = RolloutEngine(scenario: scenario)
        let first = try engine.solverStep(initialBatch.start, parameters: initialBatch.parameters)
        context = RolloutContext(batch: initialBatch, firstStep: first)
        let objective = RolloutObjective(network: network, scenario: scenario, context: context, lossFunction: lossFunction)
        pool = QueryPool(objective, threads: threads, distributed: distributed)
        self.estimator = estimator
    }

    public mutating func step(_ network: Network, batch: RolloutBatch, iteration: Int) throws -> MethodStep {
        // P(s(t)) does not depend on θ: once per batch, shared by every query.
        context.update(batch: batch, firstStep: try engine.solverStep(batch.start, parameters: batch.parameters))
        let estimate = estimator.estimate(at: network.parameters, using: pool, iteration: iteration)
        return MethodStep(loss: estimate.loss, gradient: estimate.gradient, queries: estimate.queries)
    }
}
