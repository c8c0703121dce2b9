/// Direct (im2col-free) accumulation of a bias-free convolution,
///
///     z[p] += Σ_c Σ_ij W[p, c, i, j] · x[c](y + i − rₕ, x + j − r_w),
///
/// for THIN convolutions: few output channels (a corrector's output layer) or one input channel
/// (the delta of a single perturbed channel in a feature-reuse query). There, im2col + sgemm spends
/// its time copying and packing the column matrix for a GEMM with m ≤ 4 rows or k = kh·kw.
///
/// Layout trick: each input plane is copied once into a padded plane of row stride
/// `pw = W + 2r_w` (edges per ``PaddingMode``), and the output is accumulated in the SAME stride.
/// Output `q = y·pw + x` then reads input `q + i·pw + j`, so for every (c, i) the whole plane is
/// one contiguous loop of `(H − 1)·pw + W` elements (a few columns of it are discarded) instead of
/// H short rows: the loops vectorise at full width whatever W is. 5-wide kernels fuse their taps.
///
/// Summation order, per output element: `acc = 0; for c, i: acc += Σ_j w_j·s_j` (taps left to
/// right; kernels wider than 5 other than 1 and 3 add one tap at a time), then `z += acc`. It
/// does not depend on how many planes or outputs a call handles, so batched and single calls
/// agree bit for bit.
public struct DirectConvolution {
    private var padded: [Float] = []
    private var accumulator: [Float] = []

    /// A convolution with empty scratch buffers (they grow on first use).
    public init() {}

    /// Accumulates the convolution of `inputChannels` planes `x` (`[inputChannels, H, W]`) with
    /// `outputChannels` filters into `z` (`[outputChannels, H, W]`, added to). `weights` points at
    /// W[0, c₀, 0, 0]; consecutive output channels are `weightStride` floats apart (a layer's
    /// ``ConvolutionLayer/columnLength``), input channels `kh·kw` apart within a row.
    public mutating func accumulate(kernelHeight kh: Int, kernelWidth kw: Int, padding: PaddingMode,
                                    weights: UnsafePointer<Float>, weightStride: Int,
                                    inputChannels: Int, outputChannels: Int,
                                    input x: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>,
                                    height h: Int, width w: Int) {
        let rh = kh / 2, rw = kw / 2
        let ph = h + 2 * rh, pw = w + 2 * rw, plane = ph * pw, hw = h * w
        let n = (h - 1) * pw + w  // flat outputs, the last row's padding columns excluded
        if padded.count < inputChannels * plane { padded = Array(repeating: 0, count: inputChannels * plane) }
        if accumulator.count < n { accumulator = Array(repeating: 0, count: n) }
        padded.withUnsafeMutableBufferPointer { paddedBuffer in
            accumulator.withUnsafeMutableBufferPointer { accBuffer in
                let pad = paddedBuffer.baseAddress!, acc = accBuffer.baseAddress!
                for c in 0..<inputChannels {
                    Self.pad(x + c * hw, into: pad + c * plane, height: h, width: w, rh: rh, rw: rw, padding: padding)
                }
                for p in 0..<outputChannels {
                    acc.update(repeating: 0, count: n)
                    let row = weights + p * weightStride
                    for c in 0..<inputChannels {
                        for i in 0..<kh {
                            Self.accumulateRow(acc, count: n, source: pad + c * plane + i * pw,
                                               taps: row + (c * kh + i) * kw, width: kw)
                        }
                    }
                    let out = z + p * hw
                    for y in 0..<h {
                        let d = out + y * w, s = acc + y * pw
                        for xx in 0..<w { d[xx] += s[xx] }
                    }
                }
            }
        }
    }

    /// ``accumulate(kernelHeight:kernelWidth:padding:weights:weightStride:inputChannels:outputChannels:input:output:height:width:)``
    /// for (part of) `layer`: its kernel, padding and weight row stride, all its output channels.
    public mutating func accumulate(_ layer: ConvolutionLayer, weights: UnsafePointer<Float>, inputChannels: Int,
                                    input x: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>,
                                    height h: Int, width w: Int) {
        accumulate(kernelHeight: layer.kernelHeight, kernelWidth: layer.kernelWidth, padding: layer.padding,
                   weights: weights, weightStride: layer.columnLength, inputChannels: inputChannels,
                   outputChannels: layer.outputChannels, input: x, output: z, height: h, width: w)
    }

    /// `acc[q] += Σ_j taps[j] · source[q + j]` for q in 0..<count.
    @inline(__always)
    private static func accumulateRow(_ acc: UnsafeMutablePointer<Float>, count n: Int, source s: UnsafePointer<Float>,
                                      taps k: UnsafePointer<Float>, width kw: Int) {
        switch kw {
        case 5:
            let (w0, w1, w2, w3, w4) = (k[0], k[1], k[2], k[3], k[4])
            for q in 0..<n { acc[q] += w0 * s[q] + w1 * s[q + 1] + w2 * s[q + 2] + w3 * s[q + 3] + w4 * s[q + 4] }
        case 3:
            let (w0, w1, w2) = (k[0], k[1], k[2])
            for q in 0..<n { acc[q] += w0 * s[q] + w1 * s[q + 1] + w2 * s[q + 2] }
        case 1:
            let w0 = k[0]
            for q in 0..<n { acc[q] += w0 * s[q] }
        default:
            for j in 0..<kw {
                let wj = k[j], sj = s + j
                for q in 0..<n { acc[q] += wj * sj[q] }
            }
        }
    }

    /// Copies plane `src` (`h × w`) into `dst` (`(h + 2rh) × (w + 2rw)`) with the padding's edges.
    static func pad(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                            height h: Int, width w: Int, rh: Int, rw: Int, padding: PaddingMode) {
        let pw = w + 2 * rw
        for py in 0..<(h + 2 * rh) {
            let row = dst + py * pw
            let sy = padding.sourceIndex(py - rh, extent: h)
            if sy < 0 { row.update(repeating: 0, count: pw); continue }
            let s = src + sy * w
            for px in 0..<rw {
                let left = padding.sourceIndex(px - rw, extent: w), right = padding.sourceIndex(w + px, extent: w)
                row[px] = left < 0 ? 0 : s[left]
                row[rw + w + px] = right < 0 ? 0 : s[right]
            }
            (row + rw).update(from: s, count: w)
        }
    }
}
