import Foundation
import XCTest
@testable import Solver

final class KolmogorovTests: XCTestCase {
    private func simulator<S: FFTScalar>(n: Int = 16, dt: Double = 0.05, substeps: Int = 1, drag: Double = 0.1,
                                         forcing: Double = 1, viscosities: [Double], as: S.Type = Double.self,
                                         timeStepper: SpectralTimeStepper = .etdrk4, packed: Bool? = nil) throws -> KolmogorovSimulator<S> {
        try KolmogorovSimulator(n: n, length: 2 * .pi, dt: dt, substeps: substeps, drag: drag, forcingMode: 2,
                                forcingAmplitude: forcing, parameters: viscosities.map { SimulationParameters(["viscosity": $0]) },
                                timeStepper: timeStepper, packed: packed ?? KolmogorovSimulator<S>.packs(n: n))
    }

    /// Velocity states from a closure `(x, y) -> (vx, vy)` on the n×n grid of [0, 2π)².
    private func field(batch: Int = 1, n: Int, _ f: (Int, Double, Double) -> (Double, Double)) -> Tensor<Double> {
        Tensor<Double>(shape: [batch, 2, n, n]) { i in
            let v = f(i[0], 2 * .pi * Double(i[3]) / Double(n), 2 * .pi * Double(i[2]) / Double(n))
            return i[1] == 0 ? v.0 : v.1
        }
    }

    /// A random smooth divergence-free velocity (the scenario's initial condition, on n²).
    private func randomState(batch: Int, n: Int, seed: UInt64) throws -> Tensor<Double> {
        var scenario = KolmogorovScenario()
        scenario.resolution = n / 2
        scenario.factor = 2
        let params = (0..<batch).map { SimulationParameters(["viscosity": 0.02], seed: seed + UInt64($0)) }
        return try scenario.initialStates(params, as: Double.self)
    }

    /// Taylor–Green vortex `u = (sin x cos y, −cos x sin y)`: the advection term vanishes, so
    /// without forcing it keeps its shape and decays as exp(−(2ν + α) t).
    func testTaylorGreenVortexDecaysAtTheExactRate() throws {
        let nus = [0.05, 0.01], n = 16, steps = 20, dt = 0.05
        let sim = try simulator(n: n, dt: dt, substeps: 2, drag: 0.1, forcing: 0, viscosities: nus)
        var s = field(batch: 2, n: n) { _, x, y in (sin(x) * cos(y), -cos(x) * sin(y)) }
        let s0 = s
        try sim.advance(&s, steps: steps)
        for b in 0..<2 {
            let expected = exp(-(2 * nus[b] + 0.1) * dt * Double(steps)) * s0[item: b]
            XCTAssertLessThan(s[item: b].relativeDistance(to: expected), 1e-6, "state \(b)")
        }
    }

    /// The forced laminar state `u = (A sin(k_f y)/(ν k_f² + α), 0)` is an exact steady solution
    /// (the shear flow does not advect its own vorticity; viscosity and drag balance the
    /// forcing): 200 steps leave it unchanged to rounding, for two `(ν, A)` in one batch, and with
    /// a uniform `U_x` added (translation along x of an x-independent flow) only the mean decays.
    /// A wrong forcing sign, amplitude or wavenumber, or viscosity/drag rate, would move it.
    func testForcedLaminarStateIsAFixedPoint() throws {
        let n = 16, kf = 2.0, drag = 0.1, nus = [0.05, 0.02], amplitudes = [1.0, 0.5], dt = 0.05, steps = 200
        let sim = try KolmogorovSimulator<Double>(n: n, length: 2 * .pi, dt: dt, substeps: 2, drag: drag, forcingMode: 2,
                                                  forcingAmplitude: 1,
                                                  parameters: zip(nus, amplitudes).map { SimulationParameters(["viscosity": $0, "forcing": $1]) })
        let laminar = field(batch: 2, n: n) { b, _, y in (amplitudes[b] * sin(kf * y) / (nus[b] * kf * kf + drag), 0) }
        var s = laminar
        try sim.advance(&s, steps: steps)
        XCTAssertLessThan(s.relativeDistance(to: laminar), 1e-12)
        var moving = laminar + field(batch: 2, n: n) { _, _, _ in (0.8, 0) }
        try sim.advance(&moving, steps: steps)
        let decayed = laminar + field(batch: 2, n: n) { _, _, _ in (0.8 * exp(-drag * dt * Double(steps)), 0) }
        XCTAssertLessThan(moving.relativeDistance(to: decayed), 1e-12)
        // Off the fixed point (half the amplitude) the state moves: the test can fail.
        var off = (0.5 * laminar)
        try sim.advance(&off, steps: 20)
        XCTAssertGreaterThan(off.relativeDistance(to: (0.5 * laminar)), 0.05)
    }

    /// `u = (sin 2y, sin x)`: ψ = cos x − cos(2y)/2, ω = cos x − 2 cos 2y and
    /// `u·∇ω = 3 sin x sin 2y`, so `N = −3 sin x sin 2y − A k_f cos(k_f y)` (A = 0.5, k_f = 2).
    func testNonlinearTermMatchesTheAnalyticProduct() throws {
        let n = 16
        let sim = try simulator(n: n, forcing: 0.5, viscosities: [0.01])
        let s = field(n: n) { _, x, y in (sin(2 * y), sin(x)) }
        let term = try sim.nonlinearTerm(s)
        let expected = Tensor<Double>(shape: [1, 1, n, n]) { i in
            let x = 2 * Double.pi * Double(i[3]) / Double(n), y = 2 * Double.pi * Double(i[2]) / Double(n)
            return -3 * sin(x) * sin(2 * y) - 0.5 * 2 * cos(2 * y)
        }
        XCTAssertLessThan(term.relativeDistance(to: expected), 1e-13)
        let w = try sim.vorticity(s)
        let expectedW = Tensor<Double>(shape: [1, 1, n, n]) { i in
            cos(2 * Double.pi * Double(i[3]) / Double(n)) - 2 * cos(4 * Double.pi * Double(i[2]) / Double(n))
        }
        XCTAssertLessThan(w.relativeDistance(to: expectedW), 1e-13)
    }

    /// The conservative form `N̂ = −i k_x P F[u ω] − i k_y P F[v ω]` (the form of the solver until
    /// December, 3 inverse + 2 forward transforms), written out here in Double wavenumbers, as
    /// a real field `[B, 1, n, n]`.
    private func conservativeForm(_ sim: KolmogorovSimulator<Double>, vorticity omega: Tensor<Double>) -> Tensor<Double> {
        let n = sim.n, half = n / 2 + 1, batch = omega.shape[0], count = batch * sim.modes
        let kx = Wavenumbers.derivative(n: n, length: sim.length, count: half), ky = Wavenumbers.derivative(n: n, length: sim.length)
        let fx = Wavenumbers.full(n: n, length: sim.length, count: half), fy = Wavenumbers.full(n: n, length: sim.length)
        let mx = Wavenumbers.dealiasMask(n: n, count: half), my = Wavenumbers.dealiasMask(n: n)
        let w = sim.fft1.forward(omega)
        var uHat = w, vHat = w
        for b in 0..<batch {
            for j in 0..<n {
                for m in 0..<half {
                    let i = b * sim.modes + j * half + m, k2 = fx[m] * fx[m] + fy[j] * fy[j]
                    let inv = k2 == 0 ? 0 : 1 / k2
                    uHat[i] = Complex(0, ky[j] * inv) * w[i]
                    vHat[i] = Complex(0, -kx[m] * inv) * w[i]
                }
            }
        }
        let scale = 1 / Double(n * n)
        var u = sim.fft1.inverse(uHat, shape: omega.shape), v = sim.fft1.inverse(vHat, shape: omega.shape)
        u *= scale
        v *= scale
        let fu = sim.fft1.forward(u * omega), fv = sim.fft1.forward(v * omega)
        var out = [Complex<Double>](repeating: .zero, count: count)
        for b in 0..<batch {
            for j in 0..<n {
                for m in 0..<half {
                    let i = b * sim.modes + j * half + m, mask = mx[m] * my[j]
                    let dx: Complex<Double> = Complex(0, -kx[m]) * fu[i], dy: Complex<Double> = Complex(0, -ky[j]) * fv[i]
                    out[i] = (dx + dy) * Complex(mask)
                }
            }
        }
        var result = sim.fft1.inverse(out, shape: omega.shape)
        result *= scale
        return result
    }

    /// The Basdevant form of the advection term (``KolmogorovSimulator/nonlinear(_:_:)``, 2 + 2
    /// transforms) equals the conservative form `−∇·(u ω)` to rounding on random vorticity fields
    /// whose modes are all dealiased (`3|κ| < n`: the products are then alias-free and the
    /// identity `−∇·(u ω) = ∂x∂y(u² − v²) + (∂y² − ∂x²)(u v)` holds exactly for the discrete
    /// fields), at two grid sizes, batch of 2, with packed complex and with real transforms. On a
    /// field with every mode the two forms differ by their aliasing errors (both dealias the
    /// products, not the inputs): the comparison can fail; the two transform layouts still agree.
    func testBasdevantFormEqualsTheConservativeForm() throws {
        for n in [16, 32] {
            try basdevantForm(n: n, packed: true)
            try basdevantForm(n: n, packed: false)
        }
    }

    private func basdevantForm(n: Int, packed: Bool) throws {
        do {
            let sim = try simulator(n: n, forcing: 0, viscosities: [0.01, 0.02], packed: packed)
            let half = n / 2 + 1, batch = 2
            func evaluate(_ omega: Tensor<Double>, by sim: KolmogorovSimulator<Double>) -> Tensor<Double> {
                let x = sim.fft1.forward(omega)
                var out = [Complex<Double>](repeating: .zero, count: batch * sim.modes)
                sim.setStageForcing(time: 0)
                x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { sim.nonlinear(x.baseAddress!, $0.baseAddress!) } }
                var t = sim.fft1.inverse(out, shape: omega.shape)
                t *= 1 / Double(n * n)
                return t
            }
            let full = TestSupport.random([batch, 1, n, n], seed: 20 + UInt64(n))
            // Keep only the dealiased modes (3|κx| < n and 3|κy| < n).
            var spectrum = sim.fft1.forward(full)
            let mx = Wavenumbers.dealiasMask(n: n, count: half), my = Wavenumbers.dealiasMask(n: n)
            for b in 0..<batch {
                for j in 0..<n {
                    for m in 0..<half {
                        let keep: Double = mx[m] * my[j]
                        spectrum[b * sim.modes + j * half + m] *= Complex(keep)
                    }
                }
            }
            var dealiased = sim.fft1.inverse(spectrum, shape: full.shape)
            dealiased *= 1 / Double(n * n)
            let basdevant = evaluate(dealiased, by: sim), conservative = conservativeForm(sim, vorticity: dealiased)
            XCTAssertGreaterThan(conservative.maxAbs(), 1)
            XCTAssertLessThan(basdevant.relativeDistance(to: conservative), 1e-13, "n = \(n), packed \(packed)")
            // With the undealiased modes present the forms alias differently.
            XCTAssertGreaterThan(evaluate(full, by: sim).relativeDistance(to: conservativeForm(sim, vorticity: full)), 1e-3, "n = \(n)")
            // The packed complex transforms and the real ones compute the same N.
            let other = try simulator(n: n, forcing: 0, viscosities: [0.01, 0.02], packed: !packed)
            XCTAssertLessThan(evaluate(full, by: sim).relativeDistance(to: evaluate(full, by: other)), 1e-13,
                              "n = \(n): packed and real transforms")
        }
    }

    /// A step returns a divergence-free field: a gradient (curl-free) part added to the state
    /// is projected out.
    func testStepProjectsOutDivergence() throws {
        let n = 16
        let sim = try simulator(n: n, viscosities: [0.02])
        var a = try randomState(batch: 1, n: n, seed: 1)
        var b = a + field(n: n) { _, x, y in (0.3 * cos(x + 2 * y), 0.6 * cos(x + 2 * y)) }  // ∇ sin(x + 2y) · 0.3
        try sim.step(&a)
        try sim.step(&b)
        XCTAssertLessThan(a.relativeDistance(to: b), 1e-12)
    }

    /// `states` translated by whole cells: `out(x, y) = s(x − cx·Δ, y − cy·Δ)`.
    private func rolled(_ s: Tensor<Double>, cellsX cx: Int, cellsY cy: Int) -> Tensor<Double> {
        let n = s.shape[3]
        return Tensor<Double>(shape: s.shape) { i in
            s[i[0], i[1], ((i[2] - cy) % n + n) % n, ((i[3] - cx) % n + n) % n]
        }
    }

    /// Galilean invariance: a state plus a uniform velocity `U₀` evolves into the state's own
    /// evolution translated by `X = U₀ (1 − e^{−α t})/α` plus the decayed `U₀ e^{−α t}`. `U₀` is
    /// chosen so that `X` is a whole number of cells, and the expected state is built by rolling
    /// the grid (independent of the solver's Fourier phase). Along x the forcing (a function of y)
    /// does not break the invariance; with `U_y` the forcing is switched off.
    func testUniformVelocityTranslatesTheFlowGalileanInvariance() throws {
        let n = 16, dt = 0.05, steps = 8, drag = 0.1
        let cell = 2 * Double.pi / Double(n), t = dt * Double(steps)
        let g = -expm1(-drag * t) / drag
        for (cx, cy, forcing) in [(3, 0, 1.0), (-2, 5, 0.0)] {
            let sim = try simulator(n: n, dt: dt, substeps: 2, drag: drag, forcing: forcing, viscosities: [0.01])
            let u0 = (Double(cx) * cell / g, Double(cy) * cell / g)
            let s0 = try randomState(batch: 1, n: n, seed: 3)
            var still = s0, moving = s0 + field(n: n) { _, _, _ in u0 }
            try sim.advance(&still, steps: steps)
            try sim.advance(&moving, steps: steps)
            let decay = exp(-drag * t)
            let expected = rolled(still, cellsX: cx, cellsY: cy) + field(n: n) { _, _, _ in (u0.0 * decay, u0.1 * decay) }
            XCTAssertLessThan(moving.relativeDistance(to: expected), 1e-12, "shift (\(cx), \(cy)) cells")
            // The translation is not negligible: ignoring the mean flow would fail by O(1).
            XCTAssertGreaterThan(rolled(still, cellsX: cx, cellsY: cy).relativeDistance(to: still), 0.3)
            let mean = (0..<2).map { c in moving[item: 0][item: c].mean() }
            XCTAssertEqual(mean[0], u0.0 * decay, accuracy: 1e-12)
            XCTAssertEqual(mean[1], u0.1 * decay, accuracy: 1e-12)
        }
    }

    /// The diagnostic `N` includes the mean-flow advection `−U·∇ω`: for `u = (U + sin 2y, V + sin x)`
    /// it is the zero-mean case's `N` plus `U sin x − 4V sin 2y`.
    func testNonlinearTermIncludesTheMeanFlowAdvection() throws {
        let n = 16, u = 0.7, v = -0.4
        let sim = try simulator(n: n, forcing: 0.5, viscosities: [0.01])
        let s = field(n: n) { _, x, y in (u + sin(2 * y), v + sin(x)) }
        let term = try sim.nonlinearTerm(s)
        // ω = cos x − 2 cos 2y: −U ∂x ω − V ∂y ω = U sin x − 4V sin 2y.
        let expected = Tensor<Double>(shape: [1, 1, n, n]) { i in
            let x = 2 * Double.pi * Double(i[3]) / Double(n), y = 2 * Double.pi * Double(i[2]) / Double(n)
            return -3 * sin(x) * sin(2 * y) - 0.5 * 2 * cos(2 * y) + u * sin(x) - 4 * v * sin(2 * y)
        }
        XCTAssertLessThan(term.relativeDistance(to: expected), 1e-13)
    }

    /// Order 4 in time (ETDRK4) and 2 (ETDRK2), with a mean flow: the forcing in the frame moving
    /// with `U_y` is time-dependent and evaluated at the stage times.
    func testTimeConvergenceOrderIsFourOrTwo() throws {
        let s0 = try randomState(batch: 1, n: 32, seed: 4) + field(n: 32) { _, _, _ in (0.3, 0.4) }
        let tFinal = 1.0
        for (scheme, order, steps) in [(SpectralTimeStepper.etdrk4, 4.0, [4, 8, 16]), (.etdrk2, 2.0, [8, 16, 32])] {
            func solve(steps: Int) throws -> Tensor<Double> {
                let sim = try simulator(n: 32, dt: tFinal / Double(steps), viscosities: [0.02], timeStepper: scheme)
                var s = s0
                try sim.advance(&s, steps: steps)
                return s
            }
            let reference = try solve(steps: 256)
            let errors = try steps.map { try (solve(steps: $0) - reference).maxAbs() }
            let orders = TestSupport.orders(errors)
            for p in orders { XCTAssertEqual(p, order, accuracy: 0.2, "\(scheme): errors \(errors), orders \(orders)") }
        }
    }

    /// The fused step (``KolmogorovSimulator/evolve(_:)``, the ETDRK combinations inside the
    /// nonlinear term's loops) gives exactly the bits of the integrator's own step calling
    /// `nonlinear` (which ``KolmogorovSimulator/stepVJP(at:cotangent:)`` differentiates), for ETDRK4
    /// and ETDRK2, with forcing, a mean flow (the stage forcing's phase changes within a step),
    /// 3 substeps and 2 items, in Float and Double, with packed complex and with real transforms.
    func testFusedStepEqualsTheIntegratorBitForBit() throws {
        func check<S: FFTScalar>(_: S.Type, _ scheme: SpectralTimeStepper, packed: Bool) throws {
            let sim = try simulator(n: 16, substeps: 3, viscosities: [0.01, 0.03], as: S.self, timeStepper: scheme, packed: packed)
            let s = (try randomState(batch: 2, n: 16, seed: 11)
                     + field(batch: 2, n: 16) { b, _, _ in b == 0 ? (0.3, -0.2) : (0, 0.5) }).converted(to: S.self)
            let vs = sim.fft2.forward(s)
            var fused = [Complex<S>](repeating: .zero, count: 2 * sim.modes)
            vs.withUnsafeBufferPointer { vs in
                sim.readMeanVelocity(vs.baseAddress!)
                fused.withUnsafeMutableBufferPointer { sim.curl(vs.baseAddress!, into: $0.baseAddress!) }
            }
            let initial = fused
            var unfused = fused
            fused.withUnsafeMutableBufferPointer { sim.evolve($0.baseAddress!) }
            unfused.withUnsafeMutableBufferPointer { sim.evolveUnfused($0.baseAddress!, record: nil) }
            XCTAssertTrue(zip(fused, unfused).allSatisfy { $0.real == $1.real && $0.imaginary == $1.imaginary }, "\(S.self) \(scheme) packed \(packed)")
            XCTAssertFalse(zip(fused, initial).allSatisfy { $0.real == $1.real && $0.imaginary == $1.imaginary })
        }
        for scheme in SpectralTimeStepper.allCases {
            for packed in [true, false] {
                try check(Float.self, scheme, packed: packed)
                try check(Double.self, scheme, packed: packed)
            }
        }
    }

    /// The step with packed complex transforms (the layout for n ≤ 128) and with real transforms
    /// (n > 128) is the same function: 5 steps of both from a state with a mean flow agree to
    /// rounding, ETDRK4 and ETDRK2; the adjoint dot product holds in the real layout too.
    func testPackedAndRealTransformLayoutsGiveTheSameStep() throws {
        let s0 = try randomState(batch: 2, n: 16, seed: 13) + field(batch: 2, n: 16) { b, _, _ in b == 0 ? (0.4, -0.3) : (-0.2, 0.5) }
        for scheme in SpectralTimeStepper.allCases {
            var a = s0, b = s0
            try simulator(substeps: 2, viscosities: [0.01, 0.03], timeStepper: scheme, packed: true).advance(&a, steps: 5)
            try simulator(substeps: 2, viscosities: [0.01, 0.03], timeStepper: scheme, packed: false).advance(&b, steps: 5)
            XCTAssertLessThan(a.relativeDistance(to: b), 1e-13, "\(scheme)")
            XCTAssertGreaterThan(a.relativeDistance(to: s0), 0.01)
            try adjointDotProduct(scheme, packed: false)
        }
    }

    func testBatchedStepEqualsPerStateStepBitForBit() throws {
        let nus = [0.01, 0.02, 0.04]
        let batched = try simulator(substeps: 2, viscosities: nus, as: Float.self)
        var states = try randomState(batch: 3, n: 16, seed: 9).converted(to: Float.self)
        let initial = states
        try batched.advance(&states, steps: 3)
        for b in 0..<3 {
            let single = try simulator(substeps: 2, viscosities: [nus[b]], as: Float.self)
            var s = initial.items(b..<(b + 1))
            try single.advance(&s, steps: 3)
            XCTAssertEqual(s.scalars, states.items(b..<(b + 1)).scalars, "state \(b)")
        }
    }

    func testStepIsDeterministicBitForBit() throws {
        let sim = try simulator(substeps: 2, viscosities: [0.01, 0.02], as: Float.self)
        let s0 = try randomState(batch: 2, n: 16, seed: 2).converted(to: Float.self)
        var a = s0, b = s0
        try sim.step(&a)
        try sim.step(&b)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, s0)
    }

    /// `⟨J v, w⟩ = ⟨v, Jᵀ w⟩` at a state with a mean flow (translation and forcing phase), with
    /// random `v`, `w` (which have means too).
    func testAdjointDotProduct() throws {
        try adjointDotProduct(.etdrk4)
        try adjointDotProduct(.etdrk2)
    }

    private func adjointDotProduct(_ scheme: SpectralTimeStepper, packed: Bool? = nil) throws {
        let sim = try simulator(n: 16, dt: 0.05, substeps: 2, viscosities: [0.01, 0.03], timeStepper: scheme, packed: packed)
        let s = try randomState(batch: 2, n: 16, seed: 5) + field(batch: 2, n: 16) { b, _, _ in b == 0 ? (0.4, -0.3) : (-0.2, 0.5) }
        let v = TestSupport.random([2, 2, 16, 16], seed: 6), w = TestSupport.random([2, 2, 16, 16], seed: 7)
        let jv = try TestSupport.jvp(sim, at: s, direction: v, epsilon: 1e-4)
        let jtw = try sim.stepVJP(at: s, cotangent: w)
        let lhs = jv.dot(w), rhs = v.dot(jtw)
        XCTAssertLessThan(abs(lhs - rhs) / abs(rhs), 1e-6, "\(scheme): ⟨Jv,w⟩ = \(lhs), ⟨v,Jᵀw⟩ = \(rhs)")
        for b in 0..<2 {
            let l = jv[item: b].dot(w[item: b]), r = v[item: b].dot(jtw[item: b])
            XCTAssertLessThan(abs(l - r) / abs(r), 1e-6, "\(scheme) state \(b)")
        }
    }
}
