import SOLCore

/// The downsampling `T` of the spectral scenarios: spectral truncation of periodic fields.
///
/// A reference field on `[Hr, Wr]` is transformed, the Fourier modes representable on the source
/// grid `[H, W]` (`|κ| < H/2`, `|κ| < W/2`) are kept and rescaled by the point-count ratio, the
/// source Nyquist modes are set to zero, and the result is transformed back. Why truncation and
/// not cell averaging: the solvers are spectral, so the truncated field is exactly the part of
/// the reference the source grid can represent; it is exact for band-limited fields (constants,
/// low modes), commutes with spectral derivatives, and keeps a divergence-free velocity
/// divergence-free. Cell averaging would damp every retained mode by a sinc factor.
public enum SpectralTruncation {
    /// `[B, C, Hr, Wr]` to `[B, C, H, W]` (`H = Hr = 1` for 1D fields).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func downsample<S: FFTScalar>(_ x: Tensor<S>, to grid: [Int]) throws -> Tensor<S> {
        precondition(x.rank == 4 && grid.count == 2, "SpectralTruncation: expected [B, C, H, W] and a 2D grid")
        let (hr, wr, h, w) = (x.shape[2], x.shape[3], grid[0], grid[1])
        precondition(hr >= h && wr >= w && w % 2 == 0 && (h == 1 || h % 2 == 0) && (h == 1) == (hr == 1),
                     "SpectralTruncation: cannot truncate \(x.shape) to \(grid)")
        let fields = x.shape[0] * x.shape[1]
        let is1D = hr == 1
        let big = try RealFFT<S>.shared(shape: is1D ? [wr] : [hr, wr], batch: fields)
        let small = try RealFFT<S>.shared(shape: is1D ? [w] : [h, w], batch: fields)
        let spectrum = big.forward(x)
        let kr = wr / 2 + 1, ks = w / 2 + 1
        let scale = S(1) / S(hr * wr)  // unnormalised forward·inverse, then point count of the source
        var out = [Complex<S>](repeating: .zero, count: fields * small.complexCount)
        for f in 0..<fields {
            for j in 0..<h {
                let kappa = Wavenumbers.index(j, n: h)
                if h > 1 && 2 * abs(kappa) == h { continue }  // source Nyquist row
                let jr = kappa >= 0 ? kappa : hr + kappa
                for m in 0..<(ks - 1) {  // m = w/2 (source Nyquist column) stays zero
                    let z = spectrum[f * big.complexCount + jr * kr + m]
                    out[f * small.complexCount + j * ks + m] = Complex(z.real * scale, z.imaginary * scale)
                }
            }
        }
        return small.inverse(out, shape: [x.shape[0], x.shape[1], h, w])
    }
}
