import SOLCore

extension BurgersSimulator {
    /// `J_P(u)ᵀ w` of one ``step(_:)`` (all sub-steps), exact for the discrete scheme: the
    /// forward pass is recomputed storing the ETDRK4 stages, then ``ETDRK4/adjoint(_:record:nonlinearVJP:)``
    /// runs backwards through the sub-steps. With `N(u) = G(u²)`, `dN(u)ᵀ w = 2 u · Gᵀ w`, and
    /// `Gᵀ` is the multiplier `conj(g)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        try checkShape(cotangent)
        lock.lock(); defer { lock.unlock() }
        let count = batchSize * modes
        var record = [C](repeating: .zero, count: substeps * stepper.recordCount)
        var w = [C](repeating: .zero, count: count)
        var result = cotangent
        states.withUnsafeBufferPointer { s in
            record.withUnsafeMutableBufferPointer { rec in
                toSpectrum(s.baseAddress!, spectrum.pointer)
                for k in 0..<substeps {
                    stepper.step(spectrum.pointer, record: rec.baseAddress! + k * stepper.recordCount) { x, out, _ in
                        nonlinear(x, out)
                    }
                }
            }
        }
        result.withUnsafeMutableBufferPointer { r in
            w.withUnsafeMutableBufferPointer { w in
                // The output is F⁻¹(v̂)/n: its cotangent w is represented by F(w) (see ETDRK4).
                toSpectrum(r.baseAddress!, w.baseAddress!)
                record.withUnsafeBufferPointer { rec in
                    for k in (0..<substeps).reversed() {
                        stepper.adjoint(w.baseAddress!, record: rec.baseAddress! + k * stepper.recordCount) { x, wbar, out, _ in
                            nonlinearVJP(x, wbar, out)
                        }
                    }
                }
                // The input enters as F(u): the cotangent of u is F⁻¹(ū)/n.
                toReal(w.baseAddress!, r.baseAddress!)
            }
        }
        return result
    }

    /// `dN(x)ᵀ ŵ = 2 F[(F⁻¹x̂) · F⁻¹(conj(g) ŵ)]` in the transform representation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func nonlinearVJP(_ x: UnsafePointer<C>, _ w: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>) {
        let count = batchSize * modes, points = batchSize * n
        let t = scratch.pointer, xr = real.pointer, wr = real2.pointer, p = product.pointer
        t.update(from: x, count: count)
        fft.inverse(t, xr)
        g.withUnsafeBufferPointer { g in
            for b in 0..<batchSize {
                for m in 0..<modes { let z = w[b * modes + m], gi = -g[m].imaginary  // conj(i·g) = −i·g
                    t[b * modes + m] = C(-gi * z.imaginary, gi * z.real) }
            }
        }
        fft.inverse(t, wr)
        for i in 0..<points { wr[i] = 2 * xr[i] * wr[i] }
        fft.forward(wr, p)
        out.update(from: p, count: count)
    }
}
