import Corrector
import Foundation
import ZOTrain

/// The mean squared error of a corrector network's output against a target, as a
/// ``ZOObjective`` with feature reuse (DeepZero §5):
///
///   f(θ) = 1/N Σ (C_θ(x) − t)²,   N = number of output elements, summed in Float64.
///
/// The network alone, without a solver: what `sol-bench zo` measures and the ZO engine's tests
/// train. It joins the model-agnostic engine (ZOTrain) and the network's reuse kernels
/// (Corrector), so it lives here, where both are visible.
///
/// ``prepare(at:)`` runs one full forward pass and caches every layer's input and
/// pre-activation. A query perturbing a parameter of layer k then never recomputes layers < k.
/// How much more it saves is the ``Evaluation`` mode:
///
/// - ``Evaluation/naive``: a full forward pass per query (DeepZero's `cge()` without reuse).
/// - ``Evaluation/resume``: restart at layer k from the cached a_k (bit-identical to naive).
/// - ``Evaluation/channelUpdate``: a weight W_k[o, c, i, j] changes only channel o of z_k, by
///   δ · shift(a_k[c]); layer k+1, whose input changed in channel o only, is updated by a
///   convolution with ONE input channel (a factor in_{k+1} cheaper); layers ≥ k+2 are recomputed
///   in full (`Network.forward(perturbingParameter:by:cache:workspace:into:)`).
/// - ``Evaluation/channelDelta`` (default): as `channelUpdate`, and when every layer from k+2 on
///   is thin the change is carried to the output as deltas
///   (`Network.forward(perturbingParameter:by:cache:deltas:workspace:into:)`); if layer k is the
///   output layer, only the loss terms of output channel o are recomputed.
///
/// The last two add the perturbation after (not inside) a convolution's sum, so their losses
/// differ from naive recomputation by float32 rounding of the changed activations (relative
/// ~1e-7 of the loss, see the tests); unchanged activations are bit-identical.
///
/// Any loss of the network output works too (``init(network:input:evaluation:outputLoss:)``):
/// the closure sees only the network OUTPUT, so it is right only when the loss depends on θ
/// through this one network call (a one-step correction). An unrolled rollout calls the network
/// again with the perturbed parameters at every later step; ZO-SOL therefore uses
/// ``RolloutObjective``, which perturbs θ in place for the later steps and reuses cached features
/// only in the first corrector call.
public final class NetworkObjective: ZOObjective {
    /// A loss of the network output `[B, C_out, H, W]` (raw units), accumulated in Float64.
    public typealias OutputLoss = (Tensor<Float>) -> Double

    /// How a coordinate query evaluates the network (docs/zo-sol.md, "What a query costs: feature
    /// reuse"): `naive` full forward pass; `resume` from the cached input of the perturbed layer;
    /// `channelUpdate` also updates only the changed channel of that layer and the next layer
    /// incrementally; `channelDelta` (default) also carries the change to the output as deltas
    /// through thin layers.
    public enum Evaluation: String, Sendable, CaseIterable {
        case naive, resume, channelUpdate, channelDelta
    }

    /// The network whose parameters are queried (this worker's copy).
    public private(set) var network: Network
    /// The batch the loss is evaluated on, `[B, C_in, H, W]` (raw units).
    public let input: Tensor<Float>
    /// The MSE target (nil for a custom output loss).
    public let target: Tensor<Float>?
    /// The feature-reuse mode of coordinate queries.
    public let evaluation: Evaluation
    private let mseTarget: Tensor<Float>
    private let makeOutputLoss: (() -> OutputLoss)?
    private let outputLoss: OutputLoss?
    private let cache = ActivationCache()
    private let workspace = NetworkWorkspace()
    private let deltas = ChannelDeltaWorkspace()
    private var output = Tensor<Float>(shape: [0], scalars: [])
    /// Σ over batch and pixels of (y − t)² per output channel at the base point.
    private var channelSums: [Double] = []

    /// An objective for `network` on `input` `[B, C_in, H, W]` with `target` `[B, C_out, H, W]`.
    /// - Throws: ``CorrectorError`` when the input is not a valid batch for the network or the
    ///   target has another shape than the output.
    public convenience init(network: Network, input: Tensor<Float>, target: Tensor<Float>,
                            evaluation: Evaluation = .channelDelta) throws {
        try Self.validate(network: network, input: input, target: target)
        self.init(validated: network, input: input, target: target, evaluation: evaluation, makeOutputLoss: nil)
    }

    /// An objective `f(θ) = loss(C_θ(input))` for any output loss. `makeOutputLoss` is called
    /// once per worker thread, so each worker gets its own loss closure (and whatever solver
    /// workspaces it captures); the closure must be deterministic and must not keep the tensor.
    /// - Throws: ``CorrectorError`` when the input is not a valid batch for the network.
    public convenience init(network: Network, input: Tensor<Float>, evaluation: Evaluation = .channelDelta,
                            outputLoss makeOutputLoss: @escaping () -> OutputLoss) throws {
        try Self.validate(network: network, input: input, target: nil)
        self.init(validated: network, input: input, target: nil, evaluation: evaluation, makeOutputLoss: makeOutputLoss)
    }

    private static func validate(network: Network, input: Tensor<Float>, target: Tensor<Float>?) throws {
        try network.validateInput(input)
        let shape = outputShape(network, input)
        if let target, target.shape != shape {
            throw CorrectorError.invalidShape(expected: "\(shape) target", found: target.shape)
        }
    }

    private static func outputShape(_ network: Network, _ input: Tensor<Float>) -> [Int] {
        [input.shape[0], network.architecture.outputChannels, input.shape[2], input.shape[3]]
    }

    /// An objective whose input and target were checked by ``validate(network:input:target:)``.
    private init(validated network: Network, input: Tensor<Float>, target: Tensor<Float>?, evaluation: Evaluation,
                 makeOutputLoss: (() -> OutputLoss)?) {
        self.network = network
        self.input = input
        self.target = target
        self.mseTarget = target ?? Tensor(shape: Self.outputShape(network, input))
        self.makeOutputLoss = makeOutputLoss
        self.outputLoss = makeOutputLoss?()
        self.evaluation = evaluation
    }

    public var parameterCount: Int { network.parameterCount }
    public var parameters: [Float] { network.parameters }

    public func prepare(at parameters: [Float]) -> Double {
        precondition(parameters.count == parameterCount)
        network.parameters = parameters
        guard forward(cache: cache) else { return .nan }
        if evaluation == .channelDelta { deltas.prepare(network, cache: cache) }
        if let outputLoss { return outputLoss(output) }
        channelSums = Self.channelSums(output, mseTarget)
        return mean(channelSums)
    }

    /// A full forward pass of ``input`` into ``output``; false if the network refused the input
    /// (not reachable: the initialiser validated it).
    private func forward(cache: ActivationCache?) -> Bool {
        do {
            try network.forward(input, into: &output, cache: cache, workspace: workspace)
            return true
        } catch {
            return false
        }
    }

    /// Σ (y − t)² over the batch and pixels of output channel `c`, in a fixed order (item, pixel).
    private static func channelSum(_ y: UnsafeBufferPointer<Float>, _ t: UnsafeBufferPointer<Float>,
                                   channel c: Int, shape: [Int]) -> Double {
        let (b, channels, hw) = (shape[0], shape[1], shape[2] * shape[3])
        var sum = 0.0
        for i in 0..<b {
            let offset = (i * channels + c) * hw
            for j in 0..<hw { let r = Double(y[offset + j]) - Double(t[offset + j]); sum += r * r }
        }
        return sum
    }

    /// Σ (y − t)² per output channel, in a fixed order (channel, item, pixel).
    static func channelSums(_ y: Tensor<Float>, _ t: Tensor<Float>) -> [Double] {
        y.withUnsafeBufferPointer { yp in
            t.withUnsafeBufferPointer { tp in
                (0..<y.shape[1]).map { channelSum(yp, tp, channel: $0, shape: y.shape) }
            }
        }
    }

    /// The MSE from per-channel sums of squares (added in channel order).
    private func mean(_ sums: [Double]) -> Double {
        var total = 0.0
        for sum in sums { total += sum }
        return total / Double(mseTarget.count)
    }

    /// The loss of ``output``; for the MSE, when only output channel `o` changed since
    /// ``prepare(at:)``, only that channel's terms are recomputed.
    private func lossOfOutput(onlyChanged o: Int?) -> Double {
        if let outputLoss { return outputLoss(output) }
        guard let o else { return mean(Self.channelSums(output, mseTarget)) }
        var sums = channelSums
        sums[o] = output.withUnsafeBufferPointer { y in
            mseTarget.withUnsafeBufferPointer { t in Self.channelSum(y, t, channel: o, shape: output.shape) }
        }
        return mean(sums)
    }

    public func coordinateLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) -> [Double] {
        var losses = [Double]()
        losses.reserveCapacity(coordinates.count * steps.count)
        for j in coordinates {
            let saved = network.parameters[j]
            for s in steps {
                let perturbed = saved + s
                var changed: Int? = nil
                switch evaluation {
                case .naive:
                    network.parameters[j] = perturbed
                    let done = forward(cache: nil)
                    network.parameters[j] = saved
                    guard done else { losses.append(.nan); continue }
                case .resume:
                    network.parameters[j] = perturbed
                    network.forward(resumingAt: network.layerIndex(ofParameter: j), cache: cache, workspace: workspace, into: &output)
                    network.parameters[j] = saved
                case .channelUpdate:
                    network.forward(perturbingParameter: j, by: perturbed - saved, cache: cache, workspace: workspace, into: &output)
                case .channelDelta:
                    changed = network.forward(perturbingParameter: j, by: perturbed - saved, cache: cache, deltas: deltas,
                                              workspace: workspace, into: &output)
                }
                losses.append(lossOfOutput(onlyChanged: changed))
            }
        }
        return losses
    }

    public func directionLosses(along direction: [Float], steps: [Float]) -> [Double] {
        let base = network.parameters
        defer { network.parameters = base }
        return steps.map { s in
            var p = base
            for i in p.indices { p[i] += s * direction[i] }
            network.parameters = p
            return forward(cache: nil) ? lossOfOutput(onlyChanged: nil) : .nan
        }
    }

    public func makeWorker() -> any ZOObjective {
        NetworkObjective(validated: network, input: input, target: target, evaluation: evaluation, makeOutputLoss: makeOutputLoss)
    }

    /// Approximate floating-point operations of one query on coordinate j (multiply-adds count
    /// 2, an activation 10), for load balancing and the benchmark's FLOP rates.
    public func queryCost(ofCoordinate j: Int) -> Double { flops(ofQueryOn: j) }

    /// Approximate floating-point operations of one query on coordinate `j` under ``evaluation``.
    public func flops(ofQueryOn j: Int) -> Double {
        let layers = network.layers
        let k = network.layerIndex(ofParameter: j)
        let n = Double(input.shape[0] * input.shape[2] * input.shape[3])
        func full(_ l: ConvolutionLayer) -> Double { n * (2 * Double(l.weightCount) + Double(l.outputChannels) * (l.activation == nil ? 3 : 10)) }
        switch evaluation {
        case .naive: return layers.map(full).reduce(0, +)
        case .resume: return layers[k...].map(full).reduce(0, +)
        case .channelUpdate, .channelDelta:
            guard k + 1 < layers.count else { return n * 5 }
            let next = layers[k + 1]
            let delta = n * (12 + 2 * Double(next.outputChannels * next.kernelHeight * next.kernelWidth))
                + n * Double(next.outputChannels) * (next.activation == nil ? 3 : 10)
            return delta + layers[(k + 2)...].map(full).reduce(0, +)
        }
    }

    /// The exact gradient ∇f(θ) by backpropagation (for tests, exact GraSP and FO baselines).
    public func backpropGradient(at parameters: [Float]) -> (loss: Double, gradient: [Float]) {
        precondition(target != nil, "backpropGradient needs the MSE objective (a target)")
        let target = mseTarget
        let loss = prepare(at: parameters)
        var g = Tensor<Float>(shape: output.shape)
        let scale = Float(2) / Float(output.count)
        for i in 0..<g.count { g.scalars[i] = scale * (output.scalars[i] - target.scalars[i]) }
        var gradient = [Float](repeating: 0, count: parameterCount)
        network.backward(outputGradient: g, cache: cache, workspace: workspace, parameterGradient: &gradient, inputGradient: false)
        return (loss, gradient)
    }
}
