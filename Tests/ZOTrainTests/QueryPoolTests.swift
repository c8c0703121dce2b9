import XCTest
import ZOTrain

final class QueryPoolTests: XCTestCase {
    /// CGE and RGE gradients are bit-identical for 1, 2 and 3 threads (and so is the loss).
    func testOneAndManyThreadsGiveIdenticalGradients() throws {
        let d = 37
        let theta = Analytic.randomParameters(d, seed: 11)
        func run(_ threads: Int) throws -> ([Float], [Float], Double) {
            let pool = QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth), threads: threads)
            var cge = CoordinateGradientEstimator(scheme: .central, mu: 1e-3)
            var rge = RandomGradientEstimator(directions: 9, seed: 5)
            let c = try cge.estimate(at: theta, using: pool, iteration: 0)
            let r = try rge.estimate(at: theta, using: pool, iteration: 2)
            return (c.gradient, r.gradient, c.loss)
        }
        let one = try run(1)
        for threads in [2, 3] {
            let many = try run(threads)
            XCTAssertEqual(one.0.map(\.bitPattern), many.0.map(\.bitPattern))
            XCTAssertEqual(one.1.map(\.bitPattern), many.1.map(\.bitPattern))
            XCTAssertEqual(one.2, many.2)
        }
    }

    /// The pool splits by query (coordinate × step): with more workers than coordinates the ±
    /// queries of one coordinate go to different workers, and the losses equal one worker's bit
    /// for bit. The first call measures the cost per class, later calls balance by it.
    func testQueriesSplitByStepAndBalancedByMeasuredCosts() throws {
        let d = 7
        let theta = Analytic.randomParameters(d, seed: 13)
        let steps: [Float] = [1e-3, -1e-3, 2e-3]
        let single = QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth), threads: 1)
        _ = try single.prepare(at: theta)
        let pool = QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth), threads: 3)
        _ = try pool.prepare(at: theta)
        XCTAssertNil(pool.measuredCosts)
        let one = try pool.coordinateLosses([4], steps: steps)
        XCTAssertEqual(one.map(\.bitPattern), try single.coordinateLosses([4], steps: steps).map(\.bitPattern))
        let measured = try XCTUnwrap(pool.measuredCosts)
        XCTAssertEqual(measured.count, 1)
        XCTAssertGreaterThan(measured.values.first ?? 0, 0)
        for coordinates in [[2, 5], Array(0..<d), [6]] {
            XCTAssertEqual(try pool.coordinateLosses(coordinates, steps: steps).map(\.bitPattern),
                           try single.coordinateLosses(coordinates, steps: steps).map(\.bitPattern))
        }
        XCTAssertEqual(pool.queryCount, 1 + 3 * (1 + 2 + d + 1))
    }

    /// Parts are contiguous, cover every query once and balance the cost.
    func testCostBalancedPartition() throws {
        let costs = (0..<100).map { $0 < 50 ? 3.0 : 1.0 }  // early layers cost more with feature reuse
        let parts = CoordinatePartition.split(costs: costs, parts: 2)
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].lowerBound, 0)
        XCTAssertEqual(parts[0].upperBound, parts[1].lowerBound)
        XCTAssertEqual(parts[1].upperBound, 100)
        XCTAssertEqual(parts[0].upperBound, 33, accuracy: 1)  // 33 × 3 ≈ 17 × 3 + 50
        let three = CoordinatePartition.split(costs: costs, parts: 3)
        XCTAssertEqual(three.map(\.count).reduce(0, +), 100)
        let more = CoordinatePartition.split(costs: [1, 1], parts: 4)
        XCTAssertEqual(more.map(\.count).reduce(0, +), 2)
    }

    /// Each worker owns an objective copy: a pool with 3 threads creates 2 workers, and they
    /// all answer from the prepared base point.
    func testWorkersArePreparedAtTheBasePoint() throws {
        let d = 12
        let theta = Analytic.randomParameters(d, seed: 12)
        let pool = QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth), threads: 3)
        XCTAssertEqual(try pool.prepare(at: theta), Analytic.smooth(theta))
        let losses = try pool.coordinateLosses(Array(0..<d), steps: [0])
        for l in losses { XCTAssertEqual(l, Analytic.smooth(theta)) }
    }

    /// A query that throws (an external solver that crashed) ends the call with that error, on
    /// any thread count; the other workers' parts still finish.
    func testAThrowingQueryEndsTheCallWithItsError() throws {
        for threads in [1, 2, 3] {
            let pool = QueryPool(FailingObjective(parameterCount: 6, failing: 4), threads: threads)
            XCTAssertEqual(try pool.prepare(at: Array(repeating: 0, count: 6)), 0)
            XCTAssertThrowsError(try pool.coordinateLosses(Array(0..<6), steps: [1e-3, -1e-3])) { error in
                XCTAssertEqual(error as? FailingObjective.Failure, FailingObjective.Failure(coordinate: 4), "threads \(threads)")
            }
            XCTAssertEqual(try pool.coordinateLosses([0, 1], steps: [1e-3]), [1e-3, 1e-3].map { Double(Float($0)) })
        }
    }
}

/// f(θ) = Σθ, except that a query perturbing coordinate `failing` throws.
private final class FailingObjective: ZOObjective {
    struct Failure: Error, Equatable { var coordinate: Int }
    let parameterCount: Int
    private(set) var parameters: [Float]
    let failing: Int

    init(parameterCount: Int, failing: Int) {
        self.parameterCount = parameterCount
        parameters = Array(repeating: 0, count: parameterCount)
        self.failing = failing
    }

    func prepare(at parameters: [Float]) throws -> Double {
        self.parameters = parameters
        return parameters.reduce(0) { $0 + Double($1) }
    }

    func coordinateLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) throws -> [Double] {
        try coordinates.flatMap { j -> [Double] in
            if j == failing { throw Failure(coordinate: j) }
            return steps.map { Double(parameters[j] + $0) }
        }
    }

    func directionLosses(along direction: [Float], steps: [Float]) throws -> [Double] { steps.map { _ in 0 } }

    func makeWorker() -> any ZOObjective { FailingObjective(parameterCount: parameterCount, failing: failing) }
}
