/// A named slice of the flat parameter vector: one layer's weights or biases.
///
/// The ZO trainer perturbs coordinates of ``Network/parameters`` in place; views tell which layer
/// (the unit of feature reuse) a coordinate belongs to.
public struct ParameterView: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable { case weight, bias }
    public let layer: Int
    public let kind: Kind
    public let offset: Int
    public let count: Int
    /// `[out, in, kh, kw]` for weights, `[out]` for biases.
    public let shape: [Int]
    /// `"conv0.weight"`, `"conv0.bias"`, …
    public var name: String { "conv\(layer).\(kind.rawValue)" }
    public var range: Range<Int> { offset..<(offset + count) }
    public var description: String { "\(name) \(shape) @\(offset)" }
}

/// What a single coordinate of the flat parameter vector is.
public struct ParameterLocation: Hashable, Sendable {
    public let layer: Int
    public let kind: ParameterView.Kind
    /// The output channel the coordinate feeds (only this channel of the layer's pre-activation
    /// changes when the coordinate is perturbed).
    public let outputChannel: Int
    /// For weights: input channel and kernel offsets; zero for biases.
    public let inputChannel: Int
    public let kernelY: Int
    public let kernelX: Int
}
