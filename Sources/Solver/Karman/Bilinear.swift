/// Bilinear interpolation at fractional index `(fj, fi)` of a `rows × cols` array, with the
/// position clamped to the array (zero-gradient extrapolation beyond the outermost samples).
struct Bilinear {
    typealias Scalar = Double
    let j0: Int, i0: Int, tj: Scalar, ti: Scalar
    /// Whether the position was clamped (the derivative along that axis is then 0).
    let clampedJ: Bool, clampedI: Bool
    let cols: Int

    @inline(__always)
    init(rows: Int, cols: Int, fj: Scalar, fi: Scalar) {
        let maxJ = Scalar(rows - 1), maxI = Scalar(cols - 1)
        // Written so that NaN positions clamp to 0 (a non-finite state must not trap here: it is
        // reported by `step` after the update).
        let cj = fj >= 0 ? min(fj, maxJ) : 0, ci = fi >= 0 ? min(fi, maxI) : 0
        clampedJ = cj != fj
        clampedI = ci != fi
        let j0 = min(Int(cj), rows - 2), i0 = min(Int(ci), cols - 2)
        self.j0 = j0; self.i0 = i0
        tj = cj - Scalar(j0); ti = ci - Scalar(i0)
        self.cols = cols
    }

    @inline(__always) var corner: Int { j0 * cols + i0 }

    @inline(__always) func value(_ f: UnsafePointer<Scalar>) -> Scalar {
        let c = corner
        let bottom = f[c] + ti * (f[c + 1] - f[c])
        let top = f[c + cols] + ti * (f[c + cols + 1] - f[c + cols])
        return bottom + tj * (top - bottom)
    }

    /// The smallest and largest of the four samples the interpolant uses (the MacCormack limiter).
    @inline(__always) func range(_ f: UnsafePointer<Scalar>) -> (Scalar, Scalar) {
        let c = corner
        let f00 = f[c], f01 = f[c + 1], f10 = f[c + cols], f11 = f[c + cols + 1]
        return (min(min(f00, f01), min(f10, f11)), max(max(f00, f01), max(f10, f11)))
    }

    /// `(∂/∂fj, ∂/∂fi)` of the interpolant (0 along clamped axes).
    @inline(__always) func gradient(_ f: UnsafePointer<Scalar>) -> (Scalar, Scalar) {
        let c = corner
        let f00 = f[c], f01 = f[c + 1], f10 = f[c + cols], f11 = f[c + cols + 1]
        let dj = clampedJ ? 0 : (1 - ti) * (f10 - f00) + ti * (f11 - f01)
        let di = clampedI ? 0 : (1 - tj) * (f01 - f00) + tj * (f11 - f10)
        return (dj, di)
    }

    /// Adds `g ·` the interpolation weights into `bar`.
    @inline(__always) func scatter(_ g: Scalar, into bar: UnsafeMutablePointer<Scalar>) {
        let c = corner
        bar[c] += g * (1 - tj) * (1 - ti)
        bar[c + 1] += g * (1 - tj) * ti
        bar[c + cols] += g * tj * (1 - ti)
        bar[c + cols + 1] += g * tj * ti
    }
}
