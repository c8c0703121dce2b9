import ArgumentParser
import Foundation
import SOL
import Solver

/// `sol generate`: low/high-fidelity simulation pairs to an HDF5 file (layout: datasets/README.md).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate reference trajectories, downsample them to the source grid and write them to HDF5.",
        discussion: """
        Runs the scenario's reference (high-fidelity) solver for every training and test simulation, \
        discards the warm-up frames, downsamples each frame to the source grid and writes the \
        trajectories with everything needed to rebuild the source solver. Train and test simulations \
        use disjoint parameters. An interrupted run resumes from <out>.partial. --reference-cmd or \
        --reference-lib steps your own reference solver instead (docs/own-solver.md); the scenario \
        still gives the grids, initial states and downsampling.
        """)

    @Option(help: "Scenario: \(ScenarioRegistry.names.joined(separator: ", ")).")
    var scenario: String = "burgers"

    @Option(help: "Output file (.h5).")
    var out: String

    @Option(parsing: .unconditional, help: "Training simulations.")
    var train: Int = 6

    @Option(parsing: .unconditional, help: "Test simulations.")
    var test: Int = 4

    @Option(parsing: .unconditional, help: "Frames stored per simulation (each one source step apart; a K-step `sol eval` needs K + 1).")
    var steps: Int = GenerationOptions().frames

    @Option(parsing: .unconditional, help: "Reference frames discarded before the first stored frame (default: the scenario's).")
    var warmup: Int?

    @Option(parsing: .unconditional, help: "Source grid resolution (points per side; default: the scenario's).")
    var resolution: Int?

    @Option(parsing: .unconditional, help: "Reference resolution = factor × source resolution (≥ 2; default: the scenario's).")
    var factor: Int?

    @Option(parsing: .unconditional, help: "Time between frames (default: the scenario's).")
    var dt: Double?

    @Option(help: "Seed of the parameters and initial conditions.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Simulations computed together in one batch.")
    var batch: Int = 8

    @OptionGroup(title: "Your own reference solver") var referenceSolver: ReferenceSolverOptions

    @Option(help: "karman only: self-advection of the reference solver, \(KarmanAdvection.allCases.map(\.rawValue).joined(separator: " or ")) (default: semi-lagrangian, the original benchmark's; the source always uses it).")
    var advection: String?

    @Option(help: "burgers and kolmogorov only: exponential time stepper of both solvers, \(SpectralTimeStepper.allCases.map(\.rawValue).joined(separator: " or ")) (default: etdrk4; etdrk2 evaluates the nonlinear term twice per step instead of four times, second order in time).")
    var timeStepper: String?

    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    func validate() throws {
        try ScenarioOverrides.validate(scenario: scenario, resolution: resolution, factor: factor, dt: dt, out: out, overwrite: overwrite)
        if let advection {
            guard scenario == KarmanScenario.name else { throw ValidationError("--advection applies to the karman scenario only") }
            guard KarmanAdvection(rawValue: advection) != nil else {
                throw ValidationError("unknown --advection '\(advection)'; available: \(KarmanAdvection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let timeStepper {
            guard (try? ScenarioRegistry.scenario(named: scenario)) is any SpectralScenario else {
                throw ValidationError("--time-stepper applies to the spectral scenarios only (burgers, kolmogorov)")
            }
            guard SpectralTimeStepper(rawValue: timeStepper) != nil else {
                throw ValidationError("unknown --time-stepper '\(timeStepper)'; available: \(SpectralTimeStepper.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let base = try ScenarioRegistry.scenario(named: scenario)
        var configured = try base.with(resolution: resolution, factor: factor, dt: dt)
        if let advection, var karman = configured as? KarmanScenario {
            karman.referenceAdvection = KarmanAdvection(rawValue: advection)
            configured = karman
        }
        if let timeStepper, var spectral = configured as? any SpectralScenario {
            spectral.timeStepper = SpectralTimeStepper(rawValue: timeStepper)
            configured = spectral
        }
        let options = GenerationOptions(train: train, test: test, frames: steps, warmup: warmup, seed: seed, batch: batch)
        let generator = try PairGenerator(scenario: configured, options: options, reference: try referenceSolver.solver(for: configured))
        let progress = Progress(total: generator.progressTotal, label: "generate \(scenario)", unit: "frames")
        let lock = try OutputLock(out)
        let summary = try withExtendedLifetime(lock) { try generator.generate(to: out, overwrite: overwrite, progress: progress) }
        let grid = configured.sourceGrid.map(String.init).joined(separator: "×")
        let refGrid = configured.referenceGrid.map(String.init).joined(separator: "×")
        print("wrote \(out): \(scenario), \(train) train + \(test) test simulations × \(steps) frames, "
              + "channels \(configured.channels.joined(separator: ",")), source \(grid) (reference \(refGrid)), "
              + "warm-up \(generator.warmup), \(summary.computed) computed, \(summary.resumed) resumed, "
              + String(format: "%.1f s", summary.seconds))
    }
}
