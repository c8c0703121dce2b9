import ArgumentParser
import Foundation
import Corrector
import SOL

/// `sol train`: trains a corrector with NON, FO-SOL, ZO-SOL or NOG-SOL.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a corrector (NON, FO-SOL, ZO-SOL or NOG-SOL) on a dataset.",
        discussion: """
        Options override the configuration file (--config, JSON with the keys printed by \
        --print-config). The checkpoint (HDF5) is written atomically every --checkpoint-interval \
        iterations; the training log goes beside it (<out>.log.jsonl). A killed run continues \
        with --resume and ends with the same result as an uninterrupted one. --source-cmd or \
        --source-lib steps your own solver instead of the dataset's (ZO-SOL, NOG-SOL, NON; \
        docs/own-solver.md).
        """)

    @Option(help: "Dataset written by `sol generate`.") var data: String
    @Option(help: "Checkpoint to write, e.g. runs/zo.h5.") var out: String
    @Option(help: "JSON configuration file holding any training option.") var config: String?
    @Option(help: "non, fo-sol, zo-sol or nog-sol.") var method: TrainingMethodKind?
    @Option(parsing: .unconditional, help: "Unrolled solver steps per loss (NON always uses 1).") var unroll: Int?
    @Option(help: "Network preset: tiny, small or medium.") var network: NetworkArchitecture.Preset?
    @Option(help: "Convolution kernels: blocked (default) or im2col (the kernels of results computed before December 2026: same function, other last bits, slower).") var convolution: ConvolutionKernels?
    @Option(parsing: .unconditional, help: "Training iterations (mini-batches).") var iterations: Int?
    @Option(parsing: .unconditional, help: "(simulation, start frame) pairs per mini-batch.") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Learning rate.") var lr: Double?
    @Option(help: "adam or sgd.") var optimizer: OptimizerKind?
    @Option(help: "Learning-rate schedule: constant, cosine or step.") var schedule: ScheduleKind?
    @Option(parsing: .unconditional, help: "Linear warm-up iterations.") var warmup: Int?
    @Option(help: "Seed of initialisation, batches and ZO masks.") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Worker threads: ZO queries, or the corrector calls' batch items for the other methods (results do not depend on it).") var threads: Int?
    @Option(parsing: .unconditional, help: "ZO finite-difference step μ.") var mu: Double?
    @Option(help: "ZO estimator: central, forward, rge, guided (parameter space; guided: sparse CGE with NOG-SOL's gradient as an unbiased control variate) or vjp (the solver's state: exact backprop through the corrector, the solver's VJPs by finite differences of its state).") var estimator: EstimatorKind?
    @Option(parsing: .unconditional, help: "--estimator guided: iterations the fit of the guide's scale remembers.") var guideMemory: Double?
    @Option(help: "--estimator guided: central (default) or forward differences of the sampled coordinates (forward: half the queries).") var guidedScheme: DifferenceScheme?
    @Option(help: "--estimator vjp: forward (default) or central differences of the solver's state (central steps twice the states).") var vjpScheme: FiniteDifferenceVJP.Scheme?
    @Option(parsing: .unconditional, help: "ZO sparsity: fraction of weights not queried per iteration (0 = dense CGE).") var sparsity: Double?
    @Option(help: "Layer-wise pruning ratios JSON (from ZO-GraSP); computed at start when absent.") var pruningRatios: String?
    @Option(parsing: .unconditional, help: "Re-draw the sparse mask every this many iterations.") var redrawInterval: Int?
    @Option(parsing: .unconditional, help: "Directions per estimate for --estimator rge.") var directions: Int?
    @Option(parsing: .unconditional, help: "ZO-GraSP: random directions per RGE estimate (DeepZero: 192).") var graspDirections: Int?
    @Option(parsing: .unconditional, help: "ZO-GraSP: finite-difference step of its RGE estimates.") var graspMu: Double?
    @Option(help: "ZO-GraSP: seed of its random directions.") var graspSeed: UInt64?
    @Option(parsing: .unconditional, help: "Checkpoint every this many iterations.") var checkpointInterval: Int?
    @Option(parsing: .unconditional, help: "Log every this many iterations.") var logInterval: Int?
    @Flag(help: "Continue from the checkpoint at --out if it exists.") var resume = false
    @Flag(help: "Replace an existing checkpoint at --out.") var overwrite = false
    @Flag(help: "Print the resolved configuration as JSON and exit.") var printConfig = false
    @Flag(help: "Split ZO queries across MPI ranks (run under mpirun).") var mpi = false
    @OptionGroup(title: "Your own source solver") var solver: SourceSolverOptions

    /// The configuration file (or defaults) with the command-line options applied: each option
    /// overrides the key of the same meaning (the names `--print-config` shows).
    func resolvedConfiguration() throws -> TrainingConfiguration {
        let base = try config.map(TrainingConfiguration.load) ?? TrainingConfiguration()
        let c = try base.overriding([
            ("method", method?.rawValue), ("unroll", unroll), ("network", network?.rawValue), ("iterations", iterations),
            ("convolution", convolution?.rawValue),
            ("batchSize", batchSize), ("seed", seed), ("threads", threads),
            ("checkpointInterval", checkpointInterval), ("logInterval", logInterval),
            ("optimizer.learningRate", lr), ("optimizer.kind", optimizer?.rawValue),
            ("schedule.kind", schedule?.rawValue), ("schedule.warmupIterations", warmup),
            ("zo.mu", mu), ("zo.estimator", estimator?.rawValue), ("zo.sparsity", sparsity), ("zo.pruningRatios", pruningRatios),
            ("zo.redrawInterval", redrawInterval), ("zo.directions", directions), ("zo.graspDirections", graspDirections),
            ("zo.graspMu", graspMu), ("zo.graspSeed", graspSeed), ("zo.vjpScheme", vjpScheme?.rawValue),
            ("zo.guideMemory", guideMemory), ("zo.guidedScheme", guidedScheme?.rawValue),
        ])
        try c.validate()
        return c
    }

    func validate() throws {
        if resume && overwrite {
            throw ValidationError("--resume and --overwrite contradict each other: --resume continues the run at --out, --overwrite starts it anew")
        }
        _ = try asUsageError { try resolvedConfiguration() }
        try asUsageError {
            try OutputGuard.check(output: out, option: "--out", inputs: [("--data", data)] + (config.map { [("--config", $0)] } ?? []))
        }
    }

    func run() throws {
        let configuration = try resolvedConfiguration()
        if printConfig { print(configuration.json()); return }
        if mpi { try MPI.initialize() }
        defer { if mpi { MPI.finalize() } }
        BLAS.setThreads(1)
        let summary: TrainingSummary
        do {
            summary = try TrainCommandRunner.train(data: data, out: out, configuration: configuration,
                                                   resume: resume, overwrite: overwrite, distributed: mpi,
                                                   quiet: mpi && MPI.rank != 0, solver: solver)
        } catch where mpi && MPI.size > 1 {
            SOLCommand.endDistributedJob(error)
        }
        if !mpi || MPI.rank == 0 {
            if summary.alreadyFinished {
                print(String(format: "%@: %@ is finished (%d of %d iterations, final loss %.4g); nothing to do",
                             summary.method.label, summary.checkpoint, summary.iterations, configuration.iterations, summary.finalLoss))
            } else {
                print(String(format: "%@: %d iterations, final loss %.4g, %.1f s%@ → %@", summary.method.label, summary.iterations,
                             summary.finalLoss, summary.elapsedSeconds,
                             summary.queries == 0 ? "" : configuration.zo.estimator == .vjp && configuration.method == .zoSOL
                                ? ", \(summary.queries) perturbed solver states" : ", \(summary.queries) queries", summary.checkpoint))
            }
        }
    }
}

extension TrainingMethodKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
extension EstimatorKind: ExpressibleByArgument {}
extension FiniteDifferenceVJP.Scheme: ExpressibleByArgument {}
extension DifferenceScheme: ExpressibleByArgument {}
extension NetworkArchitecture.Preset: ExpressibleByArgument {}
extension ConvolutionKernels: ExpressibleByArgument {}

/// Shared by `sol train` and `sol quickstart`: builds the trainer, warns about long ZO budgets
/// and reports progress on stderr.
enum TrainCommandRunner {
    static func train(data: String, out: String, configuration: TrainingConfiguration, resume: Bool,
                      overwrite: Bool, distributed: Bool = false, quiet: Bool = false,
                      solver: SourceSolverOptions? = nil) throws -> TrainingSummary {
        let lock = distributed && MPI.rank != 0 ? nil : try OutputLock(out)
        defer { withExtendedLifetime(lock) {} }
        let dataset = try PairDataset(path: data)
        let source = try solver?.solver(for: dataset)
        let trainer = try Trainer(dataset: dataset, configuration: configuration, output: out, resume: resume,
                                  overwrite: overwrite, distributed: distributed, source: source)
        if let source, !quiet {
            Console.note("source solver: \(source.solverName) (stepping \(dataset.scenario.name) states of \(dataset.path))")
        }
        if trainer.resumed && !quiet && !trainer.isFinished {
            Console.note("resuming \(out) at iteration \(trainer.iteration) of \(configuration.iterations)")
        }
        if configuration.method == .zoSOL && !quiet && !trainer.isFinished {
            let ranks = distributed ? MPI.size : 1
            let estimate = try trainer.estimatedSeconds(ranks: ranks)
            if let states = trainer.vjpStatesPerIteration {
                Console.note(String(format: "ZO-SOL (state-space VJP, %@ differences): %d perturbed solver states per iteration; estimated %@ for %d iterations",
                                    configuration.zo.vjpScheme.rawValue, states, Progress.clock(estimate),
                                    configuration.iterations - trainer.iteration))
            } else {
                Console.note(String(format: "ZO-SOL: %d queries per iteration; estimated %@ for %d iterations on %d thread(s)%@",
                                    trainer.queriesPerIteration, Progress.clock(estimate), configuration.iterations - trainer.iteration,
                                    configuration.threads, ranks > 1 ? " × \(ranks) MPI ranks" : ""))
            }
            if estimate > 3600 {
                let levers = trainer.vjpStatesPerIteration != nil
                    ? (configuration.zo.vjpScheme == .central ? "use --vjp-scheme forward (half the states) or more MPI ranks"
                                                              : "use more MPI ranks")
                    : "raise --sparsity or use more --threads/MPI ranks"
                Console.note("warning: this ZO budget takes more than an hour; lower --iterations, \(levers)")
            }
        }
        let rateUnit = trainer.vjpStatesPerIteration == nil ? "queries/s" : "solver states/s"
        let bar = quiet ? nil : Progress(total: configuration.iterations - trainer.iteration, label: configuration.method.label,
                                         unit: "it")
        let summary = try trainer.run { p in
            bar?.advance(detail: String(format: "loss %.4g%@", p.loss,
                                        p.queriesPerSecond > 0 ? String(format: ", %.0f %@", p.queriesPerSecond, rateUnit) : ""))
        }
        bar?.finish()
        return summary
    }
}
