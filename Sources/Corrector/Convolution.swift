/// The convolution kernels on raw pointers: im2col + OpenBLAS `sgemm` (Chellapilla et al. 2006),
/// its adjoint col2im, and the shifted-plane update used for cheap single-weight perturbations.
///
/// Layouts: one batch item of a field is `[C, H, W]` row-major; an im2col matrix is
/// `[C · kh · kw, H · W]`, row `(c · kh + i) · kw + j` holding `a[c, y + i − rₕ, x + j − r_w]` at
/// column `y · W + x` (out-of-range indices follow the ``PaddingMode``). A layer's pre-activation
/// is then one matrix product `z = W · cols` with `W` stored `[out, in · kh · kw]`.
public enum Convolution {
    /// Fills `cols` (`[channels · kh · kw, height · width]`) from the item `src` (`[channels, height, width]`).
    public static func im2col(_ src: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>,
                              channels: Int, kernelHeight kh: Int, kernelWidth kw: Int,
                              height h: Int, width w: Int, padding: PaddingMode) {
        let hw = h * w, rh = kh / 2, rw = kw / 2
        var row = cols
        for c in 0..<channels {
            let plane = src + c * hw
            for i in 0..<kh {
                for j in 0..<kw {
                    copyShifted(plane, row, offsetY: i - rh, offsetX: j - rw, height: h, width: w, padding: padding)
                    row += hw
                }
            }
        }
    }

    /// `dst[y, x] = src[y + oy, x + ox]` on one `height × width` plane (edges per `padding`).
    @inline(__always)
    static func copyShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, offsetY oy: Int, offsetX ox: Int,
                            height h: Int, width w: Int, padding: PaddingMode) {
        let lo = min(w, max(0, -ox)), hi = max(lo, min(w, w - ox))
        for y in 0..<h {
            let d = dst + y * w
            let sy = padding.sourceIndex(y + oy, extent: h)
            if sy < 0 { d.update(repeating: 0, count: w); continue }
            let s = src + sy * w
            for x in 0..<lo { let sx = padding.sourceIndex(x + ox, extent: w); d[x] = sx < 0 ? 0 : s[sx] }
            // A plain loop, not memmove: rows are short (W ≈ 32) and the call overhead dominated.
            let ss = s + ox
            for x in lo..<hi { d[x] = ss[x] }
            for x in hi..<w { let sx = padding.sourceIndex(x + ox, extent: w); d[x] = sx < 0 ? 0 : s[sx] }
        }
    }

    /// `dst[y, x] += α · src[y + oy, x + ox]` on one plane: the change of output channel `o` of a
    /// layer's pre-activation when weight `W[o, c, i, j]` changes by `α` (with `src` = input
    /// channel `c`, `oy = i − rₕ`, `ox = j − r_w`). This is the "channel update" of feature reuse:
    /// O(H·W) instead of a whole convolution.
    public static func addShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, alpha: Float,
                                  offsetY oy: Int, offsetX ox: Int, height h: Int, width w: Int, padding: PaddingMode) {
        let lo = min(w, max(0, -ox)), hi = max(lo, min(w, w - ox))
        for y in 0..<h {
            let d = dst + y * w
            let sy = padding.sourceIndex(y + oy, extent: h)
            if sy < 0 { continue }
            let s = src + sy * w
            for x in 0..<lo { let sx = padding.sourceIndex(x + ox, extent: w); if sx >= 0 { d[x] += alpha * s[sx] } }
            if hi > lo { let ss = s + ox; for x in lo..<hi { d[x] += alpha * ss[x] } }
            for x in hi..<w { let sx = padding.sourceIndex(x + ox, extent: w); if sx >= 0 { d[x] += alpha * s[sx] } }
        }
    }

    /// The adjoint of ``im2col(_:_:channels:kernelHeight:kernelWidth:height:width:padding:)``:
    /// `dst += im2colᵀ(cols)` (periodic edges wrap the gradient around, replicate edges pile it on
    /// the border, zero edges drop it).
    public static func col2imAdding(_ cols: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                    channels: Int, kernelHeight kh: Int, kernelWidth kw: Int,
                                    height h: Int, width w: Int, padding: PaddingMode) {
        let hw = h * w, rh = kh / 2, rw = kw / 2
        var row = cols
        for c in 0..<channels {
            let plane = dst + c * hw
            for i in 0..<kh {
                for j in 0..<kw {
                    let oy = i - rh, ox = j - rw
                    let lo = min(w, max(0, -ox)), hi = max(lo, min(w, w - ox))
                    for y in 0..<h {
                        let sy = padding.sourceIndex(y + oy, extent: h)
                        if sy < 0 { continue }
                        let g = row + y * w, p = plane + sy * w
                        for x in 0..<lo { let sx = padding.sourceIndex(x + ox, extent: w); if sx >= 0 { p[sx] += g[x] } }
                        if hi > lo { let pp = p + ox; for x in lo..<hi { pp[x] += g[x] } }
                        for x in hi..<w { let sx = padding.sourceIndex(x + ox, extent: w); if sx >= 0 { p[sx] += g[x] } }
                    }
                    row += hw
                }
            }
        }
    }

    /// `z = conv(a) + bias` for a batch: `a` is `[batch, in, H, W]`, `z` is `[batch, out, H, W]`,
    /// `parameters` points at the layer's weights (biases follow them). `cols` must hold
    /// `layer.columnLength · H · W` floats (unused for 1 × 1 kernels).
    public static func forward(_ layer: ConvolutionLayer, parameters: UnsafePointer<Float>,
                               input a: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>,
                               batch: Int, height h: Int, width w: Int, cols: UnsafeMutablePointer<Float>) {
        let hw = h * w, k = layer.columnLength, cin = layer.inputChannels, cout = layer.outputChannels
        let bias = parameters + layer.weightCount
        let pointwise = layer.kernelHeight * layer.kernelWidth == 1
        for b in 0..<batch {
            let x = a + b * cin * hw, y = z + b * cout * hw
            if !pointwise {
                im2col(x, cols, channels: cin, kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth,
                       height: h, width: w, padding: layer.padding)
            }
            for o in 0..<cout { (y + o * hw).update(repeating: bias[o], count: hw) }
            BLAS.sgemm(m: cout, n: hw, k: k, a: parameters, lda: k, b: pointwise ? x : UnsafePointer(cols), ldb: hw,
                       beta: 1, c: y, ldc: hw)
        }
    }

    /// Vector-Jacobian product of ``forward(_:parameters:input:output:batch:height:width:cols:)``:
    /// given `dz = ∂L/∂z`, ACCUMULATES `∂L/∂W` and `∂L/∂bias` into `parameterGradient` (the layer's
    /// slice) and, if `inputGradient` is given, OVERWRITES it with `∂L/∂a`. `cols` and `dcols`
    /// must each hold `layer.columnLength · H · W` floats.
    public static func backward(_ layer: ConvolutionLayer, parameters: UnsafePointer<Float>,
                                input a: UnsafePointer<Float>, outputGradient dz: UnsafePointer<Float>,
                                parameterGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                batch: Int, height h: Int, width w: Int,
                                cols: UnsafeMutablePointer<Float>, dcols: UnsafeMutablePointer<Float>) {
        let hw = h * w, k = layer.columnLength, cin = layer.inputChannels, cout = layer.outputChannels
        let biasGradient = parameterGradient + layer.weightCount
        let pointwise = layer.kernelHeight * layer.kernelWidth == 1
        for b in 0..<batch {
            let x = a + b * cin * hw, g = dz + b * cout * hw
            if !pointwise {
                im2col(x, cols, channels: cin, kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth,
                       height: h, width: w, padding: layer.padding)
            }
            // ∂L/∂W += dz · colsᵀ   ([out, HW] · [HW, K])
            BLAS.sgemm(transposeB: true, m: cout, n: k, k: hw, a: g, lda: hw, b: pointwise ? x : UnsafePointer(cols), ldb: hw,
                       beta: 1, c: parameterGradient, ldc: k)
            for o in 0..<cout {
                let go = g + o * hw
                var s: Float = 0
                for i in 0..<hw { s += go[i] }
                biasGradient[o] += s
            }
            guard let inputGradient else { continue }
            let dx = inputGradient + b * cin * hw
            if pointwise {
                BLAS.sgemm(transposeA: true, m: cin, n: hw, k: cout, a: parameters, lda: k, b: g, ldb: hw,
                           beta: 0, c: dx, ldc: hw)
            } else {
                // ∂L/∂cols = Wᵀ · dz, then scatter back through the padding.
                BLAS.sgemm(transposeA: true, m: k, n: hw, k: cout, a: parameters, lda: k, b: g, ldb: hw,
                           beta: 0, c: dcols, ldc: hw)
                dx.update(repeating: 0, count: cin * hw)
                col2imAdding(dcols, dx, channels: cin, kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth,
                             height: h, width: w, padding: layer.padding)
            }
        }
    }
}
