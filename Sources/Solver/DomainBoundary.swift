/// How a scenario's domain ends, as far as a learned corrector needs to know: a convolution over
/// the state pads the way the solver's boundaries behave (periodic domains wrap around; walls,
/// inflow and open boundaries are continued by their edge values).
public enum DomainBoundary: String, Codable, Sendable, CaseIterable {
    /// Every axis periodic (spectral solvers on a torus).
    case periodic
    /// Walls, inflow or outflow: no wrap-around.
    case bounded
}
