/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay (PyTorch's
/// convention, no dampening):
///
///   g' = g + λ θ,   v ← β v + g',   θ ← θ − lr · (Nesterov ? g' + β v : v).
///
/// DeepZero's CGE runs use β = 0.9, λ = 5e-4, lr 0.1 with a cosine schedule and warm-up.
public struct SGD: Optimizer {
    /// Momentum `β` (0 = plain SGD).
    public var momentum: Float
    /// Nesterov momentum (needs `momentum > 0`).
    public var nesterov: Bool
    /// L2 coefficient `λ` added to the gradient as `λ θ`.
    public var weightDecay: Float
    /// The momentum buffer, one per parameter.
    public private(set) var velocity: [Float]

    /// Zero velocity for `parameterCount` parameters.
    public init(parameterCount: Int, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || momentum > 0, "SGD: Nesterov needs momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.velocity = Array(repeating: 0, count: parameterCount)
    }

    public mutating func update(_ parameters: inout [Float], along gradient: [Float], learningRate: Float) {
        precondition(parameters.count == velocity.count && gradient.count == velocity.count)
        for i in parameters.indices {
            let g = gradient[i] + weightDecay * parameters[i]
            if momentum == 0 { parameters[i] -= learningRate * g; continue }
            velocity[i] = momentum * velocity[i] + g
            parameters[i] -= learningRate * (nesterov ? g + momentum * velocity[i] : velocity[i])
        }
    }

    public var state: [String: [Float]] { ["momentum": velocity] }

    public mutating func load(state: [String: [Float]]) throws {
        velocity = try Self.check("momentum", state["momentum"], count: velocity.count)
    }
}
