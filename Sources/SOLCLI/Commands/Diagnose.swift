import ArgumentParser
import Foundation
import Corrector
import SOL

/// `sol diagnose`: cosines and norm ratios between the NOG-SOL, ZO-SOL and FO-SOL gradients.
struct Diagnose: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the NOG-SOL, ZO-SOL and FO-SOL gradients on a few training mini-batches.",
        discussion: """
        For each mini-batch: the exact gradient through corrector and solver (FO-SOL), the gradient \
        through the corrector only (NOG-SOL) and the ZO-SOL estimate (dense central CGE unless \
        --sparsity is given), their cosines and norm ratios, at initialisation and, with --model, at \
        trained weights. A cos(NOG, FO) near 1 means the solver's Jacobian hardly changes the descent \
        direction for this problem; a low one means it matters.
        """)

    @Option(help: "Dataset written by `sol generate`.") var data: String
    @Option(name: .customLong("model"), help: "A checkpoint written by `sol train` (repeat for several).") var models: [String] = []
    @Option(parsing: .unconditional, help: "Training mini-batches compared.") var batches = 4
    @Option(parsing: .unconditional, help: "(simulation, start frame) pairs per mini-batch.") var batchSize = 3
    @Option(parsing: .unconditional, help: "Unrolled solver steps of the loss.") var unroll = 4
    @Option(parsing: .unconditional, help: "ZO finite-difference step μ.") var mu = 1e-3
    @Option(parsing: .unconditional, help: "ZO sparsity (0 = dense CGE).") var sparsity = 0.0
    @Option(help: "ZO estimate: central, forward, rge, guided (sparse CGE guided by NOG-SOL; needs --sparsity > 0; its scale is fitted over the batches in order, 0 at the first) or vjp (the solver's VJPs from differences of its state; use --mu 1e-2).")
    var estimator: EstimatorKind = .central
    @Option(help: "--estimator vjp: forward or central differences of the solver's state.")
    var vjpScheme: FiniteDifferenceVJP.Scheme = .forward
    @Option(help: "--estimator guided: central or forward differences of the sampled coordinates.")
    var guidedScheme: DifferenceScheme = .central
    @Option(help: "Network preset of the initial weights.") var network: NetworkArchitecture.Preset = .tiny
    @Option(help: "Convolution kernels of the initial weights' network: blocked or im2col (trained models keep theirs).")
    var convolution: ConvolutionKernels = .blocked
    @Option(help: "Seed of the initial weights and of the mini-batches.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Worker threads for ZO queries.") var threads = 2
    @Flag(help: "Skip the initial weights (only the --model weights).") var skipInit = false
    @Option(help: "markdown or json.") var format = "markdown"

    func validate() throws {
        guard batches >= 1, batchSize >= 1, unroll >= 1, threads >= 1 else {
            throw ValidationError("--batches, --batch-size, --unroll and --threads must be ≥ 1")
        }
        guard mu > 0 && mu < 1 else { throw ValidationError("--mu must be in (0, 1), got \(mu)") }
        guard sparsity >= 0 && sparsity < 1 else { throw ValidationError("--sparsity must be in [0, 1), got \(sparsity)") }
        guard estimator != .guided || sparsity > 0 else {
            throw ValidationError("--estimator guided samples a sparse mask: give --sparsity > 0 (e.g. 0.9)")
        }
        guard ["markdown", "json"].contains(format) else { throw ValidationError("--format: use markdown or json, got \(format)") }
        guard !(skipInit && models.isEmpty) else { throw ValidationError("--skip-init needs at least one --model") }
    }

    func run() throws {
        BLAS.setThreads(1)
        let dataset = try PairDataset(path: data)
        let trained = try models.map { try TrainedModel(path: $0, dataset: dataset) }
        let start = Date()
        let reports = try GradientDiagnostic.run(dataset: dataset, models: trained, preset: network, batches: batches,
                                                 unroll: unroll, batchSize: batchSize, mu: mu, sparsity: sparsity, estimator: estimator,
                                                 vjpScheme: vjpScheme, guidedScheme: guidedScheme,
                                                 threads: threads, seed: seed, includeInitialisation: !skipInit,
                                                 convolution: convolution)
        Console.note(String(format: "diagnostic done in %.1f s", Date().timeIntervalSince(start)))
        print(format == "json" ? GradientDiagnostic.json(reports) : GradientDiagnostic.markdown(reports))
    }
}
