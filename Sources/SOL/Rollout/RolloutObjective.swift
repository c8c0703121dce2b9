import Corrector
import Foundation
import Solver
import ZOTrain

/// The mini-batch a ZO-SOL estimate is computed on, shared by every worker objective: the batch
/// and its first solver step `P(s(t))`, which does not depend on θ and is computed once per
/// batch, not once per query.
public final class RolloutContext: @unchecked Sendable {
    /// The current mini-batch.
    public private(set) var batch: RolloutBatch
    /// `P(s(t))` of the batch's start states.
    public private(set) var firstStep: Tensor<Float>

    /// A context for `batch` with its first solver step.
    public init(batch: RolloutBatch, firstStep: Tensor<Float>) {
        self.batch = batch
        self.firstStep = firstStep
    }

    /// Switches every worker to a new batch (call between estimates, never during one).
    public func update(batch: RolloutBatch, firstStep: Tensor<Float>) {
        self.batch = batch
        self.firstStep = firstStep
    }
}

/// The ZO-SOL objective: the rollout loss `L(θ)` through `n` unrolled steps of the black-box
/// solver (``Simulator/step(_:)`` only) and the corrector.
///
/// Queries reuse what does not depend on the perturbed coordinate: the first solver step is
/// shared (``RolloutContext``), and the first corrector call starts from the activations cached at
/// θ with a channel update (a perturbed weight of layer k changes one output channel of layer k,
/// ``Network/forward(perturbingParameter:by:cache:workspace:into:)``). The later steps depend on
/// θ entirely and are recomputed. Coordinates are perturbed in place and restored exactly. Every
/// loss runs the engine's one rollout loop
/// (``RolloutEngine/loss(_:batch:lossFunction:firstStep:firstCorrection:)``), given the shared
/// first step and, for coordinate queries and the base point, the first corrector call's output.
/// A failing solver step throws (``SOLError/solverFailed(solver:context:reason:)``): the
/// estimate ends with the solver's error rather than a NaN loss.
public final class RolloutObjective: ZOObjective, @unchecked Sendable {
    /// This worker's rollout engine (solver workspaces, caches).
    public let engine: RolloutEngine
    /// This worker's copy of the corrector.
    public private(set) var network: Network
    /// The shared mini-batch and first solver step.
    public let context: RolloutContext
    /// The rollout loss `ℓ`.
    public let lossFunction: RolloutLoss
    private let baseCache = ActivationCache()
    private var firstOutput = Tensor<Float>(shape: [0], scalars: [])
    private let layerCostSuffix: [Double]

    /// An objective of `network` on the batch of `context`, stepping `source` (each worker its
    /// own engine, hence its own external process); workers are made with ``makeWorker()``.
    public init(network: Network, source: any SourceSolver, context: RolloutContext, lossFunction: RolloutLoss) {
        self.network = network
        self.engine = RolloutEngine(source: source)
        self.context = context
        self.lossFunction = lossFunction
        // Relative cost of resuming the first corrector call at layer k: the FLOPs of layers k….
        let flops = network.layers.map { Double($0.weightCount) }
        var suffix = [Double](repeating: 0, count: flops.count + 1)
        for k in stride(from: flops.count - 1, through: 0, by: -1) { suffix[k] = suffix[k + 1] + flops[k] }
        layerCostSuffix = suffix.map { $0 / max(suffix[0], 1) }
    }

    public var parameterCount: Int { network.parameterCount }
    public var parameters: [Float] { network.parameters }

    public func prepare(at parameters: [Float]) throws -> Double {
        network.parameters = parameters
        // Fill the cache of the first corrector call: queries restart from it.
        let first = try engine.correction(network, of: context.firstStep, conditioning: context.batch.conditioning,
                                          cache: baseCache)
        return try loss(firstCorrection: first)
    }

    public func coordinateLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) throws -> [Double] {
        var losses: [Double] = []
        losses.reserveCapacity(coordinates.count * steps.count)
        for j in coordinates {
            let original = network.parameters[j]
            for s in steps {
                let perturbed = original + s
                network.forward(perturbingParameter: j, by: perturbed - original, cache: baseCache,
                                workspace: engine.workspace, into: &firstOutput)
                network.parameters[j] = perturbed
                defer { network.parameters[j] = original }
                losses.append(try loss(firstCorrection: firstOutput))
            }
        }
        return losses
    }

    public func directionLosses(along direction: [Float], steps: [Float]) throws -> [Double] {
        let base = network.parameters
        defer { network.parameters = base }
        return try steps.map { s in
            for i in base.indices { network.parameters[i] = base[i] + s * direction[i] }
            return try loss(firstCorrection: nil)
        }
    }

    public func makeWorker() -> any ZOObjective {
        RolloutObjective(network: network, source: engine.source, context: context, lossFunction: lossFunction)
    }

    /// One query costs the first corrector call from the perturbed layer on, plus `n − 1` full
    /// corrector calls and solver steps (a solver step is counted as one corrector call).
    public func queryCost(ofCoordinate j: Int) -> Double {
        let k = network.layerIndex(ofParameter: j)
        return layerCostSuffix[k] + 2 * Double(context.batch.unroll - 1)
    }

    /// The rollout loss with the parameters as set, from the shared first solver step and, if
    /// given, the first corrector call's output.
    private func loss(firstCorrection: Tensor<Float>?) throws -> Double {
        try engine.loss(network, batch: context.batch, lossFunction: lossFunction, firstStep: context.firstStep,
                        firstCorrection: firstCorrection)
    }
}
