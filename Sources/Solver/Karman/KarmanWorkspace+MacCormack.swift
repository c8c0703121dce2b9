extension KarmanWorkspace {
    /// Visits every free face `t` of the face buffer `f` with its component (`isV`), its index
    /// `(j, i)` in that component's array and the velocity `(u, v)` at the face (the other
    /// component averaged from its four neighbours, exactly as ``advect(dt:)`` does).
    @inline(__always)
    static func forEachFreeFace(_ grid: KarmanGrid, _ f: UnsafePointer<Scalar>,
                                _ body: (_ t: Int, _ isV: Bool, _ j: Int, _ i: Int, _ u: Scalar, _ v: Scalar) -> Void) {
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        let fu = f, fv = f + vo
        for j in 0..<h {
            for i in 1..<w {
                let vbar = 0.25 * (fv[j * w + i - 1] + fv[j * w + i] + fv[(j + 1) * w + i - 1] + fv[(j + 1) * w + i])
                body(j * w1 + i, false, j, i, fu[j * w1 + i], vbar)
            }
        }
        for j in 1...h {
            let jj = min(j, h - 1)
            for i in 0..<w {
                let ubar = 0.25 * (fu[(j - 1) * w1 + i] + fu[(j - 1) * w1 + i + 1] + fu[jj * w1 + i] + fu[jj * w1 + i + 1])
                body(vo + j * w + i, true, j, i, ubar, fv[j * w + i])
            }
        }
    }

    /// MacCormack self-advection with the clamping limiter (``KarmanAdvection/macCormack``), `a → a`:
    /// `φ̂ = SL(φ, −dt)`, `φ̃ = SL(φ̂, +dt)` (both traced with the face velocity of `φ`), result
    /// `clamp(φ̂ + ½(φ − φ̃), min, max of the four samples of φ around the departure point)`.
    /// Fixed faces (walls, inflow) are unchanged.
    mutating func advectMacCormack(dt: Double) {
        copyFixedFacesAToB()
        let g = grid, (h, w) = (grid.cellsY, grid.cellsX), vo = grid.uCount
        a.withUnsafeBufferPointer { ab in
            c.withUnsafeMutableBufferPointer { cb in
                let src = ab.baseAddress!, dst = cb.baseAddress!, w1 = w + 1
                for j in 0..<h { dst[j * w1] = src[j * w1]; dst[j * w1 + w] = src[j * w1 + w] }
                for i in 0..<w { dst[vo + i] = src[vo + i] }
            }
        }
        let sx = dt / grid.dx, sy = dt / grid.dy
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeMutableBufferPointer { bb in
                c.withUnsafeMutableBufferPointer { cb in
                    let phi = ab.baseAddress!, hat = bb.baseAddress!, out = cb.baseAddress!
                    @inline(__always) func array(_ isV: Bool) -> (rows: Int, cols: Int, offset: Int) {
                        isV ? (h + 1, w, vo) : (h, w + 1, 0)
                    }
                    // φ̂: backward semi-Lagrangian step.
                    Self.forEachFreeFace(g, phi) { t, isV, j, i, u, v in
                        let m = array(isV)
                        let s = Bilinear(rows: m.rows, cols: m.cols, fj: Double(j) - sy * v, fi: Double(i) - sx * u)
                        hat[t] = s.value(phi + m.offset)
                    }
                    // Forward step back from φ̂, correction and limiter.
                    Self.forEachFreeFace(g, phi) { t, isV, j, i, u, v in
                        let m = array(isV)
                        let back = Bilinear(rows: m.rows, cols: m.cols, fj: Double(j) - sy * v, fi: Double(i) - sx * u)
                        let forward = Bilinear(rows: m.rows, cols: m.cols, fj: Double(j) + sy * v, fi: Double(i) + sx * u)
                        let corrected = hat[t] + 0.5 * (phi[t] - forward.value(hat + m.offset))
                        let (low, high) = back.range(phi + m.offset)
                        out[t] = min(max(corrected, low), high)
                    }
                }
            }
        }
        swap(&a, &c)
    }
}
