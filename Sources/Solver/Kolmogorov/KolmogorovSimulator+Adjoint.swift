import SOLCore

extension KolmogorovSimulator {
    /// `J_P(s)ᵀ w` of one ``step(_:)``, exact for the discrete scheme. Every linear stage (curl,
    /// velocity from vorticity, mean-flow decay, ETDRK4 coefficients, the mean-flow translation)
    /// is a Fourier multiplier whose transpose is the conjugate multiplier; the advection term
    /// `N(ω) = −Dx P(uω) − Dy P(vω)` with `u = A₁ω`, `v = A₂ω` has
    /// `dN(ω)ᵀ w = −[A₁ᵀ(ω p) + u p + A₂ᵀ(ω q) + v q]`, `p = (Dx P)ᵀ w`, `q = (Dy P)ᵀ w`. The input's
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
                        fft2.forward(s.baseAddress!, vs.baseAddress!)
                        readMeanVelocity(vs.baseAddress!)
                        curl(vs.baseAddress!, into: w.baseAddress!)
                        for k in 0..<substeps {
                            stepper.step(w.baseAddress!, record: rec.baseAddress! + k * stepper.recordCount) { x, out, stage in
                                setStageForcing(time: (Double(k) + stepper.stageOffset(stage)) * h)
                                nonlinear(x, out)
                            }
                        }
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
                                o[i] = C(sx * wx[i].imaginary + sy * wy[i].imaginary, -sx * wx[i].real - sy * wy[i].real)
                            }
                            wx[0] = C(wx[0].real * meanDecay, wx[0].imaginary * meanDecay)
                            wy[0] = C(wy[0].real * meanDecay, wy[0].imaginary * meanDecay)
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
                                sx[i] = C(-ky[i] * o[i].imaginary, ky[i] * o[i].real)
                                sy[i] = C(kx[i] * o[i].imaginary, -kx[i] * o[i].real)
                            }
                            sx[0] = C(sx[0].real + mx.real + Scalar(meanBar[b].x), sx[0].imaginary + mx.imaginary)
                            sy[0] = C(sy[0].real + my.real + Scalar(meanBar[b].y), sy[0].imaginary + my.imaginary)
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
        var three: [C], two: [C], realThree: [Scalar], realTwo: [Scalar], products: [Scalar]
        init(count: Int, real: Int) {
            three = [C](repeating: .zero, count: 3 * count)
            two = [C](repeating: .zero, count: 2 * count)
            realThree = [Scalar](repeating: 0, count: 3 * real)
            realTwo = [Scalar](repeating: 0, count: 2 * real)
            products = [Scalar](repeating: 0, count: 3 * real)
        }
    }

    /// `dN(x̂)ᵀ ŵ` in the transform representation (see ``stepVJP(at:cotangent:)``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func nonlinearVJP(_ x: UnsafePointer<C>, _ wbar: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>,
                      workspace ws: inout VJPWorkspace) {
        let count = batchSize * modes, total = batchSize * n * n
        ws.three.withUnsafeMutableBufferPointer { t in ws.realThree.withUnsafeMutableBufferPointer { r in
        ws.two.withUnsafeMutableBufferPointer { p in ws.realTwo.withUnsafeMutableBufferPointer { q in
        ws.products.withUnsafeMutableBufferPointer { prod in
        kx.withUnsafeBufferPointer { kx in ky.withUnsafeBufferPointer { ky in inverseK2.withUnsafeBufferPointer { ik2 in
        maskScaled.withUnsafeBufferPointer { mask in
            let u = t.baseAddress!, v = u + count, w = u + 2 * count
            let pp = p.baseAddress!, qq = pp + count
            for b in 0..<batchSize {
                for i in 0..<modes {
                    let j = b * modes + i
                    let z = x[j], sx = ky[i] * ik2[i], sy = -kx[i] * ik2[i]
                    u[j] = C(-sx * z.imaginary, sx * z.real)
                    v[j] = C(-sy * z.imaginary, sy * z.real)
                    w[j] = z
                    // p = −i kx m ŵ, q = −i ky m ŵ (scaled by 1/n⁴ through the mask)
                    let y = wbar[j]
                    pp[j] = C(kx[i] * mask[i] * y.imaginary, -kx[i] * mask[i] * y.real)
                    qq[j] = C(ky[i] * mask[i] * y.imaginary, -ky[i] * mask[i] * y.real)
                }
            }
            fft3.inverse(u, r.baseAddress!)
            fft2.inverse(pp, q.baseAddress!)
            let ur = r.baseAddress!, vr = ur + total, wr = ur + 2 * total
            let pr = q.baseAddress!, qr = pr + total
            let p1 = prod.baseAddress!, p2 = p1 + total, p3 = p1 + 2 * total
            for i in 0..<total {
                p1[i] = wr[i] * pr[i]
                p2[i] = wr[i] * qr[i]
                p3[i] = ur[i] * pr[i] + vr[i] * qr[i]
            }
            fft3.forward(p1, u)
            let s1 = u, s2 = v, s3 = w
            for b in 0..<batchSize {
                for i in 0..<modes {
                    let j = b * modes + i
                    let sx = ky[i] * ik2[i], sy = -kx[i] * ik2[i]
                    // −[(−i sx) S1 + (−i sy) S2 + S3]
                    let re = sx * s1[j].imaginary + sy * s2[j].imaginary + s3[j].real
                    let im = -sx * s1[j].real - sy * s2[j].real + s3[j].imaginary
                    out[j] = C(-re, -im)
                }
            }
        } } } } } } } } }
    }
}
