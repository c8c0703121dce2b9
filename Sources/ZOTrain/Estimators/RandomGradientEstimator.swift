/// Randomised gradient estimation (RGE; DeepZero eq. 2, Nesterov & Spokoiny 2017):
///
///   ĝ = (φ / q) Σ_k (f(θ + μ u_k) − f(θ)) / μ · u_k          (forward)
///   ĝ = (φ / q) Σ_k (f(θ + μ u_k) − f(θ − μ u_k)) / 2μ · u_k  (central)
///
/// with q directions u_k either standard Gaussian (φ = 1, E[u uᵀ] = I) or uniform on the unit
/// sphere (φ = d, E[u uᵀ] = I/d; DeepZero's ZO-GraSP uses normalised Gaussians scaled by μ).
/// The error shrinks like √(d/q). Directions come from `SplitMix64(seed).derived(iteration)
/// .derived(k)`, so an estimate depends only on (seed, iteration), not on the thread count;
/// the sum over k runs in a fixed order on the calling thread.
public struct RandomGradientEstimator: GradientEstimator {
    /// Distribution of the directions `u_k`: standard Gaussian (φ = 1) or uniform on the unit sphere (φ = d).
    public enum Distribution: String, Sendable, Codable {
        case gaussian, sphere
    }

    /// Forward or central differences along each direction.
    public var scheme: DifferenceScheme
    /// The step μ along each direction.
    public var mu: Float
    /// Number of directions q.
    public var directions: Int
    /// Gaussian or unit-sphere directions.
    public var distribution: Distribution
    /// Seed of the directions (with the iteration number).
    public var seed: UInt64

    /// `directions` (q ≥ 1) random directions per estimate, step μ > 0.
    public init(directions: Int, mu: Float = 5e-3, scheme: DifferenceScheme = .forward,
                distribution: Distribution = .sphere, seed: UInt64 = 0) {
        precondition(directions >= 1 && mu > 0)
        self.directions = directions
        self.mu = mu
        self.scheme = scheme
        self.distribution = distribution
        self.seed = seed
    }

    /// Fills `u` with direction k of iteration `iteration` (deterministic).
    public static func fillDirection(_ u: inout [Float], seed: UInt64, iteration: Int, index k: Int,
                                     distribution: Distribution) {
        var rng = SplitMix64(seed: seed).derived(UInt64(iteration)).derived(UInt64(k))
        var norm2 = 0.0
        for i in u.indices {
            let z = rng.nextGaussian()
            norm2 += z * z
            u[i] = Float(z)
        }
        if distribution == .sphere {
            let scale = Float(1 / norm2.squareRoot())
            for i in u.indices { u[i] *= scale }
        }
    }

    /// The base point plus one (forward) or two (central) queries per direction, whatever d is.
    public func queries(parameterCount: Int) -> Int { scheme.queries(perturbing: directions) }

    public mutating func estimate(at parameters: [Float], using pool: QueryPool, iteration: Int) throws -> GradientEstimate {
        let d = pool.parameterCount
        precondition(parameters.count == d)
        let base = try pool.prepare(at: parameters)
        let steps = scheme.steps(mu)
        let (seed, distribution, q) = (self.seed, self.distribution, directions)
        let losses = try pool.directionLosses(count: q, steps: steps) { k, u in
            Self.fillDirection(&u, seed: seed, iteration: iteration, index: k, distribution: distribution)
        }
        let phi = distribution == .sphere ? Double(d) : 1
        var sum = [Double](repeating: 0, count: d)
        var u = [Float](repeating: 0, count: d)
        for k in 0..<q {
            let slope = scheme == .forward
                ? (losses[k] - base) / Double(mu)
                : (losses[2 * k] - losses[2 * k + 1]) / (2 * Double(mu))
            Self.fillDirection(&u, seed: seed, iteration: iteration, index: k, distribution: distribution)
            for i in 0..<d { sum[i] += slope * Double(u[i]) }
        }
        let gradient = sum.map { Float($0 * phi / Double(q)) }
        return GradientEstimate(gradient: gradient, loss: base, queries: scheme.queries(perturbing: q))
    }
}
