/// Per-state buffers and the stages of one wake-flow step on the full-face buffer.
///
/// Always Float64 (also for Float32 simulators, which convert at the state boundary): concrete
/// types keep the hot loops specialised, and the step of a Float32 simulator is then the Float32
/// rounding of the Float64 step, deterministic and as smooth as it gets for ZO differences.
///
/// The buffer `a` holds every face: `U` (vx, `H × (W+1)`, walls at `i = 0, W`) then `V`
/// (vy, `(H+1) × W`, inflow at `j = 0`, outflow at `j = H`). "Fixed" faces (walls, inflow face)
/// are constants; every stage leaves them unchanged and its adjoint ignores their cotangents.
struct KarmanWorkspace {
    typealias Scalar = Double
    let grid: KarmanGrid
    var a: [Scalar]
    var b: [Scalar]
    /// Third face buffer (the MacCormack result).
    var c: [Scalar]
    /// Cell buffers of the pressure solve.
    var r: [Double]
    var p: [Double]
    var spectrum: [Double]
    var correction: [Double]
    /// A stored `[2, H, W]` state in Float64.
    var state: [Double]

    init(grid: KarmanGrid) {
        self.grid = grid
        a = [Scalar](repeating: 0, count: grid.faceCount)
        b = a
        c = a
        let n = grid.cellsX * grid.cellsY
        r = [Double](repeating: 0, count: n)
        p = r; spectrum = r; correction = r
        state = [Double](repeating: 0, count: 2 * n)
    }

    /// `b ← a` without reallocating `b` (a plain `b = a` would share, then copy on write).
    mutating func copyAToB() {
        a.withUnsafeBufferPointer { src in
            b.withUnsafeMutableBufferPointer { dst in dst.baseAddress!.update(from: src.baseAddress!, count: src.count) }
        }
    }

    /// `b ← a` on the fixed faces only (walls, inflow face): stages that overwrite every free face.
    mutating func copyFixedFacesAToB() {
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        a.withUnsafeBufferPointer { src in
            b.withUnsafeMutableBufferPointer { dst in
                for j in 0..<h { dst[j * w1] = src[j * w1]; dst[j * w1 + w] = src[j * w1 + w] }
                for i in 0..<w { dst[vo + i] = src[vo + i] }
            }
        }
    }

    // MARK: State layout

    /// Fills `a` from a stored `[2, H, W]` state (walls, inflow and outflow faces reconstructed).
    mutating func reconstruct(from state: UnsafePointer<Scalar>) {
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        let inflow = grid.inflowVelocity, ratio = grid.dy / grid.dx
        a.withUnsafeMutableBufferPointer { fb in
            let f = fb.baseAddress!, fv = f + vo
            let vx = state, vy = state + h * w
            for j in 0..<h {
                f[j * w1] = 0
                for i in 1..<w { f[j * w1 + i] = vx[j * w + i] }
                f[j * w1 + w] = 0
            }
            for i in 0..<w { fv[i] = inflow }
            for c in w..<(h * w) { fv[c] = vy[c] }
            let top = (h - 1) * w1
            for i in 0..<w { fv[h * w + i] = fv[(h - 1) * w + i] - ratio * (f[top + i + 1] - f[top + i]) }
        }
    }

    /// Writes the stored `[2, H, W]` state from `a`.
    func extract(into state: UnsafeMutablePointer<Scalar>) {
        a.withUnsafeBufferPointer { Self.extract(grid, faces: $0.baseAddress!, into: state) }
    }

    /// The stored `[2, H, W]` state of the face buffer `f` of `grid`.
    static func extract(_ grid: KarmanGrid, faces f: UnsafePointer<Scalar>, into state: UnsafeMutablePointer<Scalar>) {
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        let vx = state, vy = state + h * w
        for j in 0..<h { (vx + j * w).update(from: f + j * w1, count: w) }
        vy.update(from: f + vo, count: h * w)
    }

    // MARK: Diffusion

    /// Visits the 5-point Laplacian `∇²v` of every free face as terms `c · (v[s] − v[t])`
    /// (`body(t, s, c)`, differences, so a constant field gives exactly 0) and `c · v[t]`
    /// (`body(t, t, c)`). Ghost values: vx = 0 at the inflow (`ghost = −vx`), zero gradient at the
    /// outflow; vy zero gradient at the free-slip walls and the outflow; fixed faces enter as values.
    @inline(__always)
    static func forEachLaplacianTerm(_ g: KarmanGrid, _ body: (Int, Int, Scalar) -> Void) {
        let (h, w) = (g.cellsY, g.cellsX)
        let cx = Scalar(1 / (g.dx * g.dx)), cy = Scalar(1 / (g.dy * g.dy))
        for j in 0..<h {
            for i in 1..<w {
                let t = g.u(j, i)
                body(t, t - 1, cx); body(t, t + 1, cx)
                if j > 0 { body(t, g.u(j - 1, i), cy) } else { body(t, t, -2 * cy) }
                if j < h - 1 { body(t, g.u(j + 1, i), cy) }
            }
        }
        for j in 1...h {
            for i in 0..<w {
                let t = g.v(j, i)
                if i > 0 { body(t, t - 1, cx) }
                if i < w - 1 { body(t, t + 1, cx) }
                body(t, g.v(j - 1, i), cy)
                if j < h { body(t, g.v(j + 1, i), cy) }
            }
        }
    }

    /// One explicit diffusion sub-step `v ← v + α ∇²v` on the free faces (the same terms as
    /// ``forEachLaplacianTerm(_:_:)``, written out for speed; the adjoint test ties them together).
    mutating func diffuse(alpha: Scalar) {
        copyFixedFacesAToB()
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        let ax = alpha / (grid.dx * grid.dx), ay = alpha / (grid.dy * grid.dy)
        a.withUnsafeBufferPointer { srcBuffer in
            b.withUnsafeMutableBufferPointer { dstBuffer in
                let src = srcBuffer.baseAddress!, dst = dstBuffer.baseAddress!
                for j in 0..<h {
                    let row = j * w1
                    for i in 1..<w {
                        let t = row + i, x = src[t]
                        var sum = ax * ((src[t - 1] - x) + (src[t + 1] - x))
                        sum += j > 0 ? ay * (src[t - w1] - x) : -2 * ay * x
                        if j < h - 1 { sum += ay * (src[t + w1] - x) }
                        dst[t] = x + sum
                    }
                }
                for j in 1...h {
                    let row = vo + j * w
                    for i in 0..<w {
                        let t = row + i, x = src[t]
                        var sum = ay * (src[t - w] - x)
                        if i > 0 { sum += ax * (src[t - 1] - x) }
                        if i < w - 1 { sum += ax * (src[t + 1] - x) }
                        if j < h { sum += ay * (src[t + w] - x) }
                        dst[t] = x + sum
                    }
                }
            }
        }
        swap(&a, &b)
    }

    // MARK: Inflow

    /// The inflow condition: `vy = U` on y-faces with `y < inflowHeight`, `vx = 0` on x-faces whose
    /// centre is below it.
    mutating func applyInflow() {
        let g = grid, inflow = Scalar(grid.inflowVelocity)
        a.withUnsafeMutableBufferPointer { f in
            for j in 0..<g.inflowURows { for i in 0...g.cellsX { f[g.u(j, i)] = 0 } }
            for j in 0..<g.inflowVRows { for i in 0..<g.cellsX { f[g.v(j, i)] = inflow } }
        }
    }

    // MARK: Advection

    /// Semi-Lagrangian self-advection `v(x) ← v(x − dt·v(x))` of every free face, `a → a`.
    mutating func advect(dt: Double) {
        copyFixedFacesAToB()
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        let sx = dt / grid.dx, sy = dt / grid.dy
        a.withUnsafeBufferPointer { fb in
            b.withUnsafeMutableBufferPointer { ob in
                let fu = fb.baseAddress!, fv = fb.baseAddress! + vo, out = ob.baseAddress!
                for j in 0..<h {
                    for i in 1..<w {
                        let u = fu[j * w1 + i]
                        let vbar = 0.25 * (fv[j * w + i - 1] + fv[j * w + i] + fv[(j + 1) * w + i - 1] + fv[(j + 1) * w + i])
                        let s = Bilinear(rows: h, cols: w1, fj: Double(j) - sy * vbar, fi: Double(i) - sx * u)
                        out[j * w1 + i] = s.value(fu)
                    }
                }
                for j in 1...h {
                    let jj = min(j, h - 1)
                    for i in 0..<w {
                        let v = fv[j * w + i]
                        let ubar = 0.25 * (fu[(j - 1) * w1 + i] + fu[(j - 1) * w1 + i + 1] + fu[jj * w1 + i] + fu[jj * w1 + i + 1])
                        let s = Bilinear(rows: h + 1, cols: w, fj: Double(j) - sy * v, fi: Double(i) - sx * ubar)
                        out[vo + j * w + i] = s.value(fv)
                    }
                }
            }
        }
        swap(&a, &b)
    }

    // MARK: Projection

    /// Makes `a` divergence-free in every fluid cell: zero the faces touching the cylinder, solve
    /// `L_m p = ∇·v`, subtract `∇p` on the open faces (interior fluid faces and the outflow, where
    /// `p = 0`).
    mutating func project(_ solver: KarmanPressureSolver) {
        let (h, w) = (grid.cellsY, grid.cellsX), w1 = w + 1, vo = grid.uCount
        let idx = 1 / grid.dx, idy = 1 / grid.dy
        let uFixed = grid.uFixed, vFixed = grid.vFixed, solid = grid.solid
        a.withUnsafeMutableBufferPointer { fb in
            r.withUnsafeMutableBufferPointer { rb in
                let f = fb.baseAddress!, fv = f + vo, r = rb.baseAddress!
                // Zero the faces touching solid cells (the fixed walls and inflow are left alone).
                for q in solver.solidU { f[q] = 0 }
                for q in solver.solidV { fv[q] = 0 }
                for j in 0..<h {
                    for i in 0..<w {
                        let c = j * w + i
                        r[c] = solid[c] ? 0 : (f[j * w1 + i + 1] - f[j * w1 + i]) * idx + (fv[c + w] - fv[c]) * idy
                    }
                }
            }
        }
        solvePressure(solver)
        a.withUnsafeMutableBufferPointer { fb in
            p.withUnsafeBufferPointer { pb in
                let f = fb.baseAddress!, fv = f + vo, p = pb.baseAddress!
                uFixed.withUnsafeBufferPointer { uf in
                    for j in 0..<h {
                        for i in 1..<w where !uf[j * w1 + i] { f[j * w1 + i] -= (p[j * w + i] - p[j * w + i - 1]) * idx }
                    }
                }
                vFixed.withUnsafeBufferPointer { vf in
                    for c in w..<(h * w) where !vf[c] { fv[c] -= (p[c] - p[c - w]) * idy }
                }
                for i in 0..<w { fv[h * w + i] += 2 * p[(h - 1) * w + i] * idy }
            }
        }
    }

    /// `p = L_m⁻¹ r` with the workspace's cell buffers.
    mutating func solvePressure(_ solver: KarmanPressureSolver) {
        r.withUnsafeBufferPointer { r in
            p.withUnsafeMutableBufferPointer { p in
                spectrum.withUnsafeMutableBufferPointer { s in
                    correction.withUnsafeMutableBufferPointer { c in
                        solver.solve(r.baseAddress!, p.baseAddress!, spectrum: s.baseAddress!, correction: c.baseAddress!)
                    }
                }
            }
        }
    }
}

extension KarmanWorkspace {
    /// `state ← p[0..<2HW]` converted to Float64.
    mutating func load<S: TensorScalar>(_ p: UnsafePointer<S>) {
        state.withUnsafeMutableBufferPointer { Self.convert(p, into: $0) }
    }

    /// `a ← reconstruct(state)`.
    mutating func reconstructState() {
        let copy = state
        copy.withUnsafeBufferPointer { reconstruct(from: $0.baseAddress!) }
    }

    /// `state → p`, rounded to `S`.
    func store<S: TensorScalar>(into p: UnsafeMutablePointer<S>) { Self.store(state, into: p) }

    /// `state ← extract(a)`, in place: `a` is read while `state` is written (disjoint stored
    /// properties), so no copy of the state is made (it was a copy-on-write copy of 512 KB per
    /// reference step before).
    mutating func extractState() {
        let grid = self.grid
        a.withUnsafeBufferPointer { f in
            state.withUnsafeMutableBufferPointer { Self.extract(grid, faces: f.baseAddress!, into: $0.baseAddress!) }
        }
    }

    /// The `count` scalars at `p` as Float64 (a concrete loop for Float and Double).
    static func load<S: TensorScalar>(_ p: UnsafePointer<S>, count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { out, initialized in
            convert(p, into: out)
            initialized = count
        }
    }

    /// `out[q] ← Double(p[q])` for every q of `out` (a concrete loop for Float and Double).
    private static func convert<S: TensorScalar>(_ p: UnsafePointer<S>, into out: UnsafeMutableBufferPointer<Double>) {
        let count = out.count
        if S.self == Float.self {
            let f = UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
            for q in 0..<count { out[q] = Double(f[q]) }
        } else if S.self == Double.self {
            let d = UnsafeRawPointer(p).assumingMemoryBound(to: Double.self)
            for q in 0..<count { out[q] = d[q] }
        } else {
            for q in 0..<count { out[q] = Double(p[q]) }
        }
    }

    /// Stores Float64 values at `p`, rounding to `S`.
    static func store<S: TensorScalar>(_ x: [Double], into p: UnsafeMutablePointer<S>) {
        if S.self == Float.self {
            let f = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
            for q in 0..<x.count { f[q] = Float(x[q]) }
        } else if S.self == Double.self {
            let d = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self)
            for q in 0..<x.count { d[q] = x[q] }
        } else {
            for q in 0..<x.count { p[q] = S(x[q]) }
        }
    }
}
