import Foundation

extension Network {
    /// Checks an input `[B, C, H, W]`: rank, channel count, finiteness.
    public func validateInput(_ input: Tensor<Float>) throws {
        guard input.rank == 4, input.shape.allSatisfy({ $0 > 0 }) else {
            throw CorrectorError.invalidShape(expected: "[batch, \(architecture.inputChannels), height, width] with positive extents", found: input.shape)
        }
        guard input.shape[1] == architecture.inputChannels else {
            throw CorrectorError.channelMismatch(expected: architecture.inputChannels, found: input.shape[1])
        }
        if let i = input.scalars.firstIndex(where: { !$0.isFinite }) {
            let (c, h, w) = (input.shape[1], input.shape[2], input.shape[3])
            throw CorrectorError.nonFiniteInput(batch: i / (c * h * w), channel: (i / (h * w)) % c,
                                                y: (i / w) % h, x: i % w, value: input.scalars[i])
        }
    }

    /// The network applied to a batch `[B, inputChannels, H, W]` (raw units), returning
    /// `[B, outputChannels, H, W]` (raw units):
    /// `y = σ_out ⊙ N(( x − μ_in) / σ_in) + μ_out` with `N` the convolution stack.
    ///
    /// - Parameters:
    ///   - cache: filled with every layer's input and pre-activation (needed for backward and
    ///     for ``forward(resumingAt:cache:workspace:)``); `nil` to keep nothing.
    ///   - workspace: scratch reused across calls (one per thread); `nil` allocates a temporary one.
    /// - Throws: ``CorrectorError/channelMismatch(expected:found:)``, ``CorrectorError/invalidShape(expected:found:)``,
    ///   ``CorrectorError/nonFiniteInput(batch:channel:y:x:value:)``.
    public func forward(_ input: Tensor<Float>, cache: ActivationCache? = nil,
                        workspace: NetworkWorkspace? = nil) throws -> Tensor<Float> {
        var output = Tensor<Float>(shape: [0], scalars: [])
        try forward(input, into: &output, cache: cache, workspace: workspace)
        return output
    }

    /// ``forward(_:cache:workspace:)`` writing into `output` (storage reused when its shape fits).
    public func forward(_ input: Tensor<Float>, into output: inout Tensor<Float>, cache: ActivationCache? = nil,
                        workspace: NetworkWorkspace? = nil) throws {
        try validateInput(input)
        let (b, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let ws = workspace ?? NetworkWorkspace()
        let store = cache ?? ws.scratch
        store.prepare(layers: layers, batch: b, height: h, width: w)
        ws.prepare(layers: layers, batch: b, height: h, width: w, backward: false)
        // a_0 = (x − μ) / σ per channel.
        let a0 = store.inputPointer(0), hw = h * w, cin = architecture.inputChannels
        input.withUnsafeBufferPointer { x in
            for i in 0..<b {
                for c in 0..<cin {
                    let m = normalization.inputMean[c], s = normalization.inputScale[c]
                    let base = (i * cin + c) * hw
                    for j in 0..<hw { a0[base + j] = (x[base + j] - m) / s }
                }
            }
        }
        prepareOutput(&output, batch: b, height: h, width: w)
        output.withUnsafeMutableBufferPointer { out in
            propagate(from: 0, source: store, store: store, output: out.baseAddress!, workspace: ws)
        }
        store.isFilled = true
    }

    /// Re-runs layers `layer …` from the cached input of `layer` (feature reuse), with the
    /// CURRENT parameters. Bit-identical to a full forward pass when the parameters of layers
    /// `< layer` are those the cache was filled with. The cache is only read.
    public func forward(resumingAt layer: Int, cache: ActivationCache, workspace: NetworkWorkspace) -> Tensor<Float> {
        var output = Tensor<Float>(shape: [0], scalars: [])
        forward(resumingAt: layer, cache: cache, workspace: workspace, into: &output)
        return output
    }

    /// ``forward(resumingAt:cache:workspace:)`` writing into `output` (no allocation when its shape fits).
    public func forward(resumingAt layer: Int, cache: ActivationCache, workspace: NetworkWorkspace,
                        into output: inout Tensor<Float>) {
        cache.checkUsable(for: self)
        precondition(layer >= 0 && layer < layers.count, "layer \(layer) out of range 0..<\(layers.count)")
        let (b, h, w) = (cache.batch, cache.height, cache.width)
        workspace.scratch.prepare(layers: layers, batch: b, height: h, width: w)
        workspace.prepare(layers: layers, batch: b, height: h, width: w, backward: false)
        prepareOutput(&output, batch: b, height: h, width: w)
        output.withUnsafeMutableBufferPointer { out in
            propagate(from: layer, source: cache, store: workspace.scratch, output: out.baseAddress!, workspace: workspace)
        }
    }

    /// The output of the network whose parameter `index` is increased by `delta` (the other
    /// parameters as in ``parameters``, which must be those the cache was filled with), computed
    /// from the cache with a CHANNEL UPDATE: only output channel `o` of the parameter's layer `k`
    /// changes, `z_k[:, o] += δ · shift(a_k[:, c])` for a weight (`+= δ` for a bias), so layer `k`
    /// costs O(B·H·W) instead of a convolution; layer `k+1`, whose input changed in channel `o`
    /// only, is updated incrementally (`Δz_{k+1} = W_{k+1}[:, o] ∗ Δa_{k+1}[o]`, a direct convolution
    /// with one input channel, 1/in of its cost);
    /// layers `k+2 …` are then evaluated normally.
    ///
    /// Equals a full forward pass with the perturbed parameters up to float rounding (the
    /// perturbation is added after, not inside, the sum over the kernel). `self.parameters` is
    /// not modified, so concurrent queries may share one network and one cache.
    public func forward(perturbingParameter index: Int, by delta: Float, cache: ActivationCache,
                        workspace: NetworkWorkspace, into output: inout Tensor<Float>) {
        cache.checkUsable(for: self)
        let loc = location(ofParameter: index)
        let k = loc.layer, layer = layers[k]
        let (b, h, w) = (cache.batch, cache.height, cache.width), hw = h * w
        let store = workspace.scratch
        store.prepare(layers: layers, batch: b, height: h, width: w)
        workspace.prepare(layers: layers, batch: b, height: h, width: w, backward: false)
        prepareOutput(&output, batch: b, height: h, width: w)
        let cout = layer.outputChannels, o = loc.outputChannel
        // Modified channel o of z_k, for every batch item, into the scratch z_k.
        let z = store.preActivationPointer(k), z0 = cache.preActivationPointer(k)
        perturbedChannel(ofParameter: index, by: delta, cache: cache, into: z + o * hw, itemStride: cout * hw)
        output.withUnsafeMutableBufferPointer { outBuffer in
            let out = outBuffer.baseAddress!
            if let activation = layer.activation {
                let next = store.inputPointer(k + 1)
                next.update(from: cache.inputPointer(k + 1), count: b * cout * hw)
                for i in 0..<b {
                    activation.apply(z + (i * cout + o) * hw, next + (i * cout + o) * hw, count: hw)
                }
                // Layer k + 1 sees a change in input channel o only: update its pre-activation
                // incrementally, Δz_{k+1} = W_{k+1}[:, o] ∗ Δa_{k+1}[o] (one input channel).
                incrementalLayer(k + 1, changedChannel: o, cache: cache, store: store, workspace: workspace, output: out)
                if k + 2 < layers.count {
                    propagate(from: k + 2, source: cache, store: store, output: out, workspace: workspace, storeFrom: k + 1)
                }
            } else {
                for i in 0..<b {
                    for c in 0..<cout {
                        let src = c == o ? z + (i * cout + c) * hw : z0 + (i * cout + c) * hw
                        denormalize(src, out + (i * cout + c) * hw, channel: c, count: hw)
                    }
                }
            }
        }
    }

    /// The channel update of feature reuse: with parameter `index` (of layer k, output channel o)
    /// increased by `delta`, channel o of z_k becomes `z_k[:, o] + δ · shift(a_k[:, c])` for the
    /// weight W_k[o, c, i, j] (`+ δ` for the bias), O(B·H·W) instead of a convolution. Writes that
    /// new channel of item b to `destination + b · itemStride` (`hw` floats each) from the cached
    /// z_k and a_k; the other channels of z_k are unchanged and not written.
    public func perturbedChannel(ofParameter index: Int, by delta: Float, cache: ActivationCache,
                                 into destination: UnsafeMutablePointer<Float>, itemStride: Int) {
        let loc = location(ofParameter: index)
        let layer = layers[loc.layer], cout = layer.outputChannels
        let (b, h, w) = (cache.batch, cache.height, cache.width), hw = h * w
        let z0 = cache.preActivationPointer(loc.layer), a = cache.inputPointer(loc.layer)
        for i in 0..<b {
            let dst = destination + i * itemStride
            dst.update(from: z0 + (i * cout + loc.outputChannel) * hw, count: hw)
            if loc.kind == .bias {
                for j in 0..<hw { dst[j] += delta }
            } else {
                Convolution.addShifted(a + (i * layer.inputChannels + loc.inputChannel) * hw, dst, alpha: delta,
                                       offsetY: loc.kernelY - layer.kernelHeight / 2, offsetX: loc.kernelX - layer.kernelWidth / 2,
                                       height: h, width: w, padding: layer.padding)
            }
        }
    }

    /// ``forward(perturbingParameter:by:cache:workspace:into:)`` returning a new tensor.
    public func forward(perturbingParameter index: Int, by delta: Float, cache: ActivationCache,
                        workspace: NetworkWorkspace) -> Tensor<Float> {
        var output = Tensor<Float>(shape: [0], scalars: [])
        forward(perturbingParameter: index, by: delta, cache: cache, workspace: workspace, into: &output)
        return output
    }

    /// Layer `l` when only channel `c` of its input changed (store holds the new input, cache the
    /// old one and the old pre-activation): `z_l = z_l^old + W_l[:, c] ∗ (a_l[c] − a_l^old[c])`,
    /// then the activation into `store.input(l + 1)`, or the denormalised output for the last layer.
    func incrementalLayer(_ l: Int, changedChannel c: Int, cache: ActivationCache, store: ActivationCache,
                          workspace: NetworkWorkspace, output: UnsafeMutablePointer<Float>) {
        let layer = layers[l]
        let (b, h, w) = (store.batch, store.height, store.width), hw = h * w
        let cin = layer.inputChannels, cout = layer.outputChannels, kk = layer.kernelHeight * layer.kernelWidth
        let z = store.preActivationPointer(l)
        z.update(from: cache.preActivationPointer(l), count: b * cout * hw)
        workspace.delta.reserve(hw)
        let delta = workspace.delta.pointer
        let new = store.inputPointer(l), old = cache.inputPointer(l)
        parameters.withUnsafeBufferPointer { p in
            let weights = p.baseAddress! + layer.weightOffset + c * kk  // row o2: W[o2, c, :, :], stride columnLength
            for i in 0..<b {
                let off = (i * cin + c) * hw
                for j in 0..<hw { delta[j] = new[off + j] - old[off + j] }
                workspace.direct.accumulate(layer, weights: weights, inputChannels: 1, input: delta, output: z + i * cout * hw,
                                            height: h, width: w)
            }
        }
        let n = b * cout * hw
        if let activation = layer.activation {
            activation.apply(z, store.inputPointer(l + 1), count: n)
        } else {
            for i in 0..<b {
                for ch in 0..<cout {
                    let off = (i * cout + ch) * hw
                    denormalize(z + off, output + off, channel: ch, count: hw)
                }
            }
        }
    }

    func prepareOutput(_ output: inout Tensor<Float>, batch b: Int, height h: Int, width w: Int) {
        let shape = [b, architecture.outputChannels, h, w]
        if output.shape != shape {
            if output.count == shape.reduce(1, *) { output.reshape(shape) } else { output = Tensor(shape: shape) }
        }
    }

    @inline(__always)
    func denormalize(_ z: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channel c: Int, count: Int) {
        let m = normalization.outputMean[c], s = normalization.outputScale[c]
        for j in 0..<count { y[j] = z[j] * s + m }
    }

    /// Evaluates layers `first …`. Layer inputs `a_j` (including skip sources) are read from
    /// `source` for `j < storeFrom` and from `store` otherwise (default `storeFrom = first + 1`:
    /// only the first layer's input comes from `source`); everything computed is written to
    /// `store`; the denormalised output goes to `output`.
    func propagate(from first: Int, source: ActivationCache, store: ActivationCache,
                   output: UnsafeMutablePointer<Float>, workspace: NetworkWorkspace, storeFrom: Int? = nil) {
        let storeFrom = storeFrom ?? first + 1
        let b = store.batch
        // Items are independent and each is computed by the same code whatever slice it is in, so
        // splitting the batch over the workspace's threads does not change a bit.
        let parts = min(max(1, workspace.threads), b)
        guard parts > 1 else {
            propagate(from: first, items: 0..<b, source: source, store: store, output: output, scratch: workspace, storeFrom: storeFrom)
            return
        }
        let helpers = workspace.threadWorkspaces(parts)
        let out = UnsafeSendablePointer(output)
        DispatchQueue.concurrentPerform(iterations: parts) { t in
            propagate(from: first, items: (t * b / parts)..<((t + 1) * b / parts), source: source, store: store,
                      output: out.pointer, scratch: helpers[t], storeFrom: storeFrom)
        }
    }

    /// ``propagate(from:source:store:output:workspace:storeFrom:)`` for batch items `items`, with
    /// `scratch`'s buffers.
    private func propagate(from first: Int, items: Range<Int>, source: ActivationCache, store: ActivationCache,
                           output: UnsafeMutablePointer<Float>, scratch: NetworkWorkspace, storeFrom: Int) {
        let (h, w) = (store.height, store.width), hw = h * w, b = items.count, i0 = items.lowerBound
        func input(_ j: Int) -> UnsafeMutablePointer<Float> {
            (j < storeFrom ? source.inputPointer(j) : store.inputPointer(j)) + i0 * layers[j].inputChannels * hw
        }
        parameters.withUnsafeBufferPointer { p in
            for k in first..<layers.count {
                let layer = layers[k]
                let z = store.preActivationPointer(k) + i0 * layer.outputChannels * hw
                Convolution.forward(layer, parameters: p.baseAddress! + layer.weightOffset, input: input(k), output: z,
                                    batch: b, height: h, width: w, cols: scratch.cols.pointer,
                                    kernels: architecture.convolution, direct: &scratch.direct,
                                    blocked: &scratch.blocked)
                let n = b * layer.outputChannels * hw
                if let s = layer.skipFrom {
                    let skip = input(s)
                    for j in 0..<n { z[j] += skip[j] }
                }
                if let activation = layer.activation {
                    activation.apply(z, input(k + 1), count: n)
                } else {
                    let out = output + i0 * layer.outputChannels * hw
                    for i in 0..<b {
                        for c in 0..<layer.outputChannels {
                            let off = (i * layer.outputChannels + c) * hw
                            denormalize(z + off, out + off, channel: c, count: hw)
                        }
                    }
                }
            }
        }
    }
}

/// The output pointer handed to the threads of a split pass: each writes its own items.
private struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
