import Foundation
@testable import SOL
import Solver

/// Small in-memory solver-in-the-loop problems on `burgers` (N = 16 source, 64 reference: coarse
/// enough that the source solver's error is large and learnable within a few iterations).
enum RolloutFixtures {
    static let scenario: BurgersScenario = {
        var s = BurgersScenario()
        s.resolution = 16
        return s
    }()

    /// A batch of `batch` windows of `unroll` steps from developed reference trajectories.
    static func batch(size batch: Int = 2, unroll: Int = 3, seed: UInt64 = 1) throws -> RolloutBatch {
        let parameters = Array(scenario.defaultParameters(train: batch, test: 0, seed: seed).train)
        var reference = try scenario.initialStates(parameters, as: Float.self)
        let sim = try scenario.makeReference(parameters, as: Float.self)
        try sim.advance(&reference, steps: 10)  // develop the flow
        var frames = [try scenario.downsample(reference)]
        for _ in 0..<unroll {
            try sim.step(&reference)
            frames.append(try scenario.downsample(reference))
        }
        return RolloutBatch(start: frames[0], targets: Array(frames.dropFirst()), parameters: parameters,
                            conditioning: parameters.map { Float($0["viscosity"]!) })
    }

    /// A `tiny`-like 1D corrector for `burgers` with fitted normalisation.
    static func network(for batch: RolloutBatch, seed: UInt64 = 3) throws -> Network {
        let architecture = NetworkArchitecture.preset(.tiny, inputChannels: 2, outputChannels: 1,
                                                      padding: .periodic, oneDimensional: true)
        let engine = RolloutEngine(scenario: scenario)
        let p = try engine.solverStep(batch.start, parameters: batch.parameters)
        let normalization = Normalization.fitted(inputs: engine.assembledInput(p, conditioning: batch.conditioning),
                                                 targets: batch.targets[0] - p)
        return try Network(architecture: architecture, seed: seed, normalization: normalization)
    }

    static func lossFunction(_ network: Network) -> RolloutLoss {
        RolloutLoss(channelScales: [network.normalization.inputScale[0]])
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices { ab += Double(a[i]) * Double(b[i]); aa += Double(a[i] * a[i]); bb += Double(b[i] * b[i]) }
        return ab / (aa * bb).squareRoot()
    }

    static func norm(_ a: [Float]) -> Double { a.reduce(0) { $0 + Double($1 * $1) }.squareRoot() }
}
