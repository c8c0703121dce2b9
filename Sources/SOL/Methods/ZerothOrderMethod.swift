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
    /// `guided`: the engine that backpropagates NOG-SOL's gradient (the guide) through the
    /// corrector calls; the solver is only stepped.
    private let guideEngine: RolloutEngine?
    private let lossFunction: RolloutLoss

    /// - Parameters:
    ///   - options: the estimator, μ, sparsity, pruning-ratio and ZO-GraSP options.
    ///   - ratios: pruning ratios to reuse (a resumed run's); nil computes or loads them.
    ///   - seed: seed of the sparse masks and RGE directions.
    ///   - source: the source solver `P` (a scenario, or a user's own: each worker thread steps
    ///     its own instance, the caller's worker also the first step of every batch).
    public init(network: Network, source: any SourceSolver, lossFunction: RolloutLoss, initialBatch: RolloutBatch,
                options: TrainingConfiguration.ZOOptions, ratios: LayerPruningRatios? = nil, seed: UInt64,
                threads: Int, distributed: Bool = false) throws {
        // Worker 0's engine also takes each batch's first step (one solver instance less).
        let context = RolloutContext(batch: initialBatch, firstStep: initialBatch.start)
        let objective = RolloutObjective(network: network, source: source, context: context, lossFunction: lossFunction)
        engine = objective.engine
        self.lossFunction = lossFunction
        guideEngine = options.estimator == .guided ? RolloutEngine(source: source, networkThreads: threads) : nil
        context.update(batch: initialBatch, firstStep: try engine.solverStep(initialBatch.start, parameters: initialBatch.parameters))
        self.context = context
        pool = QueryPool(objective, threads: threads, distributed: distributed)

        let groups = network.parameterGroups
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
            pruningRatios = try grasp.pruningRatios(at: network.parameters, using: pool, groups: groups, sparsity: options.sparsity)
            setup = grasp.queries
        }
        setupQueries = setup

        switch options.estimator {
        case .rge:
            estimator = RandomGradientEstimator(directions: options.directions, mu: Float(options.mu), scheme: .central,
                                                distribution: .gaussian, seed: seed)
        case .vjp:
            throw SOLError.invalidOption(name: "estimator", reason: "vjp estimates the solver's VJPs, not parameter-space "
                                         + "differences: it is StateVJPMethod, not ZerothOrderMethod")
        case .guided:
            // At least one weight of every layer per mask: ZO-GraSP may give a small layer the
            // ratio 1, which would leave its estimate to the guide alone.
            let sampler = SparseCoordinateSampler(groups: groups, ratios: pruningRatios, redrawInterval: options.redrawInterval,
                                                  seed: seed, minimumPerGroup: 1)
            estimator = try GuidedCoordinateEstimator(scheme: options.guidedScheme, mu: Float(options.mu), sampler: sampler,
                                                      parameterCount: network.parameterCount, memory: options.guideMemory)
        case .central, .forward:
            let scheme: DifferenceScheme = options.estimator == .forward ? .forward : .central
            let coordinates: CoordinateGradientEstimator.Coordinates = options.sparsity == 0
                ? .all
                : .sparse(SparseCoordinateSampler(groups: groups, ratios: pruningRatios, redrawInterval: options.redrawInterval,
                                                  seed: seed))
            estimator = CoordinateGradientEstimator(scheme: scheme, mu: Float(options.mu), coordinates: coordinates)
        }
        queriesPerIteration = estimator.queries(parameterCount: network.parameterCount)
    }

    public mutating func step(_ network: Network, batch: RolloutBatch, iteration: Int) throws -> MethodStep {
        // P(s(t)) does not depend on θ: once per batch, shared by every query.
        context.update(batch: batch, firstStep: try engine.solverStep(batch.start, parameters: batch.parameters))
        if let guideEngine, var guided = estimator as? GuidedCoordinateEstimator {
            guided.guide = try guideEngine.lossAndGradient(network, batch: batch, lossFunction: lossFunction, flow: .correctorOnly).gradient
            estimator = guided
        }
        let estimate = try estimator.estimate(at: network.parameters, using: pool, iteration: iteration)
        return MethodStep(loss: estimate.loss, gradient: estimate.gradient, queries: estimate.queries)
    }

    /// `guided`: the scale c of the last estimate and that estimate before guidance (plain
    /// sparse CGE); nil for the other estimators.
    public var lastGuidance: (scale: Double, unguided: [Float])? {
        (estimator as? GuidedCoordinateEstimator).map { ($0.lastScale, $0.lastUnguided) }
    }

    /// `guided`: the sums of the guide-scale fit, saved in the checkpoint.
    public var estimatorState: [Double]? { (estimator as? GuidedCoordinateEstimator)?.state }

    public mutating func restoreEstimatorState(_ state: [Double]) throws {
        guard var guided = estimator as? GuidedCoordinateEstimator else { return }
        try guided.restore(state: state)
        estimator = guided
    }
}
