/// Errors raised by the corrector: bad input, bad architectures and checkpoints that do not fit.
/// Messages say what was expected, what was found and what to do.
public enum CorrectorError: Error, CustomStringConvertible, Equatable {
    /// The input has another number of channels than the network expects.
    case channelMismatch(expected: Int, found: Int)
    /// The input is not a `[B, C, H, W]` tensor, or its size does not fit the network.
    case invalidShape(expected: String, found: [Int])
    /// The input holds a NaN or an infinity (first offending element given).
    case nonFiniteInput(batch: Int, channel: Int, y: Int, x: Int, value: Float)
    /// The architecture is not valid (e.g. an even kernel, residual blocks with unequal widths).
    case invalidArchitecture(String)
    /// The parameter vector or statistics do not have the sizes the architecture implies.
    case parameterCountMismatch(expected: Int, found: Int)
    /// A checkpoint was written for another architecture; `differences` lists every field.
    case architectureMismatch(path: String, differences: [String])
    /// A checkpoint is not a corrector checkpoint or is damaged.
    case invalidCheckpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .channelMismatch(expected, found):
            return "the network expects \(expected) input channel(s) but the input has \(found); "
                + "assemble the input with the channels the network was built for (velocity components plus constant channels)"
        case let .invalidShape(expected, found):
            return "input of shape \(found) does not fit the network: expected \(expected)"
        case let .nonFiniteInput(b, c, y, x, value):
            return "the input holds \(value) at batch \(b), channel \(c), y \(y), x \(x); "
                + "the solver state has diverged or a field was not initialised"
        case let .invalidArchitecture(reason):
            return "invalid network architecture: \(reason)"
        case let .parameterCountMismatch(expected, found):
            return "the architecture needs \(expected) parameters but \(found) were given"
        case let .architectureMismatch(path, differences):
            return "checkpoint \(path) was written for another network architecture: "
                + differences.joined(separator: "; ")
                + "; build the network with the checkpoint's architecture (`sol inspect \(path)`) or train a new one"
        case let .invalidCheckpoint(path, reason):
            return "\(path) is not a usable corrector checkpoint: \(reason)"
        }
    }
}
