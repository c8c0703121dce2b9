import XCTest
import ZOTrain

final class QueryCountTests: XCTestCase {
    /// Every estimator reports the queries of an estimate before making it (no downcasts needed):
    /// `queries(parameterCount:)` equals the `queries` of the estimate itself, and the pool counts
    /// the same number of evaluations (dense, listed and sparse CGE, forward and central; RGE).
    func testEstimatorsReportTheirQueriesPerEstimate() throws {
        let d = 40
        let groups = [ParameterGroup(name: "w", range: 0..<30, isPrunable: true),
                      ParameterGroup(name: "b", range: 30..<40, isPrunable: false)]
        let sampler = SparseCoordinateSampler(groups: groups, ratios: .uniform(0.7, groups: groups), redrawInterval: 1, seed: 1)
        var estimators: [any GradientEstimator] = [RandomGradientEstimator(directions: 5, scheme: .forward),
                                                   RandomGradientEstimator(directions: 5, scheme: .central)]
        for scheme in DifferenceScheme.allCases {
            estimators += [CoordinateGradientEstimator(scheme: scheme),
                           CoordinateGradientEstimator(scheme: scheme, coordinates: .list([3, 7, 11])),
                           CoordinateGradientEstimator(scheme: scheme, coordinates: .sparse(sampler))]
        }
        let expected = [6, 11] + [41, 4, 20, 81, 7, 39]  // sparse: round(0.3 · 30) + 10 = 19 coordinates
        let theta = Analytic.randomParameters(d, seed: 2)
        for (i, var estimator) in estimators.enumerated() {
            let pool = QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth))
            let reported = estimator.queries(parameterCount: d)
            let estimate = try estimator.estimate(at: theta, using: pool, iteration: 3)
            XCTAssertEqual(reported, expected[i], "\(estimator)")
            XCTAssertEqual(estimate.queries, reported, "\(estimator)")
            XCTAssertEqual(pool.queryCount, reported, "\(estimator)")
        }
    }
}
