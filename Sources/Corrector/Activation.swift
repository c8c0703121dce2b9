import Foundation

/// An element-wise nonlinearity applied after every convolution but the last.
///
/// - `relu`: `max(z, 0)`; `leakyReLU(slope)`: `z` for `z > 0`, `slope · z` otherwise (the original
///   Solver-in-the-Loop network, Um et al. 2020, used slope 0.2 in Keras' default).
/// - `tanh`: `tanh z`, derivative `1 − tanh² z` (vectorised, ``VectorMath``).
/// - `gelu`: exact-form GELU `z Φ(z) = ½ z (1 + erf(z / √2))` (Hendrycks & Gimpel 2016), derivative
///   `Φ(z) + z φ(z)`; erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), vectorised.
///
/// Prefer a smooth activation (`tanh`, `gelu`) for zeroth-order training: a finite difference across
/// a ReLU kink is biased (docs/background.md, Burgers study), so the presets default to `tanh`.
public enum Activation: Codable, Hashable, Sendable, CustomStringConvertible {
    case relu
    case leakyReLU(slope: Float)
    case tanh
    case gelu

    public var description: String {
        switch self {
        case .relu: return "relu"
        case let .leakyReLU(slope): return "leakyReLU(\(slope))"
        case .tanh: return "tanh"
        case .gelu: return "gelu"
        }
    }

    /// Whether the function is continuously differentiable (finite differences are unbiased to O(μ²)).
    public var isSmooth: Bool {
        switch self {
        case .tanh, .gelu: return true
        case .relu, .leakyReLU: return false
        }
    }

    /// `f(z)` for one element.
    @inlinable
    public func callAsFunction(_ z: Float) -> Float {
        switch self {
        case .relu: return z > 0 ? z : 0
        case let .leakyReLU(slope): return z > 0 ? z : slope * z
        case .tanh: return VectorMath.tanh(z)
        case .gelu: return VectorMath.gelu(VectorMath.Vector(repeating: z))[0]
        }
    }

    /// `f'(z)` for one element (at the kink of ReLU the right derivative is NOT used: `f'(0) = 0`
    /// for ReLU and `slope` for leaky ReLU, the convention of PyTorch).
    @inlinable
    public func derivative(_ z: Float) -> Float {
        switch self {
        case .relu: return z > 0 ? 1 : 0
        case let .leakyReLU(slope): return z > 0 ? 1 : slope
        case .tanh:
            let t = VectorMath.tanh(z)
            return 1 - t * t
        case .gelu: return VectorMath.geluDerivative(VectorMath.Vector(repeating: z))[0]
        }
    }

    /// `a[i] = f(z[i])` for `count` elements.
    func apply(_ z: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: for i in 0..<count { let v = z[i]; a[i] = v > 0 ? v : 0 }
        case let .leakyReLU(slope): for i in 0..<count { let v = z[i]; a[i] = v > 0 ? v : slope * v }
        case .tanh: VectorMath.tanh(z, a, count: count)
        case .gelu: VectorMath.map(z, a, count: count, VectorMath.gelu)
        }
    }

    /// `g[i] *= f'(z[i])`, where `a = f(z)` is available (tanh uses it: `1 − a²`).
    func multiplyDerivative(_ g: UnsafeMutablePointer<Float>, z: UnsafePointer<Float>,
                            a: UnsafePointer<Float>, count: Int) {
        switch self {
        case .relu: for i in 0..<count where !(z[i] > 0) { g[i] = 0 }
        case let .leakyReLU(slope): for i in 0..<count where !(z[i] > 0) { g[i] *= slope }
        case .tanh: for i in 0..<count { let t = a[i]; g[i] *= 1 - t * t }
        case .gelu: VectorMath.multiply(g, by: z, count: count, VectorMath.geluDerivative)
        }
    }
}
