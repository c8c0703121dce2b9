import Foundation
import SOLCore

/// The mean flow `U(t) = U₀ e^{−α t}` of each batch item and the exact translation it causes
/// (see ``KolmogorovSimulator``): the vorticity is evolved in the frame moving with `U`, where the
/// forcing is `−A k_f cos(k_f (y + X_y(τ)))`, and translated by `X(dt)` at the end of a step.
extension KolmogorovSimulator {
    /// `∫₀^τ e^{−α s} ds = (1 − e^{−α τ})/α` (`τ` when `α = 0`): the displacement per unit of
    /// initial mean velocity after time `τ`.
    func displacement(time tau: Double) -> Double {
        drag > 0 ? -expm1(-drag * tau) / drag : tau
    }

    /// Stores the mean velocity `U₀ = F[v](0)/n²` of every batch item (from the unnormalised
    /// velocity spectrum `[B, 2, modes]`).
    func readMeanVelocity(_ vs: UnsafePointer<C>) {
        let points = Double(n * n)
        for b in 0..<batchSize {
            meanVelocity[b] = (Double(vs[2 * b * modes].re) / points, Double(vs[(2 * b + 1) * modes].re) / points)
        }
    }

    /// Sets ``stageForcing`` to the forcing at time `τ` after the start of the step, in each
    /// item's frame moving with its mean flow: the entries `κy = ±m` become `F e^{±i k_f Y(τ)}`.
    func setStageForcing(time tau: Double) {
        guard forcingEntries != nil else { return }
        let g = displacement(time: tau)
        for b in 0..<batchSize {
            let theta = forcingWavenumber * meanVelocity[b].y * g, f = forcingCoefficient[b]
            let c = f * cos(theta), s = f * sin(theta)
            stageForcing[2 * b] = C(Scalar(c), Scalar(s))
            stageForcing[2 * b + 1] = C(Scalar(c), Scalar(-s))
        }
    }

    /// Adds ``stageForcing`` to the spectra `out` (`[B, modes]`) at the forcing entries.
    func addStageForcing(_ out: UnsafeMutablePointer<C>) {
        guard let (plus, minus) = forcingEntries else { return }
        for b in 0..<batchSize {
            let p = out + b * modes + plus, q = out + b * modes + minus
            let fp = stageForcing[2 * b], fm = stageForcing[2 * b + 1]
            p.pointee = C(p.pointee.re + fp.re, p.pointee.im + fp.im)
            q.pointee = C(q.pointee.re + fm.re, q.pointee.im + fm.im)
        }
    }

    /// The translation factors of item `b` by `X = U₀·displacement(dt)`: `S = e^{−i k_x X} e^{−i k_y Y}`
    /// as a half-axis factor `cx` and a full-axis factor `cy` (`cos(k X)` on a Nyquist position),
    /// with their derivatives `∂cx/∂X`, `∂cy/∂Y`.
    func translationFactors(_ b: Int) -> (cx: [Complex<Double>], cy: [Complex<Double>], dx: [Complex<Double>], dy: [Complex<Double>]) {
        let g = displacement(time: dt)
        let shift = (x: meanVelocity[b].x * g, y: meanVelocity[b].y * g)
        func factors(_ k: [Double], _ d: Double) -> ([Complex<Double>], [Complex<Double>]) {
            var f: [Complex<Double>] = [], df: [Complex<Double>] = []
            f.reserveCapacity(k.count); df.reserveCapacity(k.count)
            for (j, kj) in k.enumerated() {
                let c = cos(kj * d), s = sin(kj * d)
                if 2 * j == n {  // Nyquist: the real trigonometric interpolant cos(k_N (x − X))
                    f.append(Complex(c, 0)); df.append(Complex(-kj * s, 0))
                } else {  // e^{−i k X}, derivative −i k e^{−i k X}
                    f.append(Complex(c, -s)); df.append(Complex(-kj * s, -kj * c))
                }
            }
            return (f, df)
        }
        let (cx, dx) = factors(waveX, shift.x), (cy, dy) = factors(waveY, shift.y)
        return (cx, cy, dx, dy)
    }

    /// Translates every item's vorticity spectrum by its `X(dt)`, or by `−X(dt)` (`inverse`,
    /// the transpose) — a multiplication by `S` or `conj(S)`.
    func translate(_ w: UnsafeMutablePointer<C>, inverse: Bool) {
        let half = n / 2 + 1
        for b in 0..<batchSize where meanVelocity[b] != (0, 0) {
            let (cx, cy, _, _) = translationFactors(b)
            let o = w + b * modes
            for j in 0..<n {
                for m in 0..<half {
                    var f = cy[j] * cx[m]
                    if inverse { f = f.conjugate }
                    let z = o[j * half + m], re = Double(z.re), im = Double(z.im)
                    o[j * half + m] = C(Scalar(f.re * re - f.im * im), Scalar(f.re * im + f.im * re))
                }
            }
        }
    }

    /// Cotangent of `X = (X, Y)` of the translation `ω̂ = S(X) ω̃` for every item, given the
    /// cotangent `wbar` of `ω̂` and `ω̃`: `X̄ = (1/n²) Σ_full Re(conj(ω̄) ∂S/∂X ω̃)` (the half
    /// spectrum counts the columns `0 < κx < n/2` twice).
    func translationCotangent(_ wbar: UnsafePointer<C>, _ wTilde: UnsafePointer<C>) -> [(x: Double, y: Double)] {
        let half = n / 2 + 1, points = Double(n * n)
        return (0..<batchSize).map { b in
            guard meanVelocity[b] != (0, 0) else { return (0, 0) }
            let (cx, cy, dx, dy) = translationFactors(b)
            var sx = 0.0, sy = 0.0
            for j in 0..<n {
                for m in 0..<half {
                    let i = b * modes + j * half + m
                    let z = Complex(Double(wTilde[i].re), Double(wTilde[i].im))
                    let y = Complex(Double(wbar[i].re), Double(wbar[i].im))
                    let weight = m == 0 || 2 * m == n ? 1.0 : 2.0
                    let ax = cy[j] * dx[m] * z, ay = dy[j] * cx[m] * z
                    sx += weight * (y.re * ax.re + y.im * ax.im)
                    sy += weight * (y.re * ay.re + y.im * ay.im)
                }
            }
            return (sx / points, sy / points)
        }
    }

    /// Cotangent of the mean velocity `U_y` through the stage forcing at time `τ`: with `n̄` the
    /// cotangent of the stage's `N`, `Ū_y += (1/n²) Σ_± Re(conj(n̄_±) ∂f_±/∂Y) · displacement(τ)`.
    func forcingCotangent(_ nbar: UnsafePointer<C>, time tau: Double, into bar: inout [(x: Double, y: Double)]) {
        guard let (plus, minus) = forcingEntries else { return }
        let g = displacement(time: tau), points = Double(n * n)
        for b in 0..<batchSize {
            let theta = forcingWavenumber * meanVelocity[b].y * g, f = forcingCoefficient[b] * forcingWavenumber
            // ∂/∂Y of F e^{±iθ}: ±i k_f F e^{±iθ}
            let dp = Complex(-f * sin(theta), f * cos(theta)), dm = Complex(-f * sin(theta), -f * cos(theta))
            let p = nbar[b * modes + plus], q = nbar[b * modes + minus]
            let s = Double(p.re) * dp.re + Double(p.im) * dp.im
                + Double(q.re) * dm.re + Double(q.im) * dm.im
            bar[b].y += s / points * g
        }
    }

    /// Adds the exact mean-flow advection `−i (k·U) ω̂` (derivative wavenumbers) to `out`.
    func addMeanAdvection(_ w: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>) {
        kx.withUnsafeBufferPointer { kx in ky.withUnsafeBufferPointer { ky in
            for b in 0..<batchSize {
                let u = Scalar(meanVelocity[b].x), v = Scalar(meanVelocity[b].y)
                for i in 0..<modes {
                    let j = b * modes + i, a = kx[i] * u + ky[i] * v
                    out[j] = C(out[j].re + a * w[j].im, out[j].im - a * w[j].re)
                }
            }
        } }
    }
}
