extension Network {
    /// Vector-Jacobian products of the forward pass that filled `cache`: for `g = ∂L/∂y`
    /// (`[B, outputChannels, H, W]`, raw output units)
    /// - ACCUMULATES `∂L/∂θ` into `parameterGradient` (aligned with ``parameters``; zero it first
    ///   for a fresh gradient — accumulation lets FO-SOL sum over unrolled steps),
    /// - returns `∂L/∂x` (`[B, inputChannels, H, W]`, raw input units) if `inputGradient` is true,
    ///   the quantity FO-SOL chains through the solver adjoint.
    ///
    /// Reverse mode through `y = σ_out ⊙ z_{L−1} + μ_out`, `a_{k+1} = f(z_k)`,
    /// `z_k = W_k ∗ a_k + b_k (+ a_{k−1} at a residual block end)`, `a_0 = (x − μ_in) / σ_in`.
    /// The cache is only read.
    @discardableResult
    public func backward(outputGradient: Tensor<Float>, cache: ActivationCache, workspace: NetworkWorkspace,
                         parameterGradient: inout [Float], inputGradient: Bool = true) -> Tensor<Float>? {
        cache.checkUsable(for: self)
        let (b, h, w) = (cache.batch, cache.height, cache.width)
        precondition(outputGradient.shape == [b, architecture.outputChannels, h, w],
                     "output gradient shape \(outputGradient.shape) must equal the cached output shape \([b, architecture.outputChannels, h, w])")
        precondition(parameterGradient.count == parameters.count, "parameter gradient must have \(parameters.count) elements")
        var result: Tensor<Float>? = inputGradient ? Tensor(shape: [b, architecture.inputChannels, h, w]) : nil
        outputGradient.withUnsafeBufferPointer { g in
            parameterGradient.withUnsafeMutableBufferPointer { pg in
                if result != nil {
                    result!.withUnsafeMutableBufferPointer { ig in
                        backward(outputGradient: g.baseAddress!, cache: cache, workspace: workspace,
                                 parameterGradient: pg.baseAddress!, inputGradient: ig.baseAddress!)
                    }
                } else {
                    backward(outputGradient: g.baseAddress!, cache: cache, workspace: workspace,
                             parameterGradient: pg.baseAddress!, inputGradient: nil)
                }
            }
        }
        return result
    }

    /// Pointer form of ``backward(outputGradient:cache:workspace:parameterGradient:inputGradient:)``:
    /// accumulates into `parameterGradient`, overwrites `inputGradient` when given.
    public func backward(outputGradient: UnsafePointer<Float>, cache: ActivationCache, workspace: NetworkWorkspace,
                         parameterGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?) {
        cache.checkUsable(for: self)
        let (b, h, w) = (cache.batch, cache.height, cache.width), hw = h * w
        workspace.prepare(layers: layers, batch: b, height: h, width: w, backward: true)
        var dz = workspace.gradientA.pointer, da = workspace.gradientB.pointer
        let skip = workspace.skipGradient.pointer
        let last = layers.count - 1
        // ∂L/∂z_{L−1} = σ_out ⊙ g.
        let cout = architecture.outputChannels
        for i in 0..<b {
            for c in 0..<cout {
                let s = normalization.outputScale[c], off = (i * cout + c) * hw
                for j in 0..<hw { dz[off + j] = outputGradient[off + j] * s }
            }
        }
        parameters.withUnsafeBufferPointer { p in
            for k in stride(from: last, through: 0, by: -1) {
                let layer = layers[k]
                let nOut = b * layer.outputChannels * hw, nIn = b * layer.inputChannels * hw
                if layer.skipFrom != nil { skip.update(from: dz, count: nOut) }
                let wantInput = k > 0 || inputGradient != nil
                Convolution.backward(layer, parameters: p.baseAddress! + layer.weightOffset, input: cache.inputPointer(k),
                                     outputGradient: dz, parameterGradient: parameterGradient + layer.weightOffset,
                                     inputGradient: wantInput ? da : nil, batch: b, height: h, width: w,
                                     cols: workspace.cols.pointer, dcols: workspace.dcols.pointer)
                guard wantInput else { break }
                // a_k also feeds the skip connection of layer k + 1.
                if k < last, layers[k + 1].skipFrom == k { for j in 0..<nIn { da[j] += skip[j] } }
                if k == 0 {
                    let cin = architecture.inputChannels
                    for i in 0..<b {
                        for c in 0..<cin {
                            let s = normalization.inputScale[c], off = (i * cin + c) * hw
                            for j in 0..<hw { inputGradient![off + j] = da[off + j] / s }
                        }
                    }
                } else {
                    layers[k - 1].activation!.multiplyDerivative(da, z: cache.preActivationPointer(k - 1),
                                                                 a: cache.inputPointer(k), count: nIn)
                    swap(&dz, &da)
                }
            }
        }
    }

    /// A fresh parameter gradient and input gradient (convenience; allocates).
    public func gradients(outputGradient: Tensor<Float>, cache: ActivationCache,
                          workspace: NetworkWorkspace? = nil) -> (parameters: [Float], input: Tensor<Float>) {
        var g = [Float](repeating: 0, count: parameters.count)
        let x = backward(outputGradient: outputGradient, cache: cache, workspace: workspace ?? NetworkWorkspace(),
                         parameterGradient: &g, inputGradient: true)!
        return (g, x)
    }
}
