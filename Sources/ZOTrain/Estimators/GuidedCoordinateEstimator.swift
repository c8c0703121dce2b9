/// Sparse CGE with a control variate: a *guide* gradient `g` that costs no query (ZO-SOL uses
/// NOG-SOL's gradient, backpropagated through the corrector calls only) fills the coordinates a
/// sparse mask does not query, and the queried coordinates correct it:
///
///     ĝ = c·g + (1/p) ⊙ 1_S ⊙ (ĝ_CGE − c·g)
///
/// with S the sparse mask of ``SparseCoordinateSampler`` and p_j = P(j ∈ S) (k/n in a group that
/// queries k of its n coordinates, 1 in a group queried in full). For any c that does not depend
/// on this iteration's mask, E_S[ĝ_j] = ĝ_CGE,j: the estimate is as unbiased as dense CGE, whatever
/// the guide; the guide lowers the variance as far as c·g predicts ĝ_CGE.
///
/// c is fitted online by least squares over the queried coordinates of the previous iterations
/// (``GuideScaleFit``; 0 at the first one, which is then plain importance-weighted sparse CGE),
/// so it never sees the mask it is applied with. Its sums are the estimator's state: a resumed
/// run restores them (``state``) and continues bit for bit.
public struct GuidedCoordinateEstimator: GradientEstimator {
    /// The sparse CGE that queries the masked coordinates.
    public private(set) var cge: CoordinateGradientEstimator
    /// P(j ∈ S) for every coordinate.
    public let inclusion: [Double]
    /// The guide gradient of the next estimate (set before every ``estimate(at:using:iteration:)``).
    public var guide: [Float] = []
    /// The online fit of the guide's scale c.
    public private(set) var fit: GuideScaleFit
    /// The scale c the last estimate used.
    public private(set) var lastScale = 0.0
    /// The last estimate before guidance: sparse CGE, zero off the mask (for diagnostics).
    public private(set) var lastUnguided: [Float] = []

    /// Sparse CGE over `sampler`'s masks (scheme and μ as in ``CoordinateGradientEstimator``),
    /// guided; c is fitted with memory `memory` iterations (``GuideScaleFit``). Throws
    /// ``ZOTrainError/invalidArgument(_:)`` if a coordinate is never sampled (a layer with the
    /// ratio 1 and no ``SparseCoordinateSampler/minimumPerGroup``, or a parameter outside every
    /// group): its estimate would be the guide's alone, biased.
    public init(scheme: DifferenceScheme = .central, mu: Float = 1e-3, sampler: SparseCoordinateSampler, parameterCount: Int,
                memory: Double = 10) throws {
        cge = CoordinateGradientEstimator(scheme: scheme, mu: mu, coordinates: .sparse(sampler))
        inclusion = sampler.inclusionProbabilities(parameterCount: parameterCount)
        if let j = inclusion.firstIndex(of: 0) {
            let layer = sampler.groups.first { $0.range.contains(j) }.map { "layer \($0.name) (\($0.count) parameters)" }
                ?? "parameter \(j), outside every layer,"
            throw ZOTrainError.invalidArgument("guided CGE: \(layer) is never sampled, so its estimate would be the guide's alone "
                                               + "(biased); give it a pruning ratio below 1, or sample at least one coordinate per layer")
        }
        fit = GuideScaleFit(memory: memory)
    }

    public func queries(parameterCount: Int) -> Int { cge.queries(parameterCount: parameterCount) }

    /// The fit's sums (checkpointed with the run).
    public var state: [Double] { fit.state }

    /// Restores sums saved by ``state``; throws ``ZOTrainError/invalidArgument(_:)`` if they are not two finite numbers.
    public mutating func restore(state: [Double]) throws { fit = try GuideScaleFit(memory: fit.memory, state: state) }

    public mutating func estimate(at parameters: [Float], using pool: QueryPool, iteration: Int) throws -> GradientEstimate {
        let d = pool.parameterCount
        guard guide.count == d else {
            throw ZOTrainError.invalidArgument("guided CGE: the guide has \(guide.count) entries for \(d) parameters")
        }
        var estimate = try cge.estimate(at: parameters, using: pool, iteration: iteration)
        let chosen = cge.selectedCoordinates(parameterCount: d, iteration: iteration)
        let c = fit.scale
        var products = 0.0, squares = 0.0
        var corrected = guide.map { Float(c * Double($0)) }
        for j in chosen {
            let measured = Double(estimate.gradient[j]), g = Double(guide[j])
            corrected[j] = Float(c * g + (measured - c * g) / inclusion[j])
            products += measured * g
            squares += g * g
        }
        fit.add(products: products, squares: squares)
        lastScale = c
        lastUnguided = estimate.gradient
        estimate.gradient = corrected
        return estimate
    }
}

/// The least-squares scale c of a guide g against measured coordinates m over recent
/// iterations: c = Σ λ^age ⟨m, g⟩_S / Σ λ^age ⟨g, g⟩_S with λ = 1 − 1/memory (an exponential
/// memory of about `memory` iterations); 0 before any data or when the guide is zero.
public struct GuideScaleFit: Sendable, Equatable {
    /// Iterations the fit remembers (λ = 1 − 1/memory; ≥ 1).
    public let memory: Double
    private(set) var products = 0.0
    private(set) var squares = 0.0

    /// An empty fit (c = 0).
    public init(memory: Double) {
        self.memory = max(memory, 1)
    }

    /// A fit holding the sums of ``state``.
    public init(memory: Double, state: [Double]) throws {
        guard state.count == 2, state.allSatisfy(\.isFinite), state[1] >= 0 else {
            throw ZOTrainError.invalidArgument("guided CGE: a saved scale fit is two finite sums (the second ≥ 0), got \(state)")
        }
        self.init(memory: memory)
        products = state[0]
        squares = state[1]
    }

    /// The current scale c.
    public var scale: Double { squares > 0 ? products / squares : 0 }

    /// The sums, to save and restore.
    public var state: [Double] { [products, squares] }

    /// Ages the sums by one iteration and adds this iteration's ⟨m, g⟩_S and ⟨g, g⟩_S.
    public mutating func add(products p: Double, squares s: Double) {
        let keep = 1 - 1 / memory
        products = keep * products + p
        squares = keep * squares + s
    }
}
