/// The description of a corrector network: a stack of "same" 2D convolutions (stride 1), an
/// activation after every convolution but the last, optionally grouped in residual blocks.
///
/// Layers (see ``layers``): `inputChannels → hiddenChannels[0] → … → hiddenChannels.last →
/// outputChannels`, every kernel `kernelSize × kernelSize` (or `1 × kernelSize` when
/// ``oneDimensional``). With ``residual`` the hidden-to-hidden convolutions are paired into blocks
/// `a ↦ f(a + conv₂(f(conv₁(a))))` (the ResNet of Um et al. 2020), which requires an even number of
/// hidden-to-hidden convolutions of equal width.
///
/// Stored in checkpoints (as JSON), so a CLI and a checkpoint can name a network.
public struct NetworkArchitecture: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Channels of the assembled input (velocity components + constant channels such as Re).
    public var inputChannels: Int
    /// Channels of the output (the correction: one per velocity component).
    public var outputChannels: Int
    /// Output channels of every convolution but the last.
    public var hiddenChannels: [Int]
    /// Kernel extent (odd); the kernel is `k × k`, or `1 × k` for ``oneDimensional``.
    public var kernelSize: Int
    /// Activation after every convolution but the last.
    public var activation: Activation
    /// Edge handling of every convolution (match the solver's boundaries).
    public var padding: PaddingMode
    /// Pair hidden-to-hidden convolutions into residual blocks.
    public var residual: Bool
    /// 1D networks (Burgers): kernels of height 1; fields are `[B, C, 1, W]` (taller fields are
    /// treated as independent rows).
    public var oneDimensional: Bool
    /// The convolution kernels, i.e. the floating-point summation order of the network's function
    /// (``ConvolutionKernels``). Checkpoints written before the choice existed read as `.im2col`.
    public var convolution: ConvolutionKernels

    /// A plain (or residual) stack of same-size convolutions: `inputChannels → hiddenChannels… → outputChannels`, square `kernelSize` kernels (`1 × kernelSize` when `oneDimensional`).
    public init(inputChannels: Int, outputChannels: Int, hiddenChannels: [Int], kernelSize: Int,
                activation: Activation = .tanh, padding: PaddingMode = .zero,
                residual: Bool = false, oneDimensional: Bool = false, convolution: ConvolutionKernels = .blocked) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.hiddenChannels = hiddenChannels
        self.kernelSize = kernelSize
        self.activation = activation
        self.padding = padding
        self.residual = residual
        self.oneDimensional = oneDimensional
        self.convolution = convolution
    }

    private enum CodingKeys: String, CodingKey {
        case inputChannels, outputChannels, hiddenChannels, kernelSize, activation, padding, residual, oneDimensional, convolution
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(inputChannels: try c.decode(Int.self, forKey: .inputChannels),
                  outputChannels: try c.decode(Int.self, forKey: .outputChannels),
                  hiddenChannels: try c.decode([Int].self, forKey: .hiddenChannels),
                  kernelSize: try c.decode(Int.self, forKey: .kernelSize),
                  activation: try c.decode(Activation.self, forKey: .activation),
                  padding: try c.decode(PaddingMode.self, forKey: .padding),
                  residual: try c.decode(Bool.self, forKey: .residual),
                  oneDimensional: try c.decode(Bool.self, forKey: .oneDimensional),
                  convolution: try c.decodeIfPresent(ConvolutionKernels.self, forKey: .convolution) ?? .im2col)
    }

    /// Named network sizes.
    public enum Preset: String, Codable, CaseIterable, Sendable {
        /// `3 → 8 → 8 → 2`, 5 × 5: 2,618 parameters (the small net of docs/background.md / DeepZero scale).
        case tiny
        /// The Solver-in-the-Loop book network: three 5 × 5 convolutions of 32 channels plus the
        /// output convolution: 55,298 parameters for 3 → 2 channels.
        case small
        /// The original paper's ResNet: 5 × 5, 32 channels, an input convolution, 5 residual blocks
        /// of two convolutions, an output convolution: 260,354 parameters for 3 → 2 channels.
        case medium
    }

    /// A preset with the given channels, padding and activation.
    public static func preset(_ preset: Preset, inputChannels: Int = 3, outputChannels: Int = 2,
                              activation: Activation = .tanh, padding: PaddingMode = .zero,
                              oneDimensional: Bool = false, convolution: ConvolutionKernels = .blocked) -> NetworkArchitecture {
        switch preset {
        case .tiny:
            return NetworkArchitecture(inputChannels: inputChannels, outputChannels: outputChannels,
                                       hiddenChannels: [8, 8], kernelSize: 5, activation: activation,
                                       padding: padding, oneDimensional: oneDimensional, convolution: convolution)
        case .small:
            return NetworkArchitecture(inputChannels: inputChannels, outputChannels: outputChannels,
                                       hiddenChannels: [32, 32, 32], kernelSize: 5, activation: activation,
                                       padding: padding, oneDimensional: oneDimensional, convolution: convolution)
        case .medium:
            return NetworkArchitecture(inputChannels: inputChannels, outputChannels: outputChannels,
                                       hiddenChannels: Array(repeating: 32, count: 11), kernelSize: 5,
                                       activation: activation, padding: padding, residual: true,
                                       oneDimensional: oneDimensional, convolution: convolution)
        }
    }

    /// `3 → 8 → 8 → 2`, 5 × 5, tanh, zero padding (2,618 parameters).
    public static let tiny = preset(.tiny)
    /// The Solver-in-the-Loop book network (55,298 parameters).
    public static let small = preset(.small)
    /// The Solver-in-the-Loop paper ResNet (260,354 parameters).
    public static let medium = preset(.medium)

    /// Checks the architecture; throws ``CorrectorError/invalidArchitecture(_:)`` with the reason.
    public func validate() throws {
        func fail(_ reason: String) throws -> Never { throw CorrectorError.invalidArchitecture(reason) }
        if inputChannels < 1 { try fail("input channels must be ≥ 1, got \(inputChannels)") }
        if outputChannels < 1 { try fail("output channels must be ≥ 1, got \(outputChannels)") }
        if let bad = hiddenChannels.first(where: { $0 < 1 }) { try fail("hidden channels must be ≥ 1, got \(bad)") }
        if kernelSize < 1 || kernelSize % 2 == 0 { try fail("kernel size must be odd and ≥ 1, got \(kernelSize)") }
        if case let .leakyReLU(slope) = activation, !slope.isFinite { try fail("leaky ReLU slope must be finite") }
        if residual {
            let inner = max(0, hiddenChannels.count - 1)
            if inner == 0 || inner % 2 != 0 {
                try fail("residual blocks pair hidden-to-hidden convolutions: need an odd number ≥ 3 of hidden layers, got \(hiddenChannels.count)")
            }
            if Set(hiddenChannels).count != 1 {
                try fail("residual blocks need equal hidden widths, got \(hiddenChannels)")
            }
        }
    }

    /// The convolution layers in evaluation order (the units of feature reuse).
    public var layers: [ConvolutionLayer] {
        let channels = [inputChannels] + hiddenChannels + [outputChannels]
        let kh = oneDimensional ? 1 : kernelSize
        var result: [ConvolutionLayer] = []
        var offset = 0
        let count = channels.count - 1
        for k in 0..<count {
            // Residual blocks: layers (1, 2), (3, 4), … among the hidden-to-hidden convolutions;
            // the second of a pair adds the block input (the input of the first).
            let isBlockEnd = residual && k >= 2 && k < count - 1 && k % 2 == 0
            let layer = ConvolutionLayer(index: k, inputChannels: channels[k], outputChannels: channels[k + 1],
                                         kernelHeight: kh, kernelWidth: kernelSize,
                                         activation: k == count - 1 ? nil : activation,
                                         padding: padding, skipFrom: isBlockEnd ? k - 1 : nil,
                                         weightOffset: offset)
            offset += layer.parameterCount
            result.append(layer)
        }
        return result
    }

    /// Total number of parameters (weights and biases).
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Multiply-adds × 2 of one forward pass on one `height × width` field.
    public func forwardFlops(height: Int, width: Int) -> Double {
        layers.reduce(0) { $0 + 2 * Double($1.weightCount) * Double(height * width) }
    }

    /// Human-readable list of every field that differs from `other` (empty when equal).
    public func differences(from other: NetworkArchitecture) -> [String] {
        var d: [String] = []
        func check<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { d.append("\(name): \(a) vs \(b)") } }
        check("input channels", inputChannels, other.inputChannels)
        check("output channels", outputChannels, other.outputChannels)
        check("hidden channels", hiddenChannels, other.hiddenChannels)
        check("kernel size", kernelSize, other.kernelSize)
        check("activation", activation, other.activation)
        check("padding", padding, other.padding)
        check("residual", residual, other.residual)
        check("one-dimensional", oneDimensional, other.oneDimensional)
        check("convolution", convolution, other.convolution)
        return d
    }

    public var description: String {
        let chain = ([inputChannels] + hiddenChannels + [outputChannels]).map(String.init).joined(separator: "→")
        let kernel = oneDimensional ? "1×\(kernelSize)" : "\(kernelSize)×\(kernelSize)"
        return "\(residual ? "ResNet" : "CNN") \(chain) \(kernel) \(activation) \(padding) padding, \(parameterCount) parameters"
            + (convolution == .blocked ? "" : ", \(convolution) convolutions")
    }
}
