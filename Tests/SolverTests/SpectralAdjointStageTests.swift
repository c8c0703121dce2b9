import Foundation
import XCTest
@testable import Solver

/// Exact-transpose tests of the stages of the spectral adjoints (as `KarmanAdjointTests` does for
/// the wake flow): no finite-difference error, so `⟨J v, w⟩ = ⟨v, Jᵀ w⟩` must hold to rounding.
/// The nonlinear terms are quadratic plus a constant, so their exact directional derivative is
/// the central difference `(N(x + v) − N(x − v))/2` at any step size; the ETDRK4 step is linear
/// when `N` is, and the translation by the mean flow is linear.
final class SpectralAdjointStageTests: XCTestCase {
    /// `Σ Re(conj(a) b)`: the real inner product of complex vectors.
    private func inner<S: FFTScalar>(_ a: [Complex<S>], _ b: [Complex<S>]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0.real) * Double($1.1.real) + Double($1.0.imaginary) * Double($1.1.imaginary) }
    }

    private func randomComplex(_ count: Int, seed: UInt64) -> [Complex<Double>] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Complex(rng.nextGaussian(), rng.nextGaussian()) }
    }

    /// ETDRK4 and ETDRK2 with a linear, non-self-adjoint `N(x) = m ⊙ x` (complex `m`, so
    /// `Nᵀ w = conj(m) ⊙ w`) over two steps: the adjoint is the exact transpose of the step.
    func testIntegratorAdjointsAreTheExactTransposeOfALinearStep() {
        let count = 40
        var rng = SplitMix64(seed: 1)
        let linear = (0..<count).map { _ in -3 * rng.nextUniform() }
        let m = randomComplex(count, seed: 2)
        for scheme in SpectralTimeStepper.allCases {
            let stepper = scheme.make(linear: linear, h: 0.3, as: Double.self)
            let v = randomComplex(count, seed: 3), w = randomComplex(count, seed: 4)
            var x = v
            var record = [Complex<Double>](repeating: .zero, count: 2 * stepper.recordCount)
            x.withUnsafeMutableBufferPointer { x in record.withUnsafeMutableBufferPointer { r in
                for k in 0..<2 {
                    stepper.step(x.baseAddress!, record: r.baseAddress! + k * stepper.recordCount) { a, out, _ in
                        for i in 0..<count { out[i] = m[i] * a[i] }
                    }
                }
            } }
            var y = w
            y.withUnsafeMutableBufferPointer { y in record.withUnsafeBufferPointer { r in
                for k in (0..<2).reversed() {
                    stepper.adjoint(y.baseAddress!, record: r.baseAddress! + k * stepper.recordCount) { _, wbar, out, _ in
                        for i in 0..<count { out[i] = m[i].conjugate * wbar[i] }
                    }
                }
            } }
            let lhs = inner(x, w), rhs = inner(v, y)
            XCTAssertEqual(lhs, rhs, accuracy: 1e-13 * abs(lhs), "\(scheme): ⟨Sv, w⟩ = \(lhs), ⟨v, Sᵀw⟩ = \(rhs)")
        }
    }

    /// Burgers: `dN(u)ᵀ` (``BurgersSimulator/nonlinearVJP(_:_:_:)``) against the exact derivative of
    /// the quadratic `N`, at the real-field level (the spectra are the solver's representation).
    func testBurgersNonlinearVJPIsTheExactTranspose() throws {
        let n = 32, batch = 2
        let sim = try BurgersSimulator<Double>(n: n, length: 2 * .pi, dt: 0.05,
                                               parameters: [SimulationParameters(["viscosity": 0.01]), SimulationParameters(["viscosity": 0.02])])
        let u = TestSupport.random([batch, 1, 1, n], seed: 5), v = TestSupport.random([batch, 1, 1, n], seed: 6)
        let w = TestSupport.random([batch, 1, 1, n], seed: 7)
        let plus = try sim.nonlinearTerm(u + v), minus = try sim.nonlinearTerm(u - v)
        var jv = plus - minus
        jv *= 0.5
        let count = batch * sim.modes
        var x = [Complex<Double>](repeating: .zero, count: count), wbar = x, out = x
        var ubar = Tensor<Double>(shape: [batch, 1, 1, n])
        u.withUnsafeBufferPointer { u in x.withUnsafeMutableBufferPointer { sim.toSpectrum(u.baseAddress!, $0.baseAddress!) } }
        w.withUnsafeBufferPointer { w in wbar.withUnsafeMutableBufferPointer { sim.toSpectrum(w.baseAddress!, $0.baseAddress!) } }
        x.withUnsafeBufferPointer { x in wbar.withUnsafeBufferPointer { wb in out.withUnsafeMutableBufferPointer { o in
            sim.nonlinearVJP(x.baseAddress!, wb.baseAddress!, o.baseAddress!)
        } } }
        out.withUnsafeBufferPointer { o in ubar.withUnsafeMutableBufferPointer { sim.toReal(o.baseAddress!, $0.baseAddress!) } }
        let lhs = jv.dot(w), rhs = v.dot(ubar)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-12 * abs(lhs), "⟨dN v, w⟩ = \(lhs), ⟨v, dNᵀw⟩ = \(rhs)")
    }

    private func kolmogorov() throws -> KolmogorovSimulator<Double> {
        try KolmogorovSimulator<Double>(n: 16, length: 2 * .pi, dt: 0.05, substeps: 1, drag: 0.1, forcingMode: 2, forcingAmplitude: 1,
                                        parameters: [SimulationParameters(["viscosity": 0.01]), SimulationParameters(["viscosity": 0.03])])
    }

    /// Kolmogorov: `dN(ω)ᵀ` of the advection term against the exact derivative of the quadratic
    /// `N` (the forcing cancels), at the real-field level of vorticity.
    func testKolmogorovNonlinearVJPIsTheExactTranspose() throws {
        let sim = try kolmogorov(), n = sim.n, batch = sim.batchSize, count = batch * sim.modes
        let omega = TestSupport.random([batch, 1, n, n], seed: 8), v = TestSupport.random([batch, 1, n, n], seed: 9)
        let w = TestSupport.random([batch, 1, n, n], seed: 10)
        let spectrum = { (t: Tensor<Double>) in sim.fft1.forward(t) }
        func real(_ z: [Complex<Double>]) -> Tensor<Double> {
            var t = sim.fft1.inverse(z, shape: [batch, 1, n, n])
            t *= 1 / Double(n * n)
            return t
        }
        func nonlinear(_ x: [Complex<Double>]) -> [Complex<Double>] {
            var out = [Complex<Double>](repeating: .zero, count: count)
            x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { sim.nonlinear(x.baseAddress!, $0.baseAddress!) } }
            return out
        }
        sim.setStageForcing(time: 0)
        let np = real(nonlinear(spectrum(omega + v))), nm = real(nonlinear(spectrum(omega - v)))
        var jv = np - nm
        jv *= 0.5
        var out = [Complex<Double>](repeating: .zero, count: count)
        var ws = KolmogorovSimulator<Double>.VJPWorkspace(count: count, real: batch * n * n)
        let x = spectrum(omega), wbar = spectrum(w)
        x.withUnsafeBufferPointer { x in wbar.withUnsafeBufferPointer { wb in out.withUnsafeMutableBufferPointer { o in
            sim.nonlinearVJP(x.baseAddress!, wb.baseAddress!, o.baseAddress!, workspace: &ws)
        } } }
        let lhs = jv.dot(w), rhs = v.dot(real(out))
        XCTAssertEqual(lhs, rhs, accuracy: 1e-12 * abs(lhs), "⟨dN v, w⟩ = \(lhs), ⟨v, dNᵀw⟩ = \(rhs)")
    }

    /// Kolmogorov: the translation by the mean flow (a fractional number of cells in both
    /// directions, Nyquist rows and columns included) and its transpose, and the derivative of
    /// the translation with respect to `X` against the exact central difference of the phase.
    func testKolmogorovTranslationAdjointIsTheExactTranspose() throws {
        let sim = try kolmogorov(), n = sim.n, batch = sim.batchSize
        sim.meanVelocity = [(0.37, -1.21), (2.9, 0.4)]
        let v = TestSupport.random([batch, 1, n, n], seed: 11), w = TestSupport.random([batch, 1, n, n], seed: 12)
        func translated(_ t: Tensor<Double>, inverse: Bool) -> Tensor<Double> {
            var z = sim.fft1.forward(t)
            z.withUnsafeMutableBufferPointer { sim.translate($0.baseAddress!, inverse: inverse) }
            var out = sim.fft1.inverse(z, shape: t.shape)
            out *= 1 / Double(n * n)
            return out
        }
        let lhs = translated(v, inverse: false).dot(w), rhs = v.dot(translated(w, inverse: true))
        XCTAssertEqual(lhs, rhs, accuracy: 1e-13 * abs(lhs))
        // ∂/∂X: (1/n²) Σ Re(conj(W) ∂S/∂X V) equals the difference quotient of ⟨S(X) v, w⟩.
        let g = sim.displacement(time: sim.dt), eps = 1e-5
        let wbar = sim.fft1.forward(w), vhat = sim.fft1.forward(v)
        let analytic = wbar.withUnsafeBufferPointer { wb in vhat.withUnsafeBufferPointer { sim.translationCotangent(wb.baseAddress!, $0.baseAddress!) } }
        let base = sim.meanVelocity
        for b in 0..<batch {
            for axis in 0..<2 {
                func pairing(_ d: Double) -> Double {
                    sim.meanVelocity = base
                    if axis == 0 { sim.meanVelocity[b].x += d / g } else { sim.meanVelocity[b].y += d / g }
                    let t = translated(v, inverse: false)
                    return t[item: b].dot(w[item: b])
                }
                let numeric = (pairing(eps) - pairing(-eps)) / (2 * eps)
                let exact = axis == 0 ? analytic[b].x : analytic[b].y
                XCTAssertEqual(exact, numeric, accuracy: 1e-7 * max(abs(numeric), 1), "item \(b) axis \(axis)")
            }
        }
    }
}
