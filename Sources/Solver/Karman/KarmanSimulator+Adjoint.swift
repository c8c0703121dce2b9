/// The discrete adjoint of one wake-flow step, for FO-SOL.
extension KarmanSimulator {
    /// `J_P(s)ᵀ w`: the vector-Jacobian product of ``step(_:)`` at `states` (exact for the
    /// discrete step: every stage is transposed, advection with respect to both the advected field
    /// and the back-tracing velocity; kinks of the bilinear interpolation take the one-sided
    /// derivative of the cell the departure point falls in). Only for ``KarmanAdvection/semiLagrangian``
    /// (throws ``SolverError/notDifferentiable(scenario:)`` otherwise).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard advection == .semiLagrangian else { throw SolverError.notDifferentiable(scenario: "karman (\(advection.rawValue) advection)") }
        try checkShape(states)
        guard cotangent.shape == states.shape else {
            throw SolverError.shapeMismatch(expected: states.shape, found: cotangent.shape)
        }
        let batch = states.shape[0]
        let stateCount = 2 * grid.cellsX * grid.cellsY
        var result = Tensor<Scalar>(shape: states.shape)
        states.withUnsafeBufferPointer { s in
            cotangent.withUnsafeBufferPointer { w in
                result.withUnsafeMutableBufferPointer { out in
                    let sp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: s.baseAddress!))
                    let wp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: w.baseAddress!))
                    let op = UnsafeSendablePointer(out.baseAddress!)
                    Self.forEachState(batch) { b in
                        workspaces.with { ws in
                            let schedule = diffusionSchedule(b)
                            // Forward, recording the input of every advection.
                            ws.load(sp.pointer + b * stateCount)
                            ws.reconstructState()
                            var advectionInputs: [[Double]] = []
                            for _ in 0..<substeps {
                                for _ in 0..<schedule.count { ws.diffuse(alpha: schedule.alpha) }
                                ws.applyInflow()
                                advectionInputs.append(ws.a)
                                ws.advect(dt: dt / Double(substeps))
                                ws.project(pressure)
                            }
                            // Backward.
                            ws.load(wp.pointer + b * stateCount)
                            let cotangent = ws.state
                            cotangent.withUnsafeBufferPointer { ws.extractAdjoint(from: $0.baseAddress!) }
                            for k in stride(from: substeps - 1, through: 0, by: -1) {
                                ws.projectAdjoint(pressure)
                                ws.advectAdjoint(at: advectionInputs[k], dt: dt / Double(substeps))
                                ws.applyInflowAdjoint()
                                for _ in 0..<schedule.count { ws.diffuseAdjoint(alpha: schedule.alpha) }
                            }
                            var bar = ws.state
                            bar.withUnsafeMutableBufferPointer { ws.reconstructAdjoint(into: $0.baseAddress!) }
                            KarmanWorkspace.store(bar, into: op.pointer + b * stateCount)
                        }
                    }
                }
            }
        }
        return result
    }
}
