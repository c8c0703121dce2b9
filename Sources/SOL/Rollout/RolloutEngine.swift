import Corrector
import Foundation
import Solver

/// Runs corrected rollouts `s̃(k+1) = P(s̃(k)) + C_θ(P(s̃(k)), c)` on one thread, with the
/// workspaces, activation caches and source simulators it reuses across calls.
///
/// `P` is the source solver's simulator (built per batch composition and cached), `C_θ` the
/// corrector applied to the assembled input `[P(s̃), c]` (c: the conditioning constant, e.g. Re).
/// The source solver is the dataset's scenario or a user's own (``ExternalSourceSolver``): the
/// engine starts its worker (``SourceSolver/startWorker()``, a process of its own for an external
/// command) on first use, and reports a failing step as ``SOLError/solverFailed(solver:context:reason:)``
/// naming the solver, the step and the batch.
/// The engine provides the loss, its exact gradient through corrector and solver (FO-SOL), the
/// gradient through the corrector only (NON with n = 1, NOG-SOL), and plain rollouts (evaluation).
/// One engine per thread; engines are cheap.
public final class RolloutEngine: @unchecked Sendable {
    /// The source solver `P` the rollouts run.
    public let source: any SourceSolver
    /// This engine's own worker of ``source`` (started on first use).
    private var worker: (any SourceSolver)?
    let workspace = NetworkWorkspace()
    private(set) var caches: [ActivationCache] = []
    private var simulators: [[SimulationParameters]: any Simulator<Float>] = [:]
    private var differentiable: [[SimulationParameters]: any DifferentiableSimulator<Float>] = [:]
    private var input = Tensor<Float>(shape: [0], scalars: [])
    private var output = Tensor<Float>(shape: [0], scalars: [])
    /// Source solver steps taken (for cost reports).
    public private(set) var solverSteps = 0

    /// An engine stepping `source` (simulators are built on first use per batch composition);
    /// its corrector calls split their batch over `networkThreads` threads (the owner decides:
    /// 1 inside the ZO query workers, which are parallel already; results never depend on it).
    public init(source: any SourceSolver, networkThreads: Int = 1) {
        self.source = source
        workspace.threads = max(1, networkThreads)
    }

    /// An engine stepping the source solver of `scenario`.
    public convenience init(scenario: any Scenario) {
        self.init(source: scenario)
    }

    /// How gradients flow back through the solver.
    public enum GradientFlow: Sendable, Equatable {
        /// Exact: chain through the solver's discrete adjoint (FO-SOL).
        case throughSolver
        /// Chain through vector-Jacobian products of the solver estimated by finite differences
        /// of its state, from ``Simulator/step(_:)`` calls only (ZO-SOL `--estimator vjp`).
        case throughSolverByDifferences(FiniteDifferenceVJP)
        /// The solver's Jacobian is treated as zero (NON, NOG-SOL).
        case correctorOnly
    }

    /// States stepped by finite-difference VJPs (``GradientFlow/throughSolverByDifferences(_:)``),
    /// besides the rollouts' ``solverSteps``.
    public private(set) var differenceStates = 0
    /// Further engines that step shares of a finite-difference VJP's perturbed states in parallel
    /// (each with its own simulators, hence its own external process); this engine is worker 0.
    /// The VJP does not depend on how many there are.
    public var differenceWorkers: [RolloutEngine] = []
    /// Whether a finite-difference VJP's perturbed states are split across the MPI ranks (every
    /// rank runs the same rollouts; the parts are summed exactly, so the VJP is the same).
    public var distributesDifferences = false

    /// The source simulator for a batch composition (built once, then reused).
    public func simulator(for parameters: [SimulationParameters]) throws -> any Simulator<Float> {
        try Self.reused(parameters, from: &simulators) {
            try reporting("starting on a batch", parameters) { try startedWorker().sourceSimulator(for: parameters) }
        }
    }

    /// The differentiable source simulator for a batch composition (FO-SOL).
    public func differentiableSimulator(for parameters: [SimulationParameters]) throws -> any DifferentiableSimulator<Float> {
        try Self.reused(parameters, from: &differentiable) { try source.differentiableSourceSimulator(for: parameters) }
    }

    /// This engine's worker of the source solver, started on first use.
    private func startedWorker() throws -> any SourceSolver {
        if let worker { return worker }
        let started = try source.startWorker()
        worker = started
        return started
    }

    /// Runs `body`, turning an external solver's failure into ``SOLError/solverFailed(solver:context:reason:)``
    /// that says what the engine was doing (`context`) on which batch.
    private func reporting<T>(_ context: @autoclosure () -> String, _ parameters: [SimulationParameters],
                              _ body: () throws -> T) throws -> T {
        do { return try body() } catch let SolverError.externalSolver(_, reason) {
            throw SOLError.solverFailed(solver: "source solver \(source.solverName)", context: context() + " " + Self.describe(parameters),
                                        reason: reason)
        }
    }

    /// `of 3 states (viscosity 0.01, 0.02, 0.04)`: the batch in a message; beyond 6 states the
    /// distinct values (`of 32 states (viscosity 0.01 to 0.04, 2 values)`).
    static func describe(_ parameters: [SimulationParameters]) -> String {
        let names = Set(parameters.flatMap(\.names)).sorted()
        let values = names.map { name -> String in
            let values = parameters.map { p in p[name] ?? .nan }
            let text = { (v: Double) in String(format: "%g", v) }
            guard values.count > 6 else { return "\(name) " + values.map(text).joined(separator: ", ") }
            let distinct = Set(values.filter { !$0.isNaN }).sorted()
            guard let low = distinct.first, let high = distinct.last else { return "\(name) ?" }
            return distinct.count == 1 ? "\(name) \(text(low))" : "\(name) \(text(low)) to \(text(high)), \(distinct.count) values"
        }
        return "of \(parameters.count) state\(parameters.count == 1 ? "" : "s")" + (values.isEmpty ? "" : " (\(values.joined(separator: "; ")))")
    }

    /// One step of `simulator` on `states`, failures reported with the step and batch.
    private func step(_ simulator: any Simulator<Float>, _ states: inout Tensor<Float>, context: @autoclosure () -> String) throws {
        try reporting(context(), simulator.parameters) { try simulator.step(&states) }
        solverSteps += 1
    }

    /// The simulator stored under `parameters`, made and stored if missing (at most 65 kept).
    private static func reused<S>(_ parameters: [SimulationParameters], from store: inout [[SimulationParameters]: S],
                                  make: () throws -> S) throws -> S {
        if let sim = store[parameters] { return sim }
        if store.count > 64 { store.removeAll() }
        let sim = try make()
        store[parameters] = sim
        return sim
    }

    /// `P(s)` for the batch (a copy of `s` stepped once).
    public func solverStep(_ s: Tensor<Float>, parameters: [SimulationParameters]) throws -> Tensor<Float> {
        var p = s
        try step(simulator(for: parameters), &p, context: "at the first step on a batch")
        return p
    }

    /// `C_θ([p, c])`, optionally filling `cache` for backward or feature reuse.
    public func correction(_ network: Network, of p: Tensor<Float>, conditioning: [Float],
                           cache: ActivationCache?) throws -> Tensor<Float> {
        InputAssembly.assemble(fields: p, constants: conditioning.map { [$0] }, into: &input)
        try network.forward(input, into: &output, cache: cache, workspace: workspace)
        return output
    }

    /// The assembled corrector input `[p, c]` (a copy).
    public func assembledInput(_ p: Tensor<Float>, conditioning: [Float]) -> Tensor<Float> {
        InputAssembly.assemble(fields: p, constants: conditioning.map { [$0] })
    }

    private func ensureCaches(_ n: Int) {
        while caches.count < n { caches.append(ActivationCache()) }
    }

    /// The rollout loss `L(θ) = 1/n Σ_i ℓ(s̃(t+i), T r(t+i))`. With `firstStep` (= `P(s(t))`,
    /// which does not depend on θ) the first solver call is skipped; with `firstCorrection` as well
    /// (= `C_θ(P(s(t)), c)`, e.g. from a feature-reuse query) so is the first corrector call.
    public func loss(_ network: Network, batch: RolloutBatch, lossFunction: RolloutLoss,
                     firstStep: Tensor<Float>? = nil, firstCorrection: Tensor<Float>? = nil) throws -> Double {
        precondition(firstCorrection == nil || firstStep != nil, "RolloutEngine.loss: a first correction needs the first step")
        return try unroll(network, batch: batch, lossFunction: lossFunction, simulator: simulator(for: batch.parameters),
                          firstStep: firstStep, firstCorrection: firstCorrection)
    }

    /// The unrolled rollout and its loss, the one loop behind ``loss(_:batch:lossFunction:firstStep:firstCorrection:)``
    /// and ``lossAndGradient(_:batch:lossFunction:flow:)``: `p = P(s̃)` (or `firstStep`),
    /// `s̃ = p + C_θ([p, c])` (or `p + firstCorrection`), `ℓ` summed in step order, divided by n.
    /// - Parameters:
    ///   - caches: filled by corrector call i when given (for backward).
    ///   - visit: sees every state `s̃(t+1) … s̃(t+n)`.
    private func unroll(_ network: Network, batch: RolloutBatch, lossFunction: RolloutLoss, simulator: any Simulator<Float>,
                        firstStep: Tensor<Float>? = nil, firstCorrection: Tensor<Float>? = nil,
                        caches: [ActivationCache]? = nil, visit: (Tensor<Float>) -> Void = { _ in }) throws -> Double {
        var s = batch.start
        var total = 0.0
        for i in 0..<batch.unroll {
            var p: Tensor<Float>
            if i == 0, let firstStep {
                p = firstStep
            } else {
                p = s
                try step(simulator, &p, context: "at unroll step \(i + 1) of \(batch.unroll) on a batch")
            }
            s = p
            if i == 0, let firstCorrection {
                s += firstCorrection
            } else {
                s += try correction(network, of: p, conditioning: batch.conditioning, cache: caches?[i])
            }
            total += lossFunction.value(s, batch.targets[i])
            visit(s)
        }
        return total / Double(batch.unroll)
    }

    /// The loss and its gradient with respect to the corrector's parameters.
    ///
    /// Reverse mode over the unrolled steps: with `g_i = ∂L/∂s̃_i`,
    /// `∂L/∂θ += C_θ'ᵀ g_i` (the corrector's VJP at step i) and, for ``GradientFlow/throughSolver``,
    /// `g_{i−1} += J_P(s̃_{i−1})ᵀ (g_i + ∂C/∂p ᵀ g_i)`; for ``GradientFlow/correctorOnly`` the
    /// solver's Jacobian is zero, so each step contributes only its own correction's gradient.
    public func lossAndGradient(_ network: Network, batch: RolloutBatch, lossFunction: RolloutLoss,
                                flow: GradientFlow) throws -> (loss: Double, gradient: [Float]) {
        let n = batch.unroll
        ensureCaches(n)
        let sim: (any Simulator<Float>) = flow == .throughSolver
            ? try differentiableSimulator(for: batch.parameters) : try simulator(for: batch.parameters)
        var states = [batch.start]  // s̃_0 … s̃_n
        let loss = try unroll(network, batch: batch, lossFunction: lossFunction, simulator: sim, caches: caches) { states.append($0) }
        var gradient = [Float](repeating: 0, count: network.parameterCount)
        var incoming: Tensor<Float>? = nil  // ∂L/∂s̃_i from later steps
        let c = batch.start.shape[1]
        for i in stride(from: n - 1, through: 0, by: -1) {
            var g = incoming ?? Tensor<Float>(shape: batch.start.shape)
            lossFunction.addGradient(states[i + 1], batch.targets[i], weight: 1 / Double(n), to: &g)
            let wantInput = flow != .correctorOnly && i > 0
            let dx = network.backward(outputGradient: g, cache: caches[i], workspace: workspace,
                                      parameterGradient: &gradient, inputGradient: wantInput)
            if wantInput, let dx {
                // ∂L/∂p_i = g (identity path) + the state channels of ∂L/∂x.
                var gp = g
                Self.addStateChannels(of: dx, channels: c, to: &gp)
                incoming = try solverVJP(flow, simulator: sim, at: states[i], cotangent: gp, parameters: batch.parameters)
            } else {
                incoming = nil
            }
        }
        return (loss, gradient)
    }

    /// `J_P(s)ᵀ w`: the solver's discrete adjoint, or its finite-difference estimate from
    /// batches of perturbed states stepped by this engine's simulators.
    private func solverVJP(_ flow: GradientFlow, simulator: any Simulator<Float>, at s: Tensor<Float>, cotangent w: Tensor<Float>,
                           parameters: [SimulationParameters]) throws -> Tensor<Float>? {
        switch flow {
        case .correctorOnly:
            return nil
        case .throughSolver:
            guard let adjoint = simulator as? any DifferentiableSimulator<Float> else { return nil }
            return try adjoint.stepVJP(at: s, cotangent: w)
        case .throughSolverByDifferences(let differences):
            let n = s.count / max(s.shape[0], 1)
            differenceStates += differences.steppedStates(count: n, batch: s.shape[0])
            let engines = [self] + differenceWorkers
            let share = distributesDifferences ? (index: MPI.rank, count: MPI.size) : (index: 0, count: 1)
            var vjp = try reporting("stepping perturbed states for a finite-difference VJP", parameters) {
                try differences.vjp(at: s, cotangent: w, parameters: parameters, workers: engines.count, share: share) { p, m, k in
                    try engines[k].simulator(for: Array(repeating: p, count: m))
                }
            }
            if share.count > 1 { try MPI.allReduceSum(&vjp.scalars) }
            return vjp
        }
    }

    /// Adds the first `channels` channels of `x` (`[B, C + k, H, W]`) to `g` (`[B, C, H, W]`).
    static func addStateChannels(of x: Tensor<Float>, channels c: Int, to g: inout Tensor<Float>) {
        let (b, cx, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeMutableBufferPointer { gp in
                for i in 0..<b {
                    for ch in 0..<c {
                        let src = (i * cx + ch) * plane, dst = (i * c + ch) * plane
                        for j in 0..<plane { gp[dst + j] += xp[src + j] }
                    }
                }
            }
        }
    }

    /// A rollout of `steps` steps from `start` (`[B, C, H, W]`), with the corrector if given
    /// (SRC otherwise). Returns the `steps + 1` states, frame 0 being `start`. Throws
    /// ``SOLError/diverged(method:iteration:reason:)`` if a state stops being finite.
    public func rollout(_ network: Network?, start: Tensor<Float>, parameters: [SimulationParameters],
                        conditioning: [Float], steps: Int, label: String = "rollout") throws -> [Tensor<Float>] {
        let sim = try simulator(for: parameters)
        var states = [start]
        var s = start
        for k in 0..<steps {
            try step(sim, &s, context: "at step \(k + 1) of the \(label) rollout on a batch")
            if let network {
                s += try correction(network, of: s, conditioning: conditioning, cache: nil)
            }
            guard s.isFinite else {
                throw SOLError.diverged(method: label, iteration: k + 1, reason: "the rollout state is no longer finite")
            }
            states.append(s)
        }
        return states
    }
}
