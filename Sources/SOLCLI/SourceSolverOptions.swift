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
        try OwnSolverOptionChecks.validate(command: sourceCmd, library: sourceLib, timeout: solverTimeout, role: "source",
                                           starts: "your solver, e.g. \"python3 my_solver.py\"")
    }

    /// The user's solver stepping `dataset`'s states, or nil for the dataset's own.
    func solver(for dataset: PairDataset) throws -> (any SourceSolver)? {
        try OwnSolverOptionChecks.backend(command: sourceCmd, library: sourceLib).map {
            try ExternalSourceSolver(scenario: dataset.scenario, backend: $0, timeout: solverTimeout)
        }
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
        try OwnSolverOptionChecks.validate(command: referenceCmd, library: referenceLib, timeout: solverTimeout, role: "reference",
                                           starts: "your reference solver")
    }

    /// The user's reference solver for `scenario`, or nil for the scenario's own.
    func solver(for scenario: any Scenario) throws -> ExternalSourceSolver? {
        try OwnSolverOptionChecks.backend(command: referenceCmd, library: referenceLib).map {
            try ExternalSourceSolver(scenario: scenario, backend: $0, role: .reference, timeout: solverTimeout)
        }
    }
}

/// What the source and reference option groups share: at most one of `--ROLE-cmd` and
/// `--ROLE-lib`, a non-empty command, a positive timeout, and the backend they name.
private enum OwnSolverOptionChecks {
    static func validate(command: String?, library: String?, timeout: Double, role: String, starts: String) throws {
        if command != nil && library != nil {
            throw ValidationError("--\(role)-cmd and --\(role)-lib both replace the \(role) solver: give one of them")
        }
        if let command, command.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--\(role)-cmd is empty: give the command that starts \(starts)")
        }
        guard timeout > 0 && timeout.isFinite else {
            throw ValidationError("--solver-timeout must be a positive number of seconds (got \(timeout))")
        }
    }

    /// The backend `command` or `library` names (nil: neither was given).
    static func backend(command: String?, library: String?) -> ExternalSourceSolver.Backend? {
        command.map { .command($0) } ?? library.map { .library($0) }
    }
}
