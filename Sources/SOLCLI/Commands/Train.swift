import ArgumentParser
import Foundation
import SOL

/// `sol train`: trains a corrector with NON, FO-SOL, ZO-SOL or NOG-SOL.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a corrector (NON, FO-SOL, ZO-SOL or NOG-SOL) on a dataset.",
        discussion: """
        Options override the configuration file (--config, JSON with the keys printed by \
        --print-config). The checkpoint (HDF5) is written atomically every --checkpoint-interval \
        iterations; the training log goes beside it (<out>.log.jsonl). A killed run continues \
        with --resume and ends with the same result as an uninterrupted one.
        """)

    @Option(help: "Dataset written by `sol generate`.") var data: String
    @Option(help: "Checkpoint to write, e.g. runs/zo.h5.") var out: String
    @Option(help: "JSON configuration file holding any training option.") var config: String?
    @Option(help: "non, fo-sol, zo-sol or nog-sol.") var method: TrainingMethodKind?
    @Option(help: "Unrolled solver steps per loss (NON always uses 1).") var unroll: Int?
    @Option(help: "Network preset: tiny, small or medium.") var network: String?
    @Option(help: "Training iterations (mini-batches).") var iterations: Int?
    @Option(help: "(simulation, start frame) pairs per mini-batch.") var batchSize: Int?
    @Option(help: "Learning rate.") var lr: Double?
    @Option(help: "adam or sgd.") var optimizer: String?
    @Option(help: "Learning-rate schedule: constant, cosine or step.") var schedule: String?
    @Option(help: "Linear warm-up iterations.") var warmup: Int?
    @Option(help: "Seed of initialisation, batches and ZO masks.") var seed: UInt64?
    @Option(help: "Worker threads for ZO queries.") var threads: Int?
    @Option(help: "ZO finite-difference step μ.") var mu: Double?
    @Option(help: "ZO estimator: central, forward or rge.") var estimator: String?
    @Option(help: "ZO sparsity: fraction of weights not queried per iteration (0 = dense CGE).") var sparsity: Double?
    @Option(help: "Layer-wise pruning ratios JSON (from ZO-GraSP); computed at start when absent.") var pruningRatios: String?
    @Option(help: "Re-draw the sparse mask every this many iterations.") var redrawInterval: Int?
    @Option(help: "Directions per estimate for --estimator rge.") var directions: Int?
    @Option(help: "Checkpoint every this many iterations.") var checkpointInterval: Int?
    @Option(help: "Log every this many iterations.") var logInterval: Int?
    @Flag(help: "Continue from the checkpoint at --out if it exists.") var resume = false
    @Flag(help: "Replace an existing checkpoint at --out.") var overwrite = false
    @Flag(help: "Print the resolved configuration as JSON and exit.") var printConfig = false
    @Flag(help: "Split ZO queries across MPI ranks (run under mpirun).") var mpi = false

    /// The configuration file (or defaults) with the command-line options applied.
    func resolvedConfiguration() throws -> TrainingConfiguration {
        var c = try config.map(TrainingConfiguration.load) ?? TrainingConfiguration()
        if let method { c.method = method }
        if let unroll { c.unroll = unroll }
        if let network { c.network = network }
        if let iterations { c.iterations = iterations }
        if let batchSize { c.batchSize = batchSize }
        if let lr { c.optimizer.learningRate = lr }
        if let optimizer { c.optimizer.kind = optimizer }
        if let schedule { c.schedule.kind = schedule }
        if let warmup { c.schedule.warmupIterations = warmup }
        if let seed { c.seed = seed }
        if let threads { c.threads = threads }
        if let mu { c.zo.mu = mu }
        if let estimator { c.zo.estimator = estimator }
        if let sparsity { c.zo.sparsity = sparsity }
        if let pruningRatios { c.zo.pruningRatios = pruningRatios }
        if let redrawInterval { c.zo.redrawInterval = redrawInterval }
        if let directions { c.zo.directions = directions }
        if let checkpointInterval { c.checkpointInterval = checkpointInterval }
        if let logInterval { c.logInterval = logInterval }
        try c.validate()
        return c
    }

    func run() throws {
        let configuration = try resolvedConfiguration()
        if printConfig { print(configuration.json()); return }
        if mpi { try MPI.initialize() }
        defer { if mpi { MPI.finalize() } }
        BLAS.setThreads(1)
        let summary = try TrainCommandRunner.train(data: data, out: out, configuration: configuration,
                                                   resume: resume, overwrite: overwrite, distributed: mpi,
                                                   quiet: mpi && MPI.rank != 0)
        if !mpi || MPI.rank == 0 {
            print(String(format: "%@: %d iterations, final loss %.4g, %.1f s%@ → %@", summary.method.label, summary.iterations,
                         summary.finalLoss, summary.elapsedSeconds,
                         summary.queries > 0 ? ", \(summary.queries) queries" : "", summary.checkpoint))
        }
    }
}

extension TrainingMethodKind: ExpressibleByArgument {}

/// Shared by `sol train` and `sol quickstart`: builds the trainer, warns about long ZO budgets
/// and reports progress on stderr.
enum TrainCommandRunner {
    static func train(data: String, out: String, configuration: TrainingConfiguration, resume: Bool,
                      overwrite: Bool, distributed: Bool = false, quiet: Bool = false) throws -> TrainingSummary {
        let dataset = try PairDataset(path: data)
        let trainer = try Trainer(dataset: dataset, configuration: configuration, output: out, resume: resume,
                                  overwrite: overwrite, distributed: distributed)
        if trainer.resumed && !quiet {
            Console.note("resuming \(out) at iteration \(trainer.iteration) of \(configuration.iterations)")
        }
        if configuration.method == .zoSOL && !quiet {
            let estimate = try trainer.estimatedSeconds()
            let perIteration = trainer.queriesPerIteration
            Console.note(String(format: "ZO-SOL: %d queries per iteration; estimated %@ for %d iterations on %d thread(s)",
                                perIteration, Progress.clock(estimate), configuration.iterations - trainer.iteration,
                                configuration.threads))
            if estimate > 3600 {
                Console.note("warning: this ZO budget takes more than an hour; lower --iterations, raise --sparsity or use more --threads/MPI ranks")
            }
        }
        let bar = quiet ? nil : Progress(total: configuration.iterations - trainer.iteration, label: configuration.method.label,
                                         unit: "it")
        let summary = try trainer.run { p in
            bar?.advance(detail: String(format: "loss %.4g%@", p.loss,
                                        p.queriesPerSecond > 0 ? String(format: ", %.0f queries/s", p.queriesPerSecond) : ""))
        }
        bar?.finish()
        return summary
    }
}
