import XCTest
@testable import ZOTrain

/// Guided sparse CGE (`--estimator guided`): unbiased whatever the guide and its scale, exact when
/// the guide is the gradient up to a scale, resumable from its state.
final class GuidedCoordinateEstimatorTests: XCTestCase {
    /// Two pruned weight groups (20 % of their coordinates queried) and a bias group queried in full.
    let groups = [
        ParameterGroup(name: "w1.weight", range: 0..<30, isPrunable: true),
        ParameterGroup(name: "w2.weight", range: 30..<50, isPrunable: true),
        ParameterGroup(name: "w2.bias", range: 50..<60, isPrunable: false),
    ]
    let d = 60

    func sampler(sparsity: Double = 0.8, seed: UInt64 = 4) -> SparseCoordinateSampler {
        SparseCoordinateSampler(groups: groups, ratios: .uniform(sparsity, groups: groups), redrawInterval: 1, seed: seed)
    }

    func estimator(sparsity: Double = 0.8, seed: UInt64 = 4) throws -> GuidedCoordinateEstimator {
        try GuidedCoordinateEstimator(mu: 1e-3, sampler: sampler(sparsity: sparsity, seed: seed), parameterCount: d)
    }

    /// A guide half aligned with the gradient (a wrong scale and a structured error).
    func guide(for gradient: [Double]) -> [Float] {
        gradient.indices.map { Float(0.4 * gradient[$0] + 0.3 * sin(Double($0))) }
    }

    /// The mean over many masks is dense CGE's estimate, for sampling densities p = 0.5 and 0.2 and
    /// scales c held fixed at 0 and at a value that is not the guide's (1.7): the (1/p)-weighted
    /// correction removes the guide's error in expectation. Without the 1/p weight, or with c
    /// fitted on the mask it is applied with, the mean would be off by ~(1 − p)·|ĝ − c·g|, far
    /// outside the 5σ bound checked here (σ from the sample count).
    func testEstimateIsUnbiasedWhateverTheGuide() throws {
        let (a, b) = Analytic.quadratic(d: d, seed: 1)
        let objective = ClosureObjective(parameterCount: d) { Analytic.quadraticLoss(a, b, $0) }
        let theta = Analytic.randomParameters(d, seed: 2)
        var dense = CoordinateGradientEstimator(mu: 1e-3)
        let reference = try dense.estimate(at: theta, objective: objective).gradient.map(Double.init)
        let g = guide(for: reference)
        let pool = QueryPool(objective)
        let trials = 2000
        for sparsity in [0.5, 0.8] {
            for c in [0.0, 1.7] {
                var guided = try estimator(sparsity: sparsity)
                var sum = [Double](repeating: 0, count: d)
                for t in 0..<trials {
                    try guided.restore(state: [c, 1])  // fixed c = products / squares
                    guided.guide = g
                    let e = try guided.estimate(at: theta, using: pool, iteration: t)
                    XCTAssertEqual(guided.lastScale, c)
                    for j in 0..<d { sum[j] += Double(e.gradient[j]) }
                }
                let p = guided.inclusion
                XCTAssertEqual(p[0], 1 - sparsity, accuracy: 1e-12)
                XCTAssertEqual(p[59], 1)
                for j in 0..<d {
                    let mean = sum[j] / Double(trials)
                    let residual = abs(reference[j] - c * Double(g[j]))
                    let sigma = residual * ((1 - p[j]) / (p[j] * Double(trials))).squareRoot()
                    XCTAssertEqual(mean, reference[j], accuracy: 5 * sigma + 1e-4 * abs(reference[j]) + 1e-6,
                                   "p \(p[j]), c \(c), coordinate \(j)")
                }
            }
        }
    }

    /// With c = 0 the estimate is plain sparse CGE on the mask, weighted by 1/p, and zero off it,
    /// with central and with forward differences (1 + |S| queries instead of 1 + 2|S|).
    func testZeroScaleIsImportanceWeightedSparseCGE() throws {
        let objective = ClosureObjective(parameterCount: d, Analytic.smooth)
        let theta = Analytic.randomParameters(d, seed: 7)
        let pool = QueryPool(objective)
        for scheme in DifferenceScheme.allCases {
            var plain = CoordinateGradientEstimator(scheme: scheme, mu: 1e-3, coordinates: .sparse(sampler()))
            var guided = try GuidedCoordinateEstimator(scheme: scheme, mu: 1e-3, sampler: sampler(), parameterCount: d)
            guided.guide = guide(for: Analytic.smoothGradient(theta))
            let sparse = try plain.estimate(at: theta, using: pool, iteration: 3)
            let e = try guided.estimate(at: theta, using: pool, iteration: 3)
            XCTAssertEqual(guided.lastScale, 0)
            let mask = Set(plain.selectedCoordinates(parameterCount: d, iteration: 3))
            XCTAssertEqual(e.queries, sparse.queries)
            XCTAssertEqual(e.queries, 1 + mask.count * (scheme == .central ? 2 : 1), "\(scheme)")
            for j in 0..<d {
                XCTAssertEqual(e.gradient[j], mask.contains(j) ? Float(Double(sparse.gradient[j]) / guided.inclusion[j]) : 0,
                               "\(scheme), coordinate \(j)")
            }
        }
    }

    /// A perfect control variate (the guide is the gradient up to the scale c the fit holds)
    /// leaves no variance: every mask gives dense CGE's estimate, to float32 round-off.
    func testPerfectControlVariateHasNoVariance() throws {
        let (a, b) = Analytic.quadratic(d: d, seed: 8)
        let objective = ClosureObjective(parameterCount: d) { Analytic.quadraticLoss(a, b, $0) }
        let theta = Analytic.randomParameters(d, seed: 9)
        var dense = CoordinateGradientEstimator(mu: 1e-3)
        let reference = try dense.estimate(at: theta, objective: objective).gradient
        var guided = try estimator()
        let pool = QueryPool(objective)
        let scale = reference.map { abs(Double($0)) }.max() ?? 1
        for t in 0..<50 {
            try guided.restore(state: [3, 1])
            guided.guide = reference.map { $0 / 3 }
            let e = try guided.estimate(at: theta, using: pool, iteration: t)
            for j in 0..<d { XCTAssertEqual(Double(e.gradient[j]), Double(reference[j]), accuracy: 1e-5 * scale, "mask \(t), \(j)") }
        }
    }

    /// The fit is the exponentially weighted least-squares scale of the measured coordinates
    /// against the guide: on synthetic data m = 2.5·g + noise, its value is the closed form.
    func testFittedScaleIsTheWeightedLeastSquaresValue() throws {
        var rng = SplitMix64(seed: 11)
        var fit = GuideScaleFit(memory: 4)
        var batches: [([Double], [Double])] = []
        for _ in 0..<12 {
            let g = (0..<20).map { _ in rng.nextGaussian() }
            let m = g.map { 2.5 * $0 + 0.3 * rng.nextGaussian() }
            batches.append((g, m))
            fit.add(products: zip(m, g).reduce(0) { $0 + $1.0 * $1.1 }, squares: g.reduce(0) { $0 + $1 * $1 })
        }
        let lambda = 1 - 1.0 / 4
        var num = 0.0, den = 0.0
        for (age, (g, m)) in batches.reversed().enumerated() {
            let w = pow(lambda, Double(age))
            for i in g.indices { num += w * m[i] * g[i]; den += w * g[i] * g[i] }
        }
        XCTAssertEqual(fit.scale, num / den, accuracy: 1e-12 * abs(num / den))
        XCTAssertEqual(fit.scale, 2.5, accuracy: 0.1)
        XCTAssertEqual(GuideScaleFit(memory: 10).scale, 0, "no data: c = 0")
    }

    /// A layer that would never be sampled (ratio 1) is refused, naming it; one coordinate per
    /// layer at least (what ZO-SOL asks of the sampler) gives it p = 1/n.
    func testANeverSampledLayerIsRefused() throws {
        let ratios = LayerPruningRatios(sparsity: 0.9, layers: [.init(name: "w1.weight", count: 30, ratio: 0.8),
                                                                .init(name: "w2.weight", count: 20, ratio: 1)])
        let never = SparseCoordinateSampler(groups: groups, ratios: ratios, redrawInterval: 1)
        XCTAssertThrowsError(try GuidedCoordinateEstimator(sampler: never, parameterCount: d)) { error in
            XCTAssertTrue("\(error)".contains("layer w2.weight (20 parameters) is never sampled"), "\(error)")
        }
        let once = SparseCoordinateSampler(groups: groups, ratios: ratios, redrawInterval: 1, minimumPerGroup: 1)
        let guided = try GuidedCoordinateEstimator(sampler: once, parameterCount: d)
        XCTAssertEqual(guided.inclusion[30], 1.0 / 20)
        XCTAssertEqual(once.queriedCount, 6 + 1 + 10)
    }

    /// A guide that is the gradient divided by 3 is fitted to c = 3 from the first mask's
    /// coordinates; from the second estimate on, the estimate is dense CGE's on every coordinate
    /// (the correction vanishes), where plain sparse CGE leaves 80 % of the weights at zero.
    func testFittedScaleMakesAnExactGuideExact() throws {
        let objective = ClosureObjective(parameterCount: d, Analytic.smooth)
        let theta = Analytic.randomParameters(d, seed: 5)
        let exact = Analytic.smoothGradient(theta)
        var guided = try estimator()
        let pool = QueryPool(objective)
        for t in 0..<3 {
            guided.guide = exact.map { Float($0 / 3) }
            let e = try guided.estimate(at: theta, using: pool, iteration: t)
            if t == 0 {
                XCTAssertEqual(guided.lastScale, 0, "no data before the first estimate")
            } else {
                XCTAssertEqual(guided.lastScale, 3, accuracy: 1e-4)
                XCTAssertLessThan(Analytic.relativeError(e.gradient, exact), 1e-4, "iteration \(t)")
            }
            XCTAssertEqual(e.queries, 1 + 2 * (6 + 4 + 10), "the mask's 20 coordinates, central, and the base point")
        }
    }

    /// The fit's sums are the estimator's whole state: an estimator restored from them after 4
    /// iterations continues as the one that never stopped, bit for bit. Malformed sums throw.
    func testStateRestoresBitForBit() throws {
        let objective = ClosureObjective(parameterCount: d, Analytic.smooth)
        var theta = Analytic.randomParameters(d, seed: 6)
        let pool = QueryPool(objective)
        var straight = try estimator(), first = try estimator()
        var saved: [Double] = []
        var straightGradients: [[Float]] = [], resumedGradients: [[Float]] = []
        for t in 0..<8 {
            let g = guide(for: Analytic.smoothGradient(theta))
            straight.guide = g
            let e = try straight.estimate(at: theta, using: pool, iteration: t)
            straightGradients.append(e.gradient)
            if t < 4 {
                first.guide = g
                _ = try first.estimate(at: theta, using: pool, iteration: t)
                if t == 3 { saved = first.state }
            }
            for j in 0..<d { theta[j] -= 0.05 * e.gradient[j] }
        }
        var resumed = try estimator()
        try resumed.restore(state: saved)
        theta = Analytic.randomParameters(d, seed: 6)
        for t in 0..<8 {
            if t >= 4 {
                resumed.guide = guide(for: Analytic.smoothGradient(theta))
                resumedGradients.append(try resumed.estimate(at: theta, using: pool, iteration: t).gradient)
            }
            for j in 0..<d { theta[j] -= 0.05 * straightGradients[t][j] }
        }
        XCTAssertEqual(resumedGradients, Array(straightGradients[4...]))
        XCTAssertThrowsError(try resumed.restore(state: [1]))
        XCTAssertThrowsError(try resumed.restore(state: [.nan, 1]))
        XCTAssertThrowsError(try resumed.restore(state: [1, -1]))
        resumed.guide = [1, 2]
        XCTAssertThrowsError(try resumed.estimate(at: theta, using: pool, iteration: 8)) { error in
            XCTAssertTrue("\(error)".contains("the guide has 2 entries for 60 parameters"), "\(error)")
        }
    }
}
