import SOLCore

extension BurgersSimulator {
    /// `J_P(u)ᵀ w` of one ``step(_:)`` (all sub-steps), exact for the discrete scheme: the
    /// forward pass is recomputed storing the ETDRK4 stages, then ``ETDRK4/adjoint(_:record:nonlinearVJP:)``
    /// runs backwards through the sub-steps. With `N(u) = G(u²)`, `dN(u)ᵀ w = 2 u · Gᵀ w`, and
    /// `Gᵀ` is the multiplier `conj(g)`.
    public func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        try checkShape(cotangent)
        let count = batchSize * modes
        var record = [C](repeating: .zero, count: substeps * stepper.recordCount)
        var v = [C](repeating: .zero, count: count)
        var w = [C](repeating: .zero, count: count)
        var spectral = [C](repeating: .zero, count: count)
        var xr = [Scalar](repeating: 0, count: batchSize * n), wr = xr
        var result = cotangent
        // Forward, recording the stages (uses the simulator's workspace through `nonlinear`).
        withLock {
            states.withUnsafeBufferPointer { s in
                v.withUnsafeMutableBufferPointer { v in
                    record.withUnsafeMutableBufferPointer { rec in
                        fft.forward(s.baseAddress!, v.baseAddress!)
                        for k in 0..<substeps {
                            stepper.step(v.baseAddress!, record: rec.baseAddress! + k * stepper.recordCount) { x, out in
                                nonlinear(x, out)
                            }
                        }
                    }
                }
            }
            let scale = Scalar(1) / Scalar(n)
            result.withUnsafeMutableBufferPointer { r in
                w.withUnsafeMutableBufferPointer { w in
                    // The output is F⁻¹(v̂)/n: its cotangent is represented by F(w)/n.
                    fft.forward(r.baseAddress!, w.baseAddress!)
                    for i in 0..<count { w[i] = C(w[i].real * scale, w[i].imaginary * scale) }
                    record.withUnsafeBufferPointer { rec in
                        for k in (0..<substeps).reversed() {
                            stepper.adjoint(w.baseAddress!, record: rec.baseAddress! + k * stepper.recordCount) { x, wbar, out in
                                nonlinearVJP(x, wbar, out, spectral: &spectral, xr: &xr, wr: &wr)
                            }
                        }
                    }
                    // The input enters as F(u): the cotangent of u is F⁻¹(ū) (unnormalised adjoint of F).
                    fft.inverse(w.baseAddress!, r.baseAddress!)
                }
            }
        }
        return result
    }

    /// `dN(x)ᵀ ŵ = 2 F[(F⁻¹x̂) · F⁻¹(conj(g) ŵ)]` in the transform representation.
    func nonlinearVJP(_ x: UnsafePointer<C>, _ w: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>,
                      spectral: inout [C], xr: inout [Scalar], wr: inout [Scalar]) {
        let count = batchSize * modes
        spectral.withUnsafeMutableBufferPointer { t in
            xr.withUnsafeMutableBufferPointer { xr in
                wr.withUnsafeMutableBufferPointer { wr in
                    t.baseAddress!.update(from: x, count: count)
                    fft.inverse(t.baseAddress!, xr.baseAddress!)
                    g.withUnsafeBufferPointer { g in
                        for b in 0..<batchSize {
                            for m in 0..<modes { t[b * modes + m] = w[b * modes + m] * g[m].conjugate }
                        }
                    }
                    fft.inverse(t.baseAddress!, wr.baseAddress!)
                    for i in 0..<wr.count { wr[i] = 2 * xr[i] * wr[i] }
                    fft.forward(wr.baseAddress!, out)
                }
            }
        }
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}
