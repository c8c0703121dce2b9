import XCTest
import Solver

/// A linear decay `s ← a·s`, the smallest conformance to the protocols: its adjoint is `a·w`.
private struct Decay: DifferentiableSimulator {
    var factor: Double
    var channels: [String] { ["u"] }
    var gridShape: [Int] { [1, 4] }
    var parameters: [SimulationParameters] { [SimulationParameters([:]), SimulationParameters([:])] }
    var batchSize: Int { 2 }
    var dt: Double { 1 }
    func step(_ states: inout Tensor<Double>) throws { try checkShape(states); states *= factor }
    func stepVJP(at states: Tensor<Double>, cotangent: Tensor<Double>) throws -> Tensor<Double> { factor * cotangent }
}

final class SimulatorProtocolTests: XCTestCase {
    func testAdjointDotProductOfALinearStep() throws {
        let sim: any DifferentiableSimulator<Double> = Decay(factor: 0.75)
        let v = Tensor<Double>(shape: [2, 1, 1, 4], scalars: [1, 2, 3, 4, -1, 0, 2, 5])
        let w = Tensor<Double>(shape: [2, 1, 1, 4], scalars: [0.5, -1, 2, 0, 1, 1, 1, 1])
        var jv = v
        try sim.step(&jv)
        XCTAssertEqual(jv.dot(w), v.dot(try sim.stepVJP(at: v, cotangent: w)), accuracy: 1e-12)
    }

    func testAWrongBatchShapeIsAnError() throws {
        var s = Tensor<Double>(shape: [3, 1, 1, 4])
        XCTAssertThrowsError(try Decay(factor: 1).step(&s)) { error in
            XCTAssertEqual(error as? SolverError, .shapeMismatch(expected: [2, 1, 1, 4], found: [3, 1, 1, 4]))
        }
    }
}
