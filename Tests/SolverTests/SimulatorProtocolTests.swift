import XCTest
import Solver

/// A linear decay `s ← a·s`, the smallest conformance to the protocols (for the shape check).
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
    /// What FO-SOL relies on, through the protocol as the trainer sees it: the differentiable
    /// source of every registered scenario (built from its configuration, at a downsampled
    /// reference state a few frames in) passes the dot-product test `⟨J v, w⟩ = ⟨v, Jᵀ w⟩`
    /// against central differences (Float64, ε = 1e-6: error O(ε²) plus rounding ~1e-9).
    func testEveryRegisteredScenarioSourcePassesTheDotProductTest() throws {
        for type in ScenarioRegistry.all {
            var scenario = type.init()
            if scenario.name == KarmanScenario.name { scenario = try KarmanScenario().with(resolution: 32, factor: 2, dt: nil) }
            let params = scenario.defaultParameters(train: 2, test: 0, seed: 4).train
            var reference = try scenario.initialStates(params, as: Double.self)
            let fine = try scenario.makeReference(params, as: Double.self)
            for _ in 0..<3 { try fine.step(&reference) }
            let s = try scenario.downsample(reference)
            let sim: any DifferentiableSimulator<Double> = try scenario.makeDifferentiableSource(params, as: Double.self)
            var rng = SplitMix64(seed: 5)
            let v = Tensor<Double>(shape: s.shape) { _ in rng.nextGaussian() }, w = Tensor<Double>(shape: s.shape) { _ in rng.nextGaussian() }
            let eps = 1e-6
            var plus = s + eps * v, minus = s - eps * v
            try sim.step(&plus)
            try sim.step(&minus)
            let lhs = ((1 / (2 * eps)) * (plus - minus)).dot(w), rhs = v.dot(try sim.stepVJP(at: s, cotangent: w))
            XCTAssertEqual(lhs, rhs, accuracy: 1e-7 * abs(lhs), "\(scenario.name): ⟨Jv, w⟩ = \(lhs), ⟨v, Jᵀw⟩ = \(rhs)")
        }
    }

    func testAWrongBatchShapeIsAnError() throws {
        var s = Tensor<Double>(shape: [3, 1, 1, 4])
        XCTAssertThrowsError(try Decay(factor: 1).step(&s)) { error in
            XCTAssertEqual(error as? SolverError, .shapeMismatch(expected: [2, 1, 1, 4], found: [3, 1, 1, 4]))
        }
    }
}
