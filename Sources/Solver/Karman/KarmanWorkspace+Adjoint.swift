/// The transposed stages: with `a` holding a cotangent on the full-face buffer, each method
/// replaces it by the cotangent of the stage's input (vector-Jacobian products).
extension KarmanWorkspace {
    /// Zeroes the cotangents of the fixed faces (walls, inflow face): they are constants.
    mutating func zeroFixedCotangents() {
        let g = grid
        a.withUnsafeMutableBufferPointer { f in
            for j in 0..<g.cellsY { f[g.u(j, 0)] = 0; f[g.u(j, g.cellsX)] = 0 }
            for i in 0..<g.cellsX { f[g.v(0, i)] = 0 }
        }
    }

    /// Adjoint of ``extract(into:)``: the stored cotangent spread on the full buffer.
    mutating func extractAdjoint(from state: UnsafePointer<Scalar>) {
        let (h, w) = (grid.cellsY, grid.cellsX)
        let g = grid
        a.withUnsafeMutableBufferPointer { f in
            for q in 0..<f.count { f[q] = 0 }
            let vx = state, vy = state + h * w
            for j in 0..<h { for i in 0..<w { f[g.u(j, i)] = vx[j * w + i] } }
            for j in 0..<h { for i in 0..<w { f[g.v(j, i)] = vy[j * w + i] } }
        }
        zeroFixedCotangents()
    }

    /// Adjoint of ``reconstruct(from:)``: writes the stored cotangent.
    mutating func reconstructAdjoint(into state: UnsafeMutablePointer<Scalar>) {
        zeroFixedCotangents()
        let (h, w) = (grid.cellsY, grid.cellsX)
        let g = grid, ratio = Scalar(grid.dy / grid.dx)
        a.withUnsafeBufferPointer { f in
            let vx = state, vy = state + h * w
            for j in 0..<h { for i in 0..<w { vx[j * w + i] = i == 0 ? 0 : f[g.u(j, i)] } }
            for j in 0..<h { for i in 0..<w { vy[j * w + i] = j == 0 ? 0 : f[g.v(j, i)] } }
            // The outflow face vy[H] = vy[H−1] − (dy/dx)(vx[H−1, i+1] − vx[H−1, i]).
            for i in 0..<w {
                let top = f[g.v(h, i)]
                vy[(h - 1) * w + i] += top
                if i + 1 < w { vx[(h - 1) * w + i + 1] -= ratio * top }
                if i >= 1 { vx[(h - 1) * w + i] += ratio * top }
            }
        }
    }

    /// Adjoint of ``diffuse(alpha:)``: `v̄ ← v̄ + α (∇²)ᵀ v̄`.
    mutating func diffuseAdjoint(alpha: Scalar) {
        zeroFixedCotangents()
        copyAToB()
        let g = grid
        a.withUnsafeBufferPointer { src in
            b.withUnsafeMutableBufferPointer { dst in
                Self.forEachLaplacianTerm(g) { t, s, c in
                    let x = alpha * c * src[t]
                    if s == t { dst[t] += x } else { dst[s] += x; dst[t] -= x }
                }
            }
        }
        swap(&a, &b)
    }

    /// Adjoint of ``applyInflow()``: the reset faces do not depend on the input.
    mutating func applyInflowAdjoint() {
        let g = grid
        a.withUnsafeMutableBufferPointer { f in
            for j in 0..<g.inflowURows { for i in 0...g.cellsX { f[g.u(j, i)] = 0 } }
            for j in 0..<g.inflowVRows { for i in 0..<g.cellsX { f[g.v(j, i)] = 0 } }
        }
    }

    /// Adjoint of ``advect(dt:)`` at the primal input `primal` (the full buffer before advection),
    /// with respect to both the advected field and the velocity used for the back-trace.
    mutating func advectAdjoint(at primal: [Scalar], dt: Double, field: Bool = true, velocity: Bool = true) {
        zeroFixedCotangents()
        let g = grid, (h, w) = (grid.cellsY, grid.cellsX)
        let sx = Scalar(dt / grid.dx), sy = Scalar(dt / grid.dy)
        b.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        primal.withUnsafeBufferPointer { f in
            a.withUnsafeBufferPointer { gout in
                b.withUnsafeMutableBufferPointer { bar in
                    let fu = f.baseAddress!, fv = f.baseAddress! + g.uCount
                    let baru = bar.baseAddress!, barv = bar.baseAddress! + g.uCount
                    for j in 0..<h {
                        for i in 1..<w {
                            let gv = gout[g.u(j, i)]
                            if gv == 0 { continue }
                            let u = f[g.u(j, i)]
                            let vbar = 0.25 * (f[g.v(j, i - 1)] + f[g.v(j, i)] + f[g.v(j + 1, i - 1)] + f[g.v(j + 1, i)])
                            let s = Bilinear(rows: h, cols: w + 1, fj: Scalar(j) - sy * vbar, fi: Scalar(i) - sx * u)
                            if field { s.scatter(gv, into: baru) }
                            if velocity {
                                let (dj, di) = s.gradient(fu)
                                bar[g.u(j, i)] -= gv * di * sx
                                let q = -0.25 * gv * dj * sy
                                bar[g.v(j, i - 1)] += q; bar[g.v(j, i)] += q
                                bar[g.v(j + 1, i - 1)] += q; bar[g.v(j + 1, i)] += q
                            }
                        }
                    }
                    for j in 1...h {
                        let jj = min(j, h - 1)
                        for i in 0..<w {
                            let gv = gout[g.v(j, i)]
                            if gv == 0 { continue }
                            let v = f[g.v(j, i)]
                            let ubar = 0.25 * (f[g.u(j - 1, i)] + f[g.u(j - 1, i + 1)] + f[g.u(jj, i)] + f[g.u(jj, i + 1)])
                            let s = Bilinear(rows: h + 1, cols: w, fj: Scalar(j) - sy * v, fi: Scalar(i) - sx * ubar)
                            if field { s.scatter(gv, into: barv) }
                            if velocity {
                                let (dj, di) = s.gradient(fv)
                                bar[g.v(j, i)] -= gv * dj * sy
                                let q = -0.25 * gv * di * sx
                                bar[g.u(j - 1, i)] += q; bar[g.u(j - 1, i + 1)] += q
                                bar[g.u(jj, i)] += q; bar[g.u(jj, i + 1)] += q
                            }
                        }
                    }
                }
            }
        }
        swap(&a, &b)
    }

    /// Adjoint of ``project(_:)``: with `out = M_s v − G′ L_m⁻¹ D_f M_s v`,
    /// `v̄ = M_s (w + D_fᵀ L_m⁻¹ (−G′ᵀ w))` (`L_m` is symmetric).
    mutating func projectAdjoint(_ solver: KarmanPressureSolver) {
        zeroFixedCotangents()
        let g = grid, (h, w) = (grid.cellsY, grid.cellsX)
        let idx = 1 / grid.dx, idy = 1 / grid.dy
        // r = −G′ᵀ w (the right-hand side of the adjoint pressure solve).
        a.withUnsafeBufferPointer { f in
            r.withUnsafeMutableBufferPointer { q in
                for c in 0..<q.count { q[c] = 0 }
                for j in 0..<h {
                    for i in 1..<w where !g.uFaceSolid(j, i) {
                        let x = Double(f[g.u(j, i)]) * idx
                        q[j * w + i] -= x; q[j * w + i - 1] += x
                    }
                }
                for j in 1..<h {
                    for i in 0..<w where !g.vFaceSolid(j, i) {
                        let x = Double(f[g.v(j, i)]) * idy
                        q[j * w + i] -= x; q[(j - 1) * w + i] += x
                    }
                }
                for i in 0..<w { q[(h - 1) * w + i] += 2 * Double(f[g.v(h, i)]) * idy }
            }
        }
        solvePressure(solver)
        // v̄ = M_s (w + D_fᵀ s), s = p masked to fluid cells.
        a.withUnsafeMutableBufferPointer { f in
            p.withUnsafeMutableBufferPointer { s in
                for c in 0..<s.count where g.solid[c] { s[c] = 0 }
                for j in 0..<h {
                    for i in 1..<w {
                        f[g.u(j, i)] = g.uFaceSolid(j, i) ? 0 : Scalar(Double(f[g.u(j, i)]) + (s[j * w + i - 1] - s[j * w + i]) * idx)
                    }
                }
                for j in 1..<h {
                    for i in 0..<w {
                        f[g.v(j, i)] = g.vFaceSolid(j, i) ? 0 : Scalar(Double(f[g.v(j, i)]) + (s[(j - 1) * w + i] - s[j * w + i]) * idy)
                    }
                }
                for i in 0..<w { f[g.v(h, i)] = Scalar(Double(f[g.v(h, i)]) + s[(h - 1) * w + i] * idy) }
            }
        }
    }
}
