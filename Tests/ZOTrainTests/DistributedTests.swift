import XCTest
import ZOTrain

/// Runs only under `mpirun` (scripts/test_mpi.sh): coordinates split across ranks and summed
/// by an all-reduce give the gradient of a single process, bit for bit, on every rank.
final class DistributedTests: XCTestCase {
    func testDistributedCGEEqualsLocal() throws {
        guard MPI.isLaunchedByMPI else { throw XCTSkip("run with scripts/test_mpi.sh (mpirun -np 2)") }
        try MPI.initialize()
        defer { MPI.finalize() }
        XCTAssertGreaterThan(MPI.size, 1)
        let d = 41
        let theta = Analytic.randomParameters(d, seed: 5)
        var cge = CoordinateGradientEstimator()
        let local = try cge.estimate(at: theta, using: QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth)), iteration: 0)
        let distributedPool = QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth), threads: 2, distributed: true)
        let distributed = try cge.estimate(at: theta, using: distributedPool, iteration: 0)
        XCTAssertEqual(local.gradient.map(\.bitPattern), distributed.gradient.map(\.bitPattern))
        XCTAssertLessThan(distributedPool.queryCount, 2 * d)  // this rank did only its share
        var rge = RandomGradientEstimator(directions: 6, seed: 1)
        let r1 = try rge.estimate(at: theta, using: QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth)), iteration: 3)
        let r2 = try rge.estimate(at: theta, using: distributedPool, iteration: 3)
        XCTAssertEqual(r1.gradient.map(\.bitPattern), r2.gradient.map(\.bitPattern))
        // Fewer coordinates than ranks × threads: the ± queries of a coordinate go to different
        // workers, on different ranks; the estimate is still the local one.
        var few = CoordinateGradientEstimator(scheme: .central, mu: 1e-3, coordinates: .list([7]))
        let fewLocal = try few.estimate(at: theta, using: QueryPool(ClosureObjective(parameterCount: d, Analytic.smooth)), iteration: 0)
        let fewDistributed = try few.estimate(at: theta, using: distributedPool, iteration: 0)
        XCTAssertEqual(fewLocal.gradient.map(\.bitPattern), fewDistributed.gradient.map(\.bitPattern))
        XCTAssertNotNil(distributedPool.measuredCosts)
        print("rank \(MPI.rank)/\(MPI.size): distributed CGE and RGE equal the local ones")
    }
}
