/// A corrector network: its architecture, ONE flat Float32 parameter vector and the stored
/// normalisation statistics. A value: copying a network copies (lazily) its parameters.
///
/// The flat vector is laid out layer by layer, weights `[out, in, kh, kw]` then biases `[out]`
/// (``parameterViews``), because the ZO trainer perturbs coordinates in place and the feature-reuse
/// engine needs to know which layer (``ConvolutionLayer``) a coordinate belongs to
/// (``location(ofParameter:)``).
public struct Network: Sendable, Equatable {
    /// The architecture the layers were resolved from (stored in checkpoints).
    public let architecture: NetworkArchitecture
    /// The resolved convolution layers, in evaluation order.
    public let layers: [ConvolutionLayer]
    /// Every weight and bias, in the order of ``parameterViews``. Mutate elements in place freely
    /// (no observer, so `parameters[i] += μ` is O(1)); never change the count.
    public var parameters: [Float]
    /// Input and output statistics applied around the convolutions.
    public var normalization: Normalization
    /// `conv0.weight, conv0.bias, conv1.weight, …` in storage order.
    public let parameterViews: [ParameterView]

    /// A network with given parameters (e.g. read from a checkpoint).
    public init(architecture: NetworkArchitecture, parameters: [Float], normalization: Normalization? = nil) throws {
        try architecture.validate()
        self.architecture = architecture
        self.layers = architecture.layers
        let expected = layers.reduce(0) { $0 + $1.parameterCount }
        guard parameters.count == expected else {
            throw CorrectorError.parameterCountMismatch(expected: expected, found: parameters.count)
        }
        let norm = normalization ?? .identity(inputChannels: architecture.inputChannels, outputChannels: architecture.outputChannels)
        guard norm.inputMean.count == architecture.inputChannels, norm.inputScale.count == architecture.inputChannels,
              norm.outputMean.count == architecture.outputChannels, norm.outputScale.count == architecture.outputChannels else {
            throw CorrectorError.invalidArchitecture("normalisation statistics have \(norm.inputMean.count)/\(norm.inputScale.count) input and \(norm.outputMean.count)/\(norm.outputScale.count) output channels, the network \(architecture.inputChannels) and \(architecture.outputChannels)")
        }
        if let bad = (norm.inputScale + norm.outputScale).first(where: { !($0.isFinite && $0 != 0) }) {
            throw CorrectorError.invalidArchitecture("normalisation scale \(bad) must be finite and non-zero")
        }
        self.parameters = parameters
        self.normalization = norm
        var views: [ParameterView] = []
        for l in layers {
            views.append(ParameterView(layer: l.index, kind: .weight, offset: l.weightOffset, count: l.weightCount,
                                       shape: [l.outputChannels, l.inputChannels, l.kernelHeight, l.kernelWidth]))
            views.append(ParameterView(layer: l.index, kind: .bias, offset: l.biasOffset, count: l.outputChannels,
                                       shape: [l.outputChannels]))
        }
        self.parameterViews = views
    }

    /// A freshly initialised network (see ``Initializer``); deterministic given `seed`.
    public init(architecture: NetworkArchitecture, initializer: Initializer = .xavierUniform(gain: 1),
                seed: UInt64, normalization: Normalization? = nil) throws {
        try architecture.validate()
        let params = initializer.parameters(for: architecture.layers, seed: seed)
        try self.init(architecture: architecture, parameters: params, normalization: normalization)
    }

    /// Length of ``parameters``.
    public var parameterCount: Int { parameters.count }

    /// The parameter groups the zeroth-order engine masks and prunes (sparse CGE, ZO-GraSP): one
    /// per ``parameterViews`` entry, named like it; weights are prunable, biases always queried.
    public var parameterGroups: [ParameterGroup] {
        parameterViews.map { ParameterGroup(name: $0.name, range: $0.range, isPrunable: $0.kind == .weight) }
    }

    /// The view of one layer's weights or biases.
    public func view(layer: Int, _ kind: ParameterView.Kind) -> ParameterView {
        parameterViews[2 * layer + (kind == .weight ? 0 : 1)]
    }

    /// Layer, kind and indices of coordinate `index` of ``parameters``.
    public func location(ofParameter index: Int) -> ParameterLocation {
        precondition(index >= 0 && index < parameters.count, "parameter index \(index) out of range")
        let l = layerIndex(ofParameter: index)
        let layer = layers[l]
        if index >= layer.biasOffset {
            return ParameterLocation(layer: l, kind: .bias, outputChannel: index - layer.biasOffset,
                                     inputChannel: 0, kernelY: 0, kernelX: 0)
        }
        var r = index - layer.weightOffset
        let o = r / layer.columnLength; r %= layer.columnLength
        let c = r / (layer.kernelHeight * layer.kernelWidth); r %= layer.kernelHeight * layer.kernelWidth
        return ParameterLocation(layer: l, kind: .weight, outputChannel: o, inputChannel: c,
                                 kernelY: r / layer.kernelWidth, kernelX: r % layer.kernelWidth)
    }

    /// The layer a coordinate belongs to (binary search over layer offsets).
    public func layerIndex(ofParameter index: Int) -> Int {
        var lo = 0, hi = layers.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if layers[mid].weightOffset <= index { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// One layer's weights as a `[out, in, kh, kw]` tensor (a copy).
    public func weights(layer: Int) -> Tensor<Float> {
        let v = view(layer: layer, .weight)
        return Tensor(shape: v.shape, scalars: Array(parameters[v.range]))
    }

    /// One layer's biases (a copy).
    public func biases(layer: Int) -> [Float] { Array(parameters[view(layer: layer, .bias).range]) }
}
