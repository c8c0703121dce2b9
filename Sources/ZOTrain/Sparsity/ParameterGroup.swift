/// A named contiguous slice of the flat parameter vector: one layer's weights or biases.
///
/// Pruning ratios apply to prunable groups (convolution and linear weights); the others
/// (biases, normalisation parameters) are always queried in full, as in DeepZero.
public struct ParameterGroup: Sendable, Codable, Equatable {
    public var name: String
    public var range: Range<Int>
    public var isPrunable: Bool

    public init(name: String, range: Range<Int>, isPrunable: Bool) {
        self.name = name
        self.range = range
        self.isPrunable = isPrunable
    }

    public var count: Int { range.count }
}
