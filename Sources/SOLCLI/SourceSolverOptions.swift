import ArgumentParser
import Foundation
import SOL

/// `--source-cmd`, `--source-lib`, `--solver-timeout`: a user's own source solver in place of the
/// dataset's (docs/own-solver.md), shared by `sol train` and `sol eval`.
struct SourceSolverOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Step the source solver with this command (a process speaking the sol-solver protocol; docs/own-solver.md).",
                               valueName: "command"))
    var sourceCmd: String?
    @Option(help: ArgumentHelp("Step the source solver with this shared library (C ABI of include/sol_solver.h).", valueName: "path"))
    var sourceLib: String?
    @Option(parsing: .unconditional, help: "Seconds a --source-cmd process may take to answer one message.")
    var solverTimeout: Double = 60

    func validate() throws {
        if sourceCmd != nil && sourceLib != nil {
            throw ValidationError("--source-cmd and --source-lib both replace the source solver: give one of them")
        }
        if let sourceCmd, sourceCmd.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--source-cmd is empty: give the command that starts your solver, e.g. \"python3 my_solver.py\"")
        }
        guard solverTimeout > 0 && solverTimeout.isFinite else {
            throw ValidationError("--solver-timeout must be a positive number of seconds (got \(solverTimeout))")
        }
    }

    /// The user's solver stepping `dataset`'s states, or nil for the dataset's own.
    func solver(for dataset: PairDataset) throws -> (any SourceSolver)? {
        if let sourceCmd {
            return try ExternalSourceSolver(scenario: dataset.scenario, backend: .command(sourceCmd), timeout: solverTimeout)
        }
        if let sourceLib {
            return try ExternalSourceSolver(scenario: dataset.scenario, backend: .library(sourceLib), timeout: solverTimeout)
        }
        return nil
    }
}

/// `--reference-cmd`, `--reference-lib`, `--solver-timeout`: a user's own reference solver for
/// `sol generate` (docs/own-solver.md).
struct ReferenceSolverOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Step the reference solver with this command (the sol-solver protocol, role \"reference\").",
                               valueName: "command"))
    var referenceCmd: String?
    @Option(help: ArgumentHelp("Step the reference solver with this shared library (include/sol_solver.h).", valueName: "path"))
    var referenceLib: String?
    @Option(parsing: .unconditional, help: "Seconds a --reference-cmd process may take to answer one message.")
    var solverTimeout: Double = 60

    func validate() throws {
        if referenceCmd != nil && referenceLib != nil {
            throw ValidationError("--reference-cmd and --reference-lib both replace the reference solver: give one of them")
        }
        if let referenceCmd, referenceCmd.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--reference-cmd is empty: give the command that starts your reference solver")
        }
        guard solverTimeout > 0 && solverTimeout.isFinite else {
            throw ValidationError("--solver-timeout must be a positive number of seconds (got \(solverTimeout))")
        }
    }

    /// The user's reference solver for `scenario`, or nil for the scenario's own.
    func solver(for scenario: any Scenario) throws -> ExternalSourceSolver? {
        let backend: ExternalSourceSolver.Backend? = referenceCmd.map { .command($0) } ?? referenceLib.map { .library($0) }
        return try backend.map { try ExternalSourceSolver(scenario: scenario, backend: $0, role: .reference, timeout: solverTimeout) }
    }
}
