import SOLCore

/// The time steps of ``KolmogorovSimulator/step(_:)`` with the ETDRK combinations fused into the
/// nonlinear term's spectral loops: one pass over the spectra per stage computes the stage's
/// `N̂` from the products' spectra, the next stage value (`a`, `b`, `c` or the new `v`) and the
/// velocity spectra `û, v̂` that the next evaluation transforms, instead of three passes (the
/// end of ``KolmogorovSimulator/nonlinear(_:_:)``, the integrator's combination, the start of the
/// next evaluation). Every entry is computed by the same expressions in the same order as the
/// unfused path (``ETDRK4/step(_:record:nonlinear:)`` / ``ETDRK2/step(_:record:nonlinear:)``
/// calling ``KolmogorovSimulator/nonlinear(_:_:)``), which ``KolmogorovSimulator/stepVJP(at:cotangent:)``
/// differentiates: the two give the same bits (`testFusedStepEqualsTheIntegratorBitForBit`).
/// The forcing, non-zero at two entries per item, is added afterwards at those entries, which
/// are then recomputed (as the unfused path adds it after the products' loop).
extension KolmogorovSimulator {
    /// Advances the vorticity spectra `w` (`[B, modes]`) by ``substeps`` steps of the integrator.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func evolve(_ w: UnsafeMutablePointer<C>) {
        if let rk4 = stepper as? ETDRK4<Scalar> {
            evolveFused(w, rk4)
        } else if let rk2 = stepper as? ETDRK2<Scalar> {
            evolveFused(w, rk2)
        } else {
            evolveUnfused(w, record: nil)
        }
    }

    /// The integrator's own step calling ``nonlinear(_:_:)`` (recording the stages for the adjoint
    /// when `record` is given: ``substeps`` × `recordCount` entries).
    func evolveUnfused(_ w: UnsafeMutablePointer<C>, record: UnsafeMutablePointer<C>?) {
        let h = dt / Double(substeps)
        for k in 0..<substeps {
            stepper.step(w, record: record.map { $0 + k * stepper.recordCount }) { x, out, stage in
                setStageForcing(time: (Double(k) + stepper.stageOffset(stage)) * h)
                nonlinear(x, out)
            }
        }
    }

    /// Where the velocity spectra of one half-spectrum entry go in the packed layout: the
    /// entry's own position (`direct`, in `[B, n, n]`), its multiplier index (`mode`, in `[n, n]`)
    /// and the Hermitian mirror `−k` (`mirror`, −1 when the mirror is itself a half-spectrum entry:
    /// columns 0 and n/2). Unused without packing.
    struct PackedTarget {
        var direct: Int, mode: Int, mirror: Int, mirrorMode: Int
    }

    /// `û = i s_x x̂`, `v̂ = i s_y x̂` of every entry (the start of ``nonlinear(_:_:)``).
    @inline(__always)
    func velocitySpectra(of x: UnsafePointer<C>) {
        sxs.withUnsafeBufferPointer { sxb in sys.withUnsafeBufferPointer { syb in
            let sx = sxb.baseAddress!, sy = syb.baseAddress!
            forEachPosition { j, i, t in storeVelocity(x[j], entry: j, mode: i, target: t, sx, sy) }
        } }
    }

    /// The half spectra `[B, 2, modes]` of velocity states `[B, 2, n, n]` (unnormalised): packed
    /// (``packs(n:)``), one complex transform of `vx + i vy` per item, unpacked as
    /// `F[vx] = (Z + conj Z(−k))/2`, `F[vy] = −i (Z − conj Z(−k))/2`; otherwise 2 real transforms.
    func stateSpectra(_ s: UnsafePointer<Scalar>, into vs: UnsafeMutablePointer<C>) {
        guard let cfft = complexFFT else {
            fft2.forward(s, vs)
            return
        }
        let points = n * n, half = n / 2 + 1, z = packedReal.pointer, zs = packedProducts.pointer
        for b in 0..<batchSize {
            let vx = s + 2 * b * points, vy = vx + points, zb = z + b * points
            for p in 0..<points { zb[p] = C(vx[p], vy[p]) }
        }
        cfft.forward(z, zs)
        for b in 0..<batchSize {
            let zb = zs + b * points, ox = vs + 2 * b * modes, oy = ox + modes
            for row in 0..<n {
                let mirrorRow = (n - row) % n
                for col in 0..<half {
                    let z = zb[row * n + col], w = zb[mirrorRow * n + (col == 0 ? 0 : n - col)]
                    let i = row * half + col
                    ox[i] = C((z.re + w.re) / 2, (z.im - w.im) / 2)
                    oy[i] = C((z.im + w.im) / 2, (w.re - z.re) / 2)
                }
            }
        }
    }

    /// Velocity states `[B, 2, n, n]` from their half spectra `[B, 2, modes]` scaled by `1/n²`
    /// (the spectra are overwritten): packed, one complex transform of `V̂x + i V̂y` (completed
    /// by Hermitian symmetry) per item; otherwise 2 real transforms.
    func stateFromSpectra(_ vs: UnsafeMutablePointer<C>, into s: UnsafeMutablePointer<Scalar>) {
        guard let cfft = complexFFT else {
            fft2.inverse(vs, s)
            return
        }
        let points = n * n, half = n / 2 + 1, zs = packedVelocity.pointer, z = packedReal.pointer
        for b in 0..<batchSize {
            let ox = vs + 2 * b * modes, oy = ox + modes, zb = zs + b * points
            for row in 0..<n {
                let mirrorRow = (n - row) % n
                for col in 0..<half {
                    let x = ox[row * half + col], y = oy[row * half + col]
                    zb[row * n + col] = C(x.re - y.im, x.im + y.re)
                    if col > 0 && 2 * col < n {  // −k: conj(x) + i conj(y)
                        zb[mirrorRow * n + n - col] = C(x.re + y.im, y.re - x.im)
                    }
                }
            }
        }
        cfft.backward(zs, z)
        for b in 0..<batchSize {
            let vx = s + 2 * b * points, vy = vx + points, zb = z + b * points
            for p in 0..<points {
                vx[p] = zb[p].re
                vy[p] = zb[p].im
            }
        }
    }

    /// Visits every half-spectrum entry `j` (mode `i`) with its packed target.
    @inline(__always)
    func forEachPosition(_ visit: (Int, Int, PackedTarget) -> Void) {
        let half = n / 2 + 1, points = n * n
        for b in 0..<batchSize {
            for row in 0..<n {
                let mirrorRow = (n - row) % n
                for col in 0..<half {
                    let i = row * half + col, mode = row * n + col
                    let mirrorMode = col == 0 || 2 * col == n ? -1 : mirrorRow * n + n - col
                    visit(b * modes + i, i, PackedTarget(direct: b * points + mode, mode: mode,
                                                         mirror: mirrorMode < 0 ? -1 : b * points + mirrorMode, mirrorMode: mirrorMode))
                }
            }
        }
    }

    /// The transforms of ``nonlinear(_:_:)``: the velocity spectra → the spectra of `u² − v²`
    /// and `u v`. Packed: one complex transform each way of `n²(u + i v)` and `(u² − v²) + i u v`;
    /// otherwise 2 real transforms each way.
    @inline(__always)
    func productSpectra() {
        if let cfft = complexFFT {
            let z = packedReal.pointer, count = batchSize * n * n
            cfft.backward(packedVelocity.pointer, z)
            for i in 0..<count {
                let a = z[i].re, c = z[i].im
                z[i] = C((a - c) * (a + c), a * c)
            }
            cfft.forward(z, packedProducts.pointer)
            return
        }
        let total = batchSize * n * n, ur = pairReal.pointer, vr = ur + total
        fft2.inverse(pairSpectra.pointer, ur)
        for i in 0..<total {
            let a = ur[i], c = vr[i]
            ur[i] = (a - c) * (a + c)
            vr[i] = a * c
        }
        fft2.forward(ur, pairSpectra.pointer)
    }

    /// One pass over every entry: `visit(j, i, target, N̂_j without forcing)` with `j` the batch
    /// entry, `i` the mode (the multiplier index), `target` its packed position. Packed, the
    /// products' spectra are unpacked on the fly: with `Z` the transform of `(u² − v²) + i u v`
    /// and `W = conj Z(−k)`, `F[u² − v²] = (Z + W)/2`, `F[u v] = −i (Z − W)/2`.
    @inline(__always)
    func forEachEntry(_ visit: (Int, Int, PackedTarget, C) -> Void) {
        if complexFFT != nil {
            // Read from the products' buffer while `visit` writes the next velocity spectra to
            // ``packedVelocity``: the unpacking reads the mirror row of columns 0 and n/2.
            let s = packedProducts.pointer, hxy = halfXY.pointer, huv = halfUV.pointer
            let half = n / 2 + 1, points = n * n
            for b in 0..<batchSize {
                let sb = s + b * points
                for row in 0..<n {
                    let mirrorRow = (n - row) % n
                    for col in 0..<half {
                        let i = row * half + col, mode = row * n + col
                        let z = sb[mode], w = sb[mirrorRow * n + (col == 0 ? 0 : n - col)]
                        // W = conj(w): Z + W = (z.re + w.re, z.im − w.im), Z − W = (z.re − w.re, z.im + w.im)
                        let pr = z.re + w.re, pi = z.im - w.im, mr = z.re - w.re, mi = z.im + w.im
                        let value = C(hxy[i] * pr + huv[i] * mi, hxy[i] * pi - huv[i] * mr)
                        let mirrorMode = col == 0 || 2 * col == n ? -1 : mirrorRow * n + n - col
                        visit(b * modes + i, i, PackedTarget(direct: b * points + mode, mode: mode,
                                                             mirror: mirrorMode < 0 ? -1 : b * points + mirrorMode, mirrorMode: mirrorMode),
                              value)
                    }
                }
            }
            return
        }
        let count = batchSize * modes, s1 = pairSpectra.pointer, s2 = s1 + count
        let cxy = productXY.pointer, cuv = productUV.pointer
        let unused = PackedTarget(direct: 0, mode: 0, mirror: -1, mirrorMode: -1)
        for b in 0..<batchSize {
            let o = b * modes
            for i in 0..<modes {
                let j = o + i
                visit(j, i, unused, C(cxy[i] * s1[j].re + cuv[i] * s2[j].re, cxy[i] * s1[j].im + cuv[i] * s2[j].im))
            }
        }
    }

    /// Calls `fix(j, i, target, f)` at the two forcing entries of every item with the stage forcing `f`.
    @inline(__always)
    func forEachForcingEntry(_ fix: (Int, Int, PackedTarget, C) -> Void) {
        guard let (plus, minus) = forcingEntries else { return }
        let half = n / 2 + 1, points = n * n
        // Column 0: the mirror is itself a half-spectrum entry.
        let modePlus = plus / half * n, modeMinus = minus / half * n
        for b in 0..<batchSize {
            fix(b * modes + plus, plus, PackedTarget(direct: b * points + modePlus, mode: modePlus, mirror: -1, mirrorMode: -1),
                stageForcing[2 * b])
            fix(b * modes + minus, minus, PackedTarget(direct: b * points + modeMinus, mode: modeMinus, mirror: -1, mirrorMode: -1),
                stageForcing[2 * b + 1])
        }
    }

    /// The velocity spectra `û_j = i s_x x`, `v̂_j = i s_y x` of the entry value `x` (mode `i`):
    /// into ``pairSpectra``, or packed as `Ẑ = û + i v̂ = (i s_x − s_y) x` at the entry's position
    /// and `conj` of it at the mirror `−k` (the full-grid multipliers ``packedRe``, ``packedIm``).
    @inline(__always)
    func storeVelocity(_ x: C, entry j: Int, mode i: Int, target t: PackedTarget,
                       _ sx: UnsafePointer<Scalar>, _ sy: UnsafePointer<Scalar>) {
        if complexFFT != nil {
            let p = packedVelocity.pointer, mr = packedRe.pointer, mi = packedIm.pointer
            p[t.direct] = C(mr[t.mode] * x.re - mi[t.mode] * x.im, mr[t.mode] * x.im + mi[t.mode] * x.re)
            if t.mirror >= 0 {
                // x at −k is conj(x): (μr + i μi)(x.re − i x.im)
                p[t.mirror] = C(mr[t.mirrorMode] * x.re + mi[t.mirrorMode] * x.im, -mr[t.mirrorMode] * x.im + mi[t.mirrorMode] * x.re)
            }
            return
        }
        let u = pairSpectra.pointer, v = u + batchSize * modes
        u[j] = C(-sx[i] * x.im, sx[i] * x.re)
        v[j] = C(-sy[i] * x.im, sy[i] * x.re)
    }

    @inline(__always)
    static func added(_ x: C, _ f: C) -> C { C(x.re + f.re, x.im + f.im) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func evolveFused(_ v: UnsafeMutablePointer<C>, _ rk: ETDRK4<Scalar>) {
        let h = dt / Double(substeps)
        let e = rk.e.pointer, e2 = rk.e2.pointer, q = rk.q.pointer, f1 = rk.f1.pointer, f2 = rk.f2.pointer, f3 = rk.f3.pointer
        let nv = rk.nv.pointer, na = rk.na.pointer, nb = rk.nb.pointer, nc = rk.nc.pointer
        let a = rk.a.pointer, b = rk.b.pointer, c = rk.c.pointer
        sxs.withUnsafeBufferPointer { sxb in sys.withUnsafeBufferPointer { syb in
            let sx = sxb.baseAddress!, sy = syb.baseAddress!
            velocitySpectra(of: v)
            for k in 0..<substeps {
                func time(_ stage: Int) -> Double { (Double(k) + ETDRK4<Scalar>.stageOffset(stage)) * h }
                // Stage 0: N(v) → a = E₂ v + Q N(v).
                productSpectra()
                setStageForcing(time: time(0))
                forEachEntry { j, i, t, z in
                    nv[j] = z
                    a[j] = ETDRK4<Scalar>.lin(e2[j], v[j], q[j], z)
                    storeVelocity(a[j], entry: j, mode: i, target: t, sx, sy)
                }
                forEachForcingEntry { j, i, t, f in
                    nv[j] = Self.added(nv[j], f)
                    a[j] = ETDRK4<Scalar>.lin(e2[j], v[j], q[j], nv[j])
                    storeVelocity(a[j], entry: j, mode: i, target: t, sx, sy)
                }
                // Stage 1: N(a) → b = E₂ v + Q N(a).
                productSpectra()
                setStageForcing(time: time(1))
                forEachEntry { j, i, t, z in
                    na[j] = z
                    b[j] = ETDRK4<Scalar>.lin(e2[j], v[j], q[j], z)
                    storeVelocity(b[j], entry: j, mode: i, target: t, sx, sy)
                }
                forEachForcingEntry { j, i, t, f in
                    na[j] = Self.added(na[j], f)
                    b[j] = ETDRK4<Scalar>.lin(e2[j], v[j], q[j], na[j])
                    storeVelocity(b[j], entry: j, mode: i, target: t, sx, sy)
                }
                // Stage 2: N(b) → c = E₂ a + Q (2N(b) − N(v)).
                productSpectra()
                setStageForcing(time: time(2))
                func stageC(_ j: Int, _ i: Int, _ t: PackedTarget) {
                    let y = C(2 * nb[j].re - nv[j].re, 2 * nb[j].im - nv[j].im)
                    c[j] = ETDRK4<Scalar>.lin(e2[j], a[j], q[j], y)
                    storeVelocity(c[j], entry: j, mode: i, target: t, sx, sy)
                }
                forEachEntry { j, i, t, z in
                    nb[j] = z
                    stageC(j, i, t)
                }
                forEachForcingEntry { j, i, t, f in
                    nb[j] = Self.added(nb[j], f)
                    stageC(j, i, t)
                }
                // Stage 3: N(c) → v = E v + f₁ N(v) + 2 f₂ (N(a) + N(b)) + f₃ N(c).
                productSpectra()
                setStageForcing(time: time(3))
                let next = k + 1 < substeps
                // The forcing entries' v is overwritten in the pass: keep it for their fix-up.
                var saved: [C] = []
                forEachForcingEntry { j, _, _, _ in saved.append(v[j]) }
                @inline(__always) func combine(_ j: Int, _ i: Int, _ t: PackedTarget, _ vj: C) {
                    let s = C(na[j].re + nb[j].re, na[j].im + nb[j].im)
                    let re = e[j] * vj.re + f1[j] * nv[j].re + 2 * f2[j] * s.re + f3[j] * nc[j].re
                    let im = e[j] * vj.im + f1[j] * nv[j].im + 2 * f2[j] * s.im + f3[j] * nc[j].im
                    v[j] = C(re, im)
                    if next { storeVelocity(v[j], entry: j, mode: i, target: t, sx, sy) }
                }
                forEachEntry { j, i, t, z in
                    nc[j] = z
                    combine(j, i, t, v[j])
                }
                var index = 0
                forEachForcingEntry { j, i, t, f in
                    nc[j] = Self.added(nc[j], f)
                    combine(j, i, t, saved[index])
                    index += 1
                }
            }
        } }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func evolveFused(_ v: UnsafeMutablePointer<C>, _ rk: ETDRK2<Scalar>) {
        let h = dt / Double(substeps)
        let e = rk.e.pointer, q = rk.q.pointer, p = rk.p.pointer
        let nv = rk.nv.pointer, na = rk.na.pointer, a = rk.a.pointer
        sxs.withUnsafeBufferPointer { sxb in sys.withUnsafeBufferPointer { syb in
            let sx = sxb.baseAddress!, sy = syb.baseAddress!
            velocitySpectra(of: v)
            for k in 0..<substeps {
                // Stage 0: N(v) → a = E v + Q N(v).
                productSpectra()
                setStageForcing(time: (Double(k) + rk.stageOffset(0)) * h)
                @inline(__always) func stageA(_ j: Int, _ i: Int, _ t: PackedTarget) {
                    a[j] = C(e[j] * v[j].re + q[j] * nv[j].re, e[j] * v[j].im + q[j] * nv[j].im)
                    storeVelocity(a[j], entry: j, mode: i, target: t, sx, sy)
                }
                forEachEntry { j, i, t, z in
                    nv[j] = z
                    stageA(j, i, t)
                }
                forEachForcingEntry { j, i, t, f in
                    nv[j] = Self.added(nv[j], f)
                    stageA(j, i, t)
                }
                // Stage 1: N(a) → v = a + P (N(a) − N(v)).
                productSpectra()
                setStageForcing(time: (Double(k) + rk.stageOffset(1)) * h)
                let next = k + 1 < substeps
                @inline(__always) func combine(_ j: Int, _ i: Int, _ t: PackedTarget) {
                    v[j] = C(a[j].re + p[j] * (na[j].re - nv[j].re), a[j].im + p[j] * (na[j].im - nv[j].im))
                    if next { storeVelocity(v[j], entry: j, mode: i, target: t, sx, sy) }
                }
                forEachEntry { j, i, t, z in
                    na[j] = z
                    combine(j, i, t)
                }
                forEachForcingEntry { j, i, t, f in
                    na[j] = Self.added(na[j], f)
                    combine(j, i, t)
                }
            }
        } }
    }
}
