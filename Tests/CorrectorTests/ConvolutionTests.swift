import XCTest
import Corrector

/// Both convolution paths (im2col + sgemm, and DirectConvolution for thin layers) against a
/// float64 loop, and the adjoint pair im2col / col2im.
final class ConvolutionTests: XCTestCase {
    /// Every padding mode × kernel 1/3/5 (2D and 1 × k), including a field narrower than the
    /// kernel (periodic wrap-around more than once, replicate clamping on both sides).
    func testConvolutionMatchesDirectLoop() throws {
        var rnd = TestRandom(1)
        for padding in PaddingMode.allCases {
            for k in [1, 3, 5, 7] {
                for oneD in [false, true] {
                    // 4 output channels and k > 1: DirectConvolution; 6 (or 1 × 1): im2col + sgemm.
                    for (h, w, cout) in [(6, 7, 4), (3, 2, 4), (6, 7, 6), (3, 2, 6)] {
                        let arch = NetworkArchitecture(inputChannels: 3, outputChannels: cout, hiddenChannels: [], kernelSize: k,
                                                       padding: padding, oneDimensional: oneD)
                        let net = try Network(architecture: arch, parameters: rnd.floats(arch.parameterCount))
                        let x = rnd.tensor([2, 3, h, w])
                        let y = try net.forward(x)
                        let ref = NaiveNetwork.forward(arch, parameters: net.parameters.map(Double.init), normalization: net.normalization,
                                                       input: x.scalars.map(Double.init), batch: 2, height: h, width: w)
                        let err = zip(y.scalars, ref).map { abs(Double($0) - $1) }.max()!
                        let scale = ref.map(abs).max()!
                        XCTAssertLessThan(err, 1e-5 * max(1, scale), "\(padding) k=\(k) 1D=\(oneD) \(h)×\(w) out=\(cout)")
                    }
                }
            }
        }
    }

    /// `⟨im2col(x), Y⟩ = ⟨x, col2im(Y)⟩` for every padding mode (the backward's data path).
    func testCol2imIsTheAdjointOfIm2col() {
        var rnd = TestRandom(2)
        for (c, h, w) in [(2, 5, 4), (2, 3, 2), (3, 7, 9)] {
        for padding in PaddingMode.allCases {
            for (kh, kw) in [(3, 3), (5, 5), (1, 5), (1, 1), (7, 7)] {
                let rows = c * kh * kw
                let x = rnd.floats(c * h * w), yv = rnd.floats(rows * h * w)
                var cols = [Float](repeating: 0, count: rows * h * w)
                var back = [Float](repeating: 0, count: c * h * w)
                x.withUnsafeBufferPointer { xp in cols.withUnsafeMutableBufferPointer { cp in
                    Convolution.im2col(xp.baseAddress!, cp.baseAddress!, channels: c, kernelHeight: kh, kernelWidth: kw,
                                       height: h, width: w, padding: padding)
                } }
                var scratch = yv  // col2im uses its input as scratch
                scratch.withUnsafeMutableBufferPointer { yp in back.withUnsafeMutableBufferPointer { bp in
                    Convolution.col2imAdding(yp.baseAddress!, bp.baseAddress!, channels: c, kernelHeight: kh, kernelWidth: kw,
                                             height: h, width: w, padding: padding)
                } }
                let lhs = zip(cols, yv).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let rhs = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                XCTAssertEqual(lhs, rhs, accuracy: 1e-5 * max(1, abs(lhs)), "\(padding) \(kh)×\(kw) on \(h)×\(w)")
            }
        }
        }
    }

    /// The channel update `z[o] += α · shift(a[c])` equals the change of a direct convolution.
    func testAddShiftedIsTheSingleWeightChange() {
        var rnd = TestRandom(3)
        let (h, w) = (4, 5)
        for padding in PaddingMode.allCases {
            for (oy, ox) in [(-2, 1), (0, 0), (1, -2), (2, 2)] {
                let a = rnd.floats(h * w)
                var z = [Float](repeating: 0, count: h * w)
                a.withUnsafeBufferPointer { ap in z.withUnsafeMutableBufferPointer { zp in
                    Convolution.addShifted(ap.baseAddress!, zp.baseAddress!, alpha: 0.5, offsetY: oy, offsetX: ox,
                                           height: h, width: w, padding: padding)
                } }
                for y in 0..<h {
                    for x in 0..<w {
                        var expected: Float = 0
                        if let sy = NaiveNetwork.index(y + oy, h, padding), let sx = NaiveNetwork.index(x + ox, w, padding) {
                            expected = 0.5 * a[sy * w + sx]
                        }
                        XCTAssertEqual(z[y * w + x], expected, "\(padding) (\(oy),\(ox)) at \(y),\(x)")
                    }
                }
            }
        }
    }

    /// A layer large enough to be processed in several im2col row chunks (16 × 5 × 5 columns on
    /// 20 × 40 rows: chunks of 8, 8, 4 rows): forward against the direct loop, and both
    /// vector-Jacobian products against the direct float64 sums
    /// `∂W[o,c,i,j] = Σ g[b,o,y,x] a[b,c,P(y+i−r),P(x+j−r)]`, `∂a = Σ W g` (scattered through P).
    func testChunkedConvolutionForwardAndBackward() throws {
        var rnd = TestRandom(4)
        let (b, cin, cout, h, w, k) = (2, 16, 3, 20, 40, 5)
        XCTAssertEqual(Convolution.rowsPerChunk(columnLength: cin * k * k, height: h, width: w), 8)
        for padding in PaddingMode.allCases {
            let arch = NetworkArchitecture(inputChannels: cin, outputChannels: cout, hiddenChannels: [], kernelSize: k, padding: padding)
            let net = try Network(architecture: arch, parameters: rnd.floats(arch.parameterCount))
            let layer = net.layers[0]
            let x = rnd.tensor([b, cin, h, w]), g = rnd.tensor([b, cout, h, w])
            let cache = ActivationCache()
            let y = try net.forward(x, cache: cache)
            let ref = NaiveNetwork.forward(arch, parameters: net.parameters.map(Double.init), normalization: net.normalization,
                                           input: x.scalars.map(Double.init), batch: b, height: h, width: w)
            XCTAssertLessThan(zip(y.scalars, ref).map { abs(Double($0) - $1) }.max()!, 1e-5 * ref.map(abs).max()!, "\(padding)")
            let (pg, xg) = net.gradients(outputGradient: g, cache: cache)
            var dW = [Double](repeating: 0, count: arch.parameterCount)
            var dx = [Double](repeating: 0, count: x.count)
            let xs = x.scalars.map(Double.init), ws = net.parameters.map(Double.init)
            for n in 0..<b { for o in 0..<cout { for yy in 0..<h { for xx in 0..<w {
                let gv = Double(g.scalars[((n * cout + o) * h + yy) * w + xx])
                dW[layer.biasOffset + o] += gv
                for c in 0..<cin { for i in 0..<k { for j in 0..<k {
                    guard let sy = NaiveNetwork.index(yy + i - 2, h, padding), let sx = NaiveNetwork.index(xx + j - 2, w, padding) else { continue }
                    let wi = ((o * cin + c) * k + i) * k + j
                    let xi = ((n * cin + c) * h + sy) * w + sx
                    dW[wi] += gv * xs[xi]
                    dx[xi] += gv * ws[wi]
                } } }
            } } } }
            XCTAssertLessThan(relativeError(pg.map(Double.init), dW), 1e-5, "\(padding)")
            XCTAssertLessThan(relativeError(xg.scalars.map(Double.init), dx), 1e-5, "\(padding)")
        }
    }
}
