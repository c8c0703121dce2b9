/// One convolution of a network, resolved from its ``NetworkArchitecture``:
///
///     z[b, o, y, x] = bias[o] + Σ_{c, i, j} W[o, c, i, j] · a[b, c, y + i − rₕ, x + j − r_w]  (+ skip)
///     a_next = f(z)            (no activation on the last layer)
///
/// where out-of-range indices follow ``padding`` and `skip` is the input of layer ``skipFrom`` for
/// the second convolution of a residual block. Weights are stored `[out, in, kh, kw]` row-major
/// at ``weightOffset`` of the flat parameter vector, followed by the `out` biases.
public struct ConvolutionLayer: Hashable, Sendable {
    /// Position of the layer in ``Network/layers``.
    public let index: Int
    /// Channels `in` of the layer's input.
    public let inputChannels: Int
    /// Channels `out` of the layer's output.
    public let outputChannels: Int
    /// Kernel size `kh` along `H` (1 for 1D networks).
    public let kernelHeight: Int
    /// Kernel size `kw` along `W`.
    public let kernelWidth: Int
    /// `nil` for the output layer.
    public let activation: Activation?
    /// How the convolution reads past the edges.
    public let padding: PaddingMode
    /// Index of the layer whose INPUT is added to this layer's pre-activation (residual blocks).
    public let skipFrom: Int?
    /// Offset of the weights in the flat parameter vector.
    public let weightOffset: Int

    /// `in · kh · kw`: the length of one im2col column and of one weight row.
    public var columnLength: Int { inputChannels * kernelHeight * kernelWidth }
    /// `out · in · kh · kw` weights.
    public var weightCount: Int { outputChannels * columnLength }
    /// Offset of the `out` biases in the flat parameter vector (right after the weights).
    public var biasOffset: Int { weightOffset + weightCount }
    /// Weights plus biases of the layer.
    public var parameterCount: Int { weightCount + outputChannels }
    /// Parameter range of this layer in the flat vector.
    public var parameterRange: Range<Int> { weightOffset..<(weightOffset + parameterCount) }
}
