import Foundation
import XCTest
import Solver

final class ScenarioTests: XCTestCase {
    func testDownsamplingAConstantAndALowModeIsExact() throws {
        // 2D: [1, 2, 32, 32] → [8, 8]
        let big = Tensor<Double>(shape: [1, 2, 32, 32]) { i in
            let x = 2 * Double.pi * Double(i[3]) / 32, y = 2 * Double.pi * Double(i[2]) / 32
            return i[1] == 0 ? 1.5 : sin(2 * x) * cos(3 * y) + 0.25
        }
        let small = try SpectralTruncation.downsample(big, to: [8, 8])
        let expected = Tensor<Double>(shape: [1, 2, 8, 8]) { i in
            let x = 2 * Double.pi * Double(i[3]) / 8, y = 2 * Double.pi * Double(i[2]) / 8
            return i[1] == 0 ? 1.5 : sin(2 * x) * cos(3 * y) + 0.25
        }
        XCTAssertLessThan((small - expected).maxAbs(), 1e-14)
        // 1D: a mode above the source Nyquist is removed, a low one kept.
        let line = Tensor<Double>(shape: [1, 1, 1, 64]) { i in
            let x = 2 * Double.pi * Double(i[3]) / 64
            return 2 + cos(3 * x) + 0.5 * sin(20 * x)
        }
        let coarse = try SpectralTruncation.downsample(line, to: [1, 16])
        let expected1D = Tensor<Double>(shape: [1, 1, 1, 16]) { i in 2 + cos(3 * 2 * Double.pi * Double(i[3]) / 16) }
        XCTAssertLessThan((coarse - expected1D).maxAbs(), 1e-14)
    }

    func testRegistryRecreatesAScenarioFromItsJSON() throws {
        XCTAssertEqual(ScenarioRegistry.names.prefix(2), ["burgers", "kolmogorov"])
        let burgers = try BurgersScenario().with(resolution: 16, factor: 2, dt: 0.1)
        let again = try ScenarioRegistry.scenario(named: "burgers", configurationJSON: burgers.configurationJSON)
        XCTAssertEqual(again as? BurgersScenario, burgers)
        var k = KolmogorovScenario()
        k.drag = 0.2
        let k2 = try ScenarioRegistry.scenario(named: "kolmogorov", configurationJSON: k.configurationJSON)
        XCTAssertEqual(k2 as? KolmogorovScenario, k)
        XCTAssertThrowsError(try ScenarioRegistry.scenario(named: "karmen")) { error in
            XCTAssertTrue("\(error)".contains("unknown scenario 'karmen'"), "\(error)")
        }
        XCTAssertThrowsError(try ScenarioRegistry.scenario(named: "burgers", configurationJSON: "{\"resolution\": 0}"))
    }

    func testBadConfigurationsAndParametersAreRejected() throws {
        for scenario in [BurgersScenario() as any Scenario, KolmogorovScenario()] {
            XCTAssertThrowsError(try scenario.with(resolution: 0, factor: nil, dt: nil)) { error in
                XCTAssertTrue("\(error)".contains("resolution must be positive"), "\(error)")
            }
            XCTAssertThrowsError(try scenario.with(resolution: nil, factor: 1, dt: nil)) { error in
                XCTAssertTrue("\(error)".contains("factor must be at least 2"), "\(error)")
            }
            XCTAssertThrowsError(try scenario.makeSource([SimulationParameters(["viscosity": -0.01])], as: Double.self)) { error in
                XCTAssertTrue("\(error)".contains("viscosity = -0.01 is invalid"), "\(error)")
            }
            XCTAssertThrowsError(try scenario.makeSource([SimulationParameters(["nu": 0.01])], as: Double.self)) { error in
                XCTAssertEqual(error as? SolverError, .missingParameter(scenario: scenario.name, name: "viscosity"))
            }
        }
    }

    func testDefaultParametersAreDisjointAndSeeded() throws {
        for scenario in [BurgersScenario() as any Scenario, KolmogorovScenario()] {
            for (train, test) in [(6, 4), (1, 1), (3, 5)] {
                let p = scenario.defaultParameters(train: train, test: test, seed: 0)
                XCTAssertEqual(p.train.count, train)
                XCTAssertEqual(p.test.count, test)
                let key = scenario.conditioningParameter
                XCTAssertTrue(Set(p.train.map { $0[key]! }).isDisjoint(with: p.test.map { $0[key]! }))
                XCTAssertEqual(Set((p.train + p.test).map(\.seed)).count, train + test)
            }
        }
    }

    /// Source and reference solve the same PDE: one frame from `T r₀` on the source grid stays
    /// close to `T` of the reference frame (the difference is the source's discretisation error).
    func testSourceStepApproximatesTheDownsampledReference() throws {
        for scenario in [BurgersScenario() as any Scenario, try KolmogorovScenario().with(resolution: 16, factor: 2, dt: nil)] {
            let params = scenario.defaultParameters(train: 2, test: 0, seed: 1).train.map {
                var p = $0; p["viscosity"] = 0.05; return p
            }
            var reference = try scenario.initialStates(params, as: Double.self)
            var source = try scenario.downsample(reference)
            let before = source
            try scenario.makeReference(params, as: Double.self).step(&reference)
            try scenario.makeSource(params, as: Double.self).step(&source)
            let target = try scenario.downsample(reference)
            let error = source.relativeDistance(to: target), change = before.relativeDistance(to: target)
            XCTAssertLessThan(error, 0.05 * change, "\(scenario.name): error \(error), change per frame \(change)")
        }
    }
}
