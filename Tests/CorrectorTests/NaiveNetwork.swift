import Foundation
import Corrector

/// Direct-loop Float64 reference of the corrector, written from the equations in
/// ConvolutionLayer/Network docs and independent of im2col, BLAS and the cache:
///
///     z[b,o,y,x] = bias[o] + Σ_{c,i,j} W[o,c,i,j] a[b,c, P(y+i−rₕ), P(x+j−r_w)]  (+ skip)
enum NaiveNetwork {
    static func index(_ i: Int, _ n: Int, _ padding: PaddingMode) -> Int? {
        if i >= 0 && i < n { return i }
        switch padding {
        case .zero: return nil
        case .periodic: return ((i % n) + n) % n
        case .replicate: return min(max(i, 0), n - 1)
        }
    }

    static func activation(_ f: Activation, _ z: Double) -> Double {
        switch f {
        case .relu: return max(z, 0)
        case let .leakyReLU(slope): return z > 0 ? z : Double(slope) * z
        case .tanh: return tanh(z)
        case .gelu: return 0.5 * z * (1 + erf(z / 2.0.squareRoot()))
        }
    }

    /// One convolution `[B, in, H, W] → [B, out, H, W]`; `p` holds the layer's weights then biases.
    static func convolve(_ layer: ConvolutionLayer, _ p: ArraySlice<Double>, _ a: [Double], batch: Int, height h: Int, width w: Int) -> [Double] {
        let (cin, cout, kh, kw) = (layer.inputChannels, layer.outputChannels, layer.kernelHeight, layer.kernelWidth)
        let base = p.startIndex
        var z = [Double](repeating: 0, count: batch * cout * h * w)
        for b in 0..<batch {
            for o in 0..<cout {
                for y in 0..<h {
                    for x in 0..<w {
                        var s = p[base + layer.weightCount + o]
                        for c in 0..<cin {
                            for i in 0..<kh {
                                guard let sy = index(y + i - kh / 2, h, layer.padding) else { continue }
                                for j in 0..<kw {
                                    guard let sx = index(x + j - kw / 2, w, layer.padding) else { continue }
                                    s += p[base + ((o * cin + c) * kh + i) * kw + j] * a[((b * cin + c) * h + sy) * w + sx]
                                }
                            }
                        }
                        z[((b * cout + o) * h + y) * w + x] = s
                    }
                }
            }
        }
        return z
    }

    /// The whole network on `[B, C, H, W]` in Float64, including the normalisation.
    static func forward(_ arch: NetworkArchitecture, parameters p: [Double], normalization n: Normalization,
                        input x: [Double], batch: Int, height h: Int, width w: Int) -> [Double] {
        let layers = arch.layers, hw = h * w
        var a = x
        for i in 0..<a.count {
            let c = (i / hw) % arch.inputChannels
            a[i] = (a[i] - Double(n.inputMean[c])) / Double(n.inputScale[c])
        }
        var inputs: [[Double]] = []
        for layer in layers {
            inputs.append(a)
            var z = convolve(layer, p[layer.parameterRange], a, batch: batch, height: h, width: w)
            if let s = layer.skipFrom { for i in 0..<z.count { z[i] += inputs[s][i] } }
            if let f = layer.activation { a = z.map { activation(f, $0) } } else { a = z }
        }
        for i in 0..<a.count {
            let c = (i / hw) % arch.outputChannels
            a[i] = a[i] * Double(n.outputScale[c]) + Double(n.outputMean[c])
        }
        return a
    }
}

/// Seeded random helpers for tests.
struct TestRandom {
    var rng: SplitMix64
    init(_ seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float { lo + (hi - lo) * Float(rng.nextUniform()) }
    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<n).map { _ in uniform(lo, hi) } }
    mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor<Float> {
        Tensor(shape: shape, scalars: floats(shape.reduce(1, *), lo, hi))
    }
}

/// `‖a − b‖ / max(‖b‖, tiny)` in Float64.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var d = 0.0, n = 0.0
    for i in 0..<a.count { d += (a[i] - b[i]) * (a[i] - b[i]); n += b[i] * b[i] }
    return (d / max(n, 1e-300)).squareRoot()
}
