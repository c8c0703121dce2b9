import ArgumentParser
import Foundation
import SOL

/// The `sol` command line: generate low/high-fidelity pairs, train correctors, evaluate them.
///
/// Exit codes (docs/reliability.md): 0 success; 64 a usage error — an option, a configuration
/// file or an output path that cannot work, found before anything runs (as ArgumentParser's
/// own parse errors); 1 a runtime failure — a file, the solver, the training, the disk.
@main
struct SOLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sol",
        abstract: "Solver-in-the-loop learning with zeroth-order training.",
        discussion: """
        Pipeline: `sol generate` writes low/high-fidelity simulation pairs (HDF5), `sol train` \
        trains a corrector (NON, FO-SOL, ZO-SOL, NOG-SOL), `sol eval` prints the MAE table. \
        `sol inspect FILE` shows what a dataset or checkpoint holds. Exit codes: 0 success, \
        64 usage error, 1 runtime failure; --verbose shows HDF5's whole error stack.
        """,
        version: "0.1.0",
        subcommands: [QuickstartCommand.self, Generate.self, Train.self, Evaluate.self, Diagnose.self, Inspect.self,
                      Export.self, Import.self]
    )

    /// Exit code of usage errors (`EX_USAGE`, as ArgumentParser uses for its own).
    static let usageError: Int32 = 64

    static func main() {
        // sol parallelises itself (query pools, batched states, MPI ranks): OpenBLAS's own threads
        // would only spin against them (sched_yield), whatever OPENBLAS_NUM_THREADS says.
        BLAS.setThreads(1)
        let verbose = CommandLine.arguments.dropFirst().contains("--verbose")
        let command: any ParsableCommand
        do { command = try parseAsRoot(CommandLine.arguments.dropFirst().filter { $0 != "--verbose" }) } catch {
            exit(withError: userFacing(error, verbose: verbose))
        }
        var running = command
        do { try running.run() } catch {
            let failure = userFacing(error, verbose: verbose)
            if let usage = failure as? ValidationError {
                // Found while running: the message alone (the usage line would name no subcommand).
                FileHandle.standardError.write(Data("Error: \(usage.message)\n".utf8))
                exit(withError: ExitCode(usageError))
            }
            exit(withError: failure)
        }
    }

    /// The collective failure path of an MPI job: an error on one rank must end every rank,
    /// promptly, with that rank's message, even while the others wait in a collective call.
    /// An error every rank raised together (the ranks disagree) is printed once, by rank 0, and
    /// every rank exits normally; any other error is printed with its rank and host, and the
    /// job is aborted (`MPI_Abort`: `mpirun` ends every rank within moments).
    static func endDistributedJob(_ error: any Error) -> Never {
        let verbose = CommandLine.arguments.contains("--verbose")
        let failure = userFacing(error, verbose: verbose)
        let code = failure is ValidationError ? usageError : 1
        let message = (failure as? ValidationError)?.message ?? "\(failure)"
        if case SOLError.ranksDisagree? = error as? SOLError {
            if MPI.rank == 0 { FileHandle.standardError.write(Data("Error: \(message)\n".utf8)) }
            MPI.finalize()
            Foundation.exit(code)
        }
        FileHandle.standardError.write(Data("Error: rank \(MPI.rank) of \(MPI.size) on \(MPI.hostName): \(message)\n".utf8))
        MPI.abort(code: code)
    }

    /// The error as the user sees it: option and output-path errors become usage errors (exit
    /// 64, with the usage line); everything else is a runtime failure (exit 1) with a one-line
    /// message, or HDF5's whole error stack with `--verbose`.
    static func userFacing(_ error: any Error, verbose: Bool) -> any Error {
        switch error {
        case let error as SOLError:
            switch error {
            case .invalidOption, .invalidConfiguration, .outputIsInput, .outputIsDirectory, .checkpointExists, .resumeMismatch:
                return ValidationError(error.description)
            default:
                return RuntimeFailure(message: error.description)
            }
        case let error as GenerationError:
            return ValidationError(error.description)
        case let error as CoreError:
            switch error {
            case .fileExists, .tooLarge: return ValidationError(error.description)
            default: break
            }
            return RuntimeFailure(message: verbose ? error.detailedDescription : error.description)
        default:
            // ArgumentParser's own errors keep their codes; other errors of the modules print
            // their description and exit 1.
            return error
        }
    }
}

/// A runtime failure: printed as `Error: <message>`, exit code 1.
struct RuntimeFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs a check inside `validate()`: a ``SOLError`` becomes a `ValidationError` (usage, exit 64),
/// since ArgumentParser reports any other error type thrown there as a failure (exit 1).
func asUsageError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as SOLError { throw ValidationError(error.description) }
}
