/// How a network's convolutions are computed. Both compute the same function; they differ in
/// floating-point summation order, hence in the last bits of every output, and in speed.
public enum ConvolutionKernels: String, Codable, CaseIterable, Sendable {
    /// ``BlockedConvolution`` for the wide layers (the default: 1.3–2.4× im2col + sgemm at the
    /// corrector's shapes, benchmarks/README.md "Convolution kernels"), the tap-sum loops of
    /// ``DirectConvolution`` for thin ones, one sgemm for 1 × 1 kernels.
    case blocked
    /// im2col + OpenBLAS sgemm for the wide layers (the kernels before December 2026: results
    /// computed then reproduce bit for bit with them), the same thin-layer and 1 × 1 paths.
    case im2col
}

/// A register-blocked direct convolution for the corrector's wide layers (`3 → 32`, `32 → 32`,
/// `8 → 8`, … with kernels wider than 1 × 1): 4 output channels × 24 outputs are accumulated in
/// twelve 8-float registers while the input is read once per tap, so the arithmetic runs from
/// registers and L1 instead of through an im2col matrix and OpenBLAS's packing.
///
/// Layout: like ``DirectConvolution``, each input plane is copied once into a padded plane of row
/// stride `pw = W + 2r_w` and the outputs are computed in that stride (`q = y·pw + x` reads
/// `q + i·pw + j`), so every output block is a contiguous run of 24 floats whatever W is; the
/// padding columns are computed and discarded.
///
/// Summation order, per output element: `acc = 0; for c, i, j: acc = fma(W[p,c,i,j], x, acc)`
/// (the im2col row order), then `z += acc`. This is the order of an im2col + sgemm product whose
/// micro-kernel accumulates each output in one register over k and adds it to C with one FMA
/// (OpenBLAS's Haswell/Zen sgemm kernels do), so on such machines the two paths agree bit for bit
/// (`BlockedConvolutionTests`), and the order never depends on the batch, the block an output
/// falls in, or how many output channels a call handles.
public struct BlockedConvolution {
    /// Outputs per register block (3 × 8 floats) and output channels per block.
    static let blockWidth = 24, channelBlock = 4
    private var padded: [Float] = []
    private var accumulator: [Float] = []
    private var packed: [Float] = []

    /// A convolution with empty scratch buffers (they grow on first use).
    public init() {}

    /// Accumulates the convolution of `x` (`[inputChannels, H, W]`) with all of `layer`'s
    /// filters into `z` (`[outputChannels, H, W]`, added to). `weights` points at the layer's
    /// weights `[out, in · kh · kw]`.
    public mutating func accumulate(_ layer: ConvolutionLayer, weights: UnsafePointer<Float>,
                                    input x: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>,
                                    batch: Int, height h: Int, width w: Int) {
        let kh = layer.kernelHeight, kw = layer.kernelWidth, cin = layer.inputChannels, cout = layer.outputChannels
        let k = layer.columnLength, rh = kh / 2, rw = kw / 2
        let pw = w + 2 * rw, plane = (h + 2 * rh) * pw, hw = h * w
        let n = (h - 1) * pw + w
        let blocks = (n + Self.blockWidth - 1) / Self.blockWidth, stride = blocks * Self.blockWidth
        let groups = (cout + Self.channelBlock - 1) / Self.channelBlock
        // Reads of the last block run up to blockWidth − 1 floats past the last plane.
        let paddedCount = cin * plane + Self.blockWidth
        if padded.count < paddedCount { padded = Array(repeating: 0, count: paddedCount) }
        if accumulator.count < cout * stride { accumulator = Array(repeating: 0, count: cout * stride) }
        // Weights of each group of 4 output channels interleaved: packed[g][t][0..<4] = W[4g + 0..<4, t]
        // (zero rows pad the last group).
        if packed.count < groups * k * Self.channelBlock { packed = Array(repeating: 0, count: groups * k * Self.channelBlock) }
        packed.withUnsafeMutableBufferPointer { pk in
            for g in 0..<groups {
                for r in 0..<Self.channelBlock {
                    let p = g * Self.channelBlock + r
                    for t in 0..<k { pk[(g * k + t) * Self.channelBlock + r] = p < cout ? weights[p * k + t] : 0 }
                }
            }
        }
        padded.withUnsafeMutableBufferPointer { paddedBuffer in
            accumulator.withUnsafeMutableBufferPointer { accBuffer in
                packed.withUnsafeBufferPointer { packedBuffer in
                    let pad = paddedBuffer.baseAddress!, acc = accBuffer.baseAddress!, pk = packedBuffer.baseAddress!
                    for item in 0..<batch {
                        let xi = x + item * cin * hw, zi = z + item * cout * hw
                        for c in 0..<cin {
                            DirectConvolution.pad(xi + c * hw, into: pad + c * plane, height: h, width: w, rh: rh, rw: rw, padding: layer.padding)
                        }
                        for block in 0..<blocks {
                            let q = block * Self.blockWidth
                            for g in 0..<groups {
                                let rows = min(Self.channelBlock, cout - g * Self.channelBlock)
                                Self.kernel(source: pad + q, planeStride: plane, rowStride: pw, channels: cin,
                                            kernelHeight: kh, kernelWidth: kw, taps: pk + g * k * Self.channelBlock,
                                            output: acc + g * Self.channelBlock * stride + q, outputStride: stride, rows: rows)
                            }
                        }
                        for p in 0..<cout {
                            let out = zi + p * hw, s0 = acc + p * stride
                            for y in 0..<h {
                                let d = out + y * w, s = s0 + y * pw
                                for xx in 0..<w { d[xx] += s[xx] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One register block: `out[r][0..<24] = Σ_{c,i,j} taps[(c,i,j)][r] · src[c][i·pw + j + 0..<24]`
    /// for the first `rows` of 4 output channels, each output a single FMA chain in (c, i, j) order.
    @inline(__always)
    private static func kernel(source: UnsafePointer<Float>, planeStride: Int, rowStride pw: Int, channels cin: Int,
                               kernelHeight kh: Int, kernelWidth kw: Int, taps: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>, outputStride: Int, rows: Int) {
        typealias V = SIMD8<Float>
        var a00 = V(), a01 = V(), a02 = V(), a10 = V(), a11 = V(), a12 = V()
        var a20 = V(), a21 = V(), a22 = V(), a30 = V(), a31 = V(), a32 = V()
        var t = taps
        for c in 0..<cin {
            let sc = source + c * planeStride
            for i in 0..<kh {
                let si = UnsafeRawPointer(sc + i * pw)
                for j in 0..<kw {
                    let s = si + j * MemoryLayout<Float>.stride
                    let x0 = s.loadUnaligned(as: V.self)
                    let x1 = s.loadUnaligned(fromByteOffset: 32, as: V.self)
                    let x2 = s.loadUnaligned(fromByteOffset: 64, as: V.self)
                    let w0 = V(repeating: t[0]), w1 = V(repeating: t[1]), w2 = V(repeating: t[2]), w3 = V(repeating: t[3])
                    a00.addProduct(w0, x0); a01.addProduct(w0, x1); a02.addProduct(w0, x2)
                    a10.addProduct(w1, x0); a11.addProduct(w1, x1); a12.addProduct(w1, x2)
                    a20.addProduct(w2, x0); a21.addProduct(w2, x1); a22.addProduct(w2, x2)
                    a30.addProduct(w3, x0); a31.addProduct(w3, x1); a32.addProduct(w3, x2)
                    t += channelBlock
                }
            }
        }
        @inline(__always) func store(_ r: Int, _ v0: V, _ v1: V, _ v2: V) {
            let o = UnsafeMutableRawPointer(output + r * outputStride)
            o.storeBytes(of: v0, as: V.self)
            o.storeBytes(of: v1, toByteOffset: 32, as: V.self)
            o.storeBytes(of: v2, toByteOffset: 64, as: V.self)
        }
        store(0, a00, a01, a02)
        if rows > 1 { store(1, a10, a11, a12) }
        if rows > 2 { store(2, a20, a21, a22) }
        if rows > 3 { store(3, a30, a31, a32) }
    }
}
