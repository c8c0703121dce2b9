/// Errors raised by the core module: file access, HDF5, shape checks and MPI. Messages name the
/// file and object involved and say what to do.
public enum CoreError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but is not an HDF5 file.
    case notHDF5(path: String)
    /// The output file exists and overwriting was not requested.
    case fileExists(path: String)
    /// An HDF5 call failed; `details` is HDF5's error stack, innermost last.
    case hdf5(operation: String, file: String, object: String, details: [String])
    /// A dataset or attribute is missing.
    case missing(kind: String, name: String, file: String)
    /// A dataset has another shape, rank or type than the caller expects.
    case shapeMismatch(file: String, object: String, expected: String, found: String)
    /// An MPI call failed.
    case mpi(operation: String, code: Int32)
    /// A file system operation failed.
    case io(operation: String, path: String, reason: String)
    /// The path names a directory where a file is expected.
    case isDirectory(path: String)
    /// The file is an HDF5 file that cannot be opened (truncated or damaged); `details` is HDF5's error stack.
    case damagedHDF5(path: String, details: [String])
    /// The disk (or quota) is full while writing the file.
    case noSpace(path: String)
    /// The requested sizes need more memory than the machine has.
    case tooLarge(what: String, needed: Double, available: Double, advice: String)
    /// FFTW could not plan a transform (sizes beyond memory or FFTW's limits).
    case fftPlan(description: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "no such file: \(path)"
        case let .notHDF5(path):
            return "\(path) is not an HDF5 file (wrong format, or empty)"
        case let .fileExists(path):
            return "\(path) already exists; pass --overwrite to replace it"
        case let .hdf5(operation, file, object, details):
            let where_ = object.isEmpty ? file : "\(file):\(object)"
            // The innermost message says what went wrong; the whole stack is in detailedDescription.
            let why = details.last.map { ": " + $0 } ?? ""
            return "HDF5 could not \(operation) \(where_)\(why)"
        case let .missing(kind, name, file):
            return "\(file) has no \(kind) '\(name)'"
        case let .shapeMismatch(file, object, expected, found):
            return "\(file):\(object) holds \(found), expected \(expected)"
        case let .mpi(operation, code):
            return "MPI call \(operation) failed with code \(code)"
        case let .io(operation, path, reason):
            return "could not \(operation) \(path): \(reason)"
        case let .isDirectory(path):
            return "\(path) is a directory; give a file"
        case let .damagedHDF5(path, _):
            return "\(path) is truncated or damaged (not a complete HDF5 file)"
        case let .noSpace(path):
            return "no space left on the device writing \(path)"
        case let .tooLarge(what, needed, available, advice):
            return "\(what) needs about \(MemoryBudget.format(needed)) of memory, the machine has \(MemoryBudget.format(available)); \(advice)"
        case let .fftPlan(description, reason):
            return "cannot plan the \(description): \(reason); use a smaller grid or batch"
        }
    }

    /// ``description`` plus, for HDF5 failures, HDF5's whole error stack (what `--verbose` prints).
    public var detailedDescription: String {
        switch self {
        case let .hdf5(_, _, _, details), let .damagedHDF5(_, details):
            return ([description, "HDF5 error stack, outermost first:"] + details.map { "  " + $0 }).joined(separator: "\n")
        default:
            return description
        }
    }
}
