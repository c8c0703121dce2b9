import XCTest
import Solver

/// A linear decay `s ← a·s`, the smallest conformance to the protocols: its adjoint is `a·w`.
private struct Decay: DifferentiableSimulator {
    var factor: Double
    var channels: [String] { ["u"] }
    var gridShape: [Int] { [1, 4] }
    func step(_ states: inout Tensor<Double>) throws { states *= factor }
    func stepVJP(at states: Tensor<Double>, cotangent: Tensor<Double>) throws -> Tensor<Double> { factor * cotangent }
}

final class SimulatorProtocolTests: XCTestCase {
    func testAdjointDotProductOfALinearStep() throws {
        let sim = Decay(factor: 0.75)
        let v = Tensor<Double>(shape: [2, 1, 1, 4], scalars: [1, 2, 3, 4, -1, 0, 2, 5])
        let w = Tensor<Double>(shape: [2, 1, 1, 4], scalars: [0.5, -1, 2, 0, 1, 1, 1, 1])
        var jv = v
        try sim.step(&jv)
        XCTAssertEqual(jv.dot(w), v.dot(try sim.stepVJP(at: v, cotangent: w)), accuracy: 1e-12)
    }
}
