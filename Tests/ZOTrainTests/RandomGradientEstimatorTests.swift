import XCTest
import ZOTrain

final class RandomGradientEstimatorTests: XCTestCase {
    /// On a quadratic, central RGE is unbiased; its error shrinks like √(d/q): quadrupling q
    /// halves the mean error (asserted loosely, 1.6–2.5×, averaged over 8 seeds × 2 laws).
    func testErrorShrinksLikeInverseSquareRootOfQ() throws {
        let d = 40
        let (a, b) = Analytic.quadratic(d: d, seed: 7)
        let f: ([Float]) -> Double = { Analytic.quadraticLoss(a, b, $0) }
        let theta = Analytic.randomParameters(d, seed: 8)
        let x = theta.map(Double.init)
        let exact = zip(Analytic.matvec(a, x), b).map { $0 + $1 }
        var meanErrors: [Double] = []
        for q in [10, 40, 160, 640] {
            var total = 0.0
            for seed in 0..<8 {
                for distribution in [RandomGradientEstimator.Distribution.gaussian, .sphere] {
                    var rge = RandomGradientEstimator(directions: q, mu: 1e-2, scheme: .central, distribution: distribution, seed: UInt64(seed))
                    total += Analytic.relativeError(try rge.estimate(at: theta, objective: ClosureObjective(parameterCount: d, f)).gradient, exact)
                }
            }
            meanErrors.append(total / 16)
        }
        for i in 1..<meanErrors.count {
            let ratio = meanErrors[i - 1] / meanErrors[i]
            XCTAssertGreaterThan(ratio, 1.6, "errors \(meanErrors)")
            XCTAssertLessThan(ratio, 2.5, "errors \(meanErrors)")
        }
        // √(d/q) scale: at q = 640, d = 40 the relative error is about 0.25.
        XCTAssertLessThan(meanErrors.last!, 0.4, "errors \(meanErrors)")
    }

    /// Directions depend on (seed, iteration) only: two estimates at the same iteration agree
    /// bit for bit, another iteration gives another estimate.
    func testDirectionsAreReproducible() throws {
        let d = 10
        let theta = Analytic.randomParameters(d, seed: 9)
        var rge = RandomGradientEstimator(directions: 5, seed: 3)
        let objective = ClosureObjective(parameterCount: d, Analytic.smooth)
        let g1 = try rge.estimate(at: theta, objective: objective, iteration: 4).gradient
        let g2 = try rge.estimate(at: theta, objective: objective, iteration: 4).gradient
        let g3 = try rge.estimate(at: theta, objective: objective, iteration: 5).gradient
        XCTAssertEqual(g1, g2)
        XCTAssertNotEqual(g1, g3)
        var u = [Float](repeating: 0, count: 1000)
        RandomGradientEstimator.fillDirection(&u, seed: 1, iteration: 0, index: 0, distribution: .sphere)
        XCTAssertEqual(u.reduce(0.0) { $0 + Double($1 * $1) }, 1, accuracy: 1e-5)
    }
}
