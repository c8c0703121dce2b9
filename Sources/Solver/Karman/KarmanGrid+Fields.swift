/// Initial states and the reference-to-source downsampling `T` of the wake flow.
extension KarmanGrid {
    /// The initial state of the original setup: uniform `vy = U`, zero on faces touching the
    /// cylinder, plus a sideways push `vx = perturbation · U` on the x-faces in the box
    /// `x ∈ [45, 55], y ∈ [60, 70]` just behind the cylinder (domain units, so every resolution
    /// gets the same push) to trigger shedding. Shape `[1, 2, H, W]`; not yet divergence-free (the
    /// first step projects it).
    public func initialState<Scalar: TensorScalar>(perturbation: Double = 1, as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let (h, w) = (cellsY, cellsX)
        var state = Tensor<Scalar>(shape: [1, 2, h, w])
        let cx = obstacleRadius > 0 ? obstacleCenter[0] : width / 2
        let cy = obstacleRadius > 0 ? obstacleCenter[1] + obstacleRadius : height / 4
        for j in 0..<h {
            for i in 0..<w {
                let x = Double(i) * dx, y = (Double(j) + 0.5) * dy
                let touches = i >= 1 && uFaceSolid(j, i)
                if i >= 1, !touches, abs(x - cx) <= 5, y >= cy, y <= cy + 10 {
                    state.scalars[j * w + i] = Scalar(perturbation * inflowVelocity)
                }
                let vTouches = j >= 1 && vFaceSolid(j, i)
                state.scalars[h * w + j * w + i] = vTouches ? 0 : Scalar(inflowVelocity)
            }
        }
        return state
    }

    /// Face averaging from a grid `factor`× finer: the coarse x-face `(j, i)` is the mean of the
    /// `factor` fine x-faces `(factor·j + q, factor·i)` it covers, the coarse y-face `(j, i)` the
    /// mean of the fine y-faces `(factor·j, factor·i + q)`. This preserves the flux through every
    /// coarse face, so a divergence-free fine field gives a divergence-free coarse field.
    /// `fine`: `[B, 2, factor·H, factor·W]` → `[B, 2, H, W]`.
    public static func downsample<Scalar: TensorScalar>(_ fine: Tensor<Scalar>, factor: Int) -> Tensor<Scalar> {
        precondition(fine.rank == 4 && fine.shape[1] == 2 && factor >= 1
                     && fine.shape[2] % factor == 0 && fine.shape[3] % factor == 0,
                     "KarmanGrid.downsample: \(fine.shape) is not [B, 2, factor·H, factor·W] for factor \(factor)")
        let (batch, fh, fw) = (fine.shape[0], fine.shape[2], fine.shape[3])
        let (h, w) = (fh / factor, fw / factor)
        var coarse = Tensor<Scalar>(shape: [batch, 2, h, w])
        let scale = 1 / Scalar(factor)
        fine.withUnsafeBufferPointer { f in
            coarse.withUnsafeMutableBufferPointer { c in
                for b in 0..<batch {
                    let fx = b * 2 * fh * fw, fy = fx + fh * fw
                    let cx = b * 2 * h * w, cy = cx + h * w
                    for j in 0..<h {
                        for i in 0..<w {
                            var sx: Scalar = 0, sy: Scalar = 0
                            for q in 0..<factor {
                                sx += f[fx + (factor * j + q) * fw + factor * i]
                                sy += f[fy + (factor * j) * fw + factor * i + q]
                            }
                            c[cx + j * w + i] = sx * scale
                            c[cy + j * w + i] = sy * scale
                        }
                    }
                }
            }
        }
        return coarse
    }

    /// Divergence `∇·v` of every cell of a stored state `[2, H, W]` (item `b` of `states`), with the
    /// walls, the inflow face and the outflow face reconstructed as in a step; solid cells get 0.
    public func divergence<Scalar: TensorScalar>(_ states: Tensor<Scalar>, item b: Int = 0) -> [Double] {
        var ws = KarmanWorkspace(grid: self)
        let n = 2 * cellsX * cellsY
        let x = states.withUnsafeBufferPointer { KarmanWorkspace.load($0.baseAddress! + b * n, count: n) }
        x.withUnsafeBufferPointer { ws.reconstruct(from: $0.baseAddress!) }
        var result = [Double](repeating: 0, count: cellsX * cellsY)
        for j in 0..<cellsY {
            for i in 0..<cellsX where !isSolid(j, i) {
                result[j * cellsX + i] = Double(ws.a[u(j, i + 1)] - ws.a[u(j, i)]) / dx
                    + Double(ws.a[v(j + 1, i)] - ws.a[v(j, i)]) / dy
            }
        }
        return result
    }
}
