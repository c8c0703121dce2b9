import Foundation
import XCTest
@testable import Solver

/// Properties of the whole wake-flow step.
final class KarmanStepTests: XCTestCase {
    /// Without an obstacle, the uniform inflow `v = (0, U)` is an exact fixed point.
    func testUniformFlowWithoutObstacleIsAFixedPoint() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64, obstacleRadius: 0)
        for sim in [try KarmanSimulator<Float>(grid: g, reynolds: [100]),
                    try KarmanSimulator<Float>(grid: g, reynolds: [5000], dt: 2, substeps: 2)] {
            let uniform = g.initialState(perturbation: 0, as: Float.self)
            var s = uniform
            for _ in 0..<5 { try sim.step(&s) }
            XCTAssertEqual(s, uniform)
        }
    }

    /// `step` is a deterministic function, bit for bit, and a batch gives exactly the states of
    /// single-state runs (each with its own Reynolds number).
    func testStepIsDeterministicAndBatchedEqualsSingle() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let reynolds = [97.7, 390.6, 3125]
        let batched = try KarmanSimulator<Float>(grid: g, reynolds: reynolds)
        var s = try KarmanAdjointTests.testState(batched, steps: 30, noise: 0.01, seed: 5)
        let start = s
        var again = s
        try batched.step(&s)
        try batched.step(&again)
        XCTAssertEqual(s, again)
        XCTAssertNotEqual(s, start)
        for (b, re) in reynolds.enumerated() {
            var single = start[item: b].reshaped([1, 2, g.cellsY, g.cellsX])
            try batched.with(reynolds: [re]).step(&single)
            XCTAssertEqual(single.scalars, s[item: b].scalars, "state \(b)")
        }
        // The batch is split over both cores: the result does not depend on the state order.
        var reversed = Tensor<Float>(stacking: (0..<3).reversed().map { start[item: $0] })
        try batched.with(reynolds: reynolds.reversed()).step(&reversed)
        for b in 0..<3 { XCTAssertEqual(reversed[item: 2 - b], s[item: b]) }
    }

    /// After one step the stored state is divergence-free in the fluid, zero on the cylinder, with
    /// walls at 0 and the inflow face at U.
    /// (Float32 states, source and reference grids; the outflow face is implied by continuity, so
    /// the workspace-level test in KarmanProjectionTests covers the top row.)
    func testStepOutputIsAProjectedState() throws {
        for g in [try KarmanGrid(cellsX: 32, cellsY: 64), try KarmanGrid(cellsX: 128, cellsY: 256)] {
            let sim = try KarmanSimulator<Float>(grid: g, reynolds: [200])
            var s = g.initialState(as: Float.self)
            for _ in 0..<10 { try sim.step(&s) }
            let div = g.divergence(s).map(abs).max()!
            XCTAssertLessThan(div * min(g.dx, g.dy) / g.inflowVelocity, 1e-5, "\(g.cellsX)×\(g.cellsY)")
            let (h, w) = (g.cellsY, g.cellsX)
            for j in 0..<h { XCTAssertEqual(s[0, 0, j, 0], 0) }
            for i in 0..<w { XCTAssertEqual(s[0, 1, 0, i], 1) }
            var solidFaces = 0
            for j in 1..<h { for i in 0..<w where g.vFaceSolid(j, i) { XCTAssertEqual(s[0, 1, j, i], 0); solidFaces += 1 } }
            for j in 0..<h { for i in 1..<w where g.uFaceSolid(j, i) { XCTAssertEqual(s[0, 0, j, i], 0); solidFaces += 1 } }
            XCTAssertGreaterThan(solidFaces, 20)
        }
    }

    /// The source solver alone drifts from the downsampled reference: the SRC error after 100
    /// steps exceeds the error after 10 (reference 2× finer here, to keep the test short).
    func testSourceErrorGrowsOverARollout() throws {
        let source = try KarmanGrid(cellsX: 32, cellsY: 64)
        let fine = try source.refined(by: 2)
        let re = [400.0]
        let src = try KarmanSimulator<Float>(grid: source, reynolds: re)
        let ref = try KarmanSimulator<Float>(grid: fine, reynolds: re)
        var r = fine.initialState(as: Float.self)
        for _ in 0..<150 { try ref.step(&r) }          // warm-up: shedding starts
        var s = KarmanGrid.downsample(r, factor: 2)
        var errors: [Int: Double] = [:]
        for k in 1...100 {
            try ref.step(&r); try src.step(&s)
            if k == 10 || k == 100 { errors[k] = s.meanAbsoluteDifference(KarmanGrid.downsample(r, factor: 2)) }
        }
        XCTAssertGreaterThan(errors[10]!, 0)
        XCTAssertGreaterThan(errors[100]!, errors[10]!, "SRC error \(errors)")
    }

    /// `T` preserves face fluxes: a projected fine state downsamples to a divergence-free coarse
    /// state (away from the cylinder, whose staircase differs between the grids), uniform stays uniform.
    func testDownsamplingByFaceAveraging() throws {
        let coarse = try KarmanGrid(cellsX: 32, cellsY: 64, obstacleRadius: 0)
        let fine = try coarse.refined(by: 4)
        let sim = try KarmanSimulator<Double>(grid: fine, reynolds: [100])
        var r = fine.initialState(perturbation: 3, as: Double.self)
        try sim.step(&r)
        let t = KarmanGrid.downsample(r, factor: 4)
        XCTAssertEqual(t.shape, [1, 2, 64, 32])
        XCTAssertLessThan(coarse.divergence(t).map(abs).max()! * coarse.dx, 1e-10)
        XCTAssertGreaterThan(t.maxAbs(), 0.5)
        let u = KarmanGrid.downsample(fine.initialState(perturbation: 0, as: Double.self), factor: 4)
        XCTAssertEqual(u, coarse.initialState(perturbation: 0, as: Double.self))
    }

    /// The reason of an `invalidConfiguration` / `invalidParameter` error, or a failure.
    func reason(_ error: Error) -> String {
        switch error as? SolverError {
        case let .invalidConfiguration(scenario, reason)?: XCTAssertEqual(scenario, "karman"); return reason
        case let .invalidParameter(scenario, name, _, reason)?: XCTAssertEqual(scenario, "karman"); return "\(name): \(reason)"
        default: XCTFail("unexpected error \(error)"); return ""
        }
    }

    func testBadInputIsRejectedBeforeAnythingRuns() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        for re in [0, -3, Double.nan, .infinity] {
            XCTAssertThrowsError(try KarmanSimulator<Float>(grid: g, reynolds: [100, re])) {
                XCTAssertTrue(reason($0).hasPrefix("re: "), "\($0)")
            }
        }
        XCTAssertThrowsError(try KarmanGrid(cellsX: 8, cellsY: 16)) {
            XCTAssertTrue(reason($0).contains("finer grid"), "\($0)")
        }
        XCTAssertThrowsError(try KarmanGrid(cellsX: 32, cellsY: 64, obstacleCenter: [95, 50])) {
            XCTAssertTrue(reason($0).contains("two cells away"), "\($0)")
        }
        XCTAssertThrowsError(try KarmanSimulator<Float>(grid: g, reynolds: [100], dt: 10)) {
            XCTAssertTrue(reason($0).contains("CFL"), "\($0)")
        }
        // The reference grid 4× finer needs sub-steps at dt = 2.
        let fine = try g.refined(by: 4)
        XCTAssertThrowsError(try KarmanSimulator<Float>(grid: fine, reynolds: [100], dt: 2))
        XCTAssertNoThrow(try KarmanSimulator<Float>(grid: fine, reynolds: [100], dt: 2, substeps: 2))
        let sim = try KarmanSimulator<Float>(grid: g, reynolds: [100, 200])
        var wrong = Tensor<Float>(shape: [3, 2, 64, 32])
        XCTAssertThrowsError(try sim.step(&wrong)) {
            guard case .shapeMismatch? = $0 as? SolverError else { return XCTFail("\($0)") }
        }
        // A non-finite state does not trap: it propagates, for the generator's blow-up check.
        var bad = Tensor<Float>(stacking: [g.initialState(as: Float.self)[item: 0], g.initialState(as: Float.self)[item: 0]])
        bad.scalars[2 * 64 * 32 + 40 * 32 + 7] = .nan
        try sim.step(&bad)
        XCTAssertTrue(bad[item: 0].isFinite)
        XCTAssertFalse(bad[item: 1].isFinite)
    }
}
