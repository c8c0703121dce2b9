/// One convolution of a network, resolved from its ``NetworkArchitecture``:
///
///     z[b, o, y, x] = bias[o] + Σ_{c, i, j} W[o, c, i, j] · a[b, c, y + i − rₕ, x + j − r_w]  (+ skip)
///     a_next = f(z)            (no activation on the last layer)
///
/// where out-of-range indices follow ``padding`` and `skip` is the input of layer ``skipFrom`` for
/// the second convolution of a residual block. Weights are stored `[out, in, kh, kw]` row-major
/// at ``weightOffset`` of the flat parameter vector, followed by the `out` biases.
public struct ConvolutionLayer: Hashable, Sendable {
    public let index: Int
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    /// `nil` for the output layer.
    public let activation: Activation?
    public let padding: PaddingMode
    /// Index of the layer whose INPUT is added to this layer's pre-activation (residual blocks).
    public let skipFrom: Int?
    /// Offset of the weights in the flat parameter vector.
    public let weightOffset: Int

    /// `in · kh · kw`: the length of one im2col column and of one weight row.
    public var columnLength: Int { inputChannels * kernelHeight * kernelWidth }
    public var weightCount: Int { outputChannels * columnLength }
    public var biasOffset: Int { weightOffset + weightCount }
    public var parameterCount: Int { weightCount + outputChannels }
    /// Parameter range of this layer in the flat vector.
    public var parameterRange: Range<Int> { weightOffset..<(weightOffset + parameterCount) }
}
