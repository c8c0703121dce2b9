import Corrector

/// A named choice of a training option (optimizer, schedule, estimator): its raw value is what
/// users write in a configuration file and on the command line; a wrong value names the choices.
public protocol TrainingOptionChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension TrainingOptionChoice {
    /// The choices as text: `adam, sgd`.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "use one of \(Self.choices), got '\(raw)'")
        }
        self = value
    }
}

/// The optimizer that consumes the gradient.
public enum OptimizerKind: String, TrainingOptionChoice {
    /// Adam (Kingma & Ba 2015): the Solver-in-the-Loop setup.
    case adam
    /// SGD with (Nesterov) momentum: DeepZero's setup.
    case sgd
}

/// The learning-rate schedule after the optional linear warm-up.
public enum ScheduleKind: String, TrainingOptionChoice {
    /// The initial rate throughout.
    case constant
    /// Cosine decay to `minimumFactor` × the initial rate at the last iteration: depends on `iterations`.
    case cosine
    /// Multiplied by `gamma` every `stepSize` iterations.
    case step
}

/// How ZO-SOL estimates the gradient.
public enum EstimatorKind: String, TrainingOptionChoice {
    /// Coordinate-wise central differences: 2 queries per coordinate, error O(μ²).
    case central
    /// Coordinate-wise forward differences: 1 query per coordinate, error O(μ).
    case forward
    /// Randomised gradient estimation along `directions` Gaussian directions (central).
    case rge
    /// Zeroth order through the solver's STATE: exact backpropagation through the corrector,
    /// the solver's vector-Jacobian products estimated by finite differences of its state
    /// (``FiniteDifferenceVJP``, forward by default, step μ relative to the state's scale; `step`
    /// calls only).
    case vjp
    /// Sparse CGE (central by default) guided by NOG-SOL's gradient as a control variate
    /// (``GuidedCoordinateEstimator``): unbiased, the guide fills what the mask does not query.
    case guided
}

extension NetworkArchitecture.Preset {
    /// The presets as text: `tiny, small, medium`.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
