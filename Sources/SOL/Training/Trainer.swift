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
    /// True when the checkpoint had already finished every iteration: nothing was trained.
    public var alreadyFinished: Bool
}

/// Trains a corrector on a dataset with one method: draws seeded mini-batches, asks the method
/// for a gradient, updates with the optimizer and schedule, logs, checkpoints periodically and
/// resumes. The result depends only on the configuration (seed included); the execution
/// settings (threads, checkpoint and log intervals) do not change it.
public final class Trainer {
    /// The training data.
    public let dataset: PairDataset
    /// The source solver `P` of the rollouts: the dataset's scenario, or a user's own.
    public let source: any SourceSolver
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
    /// The training log; nil on MPI ranks other than 0 (one process writes the files) and for a
    /// finished run (its log stays as it is).
    private let log: TrainingLog?
    /// Whether this process writes the checkpoint and the log (rank 0, or no MPI).
    private let writesFiles: Bool
    /// True when the run continued from a checkpoint.
    public let resumed: Bool
    /// Checkpoints this object wrote.
    private var checkpointsWritten = 0

    /// Prepares a run writing its checkpoint to `output` (and the log beside it).
    /// - Parameters:
    ///   - resume: continue from the checkpoint at `output` if there is one. The checkpoint must
    ///     come from the same dataset (content fingerprint) and configuration; only the
    ///     execution settings may change, and `iterations` only when the schedule does not
    ///     depend on it. A finished checkpoint is left as it is (``isFinished``).
    ///   - overwrite: replace an existing checkpoint instead of refusing.
    ///   - distributed: split ZO queries across MPI ranks (programs started by `mpirun`).
    ///   - source: the source solver (nil: the dataset's scenario); a solver without an adjoint
    ///     (``SourceSolver/providesAdjoint``, e.g. ``ExternalSourceSolver``) refuses FO-SOL.
    public init(dataset: PairDataset, configuration: TrainingConfiguration, output: String,
                resume: Bool = false, overwrite: Bool = false, distributed: Bool = false,
                source: (any SourceSolver)? = nil) throws {
        try configuration.validate()
        let source = source ?? dataset.scenario
        if configuration.method == .foSOL && !source.providesAdjoint {
            throw SOLError.invalidOption(name: "method", reason: "FO-SOL differentiates through the solver's discrete adjoint, which the "
                                         + "source solver \(source.solverName) does not provide (it offers `step` only); use zo-sol, "
                                         + "nog-sol or non with it")
        }
        self.dataset = dataset
        self.source = source
        self.configuration = configuration
        self.output = output
        guard !dataset.train.isEmpty else { throw SOLError.notADataset(path: dataset.path, reason: "it has no training simulations") }
        let unroll = configuration.effectiveUnroll
        sampler = try BatchSampler(frames: dataset.train.map(\.frames), unroll: unroll,
                                   batchSize: configuration.batchSize, seed: configuration.seed)
        guard configuration.batchSize <= sampler.windowCount else {
            throw SOLError.invalidOption(name: "batch-size", reason: "\(configuration.batchSize) is more than the \(sampler.windowCount) "
                                         + "training windows of \(dataset.path) at unroll \(unroll); use at most \(sampler.windowCount)")
        }

        let architecture = try CorrectorSetup.architecture(preset: configuration.network, dataset: dataset,
                                                           convolution: configuration.convolution)
        let fingerprint = try dataset.trainingFingerprint()
        // Under MPI every rank checks its options and data against rank 0's; only rank 0 looks at
        // the output file, and every rank starts from rank 0's state.
        if distributed { try RankAgreement.check(configuration: configuration, fingerprint: fingerprint) }
        var state: RankAgreement.State
        if !distributed || MPI.rank == 0 {
            let exists = FileManager.default.fileExists(atPath: output)
            if exists && !resume && !overwrite { throw SOLError.checkpointExists(path: output) }
            if exists && resume {
                let checkpoint = try Checkpoint.read(from: output)
                var stored = try CheckpointMetadata.decode(checkpoint.trainingConfiguration, path: output)
                try Trainer.checkResumable(stored, step: checkpoint.step, configuration: configuration, dataset: dataset,
                                           fingerprint: fingerprint, path: output)
                let differences = checkpoint.network.architecture.differences(from: architecture)
                guard differences.isEmpty else {
                    throw SOLError.resumeMismatch(path: output, reason: "its network differs (\(differences.joined(separator: "; ")))")
                }
                stored.configuration = configuration
                stored.datasetFingerprint = fingerprint
                stored.sourceSolver = (source as? ExternalSourceSolver)?.record
                state = .init(parameters: checkpoint.network.parameters, normalization: checkpoint.network.normalization,
                              optimizerState: checkpoint.optimizerState, iteration: checkpoint.step, resumed: true, metadata: stored)
            } else {
                let normalization = try Self.reportingSolver("while fitting the corrector's normalisation") {
                    try CorrectorSetup.normalization(dataset: dataset, source: source, seed: configuration.seed)
                }
                let initial = try Network(architecture: architecture, seed: configuration.seed, normalization: normalization)
                let metadata = CheckpointMetadata(method: configuration.method, scenario: dataset.scenario.name,
                                                  channels: dataset.channels, conditioningParameter: dataset.scenario.conditioningParameter,
                                                  dataset: dataset.path, datasetFingerprint: fingerprint, configuration: configuration,
                                                  pruningRatios: nil, elapsedSeconds: 0, queries: 0,
                                                  sourceSolver: (source as? ExternalSourceSolver)?.record)
                state = .init(parameters: initial.parameters, normalization: normalization, optimizerState: [:], iteration: 0,
                              resumed: false, metadata: metadata)
            }
        } else {
            // Filled by rank 0's broadcast below.
            state = .init(parameters: [], normalization: Normalization(inputMean: [], inputScale: [], outputMean: [], outputScale: []),
                          optimizerState: [:], iteration: 0, resumed: false,
                          metadata: CheckpointMetadata(method: configuration.method, scenario: "", channels: [], conditioningParameter: "",
                                                       dataset: "", configuration: configuration, pruningRatios: nil,
                                                       elapsedSeconds: 0, queries: 0))
        }
        if distributed { state = try RankAgreement.broadcast(state) }
        network = try Network(architecture: architecture, parameters: state.parameters, normalization: state.normalization)
        optimizer = configuration.optimizer.makeOptimizer(parameterCount: network.parameterCount)
        if state.resumed {
            do { try optimizer.load(state: state.optimizerState) } catch {
                throw SOLError.resumeMismatch(path: output, reason: "its optimizer state does not fit --optimizer \(configuration.optimizer.kind.rawValue) (\(error))")
            }
        }
        iteration = state.iteration
        metadata = state.metadata
        resumed = state.resumed
        schedule = configuration.makeSchedule()
        let lossFunction = RolloutLoss(channelScales: Array(network.normalization.inputScale.prefix(dataset.channels.count)))
        switch configuration.method {
        case .non, .foSOL, .nogSOL:
            method = BackpropMethod(kind: configuration.method, engine: RolloutEngine(source: source, networkThreads: configuration.threads),
                                    lossFunction: lossFunction)
        case .zoSOL where configuration.zo.estimator == .vjp:
            method = StateVJPMethod(source: source, lossFunction: lossFunction,
                                    differences: configuration.zo.stateDifferences,
                                    threads: configuration.threads, distributed: distributed)
        case .zoSOL:
            let first = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(0), unroll: unroll)
            let (network, configuration, ratios) = (network, configuration, metadata.pruningRatios)
            let zo = try Self.reportingSolver(ratios == nil ? "while setting up ZO-SOL (ZO-GraSP)" : "while setting up ZO-SOL") {
                try ZerothOrderMethod(network: network, source: source, lossFunction: lossFunction,
                                      initialBatch: first, options: configuration.zo, ratios: ratios,
                                      seed: configuration.seed, threads: configuration.threads, distributed: distributed)
            }
            if metadata.pruningRatios == nil {
                metadata.pruningRatios = zo.pruningRatios
                metadata.queries += zo.setupQueries
            }
            method = zo
        }
        if resumed, let saved = metadata.estimatorState {
            do { try method.restoreEstimatorState(saved) } catch {
                throw SOLError.resumeMismatch(path: output, reason: "its estimator state does not fit (\(error))")
            }
        }
        writesFiles = !distributed || MPI.rank == 0
        let finished = resumed && iteration == configuration.iterations
        log = writesFiles && !finished
            ? try TrainingLog(path: TrainingLog.path(forCheckpoint: output), keepingThrough: resumed ? iteration : nil)
            : nil
    }

    /// Refuses to resume from a checkpoint of another run: another scenario or dataset content,
    /// another experiment configuration, fewer iterations than done, or more or fewer iterations
    /// under a schedule that depends on them.
    static func checkResumable(_ stored: CheckpointMetadata, step: Int, configuration: TrainingConfiguration,
                               dataset: PairDataset, fingerprint: String, path: String) throws {
        guard stored.scenario == dataset.scenario.name else {
            throw SOLError.resumeMismatch(path: path, reason: "it was trained on scenario \(stored.scenario), \(dataset.path) holds \(dataset.scenario.name)")
        }
        if let recorded = stored.datasetFingerprint, recorded != fingerprint {
            throw SOLError.resumeMismatch(path: path, reason: "it was trained on other data (\(stored.dataset), fingerprint \(recorded)); "
                                          + "\(dataset.path) has fingerprint \(fingerprint)")
        }
        let differences = configuration.experimentDifferences(from: stored.configuration).filter { $0 != "iterations" }
        guard differences.isEmpty else {
            throw SOLError.resumeMismatch(path: path, reason: "it was trained with other options (\(differences.joined(separator: ", "))); "
                                          + "only --threads, --checkpoint-interval, --log-interval and --iterations may change")
        }
        guard configuration.iterations >= step else {
            throw SOLError.resumeMismatch(path: path, reason: "it has done \(step) iterations, more than --iterations \(configuration.iterations)")
        }
        if configuration.iterations != stored.configuration.iterations && configuration.scheduleDependsOnIterations {
            throw SOLError.resumeMismatch(path: path, reason: "its cosine schedule was set for \(stored.configuration.iterations) iterations; "
                                          + "resume with --iterations \(stored.configuration.iterations), or use --schedule constant or step "
                                          + "to extend runs")
        }
    }

    /// True when every iteration of the configuration is done (a resumed, finished run).
    public var isFinished: Bool { iteration >= configuration.iterations }

    /// Runs until `configuration.iterations` (or stops early after iteration `stop`, leaving a
    /// checkpoint to resume from, as a killed run would), calling `progress` after every iteration.
    /// A finished run returns its summary without training or writing anything.
    ///
    /// When a new run fails before its first checkpoint (a divergence, a full disk), the log it
    /// started is removed: it leaves nothing behind (with `overwrite`, a previous run's
    /// checkpoint stays until the first checkpoint of the new run replaces it). Once a checkpoint exists it is kept, with
    /// its log, so `--resume` can continue after the cause is fixed.
    @discardableResult
    public func run(stoppingAfter stop: Int? = nil, progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingSummary {
        do {
            return try train(stoppingAfter: stop, progress: progress)
        } catch {
            if writesFiles && !resumed && checkpointsWritten == 0, let log {
                try? FileManager.default.removeItem(atPath: log.path)
            }
            throw error
        }
    }

    private func train(stoppingAfter stop: Int?, progress: (TrainingProgress) -> Void) throws -> TrainingSummary {
        let end = min(stop ?? configuration.iterations, configuration.iterations)
        let alreadyFinished = isFinished
        let start = Date()
        let elapsedBefore = metadata.elapsedSeconds
        var lastLoss = metadata.finalLoss ?? .nan
        var recentQueries = 0
        var recentStart = Date()
        while iteration < end {
            let i = iteration
            let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(i),
                                         unroll: configuration.effectiveUnroll)
            let step = try Self.reportingSolver("in iteration \(i + 1)", hint: resumeHint) {
                try method.step(network, batch: batch, iteration: i)
            }
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
            metadata.finalLoss = step.loss
            metadata.queries += step.queries
            recentQueries += step.queries
            let elapsed = elapsedBefore + Date().timeIntervalSince(start)
            let window = Date().timeIntervalSince(recentStart)
            let qps = window > 0 ? Double(recentQueries) / window : 0
            let epoch = i / sampler.iterationsPerEpoch
            if iteration % configuration.logInterval == 0 || iteration == configuration.iterations {
                try log?.append(.init(method: configuration.method.rawValue, iteration: iteration, epoch: epoch, loss: step.loss,
                                      lr: Double(lr), queries: step.queries, queriesPerSecond: qps, elapsed: elapsed))
                recentQueries = 0
                recentStart = Date()
            }
            progress(TrainingProgress(iteration: iteration, iterations: configuration.iterations, epoch: epoch, loss: step.loss,
                                      learningRate: Double(lr), queries: metadata.queries, queriesPerSecond: qps, elapsed: elapsed))
            if iteration % configuration.checkpointInterval == 0 || iteration == end {
                metadata.elapsedSeconds = elapsed
                metadata.estimatorState = method.estimatorState
                try saveCheckpoint()
            }
        }
        if iteration == configuration.iterations && !alreadyFinished {
            try log?.append(.init(method: configuration.method.rawValue, iteration: iteration,
                                  epoch: iteration / sampler.iterationsPerEpoch, loss: lastLoss, lr: 0,
                                  elapsed: metadata.elapsedSeconds, event: "done"))
        }
        return TrainingSummary(method: configuration.method, iterations: iteration, finalLoss: lastLoss,
                               elapsedSeconds: metadata.elapsedSeconds, queries: metadata.queries, checkpoint: output,
                               resumed: resumed, alreadyFinished: alreadyFinished)
    }

    /// Runs `body`, prefixing `context` to a failing source solver's message and appending `hint`.
    static func reportingSolver<T>(_ context: String, hint: String = "", _ body: () throws -> T) throws -> T {
        do { return try body() } catch let SOLError.solverFailed(solver, inner, reason) {
            throw SOLError.solverFailed(solver: solver, context: context + " " + inner, reason: reason + hint)
        }
    }

    /// What to do after a solver failure: resume from the last checkpoint once it is fixed.
    private var resumeHint: String {
        guard writesFiles, checkpointsWritten > 0 || resumed else { return "" }
        return "; once it is fixed, rerun with --resume to continue from the checkpoint \(output)"
    }

    /// Writes the checkpoint (atomically) with the network, optimizer state and metadata
    /// (on MPI rank 0 only: every rank holds the same state).
    public func saveCheckpoint() throws {
        guard writesFiles else { return }
        let checkpoint = Checkpoint(network: network, optimizerState: optimizer.state, step: iteration,
                                    trainingConfiguration: try metadata.json())
        try checkpoint.write(to: output, overwrite: true)
        checkpointsWritten += 1
    }

    /// Queries per iteration of the configured method (0 for first-order methods): a budget check.
    public var queriesPerIteration: Int { method.queriesPerIteration }

    /// Perturbed solver states stepped per iteration by ZO-SOL `--estimator vjp` (nil otherwise).
    public var vjpStatesPerIteration: Int? {
        guard let vjp = method as? StateVJPMethod else { return nil }
        let count = dataset.channels.count * dataset.grid.reduce(1, *)
        return vjp.statesPerIteration(count: count, batch: configuration.batchSize, unroll: configuration.effectiveUnroll)
    }

    /// Estimated wall time of the remaining iterations, from one timed rollout-loss evaluation
    /// times the queries per iteration (ZO-SOL) spread over the worker threads and MPI ranks.
    public func estimatedSeconds(ranks: Int = 1) throws -> Double {
        guard !isFinished else { return 0 }
        let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(iteration),
                                     unroll: configuration.effectiveUnroll)
        let engine = RolloutEngine(source: source)
        let lossFunction = RolloutLoss(channelScales: Array(network.normalization.inputScale.prefix(dataset.channels.count)))
        let network = network
        let perQuery = try Self.reportingSolver("while timing a query for the estimate") {
            _ = try engine.loss(network, batch: batch, lossFunction: lossFunction)  // warm-up: plans, workspaces, processes
            let start = Date()
            _ = try engine.loss(network, batch: batch, lossFunction: lossFunction)
            return Date().timeIntervalSince(start)
        }
        let remaining = Double(configuration.iterations - iteration)
        if let vjp = method as? StateVJPMethod {
            // One whole iteration, timed in this process alone (only rank 0 estimates): the
            // rollout, the backward pass and its solver VJPs, whose states the ranks share.
            var timed = StateVJPMethod(source: source, lossFunction: lossFunction, differences: vjp.differences,
                                       threads: configuration.threads)
            let seconds = try Self.reportingSolver("while timing an iteration for the estimate") {
                let start = Date()
                _ = try timed.step(network, batch: batch, iteration: iteration)
                return Date().timeIntervalSince(start)
            }
            return seconds * remaining / Double(max(ranks, 1))
        }
        let workers = Double(max(configuration.threads, 1) * max(ranks, 1))
        return perQuery * Double(max(queriesPerIteration, 1)) * remaining / workers
    }
}
