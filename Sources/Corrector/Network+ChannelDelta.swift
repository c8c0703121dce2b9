extension Network {
    /// The output of the network whose parameter `index` is increased by `delta`, by CHANNEL
    /// DELTAS (DeepZero §5 feature reuse, carried to the output): the fastest coordinate query.
    ///
    /// As ``forward(perturbingParameter:by:cache:workspace:into:)``, a weight `W_k[o, c, i, j]`
    /// changes only channel o of `z_k`, by `δ · shift(a_k[c])`, and layer k+1 is updated by a
    /// convolution with ONE input channel. When every layer from k+2 on is thin (≤ 4 output
    /// channels, a direct convolution: the output layer of a corrector), the change is then carried
    /// to the output as deltas, `Δa_{l+1} = f(z'_l) − f(z_l)` and `z'_{l+1} = z_{l+1} + W_{l+1} ∗ Δa_{l+1}`
    /// (bias-free direct convolutions), with ``FastActivation`` on both sides of each difference
    /// (so Δa is exactly 0 where nothing changed) and residual blocks adding the delta of their
    /// skip input (`z'_m += Δa_s`). Queries with wide layers after k+1 continue as the channel update
    /// does: their full GEMMs cost the same either way, and deltas would add a copy and a
    /// difference per layer.
    ///
    /// Equals a full forward pass with the perturbed parameter up to float32 rounding of the
    /// changed activations (relative ~1e-7 of a loss; the perturbation is added after, not inside,
    /// a convolution's sum). `self.parameters` is not modified and `cache` only read.
    ///
    /// - Parameters:
    ///   - cache: filled at the base point by ``forward(_:into:cache:workspace:)`` with these parameters.
    ///   - deltas: prepared for that fill (``ChannelDeltaWorkspace/prepare(_:cache:)``).
    ///   - output: receives the whole perturbed output `[B, out, H, W]` (raw units).
    /// - Returns: the output channel o when it is the only one that changed (a parameter of the
    ///   output layer), so that a loss can recompute only that channel's terms; nil otherwise.
    @discardableResult
    public func forward(perturbingParameter index: Int, by delta: Float, cache: ActivationCache,
                        deltas: ChannelDeltaWorkspace, workspace: NetworkWorkspace,
                        into output: inout Tensor<Float>) -> Int? {
        cache.checkUsable(for: self)
        deltas.checkPrepared(for: cache)
        let loc = location(ofParameter: index)
        let k = loc.layer, layer = layers[k], o = loc.outputChannel
        guard deltas.propagatesDeltas[k] else {
            forward(perturbingParameter: index, by: delta, cache: cache, workspace: workspace, into: &output)
            return nil
        }
        let (b, h, w) = (cache.batch, cache.height, cache.width), hw = h * w
        let cout = layer.outputChannels
        prepareOutput(&output, batch: b, height: h, width: w)
        // 1. New z_k[:, o] for every item.
        let changed = deltas.changed
        perturbedChannel(ofParameter: index, by: delta, cache: cache, into: changed, itemStride: hw)
        // 2a. Output layer: only channel o changes; the others are the cached output.
        guard let activation = layer.activation else {
            let z0 = cache.preActivationPointer(k)
            output.withUnsafeMutableBufferPointer { y in
                for i in 0..<b {
                    for c in 0..<cout {
                        let source = c == o ? changed + i * hw : z0 + (i * cout + c) * hw
                        denormalize(source, y.baseAddress! + (i * cout + c) * hw, channel: c, count: hw)
                    }
                }
            }
            return o
        }
        // 2b. Δa_{k+1}[:, o] = f(z'_k[:, o]) − f(z_k[:, o]), in place (same f both sides).
        let fast = deltas.fastActivations
        for i in 0..<b {
            FastActivation.difference(activation, changed + i * hw, cached: fast + deltas.fastOffsets[k] + (i * cout + o) * hw,
                                      changed + i * hw, count: hw)
        }
        // 3. z'_{k+1} = z_{k+1} + W_{k+1}[:, o] ∗ Δa (one input channel).
        let next = layers[k + 1]
        let z = deltas.preActivation, da = deltas.inputDelta
        parameters.withUnsafeBufferPointer { params in
            z.update(from: cache.preActivationPointer(k + 1), count: b * next.outputChannels * hw)
            let column = params.baseAddress! + next.weightOffset + o * next.kernelHeight * next.kernelWidth
            for i in 0..<b {
                deltas.direct.accumulate(next, weights: column, inputChannels: 1, input: changed + i * hw,
                                         output: z + i * next.outputChannels * hw, height: h, width: w)
            }
            if let offset = deltas.skipDeltaOffsets[k + 1] {
                // Δa_{k+1} is the skip of a later layer: keep it, zero but in channel o.
                let d = deltas.skipDeltas + offset
                d.update(repeating: 0, count: b * cout * hw)
                for i in 0..<b { (d + (i * cout + o) * hw).update(from: changed + i * hw, count: hw) }
            }
            addSkipDelta(layer: k + 1, perturbedLayer: k, deltas: deltas, batch: b, planeSize: hw, to: z)
            // 4. Later layers as deltas too: Δa_{l+1} = f(z'_l) − f(z_l), then
            // z'_{l+1} = z_{l+1} + W_{l+1} ∗ Δa_{l+1} (a full convolution, no bias).
            var l = k + 1
            while let act = layers[l].activation {
                let cl = layers[l].outputChannels
                FastActivation.difference(act, z, cached: fast + deltas.fastOffsets[l], da, count: b * cl * hw)
                if let offset = deltas.skipDeltaOffsets[l + 1] {
                    (deltas.skipDeltas + offset).update(from: da, count: b * cl * hw)
                }
                let layer = layers[l + 1]
                z.update(from: cache.preActivationPointer(l + 1), count: b * layer.outputChannels * hw)
                for i in 0..<b {
                    deltas.direct.accumulate(layer, weights: params.baseAddress! + layer.weightOffset, inputChannels: cl,
                                             input: da + i * cl * hw, output: z + i * layer.outputChannels * hw,
                                             height: h, width: w)
                }
                addSkipDelta(layer: l + 1, perturbedLayer: k, deltas: deltas, batch: b, planeSize: hw, to: z)
                l += 1
            }
        }
        // z = the normalised output.
        let oc = architecture.outputChannels
        output.withUnsafeMutableBufferPointer { y in
            for i in 0..<b {
                for c in 0..<oc {
                    let offset = (i * oc + c) * hw
                    denormalize(z + offset, y.baseAddress! + offset, channel: c, count: hw)
                }
            }
        }
        return nil
    }

    /// Residual networks: `z'_m += Δa_s` when layer m adds the input of a layer s > k (inputs of
    /// layers ≤ k did not change).
    private func addSkipDelta(layer m: Int, perturbedLayer k: Int, deltas: ChannelDeltaWorkspace,
                              batch b: Int, planeSize hw: Int, to z: UnsafeMutablePointer<Float>) {
        guard let s = layers[m].skipFrom, s > k, let offset = deltas.skipDeltaOffsets[s] else { return }
        let d = deltas.skipDeltas + offset
        for j in 0..<(b * layers[m].outputChannels * hw) { z[j] += d[j] }
    }
}
