import Foundation
import XCTest
@testable import Solver

/// The pressure projection and Poisson solve of the wake flow.
final class KarmanProjectionTests: XCTestCase {
    /// A full-face buffer of smooth + random velocities (not divergence-free).
    static func randomFaces(_ g: KarmanGrid, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var ws = KarmanWorkspace(grid: g)
        for q in 0..<g.faceCount { ws.a[q] = 0.5 * rng.nextGaussian() }
        for j in 0...g.cellsY { for i in 0..<g.cellsX { ws.a[g.v(j, i)] += 1 } }
        for j in 0..<g.cellsY { ws.a[g.u(j, 0)] = 0; ws.a[g.u(j, g.cellsX)] = 0 }
        for i in 0..<g.cellsX { ws.a[g.v(0, i)] = g.inflowVelocity }
        return ws.a
    }

    /// max over fluid cells of |∇·v|·h/U (the net flux of a cell relative to the inflow flux
    /// through one face) on a full-face buffer, outflow face included.
    static func relativeDivergence(_ f: [Double], _ g: KarmanGrid) -> Double {
        var worst = 0.0
        for j in 0..<g.cellsY {
            for i in 0..<g.cellsX where !g.isSolid(j, i) {
                let div = Double(f[g.u(j, i + 1)] - f[g.u(j, i)]) / g.dx + Double(f[g.v(j + 1, i)] - f[g.v(j, i)]) / g.dy
                worst = max(worst, abs(div) * min(g.dx, g.dy) / g.inflowVelocity)
            }
        }
        return worst
    }

    func checkProjection(grid g: KarmanGrid, tolerance: Double) throws {
        let solver = try KarmanPressureSolver(grid: g)
        var ws = KarmanWorkspace(grid: g)
        ws.a = Self.randomFaces(g, seed: 7)
        let before = Self.relativeDivergence(ws.a, g)
        ws.project(solver)
        let after = Self.relativeDivergence(ws.a, g)
        XCTAssertGreaterThan(before, 0.1)
        XCTAssertLessThan(after, tolerance, "\(g.cellsX)×\(g.cellsY): divergence after projection")
        // Zero velocity on every face touching the cylinder.
        var solidFaces = 0
        for j in 0..<g.cellsY { for i in 1..<g.cellsX where g.uFaceSolid(j, i) { XCTAssertEqual(ws.a[g.u(j, i)], 0); solidFaces += 1 } }
        for j in 1..<g.cellsY { for i in 0..<g.cellsX where g.vFaceSolid(j, i) { XCTAssertEqual(ws.a[g.v(j, i)], 0); solidFaces += 1 } }
        XCTAssertGreaterThan(solidFaces, 10)
        // Inflow and walls untouched.
        for i in 0..<g.cellsX { XCTAssertEqual(ws.a[g.v(0, i)], g.inflowVelocity) }
        // Projecting twice changes nothing (a projection).
        let once = ws.a
        ws.project(solver)
        let change = zip(once, ws.a).map { Double(abs($0 - $1)) }.max()!
        XCTAssertLessThan(change, 1e-11)
    }

    func testProjectionIsDivergenceFreeWithZeroVelocityInTheCylinder() throws {
        let source = try KarmanGrid(cellsX: 32, cellsY: 64)
        try checkProjection(grid: source, tolerance: 1e-11)
        let reference = try KarmanGrid(cellsX: 128, cellsY: 256)
        try checkProjection(grid: reference, tolerance: 1e-10)
    }

    /// The capacitance-matrix solve is exact: the residual of the masked 5-point Laplacian,
    /// applied explicitly by its stencil, is at round-off.
    func testMaskedPoissonSolveHasRoundOffResidual() throws {
        let g = try KarmanGrid(cellsX: 32, cellsY: 64)
        let solver = try KarmanPressureSolver(grid: g)
        XCTAssertGreaterThan(solver.removedFaces.count, 16)
        XCTAssertEqual(solver.pinnedCells.count, 1)
        var ws = KarmanWorkspace(grid: g)
        var rng = SplitMix64(seed: 3)
        for c in 0..<ws.r.count { ws.r[c] = g.solid[c] ? 0 : rng.nextGaussian() }
        ws.solvePressure(solver)
        let (h, w) = (g.cellsY, g.cellsX)
        var residual = 0.0, scale = 0.0
        for j in 0..<h {
            for i in 0..<w where !g.isSolid(j, i) {
                let c = j * w + i
                var lp = 0.0
                func couple(_ n: Int, _ h2: Double) { if !g.solid[n] { lp += (ws.p[n] - ws.p[c]) / h2 } }
                if i > 0 { couple(c - 1, g.dx * g.dx) }
                if i < w - 1 { couple(c + 1, g.dx * g.dx) }
                if j > 0 { couple(c - w, g.dy * g.dy) }
                if j < h - 1 { couple(c + w, g.dy * g.dy) } else { lp -= 2 * ws.p[c] / (g.dy * g.dy) }
                residual = max(residual, abs(lp - ws.r[c]))
                scale = max(scale, abs(ws.r[c]))
            }
        }
        XCTAssertLessThan(residual / scale, 1e-11)
    }

    /// Fast vs naive: the DCT-II + tridiagonal solve equals the 2D eigen-decomposition solve
    /// (DCT-IV in y × DCT-II in x) to round-off.
    func testFastSolveMatchesTheEigenDecomposition() throws {
        for (w, h) in [(32, 64), (24, 40)] {
            let g = try KarmanGrid(cellsX: w, cellsY: h, obstacleRadius: 0)
            let r = KarmanAdjointTests.gaussian(w * h, seed: 9)
            var p = [Double](repeating: 0, count: w * h)
            try KarmanPressureSolver.FastSolver(grid: g).solve(r, into: &p)
            let oracle = try KarmanPressureSolver.eigenSolve(r, grid: g)
            let scale = oracle.map(abs).max()!
            let error = zip(p, oracle).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(error / scale, 1e-12, "\(w)×\(h)")
        }
    }

    /// Manufactured solution `p = cos(πx/Lx) cos(πy/(2Ly))` (Neumann walls and inflow, p = 0 at the
    /// top): the fast solve converges at second order.
    func testFastPoissonSolveConvergesAtSecondOrder() throws {
        var errors: [Double] = [], sizes: [Int] = []
        for n in [16, 32, 64, 128] {
            let g = try KarmanGrid(cellsX: n, cellsY: 2 * n, obstacleRadius: 0)
            let (lx, ly) = (g.width, g.height)
            let kx = Double.pi / lx, ky = Double.pi / (2 * ly)
            let solver = try KarmanPressureSolver(grid: g)
            var ws = KarmanWorkspace(grid: g)
            var exact = [Double](repeating: 0, count: n * 2 * n)
            for j in 0..<(2 * n) {
                for i in 0..<n {
                    let x = (Double(i) + 0.5) * g.dx, y = (Double(j) + 0.5) * g.dy
                    exact[j * n + i] = cos(kx * x) * cos(ky * y)
                    ws.r[j * n + i] = -(kx * kx + ky * ky) * exact[j * n + i]
                }
            }
            ws.solvePressure(solver)
            errors.append(zip(ws.p, exact).map { abs($0 - $1) }.max()!)
            sizes.append(n)
        }
        XCTAssertLessThan(errors.last!, 1e-4)
        for k in 1..<errors.count {
            let order = log(errors[k - 1] / errors[k]) / log(Double(sizes[k]) / Double(sizes[k - 1]))
            XCTAssertEqual(order, 2, accuracy: 0.1, "order between \(sizes[k - 1]) and \(sizes[k]): \(order), errors \(errors)")
        }
    }
}
