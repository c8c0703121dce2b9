import XCTest
import ZOTrain

final class CoordinateGradientEstimatorTests: XCTestCase {
    let d = 24

    /// Forward CGE error is ½ μ f'' (slope 1 in μ), central ⅙ μ² f''' (slope 2).
    func testErrorSlopesForwardFirstOrderCentralSecondOrder() throws {
        let theta = Analytic.randomParameters(d, seed: 1)
        let exact = Analytic.smoothGradient(theta)
        let mus: [Double] = [0.1, 0.05, 0.025, 0.0125]
        for (scheme, order) in [(DifferenceScheme.forward, 1.0), (.central, 2.0)] {
            let errors = try mus.map { mu -> Double in
                var cge = CoordinateGradientEstimator(scheme: scheme, mu: Float(mu))
                let g = try cge.estimate(at: theta, objective: ClosureObjective(parameterCount: d, Analytic.smooth)).gradient
                return Analytic.relativeError(g, exact)
            }
            let slope = Analytic.slope(mus, errors)
            XCTAssertEqual(slope, order, accuracy: 0.1, "\(scheme): errors \(errors)")
        }
    }

    /// The base value is computed once; query counts are 1 + d (forward) and 1 + 2d (central).
    func testQueryCountAndBaseValue() throws {
        let theta = Analytic.randomParameters(d, seed: 2)
        var calls = 0
        let objective = ClosureObjective(parameterCount: d) { calls += 1; return Analytic.smooth($0) }
        var forward = CoordinateGradientEstimator(scheme: .forward, mu: 1e-3)
        let e = try forward.estimate(at: theta, objective: objective)
        XCTAssertEqual(calls, 1 + d)
        XCTAssertEqual(e.queries, 1 + d)
        XCTAssertEqual(e.loss, Analytic.smooth(theta))
        calls = 0
        var central = CoordinateGradientEstimator(scheme: .central, mu: 1e-3)
        XCTAssertEqual(try central.estimate(at: theta, objective: objective).queries, 1 + 2 * d)
        XCTAssertEqual(calls, 1 + 2 * d)
    }

    /// Every query differs from θ in exactly the queried coordinate, and afterwards the
    /// objective's parameters are bit-identical to θ — even where (θ_j + μ) − μ ≠ θ_j in float32,
    /// so restoring by subtraction would fail this test.
    func testPerturbInPlaceAndRestoreBitForBit() throws {
        var theta = Analytic.randomParameters(d, seed: 3)
        theta[0] = 1e-8; theta[1] = 0.1; theta[2] = 0.0010009; theta[3] = -0.0
        let mu: Float = 1e-3
        XCTAssertNotEqual((theta[2] + mu) - mu, theta[2], "test setup: pick a value that subtraction does not restore")
        let bits = theta.map(\.bitPattern)
        for threads in [1, 3] {
            for scheme in DifferenceScheme.allCases {
                let bad = Counter()
                let objective = ClosureObjective(parameterCount: d) { p in
                    let differing = zip(p, bits).filter { $0.0.bitPattern != $0.1 }.count
                    if differing > 1 { bad.increment() }
                    return Analytic.smooth(p)
                }
                let pool = QueryPool(objective, threads: threads)
                var cge = CoordinateGradientEstimator(scheme: scheme, mu: mu)
                _ = try cge.estimate(at: theta, using: pool, iteration: 0)
                XCTAssertEqual(bad.value, 0)
                XCTAssertEqual(objective.parameters.map(\.bitPattern), bits)
            }
        }
    }

    /// The quotient uses the step actually taken in float32: at |θ_j| ≫ μ the nominal μ is
    /// rounded by up to ½ ulp(θ_j), which the effective step removes. On f = Σ θ² (central CGE
    /// exact up to round-off) the error stays at round-off level.
    func testEffectiveStepRemovesRepresentationError() throws {
        let theta: [Float] = [100.3, -77.7, 12.9, 250.1]
        let objective = ClosureObjective(parameterCount: 4) { p in p.reduce(0.0) { $0 + Double($1) * Double($1) } }
        var cge = CoordinateGradientEstimator(scheme: .central, mu: 1e-3)
        let g = try cge.estimate(at: theta, objective: objective).gradient
        for i in 0..<4 { XCTAssertEqual(Double(g[i]), 2 * Double(theta[i]), accuracy: 1e-5 * abs(2 * Double(theta[i]))) }
    }

    /// A coordinate list queries only those coordinates; the rest of the gradient is zero.
    func testListedCoordinates() throws {
        let theta = Analytic.randomParameters(d, seed: 4)
        let exact = Analytic.smoothGradient(theta)
        var cge = CoordinateGradientEstimator(scheme: .central, mu: 1e-3, coordinates: .list([2, 5, 11]))
        let e = try cge.estimate(at: theta, objective: ClosureObjective(parameterCount: d, Analytic.smooth))
        XCTAssertEqual(e.queries, 1 + 6)
        for i in 0..<d {
            if [2, 5, 11].contains(i) { XCTAssertEqual(Double(e.gradient[i]), exact[i], accuracy: 1e-4) } else { XCTAssertEqual(e.gradient[i], 0) }
        }
    }
}

/// A thread-safe counter for closures called from worker threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
