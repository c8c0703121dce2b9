/// A gradient estimate and what it cost.
public struct GradientEstimate: Sendable {
    /// ĝ ≈ ∇f(θ), one entry per parameter (zero on coordinates that were not queried).
    public var gradient: [Float]
    /// f(θ) at the base point, computed once per estimate.
    public var loss: Double
    /// Function evaluations spent, the base point included.
    public var queries: Int
}

/// The finite-difference scheme of an estimator.
public enum DifferenceScheme: String, Sendable, Codable, CaseIterable {
    /// `(f(θ + μv) − f(θ)) / μ`: one query per coordinate or direction, bias O(μ).
    case forward
    /// `(f(θ + μv) − f(θ − μv)) / 2μ`: two queries, bias O(μ²).
    case central

    /// The step sizes queried for a step μ.
    public func steps(_ mu: Float) -> [Float] { self == .forward ? [mu] : [mu, -mu] }

    /// Function evaluations of one estimate over `count` coordinates or directions: the base
    /// point f(θ) plus one (forward) or two (central) per coordinate or direction.
    public func queries(perturbing count: Int) -> Int { 1 + count * (self == .forward ? 1 : 2) }
}

/// Produces a gradient estimate from an objective's losses; any ``Optimizer`` consumes it.
///
/// `iteration` seeds the random choices of this call (directions, mask re-draws), so an
/// estimate is reproducible from (seed, iteration) whatever the thread or rank count.
public protocol GradientEstimator {
    /// Estimates ∇f at `parameters`, querying the objective through `pool`; throws when the
    /// pool's collective calls fail (MPI).
    mutating func estimate(at parameters: [Float], using pool: QueryPool, iteration: Int) throws -> GradientEstimate
    /// Function evaluations one estimate spends on `parameterCount` parameters, the base point
    /// included (``GradientEstimate/queries`` of every estimate): for budgets and time estimates.
    func queries(parameterCount: Int) -> Int
}

extension GradientEstimator {
    /// Estimates ∇f at `parameters` on the calling thread only.
    public mutating func estimate(at parameters: [Float], objective: any ZOObjective, iteration: Int = 0) throws -> GradientEstimate {
        try estimate(at: parameters, using: QueryPool(objective), iteration: iteration)
    }
}
