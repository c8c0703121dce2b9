/// A named slice of the flat parameter vector: one layer's weights or biases.
///
/// The ZO trainer perturbs coordinates of ``Network/parameters`` in place; views tell which layer
/// (the unit of feature reuse) a coordinate belongs to.
public struct ParameterView: Hashable, Sendable, CustomStringConvertible {
    /// Whether a view holds a layer's weights or its biases.
    public enum Kind: String, Hashable, Sendable { case weight, bias }
    /// Index of the layer.
    public let layer: Int
    /// Weights or biases.
    public let kind: Kind
    /// First index in the flat parameter vector.
    public let offset: Int
    /// Number of parameters in the view.
    public let count: Int
    /// `[out, in, kh, kw]` for weights, `[out]` for biases.
    public let shape: [Int]
    /// `"conv0.weight"`, `"conv0.bias"`, …
    public var name: String { "conv\(layer).\(kind.rawValue)" }
    /// `offset ..< offset + count`.
    public var range: Range<Int> { offset..<(offset + count) }
    public var description: String { "\(name) \(shape) @\(offset)" }
}

/// What a single coordinate of the flat parameter vector is.
public struct ParameterLocation: Hashable, Sendable {
    /// Index of the layer the coordinate belongs to.
    public let layer: Int
    /// Weight or bias.
    public let kind: ParameterView.Kind
    /// The output channel the coordinate feeds (only this channel of the layer's pre-activation
    /// changes when the coordinate is perturbed).
    public let outputChannel: Int
    /// For weights: input channel and kernel offsets; zero for biases.
    public let inputChannel: Int
    /// Kernel row of a weight (0 for biases).
    public let kernelY: Int
    /// Kernel column of a weight (0 for biases).
    public let kernelX: Int
}
