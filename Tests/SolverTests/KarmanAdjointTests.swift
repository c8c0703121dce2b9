import Foundation
import XCTest
@testable import Solver

/// Dot-product tests of the discrete adjoint of the wake-flow step, stage by stage and whole.
final class KarmanAdjointTests: XCTestCase {
    static func gaussian(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextGaussian() }
    }

    /// `<L v, w> = <v, Lᵀ w>` for a linear stage acting on the full-face buffer.
    func checkLinearStage(_ name: String, grid g: KarmanGrid,
                          forward: (inout KarmanWorkspace) -> Void,
                          adjoint: (inout KarmanWorkspace) -> Void,
                          affineOffset: Bool = true) {
        var ws = KarmanWorkspace(grid: g)
        var v = Self.gaussian(g.faceCount, seed: 1), w = Self.gaussian(g.faceCount, seed: 2)
        // The fixed faces are constants, not variables.
        ws.a = v; ws.zeroFixedCotangents(); v = ws.a
        ws.a = w; ws.zeroFixedCotangents(); w = ws.a
        // Linear part = F(v) − F(0) (the stages are affine: inflow and wall constants).
        ws.a = v; forward(&ws); let fv = ws.a
        ws.a = [Double](repeating: 0, count: g.faceCount); forward(&ws); let f0 = ws.a
        var jv = zip(fv, f0).map { $0 - $1 }
        ws.a = jv; ws.zeroFixedCotangents(); jv = ws.a
        ws.a = w; adjoint(&ws); let jtw = ws.a
        let lhs = zip(jv, w).map { $0 * $1 }.reduce(0, +)
        let rhs = zip(v, jtw).map { $0 * $1 }.reduce(0, +)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-11 * max(abs(lhs), 1), "\(name): <Jv, w> = \(lhs), <v, Jᵀw> = \(rhs)")
    }

    func testLinearStagesPassTheDotProductTest() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let solver = try KarmanPressureSolver(grid: g)
        checkLinearStage("diffusion", grid: g, forward: { $0.diffuse(alpha: 0.7) }, adjoint: { $0.diffuseAdjoint(alpha: 0.7) })
        checkLinearStage("inflow", grid: g, forward: { $0.applyInflow() }, adjoint: { $0.applyInflowAdjoint() })
        checkLinearStage("projection", grid: g, forward: { $0.project(solver) }, adjoint: { $0.projectAdjoint(solver) })
    }

    /// The stored-state layout maps: `<R s, w> = <s, Rᵀ w>` and `<E f, w> = <f, Eᵀ w>`.
    func testLayoutMapsPassTheDotProductTest() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let n = 2 * g.cellsX * g.cellsY
        var s = Self.gaussian(n, seed: 4)
        for j in 0..<g.cellsY { s[j * g.cellsX] = 0 }        // wall column, ignored
        for i in 0..<g.cellsX { s[n / 2 + i] = 0 }          // inflow row, ignored
        var ws = KarmanWorkspace(grid: g)
        ws.a = Self.gaussian(g.faceCount, seed: 5); ws.zeroFixedCotangents(); let w = ws.a
        s.withUnsafeBufferPointer { ws.reconstruct(from: $0.baseAddress!) }
        var rs = ws.a
        let zero = [Double](repeating: 0, count: n)
        zero.withUnsafeBufferPointer { ws.reconstruct(from: $0.baseAddress!) }
        for q in 0..<rs.count { rs[q] -= ws.a[q] }
        ws.a = w
        var rtw = [Double](repeating: 0, count: n)
        rtw.withUnsafeMutableBufferPointer { ws.reconstructAdjoint(into: $0.baseAddress!) }
        let lhs = zip(rs, w).map { $0 * $1 }.reduce(0, +), rhs = zip(s, rtw).map { $0 * $1 }.reduce(0, +)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-12 * abs(lhs))
    }

    /// Advection is quadratic inside each interpolation cell, so central differences are exact up to
    /// round-off: `<(A(x+εv) − A(x−εv))/2ε, w> = <v, Aᵀw>`, for the field and velocity parts together.
    func testAdvectionAdjointMatchesCentralDifferences() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        var ws = KarmanWorkspace(grid: g)
        ws.a = KarmanProjectionTests.randomFaces(g, seed: 11)
        for q in 0..<ws.a.count { ws.a[q] *= 2 }  // departure points several cells away, some clamped
        ws.zeroFixedCotangents()
        for i in 0..<g.cellsX { ws.a[g.v(0, i)] = 1 }
        let x = ws.a
        ws.a = Self.gaussian(g.faceCount, seed: 12); ws.zeroFixedCotangents(); let v = ws.a
        ws.a = Self.gaussian(g.faceCount, seed: 13); ws.zeroFixedCotangents(); let w = ws.a
        let eps = 1e-6
        ws.a = zip(x, v).map { $0 + eps * $1 }; ws.advect(dt: 1); let plus = ws.a
        ws.a = zip(x, v).map { $0 - eps * $1 }; ws.advect(dt: 1); let minus = ws.a
        var jv = zip(plus, minus).map { ($0 - $1) / (2 * eps) }
        ws.a = jv; ws.zeroFixedCotangents(); jv = ws.a
        ws.a = w; ws.advectAdjoint(at: x, dt: 1)
        let lhs = zip(jv, w).map { $0 * $1 }.reduce(0, +), rhs = zip(v, ws.a).map { $0 * $1 }.reduce(0, +)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-8 * abs(lhs))
    }

    /// A developed-ish state: a few steps from the initial state plus noise.
    static func testState<S: FFTScalar>(_ sim: KarmanSimulator<S>, steps: Int, noise: Double, seed: UInt64) throws -> Tensor<S> {
        var s = Tensor<S>(stacking: (0..<sim.batchSize).map { _ in sim.grid.initialState(as: S.self)[item: 0] })
        for _ in 0..<steps { try sim.step(&s) }
        var rng = SplitMix64(seed: seed)
        for q in 0..<s.count { s.scalars[q] += S(noise * rng.nextGaussian()) }
        return s
    }

    /// The whole step, Float64: `<J v, w>` by central differences equals `<v, Jᵀ w>` to 1e-8.
    func testStepAdjointDotProductDouble() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let sim = try KarmanSimulator<Double>(grid: g, reynolds: [100, 400])
        let s = try Self.testState(sim, steps: 20, noise: 0.05, seed: 21)
        let v = Tensor<Double>(shape: s.shape, scalars: Self.gaussian(s.count, seed: 22))
        let w = Tensor<Double>(shape: s.shape, scalars: Self.gaussian(s.count, seed: 23))
        let eps = 1e-6
        var plus = s + eps * v, minus = s - eps * v
        try sim.step(&plus); try sim.step(&minus)
        let jv = (1 / (2 * eps)) * (plus - minus)
        let jtw = try sim.stepVJP(at: s, cotangent: w)
        let lhs = jv.dot(w), rhs = v.dot(jtw)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-8 * abs(lhs), "<Jv, w> = \(lhs), <v, Jᵀw> = \(rhs)")
    }

    /// The Float32 adjoint against Float64 central differences at the same (exactly converted) state.
    func testStepAdjointDotProductFloat() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let simF = try KarmanSimulator<Float>(grid: g, reynolds: [200])
        let simD = try KarmanSimulator<Double>(grid: g, reynolds: [200])
        let sF = try Self.testState(simF, steps: 20, noise: 0.05, seed: 31)
        let s = sF.converted(to: Double.self)
        let vF = Tensor<Float>(shape: s.shape, scalars: Self.gaussian(s.count, seed: 32).map(Float.init))
        let wF = Tensor<Float>(shape: s.shape, scalars: Self.gaussian(s.count, seed: 33).map(Float.init))
        let v = vF.converted(to: Double.self), w = wF.converted(to: Double.self)
        let eps = 1e-6
        var plus = s + eps * v, minus = s - eps * v
        try simD.step(&plus); try simD.step(&minus)
        let lhs = ((1 / (2 * eps)) * (plus - minus)).dot(w)
        let rhs = vF.dot(try simF.stepVJP(at: sF, cotangent: wF))
        XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * abs(lhs), "<Jv, w> = \(lhs), <v, Jᵀw> = \(rhs)")
    }

    /// Sub-stepped (reference-style) simulators chain the adjoint through every internal step.
    func testSubsteppedAdjointDotProduct() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let sim = try KarmanSimulator<Double>(grid: g, reynolds: [150], dt: 2, substeps: 3)
        let s = try Self.testState(sim, steps: 5, noise: 0.05, seed: 41)
        let v = Tensor<Double>(shape: s.shape, scalars: Self.gaussian(s.count, seed: 42))
        let w = Tensor<Double>(shape: s.shape, scalars: Self.gaussian(s.count, seed: 43))
        let eps = 1e-6
        var plus = s + eps * v, minus = s - eps * v
        try sim.step(&plus); try sim.step(&minus)
        let lhs = ((1 / (2 * eps)) * (plus - minus)).dot(w), rhs = v.dot(try sim.stepVJP(at: s, cotangent: w))
        XCTAssertEqual(lhs, rhs, accuracy: 1e-8 * abs(lhs))
    }
}
