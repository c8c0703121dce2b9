import Foundation
import XCTest
@testable import Solver

final class BurgersTests: XCTestCase {
    private func simulator(n: Int = 32, dt: Double = 0.05, substeps: Int = 1, viscosities: [Double]) throws
        -> BurgersSimulator<Double> {
        try BurgersSimulator(n: n, length: 2 * .pi, dt: dt, substeps: substeps,
                             parameters: viscosities.map { SimulationParameters(["viscosity": $0]) })
    }

    /// The heat part: a tiny single mode (nonlinearity O(a²)) decays as exp(−ν k² t), per state.
    func testSingleFourierModeDecaysAtTheViscousRate() throws {
        let nus = [0.1, 0.02], k = 3.0, a = 1e-8, n = 32, steps = 20
        let sim = try simulator(n: n, dt: 0.05, substeps: 2, viscosities: nus)
        var u = Tensor<Double>(shape: [2, 1, 1, n]) { i in a * sin(k * 2 * .pi * Double(i[3]) / Double(n)) }
        let u0 = u
        try sim.advance(&u, steps: steps)
        for b in 0..<2 {
            let expected = exp(-nus[b] * k * k * 0.05 * Double(steps)) * u0[item: b]
            XCTAssertLessThan(u[item: b].relativeDistance(to: expected), 1e-6, "state \(b)")
        }
    }

    /// `N(sin x) = −½ ∂ₓ sin²x = −½ sin 2x`; and `sin 10x` on 32 points: its square (mode 20)
    /// is beyond the 2/3 cut, so the dealiased term is 0.
    func testNonlinearTermMatchesTheAnalyticProduct() throws {
        let n = 32
        let sim = try simulator(n: n, viscosities: [0.01, 0.01])
        let x = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
        let u = Tensor<Double>(shape: [2, 1, 1, n]) { i in i[0] == 0 ? sin(x[i[3]]) : sin(10 * x[i[3]]) }
        let term = try sim.nonlinearTerm(u)
        let expected = Tensor<Double>(shape: [1, 1, n]) { i in -0.5 * sin(2 * x[i[2]]) }
        XCTAssertLessThan(term[item: 0].relativeDistance(to: expected), 1e-13)
        XCTAssertLessThan(term[item: 1].maxAbs(), 1e-13)
    }

    /// ETDRK4 is fourth order in time: errors against a fine-step solution at dt, dt/2, dt/4.
    func testTimeConvergenceOrderIsFour() throws {
        let u0 = TestSupport.smooth1D(batch: 1, n: 64, seed: 3)
        let tFinal = 1.0
        func solve(steps: Int) throws -> Tensor<Double> {
            let sim = try simulator(n: 64, dt: tFinal / Double(steps), viscosities: [0.05])
            var u = u0
            try sim.advance(&u, steps: steps)
            return u
        }
        let reference = try solve(steps: 512)
        let errors = try [8, 16, 32].map { try (solve(steps: $0) - reference).maxAbs() }
        let orders = TestSupport.orders(errors)
        for p in orders { XCTAssertEqual(p, 4, accuracy: 0.2, "errors \(errors), orders \(orders)") }
    }

    /// The Cole–Hopf solution: with `φ = a₀ + a₁ e^{−νt} cos x` (heat equation),
    /// `u = −2ν φ_x/φ = 2ν a₁ e^{−νt} sin x / (a₀ + a₁ e^{−νt} cos x)` solves viscous Burgers
    /// exactly. Its Fourier coefficients decay like `r^k`, `r = (a₀ − √(a₀² − a₁²))/a₁` (0.54 here).
    private func coleHopf(n: Int, nu: Double, t: Double, a0: Double = 1.2, a1: Double = 1) -> Tensor<Double> {
        Tensor<Double>(shape: [1, 1, 1, n]) { i in
            let x = 2 * Double.pi * Double(i[3]) / Double(n), e = a1 * exp(-nu * t)
            return 2 * nu * e * sin(x) / (a0 + e * cos(x))
        }
    }

    /// Space: spectral convergence against the exact nonlinear solution (max |u| ≈ 0.6, t = 1,
    /// dt = 0.01). The 2/3 rule keeps the modes `|k| < N/3`, so going from N = 16 to 32 keeps 5
    /// more modes and from 32 to 64 eleven more: the error must fall at least by `r^5` and `r^11`
    /// with the initial (largest) `r = 0.537`.
    func testColeHopfSolutionConvergesSpectrallyInSpace() throws {
        let nu = 0.1, tFinal = 1.0, steps = 100, r = (1.2 - (1.2 * 1.2 - 1).squareRoot()) / 1
        var errors: [Double] = []
        for n in [16, 32, 64] {
            let sim = try simulator(n: n, dt: tFinal / Double(steps), viscosities: [nu])
            var u = coleHopf(n: n, nu: nu, t: 0)
            try sim.advance(&u, steps: steps)
            errors.append((u - coleHopf(n: n, nu: nu, t: tFinal)).maxAbs())
        }
        // Measured (December): 4.2e-3, 1.1e-4, 2.0e-8.
        XCTAssertLessThan(errors[1] / errors[0], pow(r, 5), "errors \(errors)")
        XCTAssertLessThan(errors[2] / errors[1], pow(r, 11), "errors \(errors)")
        XCTAssertLessThan(errors[2], 5e-8, "errors \(errors)")
    }

    /// Time: at N = 128 (spatial error ~1e-14) the error against the exact solution falls as
    /// dt⁴ — the measured order of ETDRK4 on a nonlinear problem with a known answer.
    func testColeHopfSolutionConvergesAtFourthOrderInTime() throws {
        let nu = 0.1, tFinal = 2.0, n = 128
        let errors = try [4, 8, 16, 32].map { steps -> Double in
            let sim = try simulator(n: n, dt: tFinal / Double(steps), viscosities: [nu])
            var u = coleHopf(n: n, nu: nu, t: 0)
            try sim.advance(&u, steps: steps)
            return (u - coleHopf(n: n, nu: nu, t: tFinal)).maxAbs()
        }
        let orders = TestSupport.orders(errors)
        print("Cole–Hopf, N = 128, dt = 2/4 … 2/32: errors \(errors), orders \(orders)")
        for p in orders.dropFirst() { XCTAssertEqual(p, 4, accuracy: 0.3, "errors \(errors), orders \(orders)") }
        XCTAssertLessThan(errors.last!, 1e-7, "errors \(errors)")
    }

    /// The ETDRK2 option: second order in time against the same exact solution (N = 128, t = 2,
    /// dt = 1/4 … 1/32).
    func testColeHopfSolutionConvergesAtSecondOrderInTimeWithETDRK2() throws {
        let nu = 0.1, tFinal = 2.0, n = 128
        let errors = try [8, 16, 32, 64].map { steps -> Double in
            let sim = try BurgersSimulator<Double>(n: n, length: 2 * .pi, dt: tFinal / Double(steps),
                                                   parameters: [SimulationParameters(["viscosity": nu])], timeStepper: .etdrk2)
            var u = coleHopf(n: n, nu: nu, t: 0)
            try sim.advance(&u, steps: steps)
            return (u - coleHopf(n: n, nu: nu, t: tFinal)).maxAbs()
        }
        let orders = TestSupport.orders(errors)
        print("Cole–Hopf, ETDRK2: errors \(errors), orders \(orders)")
        for p in orders { XCTAssertEqual(p, 2, accuracy: 0.2, "errors \(errors), orders \(orders)") }
    }

    /// FFTW rounds a single small 1D transform differently from a batch of them; the simulator
    /// pads a batch of one, so results do not depend on the batch (both precisions, 2 sizes).
    func testBatchedStepEqualsPerStateStepBitForBit() throws {
        try batchInvariance(Double.self, n: 32)
        try batchInvariance(Float.self, n: 128)
    }

    private func batchInvariance<S: FFTScalar>(_: S.Type, n: Int) throws {
        let nus = [0.01, 0.02, 0.04]
        let params = nus.map { SimulationParameters(["viscosity": $0]) }
        let batched = try BurgersSimulator<S>(n: n, length: 2 * .pi, dt: 0.05, substeps: 2, parameters: params)
        var states = TestSupport.smooth1D(batch: 3, n: n, seed: 7).converted(to: S.self)
        let initial = states
        try batched.advance(&states, steps: 3)
        for b in 0..<3 {
            let single = try BurgersSimulator<S>(n: n, length: 2 * .pi, dt: 0.05, substeps: 2, parameters: [params[b]])
            var s = initial.items(b..<(b + 1))
            try single.advance(&s, steps: 3)
            XCTAssertEqual(s.scalars, states.items(b..<(b + 1)).scalars, "\(S.self) n \(n) state \(b)")
        }
    }

    func testStepIsDeterministicBitForBit() throws {
        let sim = try BurgersSimulator<Float>(n: 32, length: 2 * .pi, dt: 0.05, substeps: 2,
                                              parameters: [SimulationParameters(["viscosity": 0.01])])
        let s0 = TestSupport.smooth1D(batch: 1, n: 32, seed: 1).converted(to: Float.self)
        var a = s0, b = s0
        try sim.step(&a)
        try sim.step(&b)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, s0)
    }

    /// `⟨J v, w⟩ = ⟨v, Jᵀ w⟩` with J v from central differences (error O(ε²) ≈ 1e-9 relative).
    func testAdjointDotProduct() throws {
        let sim = try simulator(n: 32, dt: 0.05, substeps: 2, viscosities: [0.01, 0.03])
        let s = TestSupport.smooth1D(batch: 2, n: 32, seed: 11)
        let v = TestSupport.random([2, 1, 1, 32], seed: 12), w = TestSupport.random([2, 1, 1, 32], seed: 13)
        let jv = try TestSupport.jvp(sim, at: s, direction: v, epsilon: 1e-4)
        let jtw = try sim.stepVJP(at: s, cotangent: w)
        let lhs = jv.dot(w), rhs = v.dot(jtw)
        XCTAssertLessThan(abs(lhs - rhs) / abs(rhs), 1e-6, "⟨Jv,w⟩ = \(lhs), ⟨v,Jᵀw⟩ = \(rhs)")
        // Per state: the Jacobian is block-diagonal in the batch.
        let lhs0 = jv[item: 0].dot(w[item: 0]), rhs0 = v[item: 0].dot(jtw[item: 0])
        XCTAssertLessThan(abs(lhs0 - rhs0) / abs(rhs0), 1e-6)
    }

    func testWrongBatchSizeIsAnError() throws {
        let sim = try simulator(viscosities: [0.01])
        var s = Tensor<Double>(shape: [2, 1, 1, 32])
        XCTAssertThrowsError(try sim.step(&s))
    }
}
