import Foundation

/// Adam (Kingma & Ba 2015) with optional L2 weight decay added to the gradient:
///
///   m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
///   θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ).
///
/// Beware with ZO gradients: Adam rescales every coordinate to a unit step, so a small
/// finite-difference bias or noise on a coordinate whose true gradient is ~0 becomes a full
/// step (the Burgers study's drift); prefer central differences.
public struct Adam: Optimizer {
    /// Decay of the first-moment average (0.9).
    public var beta1: Float
    /// Decay of the second-moment average (0.999).
    public var beta2: Float
    /// Added to `√v̂` in the denominator (1e-8).
    public var epsilon: Float
    /// L2 coefficient `λ`: `λ θ` is added to the gradient (0 = none).
    public var weightDecay: Float
    /// First-moment estimates, one per parameter.
    public private(set) var m: [Float]
    /// Second-moment estimates, one per parameter.
    public private(set) var v: [Float]
    /// Updates taken (for the bias corrections).
    public private(set) var step: Int = 0

    /// Zero moments for `parameterCount` parameters.
    public init(parameterCount: Int, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = Array(repeating: 0, count: parameterCount)
        v = m
    }

    public mutating func update(_ parameters: inout [Float], along gradient: [Float], learningRate: Float) {
        precondition(parameters.count == m.count && gradient.count == m.count)
        step += 1
        let c1 = 1 - Float(pow(Double(beta1), Double(step)))
        let c2 = 1 - Float(pow(Double(beta2), Double(step)))
        for i in parameters.indices {
            let g = gradient[i] + weightDecay * parameters[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            parameters[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
        }
    }

    /// "m", "v" and "step" (the step count as one float; exact up to 2²⁴ steps).
    public var state: [String: [Float]] { ["m": m, "v": v, "step": [Float(step)]] }

    public mutating func load(state: [String: [Float]]) throws {
        m = try Self.check("m", state["m"], count: m.count)
        v = try Self.check("v", state["v"], count: v.count)
        step = Int(try Self.check("step", state["step"], count: 1)[0])
    }
}
