import Foundation

/// Seeded parameter initialisers. Biases start at zero. Every layer draws from its own stream
/// (`SplitMix64(seed).derived(layer)`), so adding a layer does not change the others.
public enum Initializer: Codable, Hashable, Sendable {
    /// Glorot & Bengio 2010: `W ~ U(−a, a)`, `a = gain · √(6 / (fan_in + fan_out))`,
    /// fan = channels × kernel area (PyTorch's `xavier_uniform_`).
    case xavierUniform(gain: Float)
    /// He et al. 2015: `W ~ N(0, σ²)`, `σ = gain / √fan_in` (PyTorch's `kaiming_normal_`,
    /// fan_in mode; gain √2 for ReLU).
    case kaimingNormal(gain: Float)

    /// The recommended gain for an activation (PyTorch's `calculate_gain`).
    public static func gain(for activation: Activation) -> Float {
        switch activation {
        case .relu: return Float(2).squareRoot()
        case let .leakyReLU(slope): return (2 / (1 + slope * slope)).squareRoot()
        case .tanh: return 5.0 / 3.0
        case .gelu: return Float(2).squareRoot()
        }
    }

    func parameters(for layers: [ConvolutionLayer], seed: UInt64) -> [Float] {
        var p = [Float](repeating: 0, count: layers.reduce(0) { $0 + $1.parameterCount })
        let root = SplitMix64(seed: seed)
        for layer in layers {
            var rng = root.derived(UInt64(layer.index))
            let area = layer.kernelHeight * layer.kernelWidth
            let fanIn = Double(layer.inputChannels * area), fanOut = Double(layer.outputChannels * area)
            for i in 0..<layer.weightCount {
                switch self {
                case let .xavierUniform(gain):
                    let a = Double(gain) * (6 / (fanIn + fanOut)).squareRoot()
                    p[layer.weightOffset + i] = Float((2 * rng.nextUniform() - 1) * a)
                case let .kaimingNormal(gain):
                    p[layer.weightOffset + i] = Float(rng.nextGaussian() * Double(gain) / fanIn.squareRoot())
                }
            }
        }
        return p
    }
}
