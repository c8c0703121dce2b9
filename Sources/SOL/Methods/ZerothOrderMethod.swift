import Corrector
import Solver
import ZOTrain

/// ZO-SOL: the gradient of the unrolled loss estimated by (sparse) coordinate-wise finite
/// differences (DeepZero, Chen et al. 2024), with the solver called only through
/// ``Simulator/step(_:)``. Queries run on a ``QueryPool`` of worker objectives (threads, and MPI
/// ranks when launched by `mpirun`), reusing the first solver step and the first corrector
/// call's features (``RolloutObjective``).
///
/// The method sets itself up from the ZO options: the pool, the layer-wise pruning ratios (from
/// a file, uniform for dense CGE and RGE, or ZO-GraSP at the initial parameters) and the
/// estimator.
public struct ZerothOrderMethod: TrainingMethod {
    public let kind = TrainingMethodKind.zoSOL
    /// The current mini-batch and its first solver step, shared by every worker.
    public let context: RolloutContext
    /// The workers (threads, MPI ranks) that evaluate the queries.
    public let pool: QueryPool
    /// The gradient estimator (CGE dense or sparse, forward or central, or RGE).
    public private(set) var estimator: any GradientEstimator
    /// The layer-wise pruning ratios sparse CGE samples with (stored in the checkpoint).
    public let pruningRatios: LayerPruningRatios
    /// Loss evaluations spent setting up (ZO-GraSP; 0 when the ratios were given).
    public let setupQueries: Int
    /// Loss evaluations of one gradient estimate, the base point included.
    public let queriesPerIteration: Int
    private let engine: RolloutEngine

    /// - Parameters:
    ///   - options: the estimator, μ, sparsity, pruning-ratio and ZO-GraSP options.
    ///   - ratios: pruning ratios to reuse (a resumed run's); nil computes or loads them.
    ///   - seed: seed of the sparse masks and RGE directions.
    public init(network: Network, scenario: any Scenario, lossFunction: RolloutLoss, initialBatch: RolloutBatch,
                options: TrainingConfiguration.ZOOptions, ratios: LayerPruningRatios? = nil, seed: UInt64,
                threads: Int, distributed: Bool = false) throws {
        engine = RolloutEngine(scenario: scenario)
        let first = try engine.solverStep(initialBatch.start, parameters: initialBatch.parameters)
        context = RolloutContext(batch: initialBatch, firstStep: first)
        let objective = RolloutObjective(network: network, scenario: scenario, context: context, lossFunction: lossFunction)
        pool = QueryPool(objective, threads: threads, distributed: distributed)

        let groups = NetworkObjective.groups(of: network)
        var setup = 0
        if let ratios {
            pruningRatios = ratios
        } else if let path = options.pruningRatios {
            let loaded = try LayerPruningRatios.load(from: path, matching: groups)
            guard abs(loaded.sparsity - options.sparsity) < 1e-12 else {
                throw SOLError.invalidOption(name: "pruning-ratios", reason: "\(path) holds ratios for sparsity \(loaded.sparsity), "
                                             + "but --sparsity is \(options.sparsity); pass --sparsity \(loaded.sparsity) or another file")
            }
            pruningRatios = loaded
        } else if options.sparsity == 0 || options.estimator == .rge {
            pruningRatios = .uniform(options.sparsity, groups: groups)
        } else {
            let grasp = ZOGraSP(directions: options.graspDirections, mu: Float(options.graspMu), seed: options.graspSeed)
            pruningRatios = grasp.pruningRatios(at: network.parameters, using: pool, groups: groups, sparsity: options.sparsity)
            setup = grasp.queries
        }
        setupQueries = setup

        switch options.estimator {
        case .rge:
            estimator = RandomGradientEstimator(directions: options.directions, mu: Float(options.mu), scheme: .central,
                                                distribution: .gaussian, seed: seed)
            queriesPerIteration = 2 * options.directions + 1
        case .central, .forward:
            let scheme: DifferenceScheme = options.estimator == .forward ? .forward : .central
            let coordinates: CoordinateGradientEstimator.Coordinates
            let queried: Int
            if options.sparsity == 0 {
                coordinates = .all
                queried = network.parameterCount
            } else {
                let sampler = SparseCoordinateSampler(groups: groups, ratios: pruningRatios, redrawInterval: options.redrawInterval,
                                                      seed: seed)
                coordinates = .sparse(sampler)
                queried = sampler.queriedCount
            }
            estimator = CoordinateGradientEstimator(scheme: scheme, mu: Float(options.mu), coordinates: coordinates)
            queriesPerIteration = queried * (scheme == .central ? 2 : 1) + 1
        }
    }

    public mutating func step(_ network: Network, batch: RolloutBatch, iteration: Int) throws -> MethodStep {
        // P(s(t)) does not depend on θ: once per batch, shared by every query.
        context.update(batch: batch, firstStep: try engine.solverStep(batch.start, parameters: batch.parameters))
        let estimate = estimator.estimate(at: network.parameters, using: pool, iteration: iteration)
        return MethodStep(loss: estimate.loss, gradient: estimate.gradient, queries: estimate.queries)
    }
}
