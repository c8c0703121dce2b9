/// The convolution kernels on raw pointers: im2col + OpenBLAS `sgemm` (Chellapilla et al. 2006),
/// its adjoint col2im, and the shifted-plane update used for cheap single-weight perturbations.
///
/// Layouts: one batch item of a field is `[C, H, W]` row-major; an im2col matrix is
/// `[C · kh · kw, H · W]`, row `(c · kh + i) · kw + j` holding `a[c, y + i − rₕ, x + j − r_w]` at
/// column `y · W + x` (out-of-range indices follow the ``PaddingMode``). A layer's pre-activation
/// is then one matrix product `z = W · cols` with `W` stored `[out, in · kh · kw]`.
public enum Convolution {
    /// Fills `cols` (`[channels · kh · kw, rows.count · width]`) from the item `src`
    /// (`[channels, height, width]`), for output rows `rows` (default: all).
    public static func im2col(_ src: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>,
                              channels: Int, kernelHeight kh: Int, kernelWidth kw: Int,
                              height h: Int, width w: Int, padding: PaddingMode, rows: Range<Int>? = nil) {
        let rows = rows ?? 0..<h
        let hw = h * w, n = rows.count * w, rh = kh / 2, rw = kw / 2
        var row = cols
        for c in 0..<channels {
            let plane = src + c * hw
            for i in 0..<kh {
                for j in 0..<kw {
                    copyShifted(plane, row, offsetY: i - rh, offsetX: j - rw, height: h, width: w, padding: padding, rows: rows)
                    row += n
                }
            }
        }
    }

    /// `dst[y − rows.lowerBound, x] = src[y + oy, x + ox]` for `y ∈ rows` on one plane (edges per
    /// `padding`). Rows whose source row is inside the plane are copied as ONE contiguous block
    /// (the flat offset `oy · W + ox` is the same for all of them); the `|ox|` edge columns the
    /// block copy got wrong (neighbouring rows) are then overwritten. Per-row copies of W ≈ 32
    /// floats were dominated by loop overhead.
    @inline(__always)
    static func copyShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, offsetY oy: Int, offsetX ox: Int,
                            height h: Int, width w: Int, padding: PaddingMode, rows: Range<Int>) {
        let lo = min(w, max(0, -ox)), hi = max(lo, min(w, w - ox))
        let y0 = rows.lowerBound, y1 = rows.upperBound
        let vy0 = min(y1, max(y0, -oy)), vy1 = max(vy0, min(y1, h - oy))
        @inline(__always) func edges(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>) {
            for x in 0..<lo { let sx = padding.sourceIndex(x + ox, extent: w); d[x] = sx < 0 ? 0 : s[sx] }
            for x in hi..<w { let sx = padding.sourceIndex(x + ox, extent: w); d[x] = sx < 0 ? 0 : s[sx] }
        }
        @inline(__always) func singleRow(_ y: Int) {
            let d = dst + (y - y0) * w
            let sy = padding.sourceIndex(y + oy, extent: h)
            if sy < 0 { d.update(repeating: 0, count: w); return }
            let s = src + sy * w
            if hi > lo { (d + lo).update(from: s + lo + ox, count: hi - lo) }
            edges(s, d)
        }
        for y in y0..<vy0 { singleRow(y) }
        for y in vy1..<y1 { singleRow(y) }
        guard vy1 > vy0 else { return }
        let count = (vy1 - vy0) * w, srcStart = vy0 * w + oy * w + ox
        let a = max(0, -srcStart), b = min(count, h * w - srcStart)
        let d = dst + (vy0 - y0) * w
        if b > a { (d + a).update(from: src + srcStart + a, count: b - a) }
        if lo > 0 || hi < w {
            for y in vy0..<vy1 { edges(src + (y + oy) * w, dst + (y - y0) * w) }
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

    /// The adjoint of ``im2col(_:_:channels:kernelHeight:kernelWidth:height:width:padding:rows:)``:
    /// `dst += im2colᵀ(cols)` (periodic edges wrap the gradient around, replicate edges pile it on
    /// the border, zero edges drop it); `cols` holds output rows `rows` (default: all).
    ///
    /// Like im2col, rows whose source row is inside the plane are handled as one contiguous block
    /// add; the edge columns are scattered first and then ZEROED in `cols` (so the block add moves
    /// exact zeros to the wrong places): `cols` is used as scratch and modified.
    public static func col2imAdding(_ cols: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                    channels: Int, kernelHeight kh: Int, kernelWidth kw: Int,
                                    height h: Int, width w: Int, padding: PaddingMode, rows: Range<Int>? = nil) {
        let rows = rows ?? 0..<h
        let hw = h * w, n = rows.count * w, rh = kh / 2, rw = kw / 2
        let y0 = rows.lowerBound, y1 = rows.upperBound
        var row = cols
        for c in 0..<channels {
            let plane = dst + c * hw
            for i in 0..<kh {
                for j in 0..<kw {
                    let oy = i - rh, ox = j - rw
                    let lo = min(w, max(0, -ox)), hi = max(lo, min(w, w - ox))
                    let vy0 = min(y1, max(y0, -oy)), vy1 = max(vy0, min(y1, h - oy))
                    @inline(__always) func edges(_ g: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, clear: Bool) {
                        for x in 0..<lo {
                            let sx = padding.sourceIndex(x + ox, extent: w)
                            if sx >= 0 { p[sx] += g[x] }
                            if clear { g[x] = 0 }
                        }
                        for x in hi..<w {
                            let sx = padding.sourceIndex(x + ox, extent: w)
                            if sx >= 0 { p[sx] += g[x] }
                            if clear { g[x] = 0 }
                        }
                    }
                    @inline(__always) func singleRow(_ y: Int) {
                        let sy = padding.sourceIndex(y + oy, extent: h)
                        if sy < 0 { return }
                        let g = row + (y - y0) * w, p = plane + sy * w
                        if hi > lo { let pp = p + ox; for x in lo..<hi { pp[x] += g[x] } }
                        edges(g, p, clear: false)
                    }
                    for y in y0..<vy0 { singleRow(y) }
                    for y in vy1..<y1 { singleRow(y) }
                    if vy1 > vy0 {
                        if lo > 0 || hi < w {
                            for y in vy0..<vy1 { edges(row + (y - y0) * w, plane + (y + oy) * w, clear: true) }
                        }
                        let count = (vy1 - vy0) * w, start = vy0 * w + oy * w + ox
                        let a = max(0, -start), b = min(count, hw - start)
                        let g = row + (vy0 - y0) * w, p = plane + start
                        if b > a { for t in a..<b { p[t] += g[t] } }
                    }
                    row += n
                }
            }
        }
    }

    /// Output rows per im2col chunk so that a chunk (`columnLength × rows × W` floats) stays in
    /// L2 (≈ 512 KiB): the GEMM then reads its B operand from cache instead of memory. Measured
    /// on the `small` net (CPU time, 64 × 32, B = 1): 16–32 k floats 7.4–7.9 ms, 128–256 k floats
    /// 5.8–6.0 ms, unchunked (whole field) 9.1 ms.
    @inline(__always)
    public static func rowsPerChunk(columnLength k: Int, height h: Int, width w: Int) -> Int {
        max(1, min(h, (128 * 1024) / max(1, k * w)))
    }

    /// `z = conv(a) + bias` for a batch: `a` is `[batch, in, H, W]`, `z` is `[batch, out, H, W]`,
    /// `parameters` points at the layer's weights (biases follow them). `cols` must hold
    /// `layer.columnLength · H · W` floats (unused for 1 × 1 kernels). Thin layers
    /// (``usesDirectConvolution(_:)``) are computed by `direct`, wide ones
    /// (``usesBlockedConvolution(_:)``) by `blocked` unless `kernels` is `.im2col`.
    public static func forward(_ layer: ConvolutionLayer, parameters: UnsafePointer<Float>,
                               input a: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>,
                               batch: Int, height h: Int, width w: Int, cols: UnsafeMutablePointer<Float>,
                               kernels: ConvolutionKernels = .blocked,
                               direct: inout DirectConvolution, blocked: inout BlockedConvolution) {
        let hw = h * w, k = layer.columnLength, cin = layer.inputChannels, cout = layer.outputChannels
        let bias = parameters + layer.weightCount
        let pointwise = layer.kernelHeight * layer.kernelWidth == 1
        let chunk = rowsPerChunk(columnLength: k, height: h, width: w)
        if kernels == .blocked && usesBlockedConvolution(layer) {
            for b in 0..<batch {
                for o in 0..<cout { (z + (b * cout + o) * hw).update(repeating: bias[o], count: hw) }
            }
            blocked.accumulate(layer, weights: parameters, input: a, output: z, batch: batch, height: h, width: w)
            return
        }
        for b in 0..<batch {
            let x = a + b * cin * hw, y = z + b * cout * hw
            for o in 0..<cout { (y + o * hw).update(repeating: bias[o], count: hw) }
            if usesDirectConvolution(layer) {
                direct.accumulate(layer, weights: parameters, inputChannels: cin, input: x, output: y, height: h, width: w)
                continue
            }
            if pointwise {
                BLAS.sgemm(m: cout, n: hw, k: k, a: parameters, lda: k, b: x, ldb: hw, beta: 1, c: y, ldc: hw)
                continue
            }
            var r0 = 0
            while r0 < h {
                let r1 = min(h, r0 + chunk), n = (r1 - r0) * w
                im2col(x, cols, channels: cin, kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth,
                       height: h, width: w, padding: layer.padding, rows: r0..<r1)
                BLAS.sgemm(m: cout, n: n, k: k, a: parameters, lda: k, b: cols, ldb: n, beta: 1, c: y + r0 * w, ldc: hw)
                r0 = r1
            }
        }
    }

    /// Whether ``forward(_:parameters:input:output:batch:height:width:cols:kernels:direct:blocked:)`` computes
    /// `layer` by ``DirectConvolution`` rather than im2col + sgemm: layers with at most 4 output
    /// channels and a kernel wider than 1 × 1 (a corrector's output layer). With m ≤ 4 GEMM rows,
    /// OpenBLAS spends its time packing the im2col matrix, while the direct loops stay in L1
    /// (benchmarks/README.md, "Corrector").
    @inline(__always)
    public static func usesDirectConvolution(_ layer: ConvolutionLayer) -> Bool {
        layer.outputChannels <= 4 && layer.kernelHeight * layer.kernelWidth > 1
    }

    /// Whether ``forward(_:parameters:input:output:batch:height:width:cols:kernels:direct:blocked:)``
    /// computes `layer` by ``BlockedConvolution`` (with `.blocked` kernels): every other layer with a kernel wider than
    /// 1 × 1 (the register-blocked kernel beats im2col + sgemm at the corrector's shapes,
    /// benchmarks/README.md, "Convolution kernels"). 1 × 1 layers stay one sgemm.
    @inline(__always)
    public static func usesBlockedConvolution(_ layer: ConvolutionLayer) -> Bool {
        !usesDirectConvolution(layer) && layer.kernelHeight * layer.kernelWidth > 1
    }

    /// Vector-Jacobian product of ``forward(_:parameters:input:output:batch:height:width:cols:kernels:direct:blocked:)``:
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
        let chunk = pointwise ? h : rowsPerChunk(columnLength: k, height: h, width: w)
        for b in 0..<batch {
            let x = a + b * cin * hw, g = dz + b * cout * hw
            for o in 0..<cout {
                let go = g + o * hw
                var s: Float = 0
                for i in 0..<hw { s += go[i] }
                biasGradient[o] += s
            }
            let dx = inputGradient.map { $0 + b * cin * hw }
            if pointwise {
                // ∂L/∂W += dz · aᵀ, ∂L/∂a = Wᵀ · dz.
                BLAS.sgemm(transposeB: true, m: cout, n: k, k: hw, a: g, lda: hw, b: x, ldb: hw, beta: 1, c: parameterGradient, ldc: k)
                if let dx {
                    BLAS.sgemm(transposeA: true, m: cin, n: hw, k: cout, a: parameters, lda: k, b: g, ldb: hw, beta: 0, c: dx, ldc: hw)
                }
                continue
            }
            dx?.update(repeating: 0, count: cin * hw)
            var r0 = 0
            while r0 < h {
                let r1 = min(h, r0 + chunk), n = (r1 - r0) * w
                im2col(x, cols, channels: cin, kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth,
                       height: h, width: w, padding: layer.padding, rows: r0..<r1)
                // ∂L/∂W += dz[:, rows] · colsᵀ   ([out, n] · [n, K])
                BLAS.sgemm(transposeB: true, m: cout, n: k, k: n, a: g + r0 * w, lda: hw, b: cols, ldb: n,
                           beta: 1, c: parameterGradient, ldc: k)
                if let dx {
                    // ∂L/∂cols = Wᵀ · dz[:, rows], then scatter back through the padding.
                    BLAS.sgemm(transposeA: true, m: k, n: n, k: cout, a: parameters, lda: k, b: g + r0 * w, ldb: hw,
                               beta: 0, c: dcols, ldc: n)
                    col2imAdding(dcols, dx, channels: cin, kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth,
                                 height: h, width: w, padding: layer.padding, rows: r0..<r1)
                }
                r0 = r1
            }
        }
    }
}
