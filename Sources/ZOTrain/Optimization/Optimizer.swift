/// Updates parameters along a gradient, whatever produced it (backprop, CGE, RGE).
///
/// State (moments, step count) is exported as named float arrays for checkpoints and restored
/// with ``load(state:)``; a restored optimizer continues bit for bit.
public protocol Optimizer {
    /// θ ← θ − lr · step(g), updating the optimizer's state.
    mutating func update(_ parameters: inout [Float], along gradient: [Float], learningRate: Float)
    /// Named state arrays (e.g. "momentum", or "m", "v", "step").
    var state: [String: [Float]] { get }
    /// Restores state exported by ``state``.
    mutating func load(state: [String: [Float]]) throws
}

extension Optimizer {
    static func check(_ name: String, _ values: [Float]?, count: Int) throws -> [Float] {
        guard let values else { throw ZOTrainError.invalidOptimizerState(name: name, expected: count, found: 0) }
        guard values.count == count else { throw ZOTrainError.invalidOptimizerState(name: name, expected: count, found: values.count) }
        return values
    }
}
