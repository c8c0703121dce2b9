import XCTest
@testable import Solver

/// The `karman` scenario: registry, configuration, parameters, simulators and `T`.
final class KarmanScenarioTests: XCTestCase {
    func testRegisteredWithTheOriginalDefaults() throws {
        let s = try XCTUnwrap(try ScenarioRegistry.scenario(named: "karman") as? KarmanScenario)
        XCTAssertEqual(s.sourceGrid, [64, 32])
        XCTAssertEqual(s.referenceGrid, [256, 128])
        XCTAssertEqual(s.channels, ["vx", "vy"])
        XCTAssertEqual(s.conditioningParameter, "re")
        try s.validate()
        let round = try XCTUnwrap(try ScenarioRegistry.scenario(named: "karman", configurationJSON: s.configurationJSON) as? KarmanScenario)
        XCTAssertEqual(round, s)
    }

    /// 6 training values a factor 2 apart from 97.7 to 3125 and 5 test values 1.5× above them
    /// (146.5 … 2343.8), as in the original; the splits are disjoint.
    func testDefaultParametersAreTheOriginalDisjointSets() {
        let (train, test) = KarmanScenario().defaultParameters(train: 6, test: 5, seed: 0)
        let tr = train.map { $0["re"]! }, te = test.map { $0["re"]! }
        for (a, b) in zip(tr, [97.65625, 195.3125, 390.625, 781.25, 1562.5, 3125]) { XCTAssertEqual(a, b, accuracy: 1e-9 * b) }
        for (a, b) in zip(te, [146.484375, 292.96875, 585.9375, 1171.875, 2343.75]) { XCTAssertEqual(a, b, accuracy: 1e-9 * b) }
        XCTAssertTrue(Set(tr).isDisjoint(with: Set(te)))
        XCTAssertEqual(Set(train.map(\.seed)).count + Set(test.map(\.seed)).count, 11)
    }

    func testSimulatorsInitialStatesAndDownsampling() throws {
        var s = KarmanScenario()
        s = try s.with(resolution: 32, factor: 2, dt: nil)
        let p = [SimulationParameters(["re": 200]), SimulationParameters(["re": 800])]
        let src = try s.makeSource(p, as: Float.self), ref = try s.makeReference(p, as: Float.self)
        XCTAssertEqual(src.gridShape, [64, 32])
        XCTAssertEqual(ref.gridShape, [128, 64])
        XCTAssertNotNil(try s.makeDifferentiableSource(p, as: Float.self))
        var r = try s.initialStates(p, as: Float.self)
        XCTAssertEqual(r.shape, [2, 2, 128, 64])
        try ref.step(&r)
        var t = try s.downsample(r)
        XCTAssertEqual(t.shape, [2, 2, 64, 32])
        // Consistency of the plumbing (grids, orientation, T): one source step of T(r) lands
        // within 5 % of T(one reference step of r). Measured 2.5 %; a transposed or misplaced
        // field gives O(1). (So early in the impulsive start that is more than the state moves
        // in a step, 1.7 %: the source grid does not resolve the start-up.)
        try src.step(&t)
        try ref.step(&r)
        let error = t.relativeDistance(to: try s.downsample(r))
        XCTAssertLessThan(error, 0.05, "source error \(error)")
        XCTAssertThrowsError(try s.downsample(t))
        // Overrides keep the reference within the CFL bound by adding sub-steps.
        let fine = try KarmanScenario().with(resolution: nil, factor: 8, dt: nil)
        XCTAssertEqual(fine.referenceSubsteps, 2)
        XCTAssertThrowsError(try KarmanScenario().with(resolution: 8, factor: nil, dt: nil))
        XCTAssertThrowsError(try s.validate(SimulationParameters(["re": -1])))
        XCTAssertThrowsError(try s.validate(SimulationParameters(["viscosity": 1])))
    }
}
