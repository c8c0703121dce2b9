/// Errors raised by the zeroth-order engine. Messages say what to change.
public enum ZOTrainError: Error, CustomStringConvertible, Equatable {
    /// A pruning-ratio file does not match the network it is applied to.
    case layoutMismatch(path: String, expected: String, found: String)
    /// A pruning-ratio file could not be parsed.
    case invalidRatioFile(path: String, reason: String)
    /// An optimizer state does not fit the parameter vector.
    case invalidOptimizerState(name: String, expected: Int, found: Int)
    /// An estimator was given inputs that do not fit (the reason says which and how).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .layoutMismatch(path, expected, found):
            return "\(path) holds pruning ratios for layers \(found), but the network has \(expected); recompute them with ZO-GraSP for this network"
        case let .invalidRatioFile(path, reason):
            return "\(path) is not a pruning-ratio file: \(reason)"
        case let .invalidOptimizerState(name, expected, found):
            return "optimizer state '\(name)' has \(found) values, the parameters \(expected); was the checkpoint made for another network?"
        case let .invalidArgument(reason):
            return reason
        }
    }
}
