import SOLCore

/// Errors of the solver module: bad configurations and parameters, unknown scenarios, shape
/// mismatches and numerical blow-up. Messages say what is wrong and what to change.
public enum SolverError: Error, CustomStringConvertible, Equatable {
    /// No registered scenario has this name.
    case unknownScenario(name: String, available: [String])
    /// A configuration value is invalid (non-positive resolution, factor < 2, …).
    case invalidConfiguration(scenario: String, reason: String)
    /// A simulation parameter is missing.
    case missingParameter(scenario: String, name: String)
    /// A simulation parameter is out of its valid or stable range.
    case invalidParameter(scenario: String, name: String, value: Double, reason: String)
    /// A scenario configuration stored in a file could not be decoded.
    case badConfiguration(scenario: String, reason: String)
    /// A state tensor does not have the simulator's `[B, C, H, W]` shape.
    case shapeMismatch(expected: [Int], found: [Int])
    /// A simulation produced NaN, infinity or values beyond the scenario's limit.
    case blowUp(simulation: String, step: Int, maxAbs: Double, limit: Double)
    /// The scenario's source simulator has no discrete adjoint.
    case notDifferentiable(scenario: String)
    /// A user's solver (another process or a C library, ``ExternalSourceSolver``) failed:
    /// `solver` names its role and itself (`source solver "python3 s.py"`), `reason` says what
    /// it did ("exited with status 1 during a step …").
    case externalSolver(solver: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownScenario(name, available):
            return "unknown scenario '\(name)'; available: \(available.joined(separator: ", "))"
        case let .invalidConfiguration(scenario, reason):
            return "invalid \(scenario) configuration: \(reason)"
        case let .missingParameter(scenario, name):
            return "\(scenario): simulation parameter '\(name)' is missing"
        case let .invalidParameter(scenario, name, value, reason):
            return "\(scenario): parameter \(name) = \(value) is invalid: \(reason)"
        case let .badConfiguration(scenario, reason):
            return "could not read the \(scenario) configuration: \(reason)"
        case let .shapeMismatch(expected, found):
            return "states have shape \(found), the simulator expects \(expected)"
        case let .blowUp(simulation, step, maxAbs, limit):
            let what = maxAbs.isFinite ? "max |value| = \(maxAbs) exceeds \(limit)" : "NaN or infinite values"
            return "simulation \(simulation) blew up at step \(step) (\(what)); the time step is too large "
                + "for these parameters: reduce dt (or raise the sub-steps) or increase the viscosity"
        case let .notDifferentiable(scenario):
            return "the \(scenario) source solver has no discrete adjoint (FO-SOL needs one)"
        case let .externalSolver(solver, reason):
            return "the \(solver) \(reason)"
        }
    }
}
