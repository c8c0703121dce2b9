/// Errors of the solver-in-the-loop layer: datasets, models, training and evaluation inputs.
/// Each message names the file or option involved and what to do about it.
public enum SOLError: Error, CustomStringConvertible, Equatable {
    /// The file is not a dataset written by `sol generate`.
    case notADataset(path: String, reason: String)
    /// The file is not a checkpoint written by `sol train`.
    case notACheckpoint(path: String, reason: String)
    /// The model was trained on another scenario or channel layout than the dataset holds.
    case modelDatasetMismatch(model: String, dataset: String, reason: String)
    /// The requested unroll/rollout needs more frames than the trajectories store.
    case trajectoryTooShort(path: String, needed: Int, available: Int)
    /// An option value is out of range or inconsistent.
    case invalidOption(name: String, reason: String)
    /// A configuration file could not be read.
    case invalidConfiguration(path: String, reason: String)
    /// Training produced a non-finite loss or gradient.
    case diverged(method: String, iteration: Int, reason: String)
    /// The checkpoint of a new training run already exists.
    case checkpointExists(path: String)
    /// A checkpoint to resume from does not match the requested run.
    case resumeMismatch(path: String, reason: String)
    /// A file to import is not in the layout of the named exchange format (`pbdl`, `well`).
    case notAnExchangeFile(path: String, format: String, reason: String)
    /// Data to import does not fit the scenario: `what` is `grid`, `channels`, `dt`, `parameters`
    /// or `frames`.
    case importMismatch(path: String, scenario: String, what: String, reason: String)
    /// An output path names one of the command's inputs.
    case outputIsInput(option: String, path: String)
    /// An output path names an existing directory.
    case outputIsDirectory(option: String, path: String)
    /// MPI ranks of one job were given different options or data.
    case ranksDisagree(details: [String])
    /// Another running `sol` process writes this output.
    case outputBusy(path: String)
    /// A solver (a user's process or library) failed: `solver` names its role and itself
    /// (`source solver "python3 s.py"`), `context` says when and on which batch (`in iteration 3
    /// at unroll step 2 of 4 on a batch of 3 states (viscosity …)`), `reason` what it did.
    case solverFailed(solver: String, context: String, reason: String)

    public var description: String {
        switch self {
        case let .notADataset(path, reason):
            return "\(path) is not a sol dataset (\(reason)); create one with `sol generate`"
        case let .notACheckpoint(path, reason):
            return "\(path) is not a sol training checkpoint (\(reason)); create one with `sol train`"
        case let .modelDatasetMismatch(model, dataset, reason):
            return "model \(model) does not fit dataset \(dataset): \(reason)"
        case let .trajectoryTooShort(path, needed, available):
            return "\(path): the run needs \(needed) consecutive frames but the trajectories hold \(available); "
                + "lower --unroll/--steps or generate longer trajectories (--steps)"
        case let .invalidOption(name, reason):
            return "invalid --\(name): \(reason)"
        case let .invalidConfiguration(path, reason):
            return "cannot use configuration \(path): \(reason)"
        case let .diverged(method, iteration, reason):
            return "\(method) training diverged at iteration \(iteration): \(reason); lower the learning rate or μ"
        case let .checkpointExists(path):
            return "\(path) already exists; pass --resume to continue that run or --overwrite to start over"
        case let .resumeMismatch(path, reason):
            return "cannot resume from \(path): \(reason); start a new run with --overwrite"
        case let .notAnExchangeFile(path, format, reason):
            return "\(path) is not a \(format) dataset: \(reason)"
        case let .importMismatch(path, scenario, what, reason):
            return "\(path) does not match the \(scenario) scenario: \(what): \(reason)"
        case let .outputIsInput(option, path):
            return "the output \(path) is the \(option) input; writing it would destroy the input: choose another output path"
        case let .outputIsDirectory(option, path):
            return "\(option) \(path) is a directory; give a file path, e.g. \(path)/out.h5"
        case let .ranksDisagree(details):
            return "the MPI ranks disagree with rank 0 — " + details.joined(separator: "; ")
                + "; give every rank the same options and the same dataset content"
        case let .outputBusy(path):
            return "\(path) is being written by another running sol process (lock \(path).lock); wait for it or choose another output"
        case let .solverFailed(solver, context, reason):
            return "the \(solver) failed \(context): \(reason)"
        }
    }
}
