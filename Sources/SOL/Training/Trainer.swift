import Corrector
import Foundation
import Solver
import ZOTrain

/// What the trainer reports after every iteration (the CLI turns it into a progress line).
public struct TrainingProgress: Sendable {
    /// Iterations done.
    public var iteration: Int
    /// Iterations of the whole run.
    public var iterations: Int
    /// Passes over the training windows.
    public var epoch: Int
    /// Loss of the last batch.
    public var loss: Double
    /// Learning rate of the last update.
    public var learningRate: Double
    /// ZO-SOL loss evaluations so far (0 for first-order methods).
    public var queries: Int
    /// ZO-SOL query rate since the last log line.
    public var queriesPerSecond: Double
    /// Wall-clock seconds of training (resumed runs included).
    public var elapsed: Double
}

/// The result of a training run.
public struct TrainingSummary: Sendable {
    /// The training method.
    public var method: TrainingMethodKind
    /// Iterations done.
    public var iterations: Int
    /// Loss of the last batch.
    public var finalLoss: Double
    /// Wall-clock seconds of training.
    public var elapsedSeconds: Double
    /// ZO-SOL loss evaluations in all.
    public var queries: Int
    /// Path of the checkpoint written.
    public var checkpoint: String
    /// True when the run continued from a checkpoint.
    public var resumed: Bool
}

/// Trains a corrector on a dataset with one method: draws seeded mini-batches, asks the method
/// for a gradient, updates with the optimizer and schedule, logs, checkpoints periodically and
/// resumes. The result depends only on the configuration (seed included) and the thread count
/// used for ZO queries does not change it.
public final class Trainer {
    /// The training data.
    public let dataset: PairDataset
    /// Every option of the run.
    public let configuration: TrainingConfiguration
    /// Checkpoint path (the log goes beside it).
    public let output: String
    /// The corrector being trained.
    public private(set) var network: Network
    /// Iterations done (the checkpoint's `step`).
    public private(set) var iteration = 0
    private var optimizer: any Optimizer
    private let schedule: any LearningRateSchedule
    private var method: any TrainingMethod
    private let sampler: BatchSampler
    private var metadata: CheckpointMetadata
    /// The training log; nil on MPI ranks other than 0 (one process writes the files).
    private let log: TrainingLog?
    /// Whether this process writes the checkpoint and the log (rank 0, or no MPI).
    private let writesFiles: Bool
    /// True when the run continued from a checkpoint.
    public let resumed: Bool

    /// Prepares a run writing its checkpoint to `output` (and the log beside it).
    /// - Parameters:
    ///   - resume: continue from the checkpoint at `output` if there is one.
    ///   - overwrite: replace an existing checkpoint instead of refusing.
    ///   - distributed: split ZO queries across MPI ranks (programs started by `mpirun`).
    public init(dataset: PairDataset, configuration: TrainingConfiguration, output: String,
                resume: Bool = false, overwrite: Bool = false, distributed: Bool = false) throws {
        try configuration.validate()
        self.dataset = dataset
        self.configuration = configuration
        self.output = output
        guard !dataset.train.isEmpty else { throw SOLError.notADataset(path: dataset.path, reason: "it has no training simulations") }
        let unroll = configuration.effectiveUnroll
        sampler = try BatchSampler(frames: dataset.train.map(\.frames), unroll: unroll,
                                   batchSize: configuration.batchSize, seed: configuration.seed)

        let exists = FileManager.default.fileExists(atPath: output)
        if exists && !resume && !overwrite { throw SOLError.checkpointExists(path: output) }
        let architecture = try CorrectorSetup.architecture(preset: configuration.network, dataset: dataset)
        var optimizer = Trainer.makeOptimizer(configuration.optimizer, parameterCount: 0)
        if exists && resume {
            let checkpoint = try Checkpoint.read(from: output, expecting: architecture)
            let stored = try CheckpointMetadata.decode(checkpoint.trainingConfiguration, path: output)
            var expected = stored.configuration
            expected.iterations = configuration.iterations
            guard expected == configuration else {
                throw SOLError.resumeMismatch(path: output, reason: "it was trained with another configuration (only --iterations may change)")
            }
            guard stored.scenario == dataset.scenario.name else {
                throw SOLError.resumeMismatch(path: output, reason: "it was trained on scenario \(stored.scenario)")
            }
            network = checkpoint.network
            optimizer = Trainer.makeOptimizer(configuration.optimizer, parameterCount: network.parameterCount)
            try optimizer.load(state: checkpoint.optimizerState)
            iteration = checkpoint.step
            metadata = stored
            metadata.configuration = configuration
            resumed = true
        } else {
            let normalization = try CorrectorSetup.normalization(dataset: dataset, seed: configuration.seed)
            network = try Network(architecture: architecture, seed: configuration.seed, normalization: normalization)
            optimizer = Trainer.makeOptimizer(configuration.optimizer, parameterCount: network.parameterCount)
            metadata = CheckpointMetadata(method: configuration.method, scenario: dataset.scenario.name,
                                          channels: dataset.channels, conditioningParameter: dataset.scenario.conditioningParameter,
                                          dataset: dataset.path, configuration: configuration, pruningRatios: nil,
                                          elapsedSeconds: 0, queries: 0)
            resumed = false
        }
        self.optimizer = optimizer
        schedule = Trainer.makeSchedule(configuration)
        let lossFunction = RolloutLoss(channelScales: Array(network.normalization.inputScale.prefix(dataset.channels.count)))
        switch configuration.method {
        case .non, .foSOL, .nogSOL:
            method = BackpropMethod(kind: configuration.method, engine: RolloutEngine(scenario: dataset.scenario),
                                    lossFunction: lossFunction)
        case .zoSOL:
            let first = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(0), unroll: unroll)
            var zo = try ZerothOrderMethod(network: network, scenario: dataset.scenario, lossFunction: lossFunction,
                                           initialBatch: first, estimator: CoordinateGradientEstimator(),
                                           threads: configuration.threads, distributed: distributed)
            if metadata.pruningRatios == nil {
                metadata.pruningRatios = try Trainer.pruningRatios(configuration.zo, network: network, pool: zo.pool)
            }
            zo.estimator = try Trainer.makeEstimator(configuration.zo, network: network, ratios: metadata.pruningRatios!,
                                                     seed: configuration.seed)
            method = zo
        }
        writesFiles = !distributed || MPI.rank == 0
        log = writesFiles ? try TrainingLog(path: TrainingLog.path(forCheckpoint: output), keepingThrough: resumed ? iteration : nil) : nil
    }

    /// Runs until `configuration.iterations` (or stops early after iteration `stop`, leaving a
    /// checkpoint to resume from, as a killed run would), calling `progress` after every iteration.
    @discardableResult
    public func run(stoppingAfter stop: Int? = nil, progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingSummary {
        let end = min(stop ?? configuration.iterations, configuration.iterations)
        let start = Date()
        let elapsedBefore = metadata.elapsedSeconds
        var lastLoss = Double.nan
        var recentQueries = 0
        var recentStart = Date()
        while iteration < end {
            let i = iteration
            let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(i),
                                         unroll: configuration.effectiveUnroll)
            let step = try method.step(network, batch: batch, iteration: i)
            guard step.loss.isFinite else {
                throw SOLError.diverged(method: configuration.method.label, iteration: i, reason: "the loss is \(step.loss)")
            }
            guard step.gradient.allSatisfy({ $0.isFinite }) else {
                throw SOLError.diverged(method: configuration.method.label, iteration: i, reason: "the gradient is not finite")
            }
            let lr = schedule.rate(at: i)
            optimizer.update(&network.parameters, along: step.gradient, learningRate: lr)
            iteration = i + 1
            lastLoss = step.loss
            metadata.queries += step.queries
            recentQueries += step.queries
            let elapsed = elapsedBefore + Date().timeIntervalSince(start)
            let window = Date().timeIntervalSince(recentStart)
            let qps = window > 0 ? Double(recentQueries) / window : 0
            let epoch = i / sampler.iterationsPerEpoch
            if iteration % configuration.logInterval == 0 || iteration == configuration.iterations {
                log?.append(.init(method: configuration.method.rawValue, iteration: iteration, epoch: epoch, loss: step.loss,
                                 lr: Double(lr), queries: step.queries, queriesPerSecond: qps, elapsed: elapsed))
                recentQueries = 0
                recentStart = Date()
            }
            progress(TrainingProgress(iteration: iteration, iterations: configuration.iterations, epoch: epoch, loss: step.loss,
                                      learningRate: Double(lr), queries: metadata.queries, queriesPerSecond: qps, elapsed: elapsed))
            if iteration % configuration.checkpointInterval == 0 || iteration == end {
                metadata.elapsedSeconds = elapsed
                try saveCheckpoint()
            }
        }
        if iteration == configuration.iterations {
            log?.append(.init(method: configuration.method.rawValue, iteration: iteration, epoch: iteration / sampler.iterationsPerEpoch,
                             loss: lastLoss, lr: 0, elapsed: metadata.elapsedSeconds, event: "done"))
        }
        return TrainingSummary(method: configuration.method, iterations: iteration, finalLoss: lastLoss,
                               elapsedSeconds: metadata.elapsedSeconds, queries: metadata.queries, checkpoint: output,
                               resumed: resumed)
    }

    /// Writes the checkpoint (atomically) with the network, optimizer state and metadata
    /// (on MPI rank 0 only: every rank holds the same state).
    public func saveCheckpoint() throws {
        guard writesFiles else { return }
        let checkpoint = Checkpoint(network: network, optimizerState: optimizer.state, step: iteration,
                                    trainingConfiguration: metadata.json())
        try checkpoint.write(to: output, overwrite: true)
    }

    /// Queries per iteration of the configured method (0 for first-order methods): a budget check.
    public var queriesPerIteration: Int {
        guard let zo = method as? ZerothOrderMethod, let cge = zo.estimator as? CoordinateGradientEstimator else {
            return configuration.method == .zoSOL ? configuration.zo.directions * 2 + 1 : 0
        }
        let per = cge.scheme == .central ? 2 : 1
        switch cge.coordinates {
        case .all: return network.parameterCount * per + 1
        case let .list(list): return list.count * per + 1
        case let .sparse(sampler): return sampler.queriedCount * per + 1
        }
    }

    /// Estimated wall time of the remaining iterations, from one timed rollout-loss evaluation
    /// times the queries per iteration (ZO-SOL) spread over the worker threads.
    public func estimatedSeconds() throws -> Double {
        let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(iteration),
                                     unroll: configuration.effectiveUnroll)
        let engine = RolloutEngine(scenario: dataset.scenario)
        let lossFunction = RolloutLoss(channelScales: Array(network.normalization.inputScale.prefix(dataset.channels.count)))
        _ = try engine.loss(network, batch: batch, lossFunction: lossFunction)  // warm-up: plans, workspaces
        let start = Date()
        _ = try engine.loss(network, batch: batch, lossFunction: lossFunction)
        let perQuery = Date().timeIntervalSince(start)
        let remaining = Double(configuration.iterations - iteration)
        return perQuery * Double(max(queriesPerIteration, 1)) * remaining / Double(max(configuration.threads, 1))
    }

    static func makeOptimizer(_ options: TrainingConfiguration.OptimizerOptions, parameterCount: Int) -> any Optimizer {
        switch options.kind {
        case "sgd":
            return SGD(parameterCount: parameterCount, momentum: Float(options.momentum), nesterov: options.nesterov,
                       weightDecay: Float(options.weightDecay))
        default:
            return Adam(parameterCount: parameterCount, beta1: Float(options.beta1), beta2: Float(options.beta2),
                        epsilon: Float(options.epsilon), weightDecay: Float(options.weightDecay))
        }
    }

    static func makeSchedule(_ c: TrainingConfiguration) -> any LearningRateSchedule {
        let base = Float(c.optimizer.learningRate)
        let main: any LearningRateSchedule
        let remaining = max(1, c.iterations - c.schedule.warmupIterations)
        switch c.schedule.kind {
        case "cosine": main = CosineSchedule(base: base, totalIterations: remaining, minimum: base * Float(c.schedule.minimumFactor))
        case "step": main = StepSchedule(base: base, every: max(1, c.schedule.stepSize), factor: Float(c.schedule.gamma))
        default: main = ConstantSchedule(base)
        }
        return c.schedule.warmupIterations > 0 ? WarmupSchedule(iterations: c.schedule.warmupIterations, then: main) : main
    }

    /// Layer-wise pruning ratios: from a file, uniform for dense runs, or ZO-GraSP at initialisation.
    static func pruningRatios(_ zo: TrainingConfiguration.ZOOptions, network: Network, pool: QueryPool) throws -> LayerPruningRatios {
        let groups = network.parameterGroups
        if let path = zo.pruningRatios { return try LayerPruningRatios.load(from: path, matching: groups) }
        if zo.sparsity == 0 || zo.estimator == "rge" { return .uniform(zo.sparsity, groups: groups) }
        return ZOGraSP(directions: 192, mu: 5e-3, seed: 0).pruningRatios(at: network.parameters, using: pool, groups: groups,
                                                                          sparsity: zo.sparsity)
    }

    static func makeEstimator(_ zo: TrainingConfiguration.ZOOptions, network: Network, ratios: LayerPruningRatios,
                              seed: UInt64) throws -> any GradientEstimator {
        switch zo.estimator {
        case "rge":
            return RandomGradientEstimator(directions: zo.directions, mu: Float(zo.mu), scheme: .central, distribution: .gaussian, seed: seed)
        default:
            let scheme: DifferenceScheme = zo.estimator == "forward" ? .forward : .central
            let coordinates: CoordinateGradientEstimator.Coordinates = zo.sparsity == 0
                ? .all
                : .sparse(SparseCoordinateSampler(groups: network.parameterGroups, ratios: ratios,
                                                  redrawInterval: zo.redrawInterval, seed: seed))
            return CoordinateGradientEstimator(scheme: scheme, mu: Float(zo.mu), coordinates: coordinates)
        }
    }
}
