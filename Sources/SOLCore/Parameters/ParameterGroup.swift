/// A named contiguous slice of a model's flat parameter vector: one layer's weights or biases.
///
/// Pruning ratios apply to prunable groups (convolution and linear weights); the others
/// (biases, normalisation parameters) are always queried in full, as in DeepZero.
///
/// It lives in the core because both sides of the ZO contract need it and neither may import the
/// other: a model describes its parameters with groups (`Network.parameterGroups` in Corrector),
/// and the zeroth-order engine (ZOTrain: sparse CGE masks, ZO-GraSP pruning ratios) consumes them
/// without knowing what a network is.
public struct ParameterGroup: Sendable, Codable, Equatable {
    /// Name, e.g. `"conv0.weight"`.
    public var name: String
    /// The coordinates of the group in the flat parameter vector.
    public var range: Range<Int>
    /// Whether sparse CGE may skip coordinates of the group (weights yes, biases no).
    public var isPrunable: Bool

    /// A group of coordinates.
    public init(name: String, range: Range<Int>, isPrunable: Bool) {
        self.name = name
        self.range = range
        self.isPrunable = isPrunable
    }

    /// Coordinates in the group.
    public var count: Int { range.count }
}
