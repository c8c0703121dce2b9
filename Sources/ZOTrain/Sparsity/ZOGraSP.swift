/// ZO-GraSP (DeepZero §4): gradient-signal-preserving importance scores at initialisation,
///
///   S = −θ ⊙ H g,    H g ≈ (ĝ(θ + μ ĝ(θ)) − ĝ(θ)) / μ,
///
/// with ĝ two RGE estimates (DeepZero: q = 192, μ = 5e-3, unit-norm Gaussian directions, a
/// small class- or sample-balanced batch). Both estimates use the same directions (common random
/// numbers), so the direction noise largely cancels in the difference. Global pruning of the
/// scores (``LayerPruningRatios/globalPruning(scores:groups:sparsity:)``) gives the layer-wise
/// pruning ratios used by sparse CGE.
public struct ZOGraSP {
    /// RGE directions per gradient estimate (q; DeepZero: 192).
    public var directions: Int
    /// RGE step and the step of the Hessian-vector difference (5e-3).
    public var mu: Float
    /// Seed of the directions.
    public var seed: UInt64

    /// ZO-GraSP with DeepZero's settings by default.
    public init(directions: Int = 192, mu: Float = 5e-3, seed: UInt64 = 0) {
        self.directions = directions
        self.mu = mu
        self.seed = seed
    }

    /// Loss evaluations of one scoring: two forward-difference RGE estimates of `directions`
    /// queries plus their base points.
    public var queries: Int { 2 * (directions + 1) }

    /// Scores −θ ⊙ Hg estimated with RGE through `pool`.
    public func scores(at parameters: [Float], using pool: QueryPool) -> [Float] {
        var rge = RandomGradientEstimator(directions: directions, mu: mu, scheme: .forward, distribution: .sphere, seed: seed)
        return Self.scores(at: parameters, step: mu) { theta in
            rge.estimate(at: theta, using: pool, iteration: 0).gradient
        }
    }

    /// Scores −θ ⊙ Hg with Hg ≈ (g(θ + μ g(θ)) − g(θ)) / μ for any gradient function (exact
    /// GraSP when `gradient` is backprop).
    public static func scores(at parameters: [Float], step mu: Float, gradient: ([Float]) -> [Float]) -> [Float] {
        let g0 = gradient(parameters)
        var shifted = parameters
        for i in shifted.indices { shifted[i] += mu * g0[i] }
        let g1 = gradient(shifted)
        return parameters.indices.map { i in -parameters[i] * (g1[i] - g0[i]) / mu }
    }

    /// Layer-wise pruning ratios at `sparsity` from ZO-GraSP scores.
    public func pruningRatios(at parameters: [Float], using pool: QueryPool, groups: [ParameterGroup],
                              sparsity: Double) -> LayerPruningRatios {
        LayerPruningRatios.globalPruning(scores: scores(at: parameters, using: pool), groups: groups, sparsity: sparsity)
    }
}
