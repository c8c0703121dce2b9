import ArgumentParser
import Foundation
import SOL

/// `sol eval`: the MAE table of SRC and every model on the test simulations.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Roll out SRC and every model on the test simulations and print the MAE table.")

    @Option(help: "Dataset written by `sol generate`.") var data: String
    @Option(name: .customLong("model"), help: "A checkpoint written by `sol train` (repeat for several).") var models: [String] = []
    @Option(parsing: .unconditional, help: "Rollout length K.") var steps = 100
    @Option(help: "markdown, csv or json.") var format: MAETable.Format = .markdown
    @Option(help: "Also write every rollout to this HDF5 file (for the notebooks).") var rollouts: String?
    @Flag(help: "Replace an existing --rollouts file.") var overwrite = false
    @OptionGroup(title: "Your own source solver") var solver: SourceSolverOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be ≥ 1 (got \(steps))") }
        if let rollouts {
            try asUsageError {
                try OutputGuard.check(output: rollouts, option: "--rollouts", inputs: [("--data", data)] + models.map { ("--model", $0) })
            }
        }
    }

    func run() throws {
        BLAS.setThreads(1)
        let dataset = try PairDataset(path: data)
        let trained = try models.map { try TrainedModel(path: $0, dataset: dataset) }
        let evaluator = try Evaluator(dataset: dataset, models: trained, steps: steps, source: try solver.solver(for: dataset))
        let lock = try rollouts.map(OutputLock.init)
        let table = try withExtendedLifetime(lock) {
            try evaluator.run(writingRolloutsTo: rollouts, overwrite: overwrite) { label in
                Console.note("rolling out \(label) for \(steps) steps")
            }
        }
        print(table.rendered(as: format))
    }
}

extension MAETable.Format: ExpressibleByArgument {}
