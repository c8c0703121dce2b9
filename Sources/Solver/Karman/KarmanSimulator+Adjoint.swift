/// The discrete adjoint of one wake-flow step, for FO-SOL.
extension KarmanSimulator {
    /// `J_P(s)ᵀ w`: the vector-Jacobian product of ``step(_:)`` at `states` (exact for the
    /// discrete step: every stage is transposed, advection with respect to both the advected field
    /// and the back-tracing velocity; kinks of the bilinear interpolation take the one-sided
    /// derivative of the cell the departure point falls in).
    public func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        guard cotangent.shape == states.shape else {
            throw KarmanError.shapeMismatch(expected: states.shape, found: cotangent.shape)
        }
        let batch = states.shape[0]
        let stateCount = 2 * grid.cellsX * grid.cellsY
        var result = Tensor<Scalar>(shape: states.shape)
        let grid = self.grid
        states.withUnsafeBufferPointer { s in
            cotangent.withUnsafeBufferPointer { w in
                result.withUnsafeMutableBufferPointer { out in
                    let sp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: s.baseAddress!))
                    let wp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: w.baseAddress!))
                    let op = UnsafeSendablePointer(out.baseAddress!)
                    Self.forEachState(batch) { b in
                        var ws = KarmanWorkspace<Scalar>(grid: grid)
                        let schedule = diffusionSchedule(parameterIndex(b))
                        // Forward, recording the input of every advection.
                        ws.reconstruct(from: sp.pointer + b * stateCount)
                        var advectionInputs: [[Scalar]] = []
                        for _ in 0..<substeps {
                            for _ in 0..<schedule.count { ws.diffuse(alpha: Scalar(schedule.alpha)) }
                            ws.applyInflow()
                            advectionInputs.append(ws.a)
                            ws.advect(dt: dt / Double(substeps))
                            ws.project(pressure)
                        }
                        // Backward.
                        ws.extractAdjoint(from: wp.pointer + b * stateCount)
                        for k in stride(from: substeps - 1, through: 0, by: -1) {
                            ws.projectAdjoint(pressure)
                            ws.advectAdjoint(at: advectionInputs[k], dt: dt / Double(substeps))
                            ws.applyInflowAdjoint()
                            for _ in 0..<schedule.count { ws.diffuseAdjoint(alpha: Scalar(schedule.alpha)) }
                        }
                        ws.reconstructAdjoint(into: op.pointer + b * stateCount)
                    }
                }
            }
        }
        return result
    }
}
