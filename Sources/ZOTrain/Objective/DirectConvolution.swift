import Corrector

/// Direct (im2col-free) accumulation of a convolution without bias,
///
///   z[p] += Σ_c Σ_ij W[p, c, i, j] · x[c](y + i − r_h, x + j − r_w),
///
/// for the thin convolutions of feature-reuse queries (one input channel, or the 2-channel
/// output layer), where im2col + sgemm spends its time copying and packing. The input planes
/// are first copied into a zero/periodic/replicate-padded scratch, so the inner loops are
/// branch-free and vectorise (5-wide kernels are unrolled).
struct DirectConvolution {
    private(set) var padded: [Float] = []

    /// `weights` points at W[0, c₀, 0, 0]; rows of W are `layer.columnLength` apart.
    mutating func accumulate(_ layer: ConvolutionLayer, weights: UnsafePointer<Float>, inputChannels: Int,
                             input x: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>, height h: Int, width w: Int) {
        let kh = layer.kernelHeight, kw = layer.kernelWidth, rh = kh / 2, rw = kw / 2
        let ph = h + 2 * rh, pw = w + 2 * rw, plane = ph * pw, hw = h * w
        if padded.count < inputChannels * plane { padded = Array(repeating: 0, count: inputChannels * plane) }
        padded.withUnsafeMutableBufferPointer { buffer in
            let pad = buffer.baseAddress!
            for c in 0..<inputChannels {
                let src = x + c * hw, dst = pad + c * plane
                for py in 0..<ph {
                    let sy = layer.padding.sourceIndex(py - rh, extent: h)
                    let row = dst + py * pw
                    if sy < 0 { row.update(repeating: 0, count: pw); continue }
                    for px in 0..<rw {
                        let sx = layer.padding.sourceIndex(px - rw, extent: w)
                        row[px] = sx < 0 ? 0 : src[sy * w + sx]
                        let ex = layer.padding.sourceIndex(w + px, extent: w)
                        row[rw + w + px] = ex < 0 ? 0 : src[sy * w + ex]
                    }
                    (row + rw).update(from: src + sy * w, count: w)
                }
            }
            for p in 0..<layer.outputChannels {
                let wrow = weights + p * layer.columnLength, out = z + p * hw
                for c in 0..<inputChannels {
                    for i in 0..<kh {
                        let k = wrow + (c * kh + i) * kw
                        let base = pad + c * plane + i * pw
                        if kw == 5 {
                            let (w0, w1, w2, w3, w4) = (k[0], k[1], k[2], k[3], k[4])
                            for y in 0..<h {
                                let s = base + y * pw, d = out + y * w
                                for xx in 0..<w {
                                    d[xx] += w0 * s[xx] + w1 * s[xx + 1] + w2 * s[xx + 2] + w3 * s[xx + 3] + w4 * s[xx + 4]
                                }
                            }
                        } else {
                            for j in 0..<kw {
                                let wv = k[j]
                                for y in 0..<h {
                                    let s = base + y * pw + j, d = out + y * w
                                    for xx in 0..<w { d[xx] += wv * s[xx] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
