/// Coordinate-wise gradient estimation (CGE; DeepZero, Chen et al. 2024, eq. 3):
///
///   forward:  ĝ_j = (f(θ + μ e_j) − f(θ)) / h_j,          h_j = fl(θ_j + μ) − θ_j
///   central:  ĝ_j = (f(θ + μ e_j) − f(θ − μ e_j)) / (h⁺_j + h⁻_j)
///
/// where h is the step actually taken in float32 (computed exactly in Float64), which removes
/// the representation error of θ_j + μ from the quotient. Forward differences have a bias
/// ½ μ ∂²f/∂θ_j², central ones ⅙ μ² ∂³f/∂θ_j³; the loss difference is taken in Float64.
///
/// Only the coordinates chosen by ``coordinates`` are queried (all, or a sparse mask from a
/// ``SparseCoordinateSampler``); the others get ĝ_j = 0. f(θ) is computed once per estimate.
///
/// Default: central differences with μ = 1e-3 — in float32 at near-minimum weights, forward
/// differences have no usable μ (round-off below 1e-4, truncation bias above), see docs/zo-sol.md.
public struct CoordinateGradientEstimator: GradientEstimator {
    /// Which coordinates an estimate queries.
    public enum Coordinates {
        /// Every parameter.
        case all
        /// A fixed list.
        case list([Int])
        /// A random mask re-drawn by a sampler (sparse CGE).
        case sparse(SparseCoordinateSampler)
    }

    /// Forward (1 query per coordinate) or central (2) differences.
    public var scheme: DifferenceScheme
    /// The perturbation size μ (in parameter units).
    public var mu: Float
    /// The coordinates an estimate queries; the others get 0.
    public var coordinates: Coordinates

    /// - Parameters:
    ///   - scheme: `.central` (default) or `.forward`.
    ///   - mu: the perturbation μ (> 0), in parameter units.
    ///   - coordinates: `.all` (dense CGE), a fixed `.list`, or `.sparse` masks from a ``SparseCoordinateSampler``.
    public init(scheme: DifferenceScheme = .central, mu: Float = 1e-3, coordinates: Coordinates = .all) {
        precondition(mu > 0, "CGE: μ must be positive")
        self.scheme = scheme
        self.mu = mu
        self.coordinates = coordinates
    }

    /// The coordinates an estimate at `iteration` queries.
    public mutating func selectedCoordinates(parameterCount: Int, iteration: Int) -> [Int] {
        switch coordinates {
        case .all: return Array(0..<parameterCount)
        case let .list(list): return list
        case var .sparse(sampler):
            let chosen = sampler.coordinates(iteration: iteration)
            coordinates = .sparse(sampler)
            return chosen
        }
    }

    /// The base point plus one (forward) or two (central) queries per coordinate: all of them,
    /// the listed ones, or the sparse mask's ``SparseCoordinateSampler/queriedCount``.
    public func queries(parameterCount: Int) -> Int {
        switch coordinates {
        case .all: return scheme.queries(perturbing: parameterCount)
        case let .list(list): return scheme.queries(perturbing: list.count)
        case let .sparse(sampler): return scheme.queries(perturbing: sampler.queriedCount)
        }
    }

    public mutating func estimate(at parameters: [Float], using pool: QueryPool, iteration: Int) throws -> GradientEstimate {
        let d = pool.parameterCount
        precondition(parameters.count == d, "CGE: expected \(d) parameters, got \(parameters.count)")
        let chosen = selectedCoordinates(parameterCount: d, iteration: iteration)
        let base = try pool.prepare(at: parameters)
        let steps = scheme.steps(mu)
        let losses = try pool.coordinateLosses(chosen, steps: steps)
        var gradient = [Float](repeating: 0, count: d)
        for (i, j) in chosen.enumerated() {
            let theta = parameters[j]
            let hPlus = Double(theta + mu) - Double(theta)
            switch scheme {
            case .forward:
                gradient[j] = Float((losses[i] - base) / hPlus)
            case .central:
                let hMinus = Double(theta) - Double(theta - mu)
                gradient[j] = Float((losses[2 * i] - losses[2 * i + 1]) / (hPlus + hMinus))
            }
        }
        return GradientEstimate(gradient: gradient, loss: base, queries: scheme.queries(perturbing: chosen.count))
    }
}
