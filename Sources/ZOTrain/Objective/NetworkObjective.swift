import Corrector
import Foundation

/// The mean squared error of a corrector network's output against a target, as a
/// ``ZOObjective`` with feature reuse (DeepZero §5):
///
///   f(θ) = 1/N Σ (C_θ(x) − t)²,   N = number of output elements, summed in Float64.
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
///   in full (`Network.forward(perturbingParameter:)`).
/// - ``Evaluation/batched``: ``queryBatchSize`` perturbed copies of one layer in ONE forward pass
///   of G·B items (`Network.forward(perturbing:)`): layer k is the cached z_k plus a rank-one
///   channel update per copy, layers > k run on the stacked batch with the shared weights.
/// - ``Evaluation/channelDelta`` (default): as `channelUpdate`, and when every layer from k+2 on
///   is thin (the output layer, a direct convolution) the change is carried to the loss as deltas:
///   Δa = f(z') − f(z) through bias-free direct convolutions, with a vectorisable tanh on both
///   sides of each difference (``FastActivation``), residual blocks adding the delta of their skip
///   input (z'_m += Δa_s); if layer k is the output layer, only the loss terms of output channel o
///   are recomputed. Queries with wide layers after k+1 continue exactly as `channelUpdate`: their
///   full GEMMs cost the same either way, and deltas would add a copy and a difference per layer.
///
/// The last three add the perturbation after (not inside) a convolution's sum, so their losses
/// differ from naive recomputation by float32 rounding of the changed activations (relative
/// ~1e-7 of the loss, see the tests); unchanged activations are bit-identical.
///
/// Any loss of the network output works too (``init(network:input:evaluation:outputLoss:)``):
/// the closure sees only the network OUTPUT, so it is right only when the loss depends on θ
/// through this one network call (a one-step correction). An unrolled rollout calls the network
/// again with the perturbed parameters at every later step; ZO-SOL therefore uses SOL's
/// `RolloutObjective`, which perturbs θ in place for the later steps and reuses cached features
/// only in the first corrector call.
public final class NetworkObjective: ZOObjective {
    /// A loss of the network output `[B, C_out, H, W]` (raw units), accumulated in Float64.
    public typealias OutputLoss = (Tensor<Float>) -> Double

    /// How a coordinate query evaluates the network (docs/zo-sol.md, "What a query costs: feature reuse"): `naive` full forward pass; `resume` from the cached input of the perturbed layer; `channelUpdate` also updates only the changed channel of that layer and the next layer incrementally; `channelDelta` (default) also carries the change to the loss as deltas through thin layers; `batched` evaluates ``queryBatchSize`` perturbed copies in one stacked pass.
    public enum Evaluation: String, Sendable, CaseIterable {
        case naive, resume, channelUpdate, channelDelta, batched
    }

    /// Perturbed copies per batched pass in the ``Evaluation/batched`` mode: ⌊size / steps⌋
    /// coordinates (at least one) times the steps. The workspace then holds every layer's
    /// activations for G·B items (≈ 300 MB per worker for the medium ResNet at G = 16, B = 3).
    public var queryBatchSize = 16 {
        didSet { precondition(queryBatchSize >= 1, "queryBatchSize must be ≥ 1") }
    }
    private var batchOutput = Tensor<Float>(shape: [0], scalars: [])

    /// The network whose parameters are queried (this worker's copy).
    public private(set) var network: Network
    /// The batch the loss is evaluated on, `[B, C_in, H, W]` (raw units).
    public let input: Tensor<Float>
    /// The MSE target (nil for a custom output loss).
    public let target: Tensor<Float>?
    private let mseTarget: Tensor<Float>
    private let makeOutputLoss: (() -> OutputLoss)?
    private let outputLoss: OutputLoss?
    private var baseOutput = Tensor<Float>(shape: [0], scalars: [])
    /// The feature-reuse mode of coordinate queries.
    public let evaluation: Evaluation
    private let cache = ActivationCache()
    private let workspace = NetworkWorkspace()
    private var output = Tensor<Float>(shape: [0], scalars: [])
    /// Σ over batch and pixels of (y − t)² per output channel at the base point.
    private var channelSums: [Double] = []
    private let (batch, height, width): (Int, Int, Int)
    private let outputCount: Int
    // Scratch for channelDelta (one worker = one thread).
    private var changed: [Float] = []      // new z_k[:, o] then Δa_{k+1}[:, o], [B, HW]
    private var bufferA: [Float] = []
    private var bufferB: [Float] = []
    private var direct = DirectConvolution()
    /// Per layer k: whether a `channelDelta` query on k propagates deltas (every layer from k+2 on
    /// is thin, a direct convolution) or continues as `channelUpdate` (wide layers: recomputing
    /// them in full costs the same GEMMs as convolving deltas, without the extra copy and difference).
    private let propagatesDeltas: [Bool]
    /// Δa of the layer inputs that residual blocks add back (skip sources), offsets by layer.
    private let skipDeltas: UnsafeMutableBufferPointer<Float>
    private let skipDeltaOffsets: [Int: Int]
    /// f(z_l) of every hidden layer at the base point, with ``FastActivation`` (offsets into one array).
    private var fastActivations: [Float] = []
    private var fastOffsets: [Int] = []

    /// An objective for `network` on `input` `[B, C_in, H, W]` with `target` `[B, C_out, H, W]`.
    public convenience init(network: Network, input: Tensor<Float>, target: Tensor<Float>, evaluation: Evaluation = .channelDelta) throws {
        try self.init(network: network, input: input, target: target, evaluation: evaluation, makeOutputLoss: nil)
    }

    /// An objective `f(θ) = loss(C_θ(input))` for any output loss. `makeOutputLoss` is called
    /// once per worker thread, so each worker gets its own loss closure (and whatever solver
    /// workspaces it captures); the closure must be deterministic and must not keep the tensor.
    public convenience init(network: Network, input: Tensor<Float>, evaluation: Evaluation = .channelDelta,
                            outputLoss makeOutputLoss: @escaping () -> OutputLoss) throws {
        try self.init(network: network, input: input, target: nil, evaluation: evaluation, makeOutputLoss: makeOutputLoss)
    }

    private init(network: Network, input: Tensor<Float>, target: Tensor<Float>?, evaluation: Evaluation,
                 makeOutputLoss: (() -> OutputLoss)?) throws {
        try network.validateInput(input)
        let (b, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let outputShape = [b, network.architecture.outputChannels, h, w]
        if let target, target.shape != outputShape {
            throw CorrectorError.invalidShape(expected: "[\(b), \(network.architecture.outputChannels), \(h), \(w)] target", found: target.shape)
        }
        self.network = network
        self.input = input
        self.target = target
        self.mseTarget = target ?? Tensor(shape: outputShape)
        self.makeOutputLoss = makeOutputLoss
        self.outputLoss = makeOutputLoss?()
        self.evaluation = evaluation
        (batch, height, width) = (b, h, w)
        outputCount = outputShape.reduce(1, *)
        let hw = h * w
        let widest = network.layers.map { max($0.inputChannels, $0.outputChannels) }.max()!
        changed = Array(repeating: 0, count: b * hw)
        bufferA = Array(repeating: 0, count: b * widest * hw)
        bufferB = bufferA
        var offsets: [Int: Int] = [:], total = 0
        for source in Set(network.layers.compactMap(\.skipFrom)).sorted() {
            offsets[source] = total
            total += b * network.layers[source].inputChannels * hw
        }
        skipDeltaOffsets = offsets
        let layers = network.layers
        propagatesDeltas = layers.indices.map { k in layers.dropFirst(k + 2).allSatisfy(Convolution.usesDirectConvolution) }
        skipDeltas = .allocate(capacity: max(1, total))
        skipDeltas.initialize(repeating: 0)
    }

    deinit { skipDeltas.deallocate() }

    public var parameterCount: Int { network.parameterCount }
    public var parameters: [Float] { network.parameters }

    /// The parameter groups (weights prunable, biases not) for sparse CGE and ZO-GraSP.
    public var groups: [ParameterGroup] { Self.groups(of: network) }

    /// The parameter groups of `network`: each layer's weights (prunable) and biases (always queried).
    public static func groups(of network: Network) -> [ParameterGroup] {
        network.parameterViews.map { ParameterGroup(name: $0.name, range: $0.range, isPrunable: $0.kind == .weight) }
    }

    public func prepare(at parameters: [Float]) -> Double {
        precondition(parameters.count == parameterCount)
        network.parameters = parameters
        try! network.forward(input, into: &output, cache: cache, workspace: workspace)
        if evaluation == .channelDelta { cacheFastActivations() }
        if let outputLoss {
            baseOutput = output
            return outputLoss(output)
        }
        channelSums = Self.channelSums(output, mseTarget)
        return channelSums.reduce(0, +) / Double(outputCount)
    }

    private func cacheFastActivations() {
        let n = batch * height * width
        fastOffsets = []
        var total = 0
        for l in network.layers { fastOffsets.append(total); if l.activation != nil { total += l.outputChannels * n } }
        if fastActivations.count != total { fastActivations = Array(repeating: 0, count: total) }
        fastActivations.withUnsafeMutableBufferPointer { fa in
            for (l, layer) in network.layers.enumerated() {
                guard let act = layer.activation else { continue }
                FastActivation.apply(act, cache.preActivationPointer(l), fa.baseAddress! + fastOffsets[l], count: layer.outputChannels * n)
            }
        }
    }

    /// Σ (y − t)² per output channel, in a fixed order (channel, item, pixel).
    static func channelSums(_ y: Tensor<Float>, _ t: Tensor<Float>) -> [Double] {
        let (b, c) = (y.shape[0], y.shape[1]), hw = y.shape[2] * y.shape[3]
        var sums = [Double](repeating: 0, count: c)
        y.withUnsafeBufferPointer { yp in t.withUnsafeBufferPointer { tp in
            for ch in 0..<c {
                var s = 0.0
                for i in 0..<b {
                    let off = (i * c + ch) * hw
                    for j in 0..<hw { let r = Double(yp[off + j]) - Double(tp[off + j]); s += r * r }
                }
                sums[ch] = s
            }
        } }
        return sums
    }

    private func lossOfOutput() -> Double {
        if let outputLoss { return outputLoss(output) }
        return Self.channelSums(output, mseTarget).reduce(0, +) / Double(outputCount)
    }

    public func coordinateLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) -> [Double] {
        if evaluation == .batched { return batchedLosses(coordinates, steps: steps) }
        var losses = [Double]()
        losses.reserveCapacity(coordinates.count * steps.count)
        for j in coordinates {
            let saved = network.parameters[j]
            for s in steps {
                let perturbed = saved + s
                switch evaluation {
                case .naive:
                    network.parameters[j] = perturbed
                    try! network.forward(input, into: &output, cache: nil, workspace: workspace)
                    network.parameters[j] = saved
                    losses.append(lossOfOutput())
                case .resume:
                    network.parameters[j] = perturbed
                    network.forward(resumingAt: network.layerIndex(ofParameter: j), cache: cache, workspace: workspace, into: &output)
                    network.parameters[j] = saved
                    losses.append(lossOfOutput())
                case .channelDelta where propagatesDeltas[network.layerIndex(ofParameter: j)]:
                    losses.append(channelDeltaLoss(j, delta: perturbed - saved))
                case .channelUpdate, .channelDelta:
                    network.forward(perturbingParameter: j, by: perturbed - saved, cache: cache, workspace: workspace, into: &output)
                    losses.append(lossOfOutput())
                case .batched:
                    preconditionFailure("handled by batchedLosses")
                }
            }
        }
        return losses
    }

    /// ``Evaluation/batched``: runs of consecutive coordinates in one layer, ⌊``queryBatchSize`` /
    /// steps⌋ of them (at least one) per batched forward pass.
    private func batchedLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) -> [Double] {
        guard !steps.isEmpty else { return [] }
        var losses = [Double]()
        losses.reserveCapacity(coordinates.count * steps.count)
        let perGroup = max(1, queryBatchSize / steps.count)
        let itemCount = batch * network.architecture.outputChannels * height * width
        var start = coordinates.startIndex
        while start < coordinates.endIndex {
            let layer = network.layerIndex(ofParameter: coordinates[start])
            var end = start + 1
            while end < coordinates.endIndex && end - start < perGroup && network.layerIndex(ofParameter: coordinates[end]) == layer { end += 1 }
            var perturbations: [(index: Int, delta: Float)] = []
            for j in coordinates[start..<end] {
                let saved = network.parameters[j]
                for s in steps { perturbations.append((j, (saved + s) - saved)) }
            }
            network.forward(perturbing: perturbations, cache: cache, workspace: workspace, into: &batchOutput)
            batchOutput.withUnsafeBufferPointer { all in
                for g in perturbations.indices {
                    output.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: all.baseAddress! + g * itemCount, count: itemCount) }
                    losses.append(lossOfOutput())
                }
            }
            start = end
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
            try! network.forward(input, into: &output, cache: nil, workspace: workspace)
            return lossOfOutput()
        }
    }

    public func makeWorker() -> any ZOObjective {
        let worker = try! NetworkObjective(network: network, input: input, target: target, evaluation: evaluation, makeOutputLoss: makeOutputLoss)
        worker.queryBatchSize = queryBatchSize
        return worker
    }

    /// Approximate floating-point operations of one query on coordinate j (multiply-adds count
    /// 2, an activation 10), for load balancing and the benchmark's FLOP rates.
    public func queryCost(ofCoordinate j: Int) -> Double { flops(ofQueryOn: j) }

    /// Approximate floating-point operations of one query on coordinate `j` under ``evaluation``.
    public func flops(ofQueryOn j: Int) -> Double {
        let layers = network.layers
        let k = network.layerIndex(ofParameter: j)
        let n = Double(batch * height * width)
        func full(_ l: ConvolutionLayer) -> Double { n * (2 * Double(l.weightCount) + Double(l.outputChannels) * (l.activation == nil ? 3 : 10)) }
        switch evaluation {
        case .naive: return layers.map(full).reduce(0, +)
        case .resume: return layers[k...].map(full).reduce(0, +)
        case .batched: return n * 12 + layers[(k + 1)...].map(full).reduce(0, +)
        case .channelUpdate, .channelDelta:
            guard k + 1 < layers.count else { return n * 5 }
            let next = layers[k + 1]
            let delta = n * (12 + 2 * Double(next.outputChannels * next.kernelHeight * next.kernelWidth))
                + n * Double(next.outputChannels) * (next.activation == nil ? 3 : 10)
            return delta + layers[(k + 2)...].map(full).reduce(0, +)
        }
    }

    /// Residual networks: z'_m += Δa_s when layer m adds the input of layer s > k (inputs of
    /// layers ≤ k did not change).
    private func addSkipDelta(layer m: Int, perturbedLayer k: Int, to z: UnsafeMutablePointer<Float>) {
        guard let s = network.layers[m].skipFrom, s > k, let offset = skipDeltaOffsets[s] else { return }
        let d = skipDeltas.baseAddress! + offset
        for j in 0..<(batch * network.layers[m].outputChannels * height * width) { z[j] += d[j] }
    }

    /// Loss with parameter j increased by `delta`, by channel update + one-channel delta
    /// convolution in the next layer (see ``Evaluation/channelDelta``).
    private func channelDeltaLoss(_ j: Int, delta: Float) -> Double {
        let loc = network.location(ofParameter: j)
        let layers = network.layers
        let k = loc.layer, layer = layers[k], o = loc.outputChannel
        let (b, h, w) = (batch, height, width), hw = h * w
        let cout = layer.outputChannels
        let norm = network.normalization
        return changed.withUnsafeMutableBufferPointer { chBuf in
            let ch = chBuf.baseAddress!
            // 1. New z_k[:, o] for every item.
            network.perturbedChannel(ofParameter: j, by: delta, cache: cache, into: ch, itemStride: hw)
            // 2a. Output layer: only channel o's loss terms change.
            guard let activation = layer.activation else {
                if let outputLoss {
                    output = baseOutput
                    let m = norm.outputMean[o], s = norm.outputScale[o]
                    output.withUnsafeMutableBufferPointer { y in
                        for i in 0..<b {
                            let dst = y.baseAddress! + (i * cout + o) * hw, zz = ch + i * hw
                            for p in 0..<hw { dst[p] = zz[p] * s + m }
                        }
                    }
                    return outputLoss(output)
                }
                var sum = 0.0
                let m = norm.outputMean[o], s = norm.outputScale[o]
                mseTarget.withUnsafeBufferPointer { t in
                    for i in 0..<b {
                        let tt = t.baseAddress! + (i * cout + o) * hw, zz = ch + i * hw
                        for p in 0..<hw { let r = Double(zz[p] * s + m) - Double(tt[p]); sum += r * r }
                    }
                }
                var total = 0.0
                for c in 0..<cout { total += c == o ? sum : channelSums[c] }
                return total / Double(outputCount)
            }
            // 2b. Δa_{k+1}[:, o] = f(z'_k[:, o]) − f(z_k[:, o]), in place (same f both sides).
            fastActivations.withUnsafeBufferPointer { fa in
                let fz = fa.baseAddress! + fastOffsets[k]
                for i in 0..<b {
                    FastActivation.difference(activation, ch + i * hw, cached: fz + (i * cout + o) * hw, ch + i * hw, count: hw)
                }
            }
            // 3. z'_{k+1} = z_{k+1} + W_{k+1}[:, o] ∗ Δa (one input channel) into bufferA.
            let next = layers[k + 1]
            let kk = next.kernelHeight * next.kernelWidth, nout = next.outputChannels
            return network.parameters.withUnsafeBufferPointer { params in
                bufferA.withUnsafeMutableBufferPointer { za in bufferB.withUnsafeMutableBufferPointer { ab in
                        let z = za.baseAddress!, da = ab.baseAddress!
                        z.update(from: cache.preActivationPointer(k + 1), count: b * nout * hw)
                        let wSlice = params.baseAddress! + next.weightOffset + o * kk
                        for i in 0..<b {
                            direct.accumulate(next, weights: wSlice, inputChannels: 1, input: ch + i * hw,
                                                  output: z + i * nout * hw, height: h, width: w)
                        }
                        if let offset = skipDeltaOffsets[k + 1] {
                            // Δa_{k+1} is a skip of a later layer: keep it, zero but in channel o.
                            let d = skipDeltas.baseAddress! + offset
                            d.update(repeating: 0, count: b * cout * hw)
                            for i in 0..<b { (d + (i * cout + o) * hw).update(from: ch + i * hw, count: hw) }
                        }
                        addSkipDelta(layer: k + 1, perturbedLayer: k, to: z)
                        // 4. Later layers as deltas too: Δa_{l+1} = f(z'_l) − f(z_l), then
                        // z'_{l+1} = z_{l+1} + W_{l+1} ∗ Δa_{l+1} (a full convolution, no bias).
                        var l = k + 1
                        while let act = layers[l].activation {
                            let cl = layers[l].outputChannels
                            fastActivations.withUnsafeBufferPointer { fa in
                                FastActivation.difference(act, z, cached: fa.baseAddress! + fastOffsets[l], da, count: b * cl * hw)
                            }
                            if let offset = skipDeltaOffsets[l + 1] {
                                (skipDeltas.baseAddress! + offset).update(from: da, count: b * cl * hw)
                            }
                            let layer = layers[l + 1]
                            z.update(from: cache.preActivationPointer(l + 1), count: b * layer.outputChannels * hw)
                            for i in 0..<b {
                                direct.accumulate(layer, weights: params.baseAddress! + layer.weightOffset, inputChannels: cl,
                                                  input: da + i * cl * hw, output: z + i * layer.outputChannels * hw, height: h, width: w)
                            }
                            addSkipDelta(layer: l + 1, perturbedLayer: k, to: z)
                            l += 1
                        }
                        // z = normalised output.
                        if let outputLoss {
                            let oc = layers[l].outputChannels
                            output.withUnsafeMutableBufferPointer { y in
                                for i in 0..<b {
                                    for c in 0..<oc {
                                        let m = norm.outputMean[c], s = norm.outputScale[c], off = (i * oc + c) * hw
                                        for p in 0..<hw { y[off + p] = z[off + p] * s + m }
                                    }
                                }
                            }
                            return outputLoss(output)
                        }
                        var total = 0.0
                        mseTarget.withUnsafeBufferPointer { t in
                            let oc = layers[l].outputChannels
                            for c in 0..<oc {
                                let m = norm.outputMean[c], s = norm.outputScale[c]
                                var sum = 0.0
                                for i in 0..<b {
                                    let off = (i * oc + c) * hw
                                    for p in 0..<hw { let r = Double(z[off + p] * s + m) - Double(t[off + p]); sum += r * r }
                                }
                                total += sum
                            }
                        }
                        return total / Double(outputCount)
                } }
            }
        }
    }

    /// The exact gradient ∇f(θ) by backpropagation (for tests, exact GraSP and FO baselines).
    public func backpropGradient(at parameters: [Float]) -> (loss: Double, gradient: [Float]) {
        precondition(target != nil, "backpropGradient needs the MSE objective (a target)")
        let target = mseTarget
        let loss = prepare(at: parameters)
        var g = Tensor<Float>(shape: output.shape)
        let scale = Float(2) / Float(outputCount)
        for i in 0..<g.count { g.scalars[i] = scale * (output.scalars[i] - target.scalars[i]) }
        var gradient = [Float](repeating: 0, count: parameterCount)
        network.backward(outputGradient: g, cache: cache, workspace: workspace, parameterGradient: &gradient, inputGradient: false)
        return (loss, gradient)
    }
}

extension NetworkObjective: BatchedZOObjective {
    /// In the ``Evaluation/batched`` mode the pool cuts coordinate lists at multiples of
    /// ``queryBatchSize`` so that thread boundaries do not leave half-empty passes (the losses do
    /// not depend on the grouping either way); 1 otherwise.
    public var batchGranularity: Int { evaluation == .batched ? queryBatchSize : 1 }
}
