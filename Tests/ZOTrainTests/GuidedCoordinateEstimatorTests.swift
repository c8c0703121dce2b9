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

    func estimator(seed: UInt64 = 4) -> GuidedCoordinateEstimator {
        let sampler = SparseCoordinateSampler(groups: groups, ratios: .uniform(0.8, groups: groups), redrawInterval: 1, seed: seed)
        return GuidedCoordinateEstimator(mu: 1e-3, sampler: sampler, parameterCount: d)
    }

    /// A guide half aligned with the gradient (a wrong scale and a structured error).
    func guide(for gradient: [Double]) -> [Float] {
        gradient.indices.map { Float(0.4 * gradient[$0] + 0.3 * sin(Double($0))) }
    }

    /// The mean over many masks is dense CGE's estimate, for a scale c held fixed at a value
    /// that is not the guide's (c = 1.7): the (1/p)-weighted correction removes the guide's
    /// error in expectation. Without the 1/p weight, or with c fitted on the mask it is applied
    /// with, the mean would be off by ~(1 − p)·|ĝ − c·g| ≫ the 5σ bound checked here.
    func testEstimateIsUnbiasedWhateverTheGuide() throws {
        let (a, b) = Analytic.quadratic(d: d, seed: 1)
        let objective = ClosureObjective(parameterCount: d) { Analytic.quadraticLoss(a, b, $0) }
        let theta = Analytic.randomParameters(d, seed: 2)
        var dense = CoordinateGradientEstimator(mu: 1e-3)
        let reference = try dense.estimate(at: theta, objective: objective).gradient.map(Double.init)
        let g = guide(for: reference)
        var guided = estimator()
        let c = 1.7, trials = 3000
        var sum = [Double](repeating: 0, count: d)
        let pool = QueryPool(objective)
        for t in 0..<trials {
            try guided.restore(state: [c, 1])  // fixed c: products / squares = 1.7 / 1
            guided.guide = g
            let e = try guided.estimate(at: theta, using: pool, iteration: t)
            XCTAssertEqual(guided.lastScale, c)
            for j in 0..<d { sum[j] += Double(e.gradient[j]) }
        }
        let p = guided.inclusion
        XCTAssertEqual(p[0], 0.2, accuracy: 1e-12)
        XCTAssertEqual(p[59], 1)
        for j in 0..<d {
            let mean = sum[j] / Double(trials)
            let residual = abs(reference[j] - c * Double(g[j]))
            let sigma = residual * ((1 - p[j]) / (p[j] * Double(trials))).squareRoot()
            XCTAssertEqual(mean, reference[j], accuracy: 5 * sigma + 1e-4 * abs(reference[j]) + 1e-6, "coordinate \(j)")
        }
    }

    /// A guide that is the gradient divided by 3 is fitted to c = 3 from the first mask's
    /// coordinates; from the second estimate on, the estimate is dense CGE's on every coordinate
    /// (the correction vanishes), where plain sparse CGE leaves 80 % of the weights at zero.
    func testFittedScaleMakesAnExactGuideExact() throws {
        let objective = ClosureObjective(parameterCount: d, Analytic.smooth)
        let theta = Analytic.randomParameters(d, seed: 5)
        let exact = Analytic.smoothGradient(theta)
        var guided = estimator()
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
        var straight = estimator(), first = estimator()
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
        var resumed = estimator()
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
