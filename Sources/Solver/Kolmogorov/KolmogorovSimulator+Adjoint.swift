import SOLCore

extension KolmogorovSimulator {
    /// `J_P(s)ᵀ w` of one ``step(_:)``, exact for the discrete scheme. Every linear stage (curl,
    /// velocity from vorticity, mean-flow decay, ETDRK4 coefficients, the mean-flow translation)
    /// is a Fourier multiplier whose transpose is the conjugate multiplier; the advection term in
    /// the Basdevant form `N(ω) = D_A(u² − v²) + D_B(u v)` with `u = A₁ω`, `v = A₂ω` has
    /// `dN(ω)ᵀ w = A₁ᵀ(2u p + v q) + A₂ᵀ(u q − 2v p)`, `p = D_A w`, `q = D_B w`
    /// (``nonlinearVJP(_:_:_:workspace:)``). The input's
    /// mean velocity `U₀` also enters through the translation `X = U₀ (1 − e^{−α dt})/α` and the
    /// stage forcing `F e^{±i k_f Y(τ)}`; their cotangents are added to the mean of the result.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        try checkShape(cotangent)
        lock.lock(); defer { lock.unlock() }
        let count = batchSize * modes
        let h = dt / Double(substeps)
        var record = [C](repeating: .zero, count: substeps * stepper.recordCount)
        var w = [C](repeating: .zero, count: count), wbar = w
        var ws = VJPWorkspace(count: count, real: batchSize * n * n)
        var result = cotangent
        // Forward pass to the vorticity stages; w ends as ω̃ (before the translation).
        states.withUnsafeBufferPointer { s in
            velocitySpectrum.withUnsafeMutableBufferPointer { vs in
                w.withUnsafeMutableBufferPointer { w in
                    record.withUnsafeMutableBufferPointer { rec in
                        stateSpectra(s.baseAddress!, into: vs.baseAddress!)
                        readMeanVelocity(vs.baseAddress!)
                        curl(vs.baseAddress!, into: w.baseAddress!)
                        evolveUnfused(w.baseAddress!, record: rec.baseAddress!)
                    }
                }
            }
        }
        let scale = Scalar(1) / Scalar(n * n)
        result.withUnsafeMutableBufferPointer { r in
            velocitySpectrum.withUnsafeMutableBufferPointer { vs in
                wbar.withUnsafeMutableBufferPointer { wb in
                    let vsp = vs.baseAddress!, wp = wb.baseAddress!
                    fft2.forward(r.baseAddress!, vsp)
                    kx.withUnsafeBufferPointer { kx in ky.withUnsafeBufferPointer { ky in inverseK2.withUnsafeBufferPointer { ik2 in
                        // Transpose of the velocity reconstruction: ω̄ = Σ conj(vel_c) Ŵ_c.
                        for b in 0..<batchSize {
                            let wx = vsp + 2 * b * modes, wy = wx + modes, o = wp + b * modes
                            for i in 0..<modes {
                                let sx = ky[i] * ik2[i], sy = -kx[i] * ik2[i]
                                // −i sx Ŵx − i sy Ŵy
                                o[i] = C(sx * wx[i].im + sy * wy[i].im, -sx * wx[i].re - sy * wy[i].re)
                            }
                            wx[0] = C(wx[0].re * meanDecay, wx[0].im * meanDecay)
                            wy[0] = C(wy[0].re * meanDecay, wy[0].im * meanDecay)
                        }
                        // Transpose of the translation ω̂ = S(X) ω̃, and the cotangent of X = U₀·g(dt).
                        let g = displacement(time: dt)
                        var meanBar = w.withUnsafeBufferPointer { translationCotangent(wp, $0.baseAddress!) }
                            .map { (x: $0.x * g, y: $0.y * g) }
                        translate(wp, inverse: true)
                        record.withUnsafeBufferPointer { rec in
                            for k in (0..<substeps).reversed() {
                                stepper.adjoint(wp, record: rec.baseAddress! + k * stepper.recordCount) { x, nbar, out, stage in
                                    forcingCotangent(nbar, time: (Double(k) + stepper.stageOffset(stage)) * h, into: &meanBar)
                                    nonlinearVJP(x, nbar, out, workspace: &ws)
                                }
                            }
                        }
                        // Transpose of the curl: s̄x = i ky ω̄, s̄y = −i kx ω̄, plus the mean paths
                        // (decay, translation and forcing phase): the cotangent of U₀ = F[v](0)/n²
                        // is represented by Ū at entry 0.
                        for b in 0..<batchSize {
                            let sx = vsp + 2 * b * modes, sy = sx + modes, o = wp + b * modes
                            let mx = sx[0], my = sy[0]
                            for i in 0..<modes {
                                sx[i] = C(-ky[i] * o[i].im, ky[i] * o[i].re)
                                sy[i] = C(kx[i] * o[i].im, -kx[i] * o[i].re)
                            }
                            sx[0] = C(sx[0].re + mx.re + Scalar(meanBar[b].x), sx[0].im + mx.im)
                            sy[0] = C(sy[0].re + my.re + Scalar(meanBar[b].y), sy[0].im + my.im)
                        }
                    } } }
                    fft2.inverse(vsp, r.baseAddress!)
                }
            }
            for i in 0..<r.count { r[i] *= scale }
        }
        return result
    }

    struct VJPWorkspace {
        /// Spectra `[û, v̂, p̂, q̂]` then `[â, b̂]`; real fields `[u, v, p, q]`, then `a, b` over `u, v`.
        var spectra: [C], real: [Scalar]
        init(count: Int, real: Int) {
            spectra = [C](repeating: .zero, count: 4 * count)
            self.real = [Scalar](repeating: 0, count: 4 * real)
        }
    }

    /// `dN(x̂)ᵀ ŵ` of the Basdevant form ``nonlinear(_:_:)`` in the transform representation.
    /// With `N = D_A(u² − v²) + D_B(u v)` (`D_A`, `D_B` the real, even, hence symmetric
    /// multipliers `−k_x k_y P` and `(k_x² − k_y²) P`) and `u = A₁ω`, `v = A₂ω`:
    ///
    ///     dN(ω)ᵀ w = A₁ᵀ(2u p + v q) + A₂ᵀ(u q − 2v p),   p = D_A w,   q = D_B w,
    ///
    /// 4 inverse (`u`, `v`, `p`, `q`) and 2 forward transforms.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func nonlinearVJP(_ x: UnsafePointer<C>, _ wbar: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>,
                      workspace ws: inout VJPWorkspace) {
        let count = batchSize * modes, total = batchSize * n * n
        let cxy = productXY.pointer, cuv = productUV.pointer
        ws.spectra.withUnsafeMutableBufferPointer { t in ws.real.withUnsafeMutableBufferPointer { r in
        sxs.withUnsafeBufferPointer { sxs in sys.withUnsafeBufferPointer { sys in
            let u = t.baseAddress!, v = u + count, p = u + 2 * count, q = u + 3 * count
            for b in 0..<batchSize {
                for i in 0..<modes {
                    let j = b * modes + i
                    let z = x[j], sx = sxs[i], sy = sys[i]
                    u[j] = C(-sx * z.im, sx * z.re)
                    v[j] = C(-sy * z.im, sy * z.re)
                    // p̂ = D_A ŵ, q̂ = D_B ŵ (scaled by 1/n⁴ through the multipliers)
                    let y = wbar[j]
                    p[j] = C(cxy[i] * y.re, cxy[i] * y.im)
                    q[j] = C(cuv[i] * y.re, cuv[i] * y.im)
                }
            }
            let ur = r.baseAddress!, vr = ur + total, pr = ur + 2 * total, qr = ur + 3 * total
            fft2.inverse(u, ur)
            fft2.inverse(p, pr)
            for i in 0..<total {
                let a = ur[i], c = vr[i], pp = pr[i], qq = qr[i]
                ur[i] = 2 * a * pp + c * qq
                vr[i] = a * qq - 2 * c * pp
            }
            fft2.forward(ur, u)
            for b in 0..<batchSize {
                for i in 0..<modes {
                    let j = b * modes + i
                    let sx = sxs[i], sy = sys[i]
                    // A₁ᵀ â + A₂ᵀ b̂ = −i sx â − i sy b̂
                    out[j] = C(sx * u[j].im + sy * v[j].im, -sx * u[j].re - sy * v[j].re)
                }
            }
        } } } }
    }
}
