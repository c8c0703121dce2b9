import XCTest
@testable import SOL

/// The tiny corrector (3→8→8→2, 5×5, tanh) on small fields, its target from a "teacher" network.
enum TinyProblem {
    static func make(batch: Int = 2, height: Int = 12, width: Int = 10, evaluation: NetworkObjective.Evaluation = .channelDelta,
                     architecture: NetworkArchitecture = .tiny) -> NetworkObjective {
        var rng = SplitMix64(seed: 99)
        let input = Tensor<Float>(shape: [batch, architecture.inputChannels, height, width]) { _ in Float(2 * rng.nextUniform() - 1) }
        let teacher = try! Network(architecture: architecture, seed: 1)
        // Teacher output plus noise: the student cannot fit it exactly, so a minimum has a
        // non-zero residual (as in real training) and curvature where the gradient vanishes.
        var target = try! teacher.forward(input)
        for i in 0..<target.count { target.scalars[i] += Float(0.1 * rng.nextGaussian()) }
        let student = try! Network(architecture: architecture, seed: 2)
        return try! NetworkObjective(network: student, input: input, target: target, evaluation: evaluation)
    }

    /// Trains the student with backprop + Adam: near-minimum weights.
    static func trained(_ objective: NetworkObjective, iterations: Int) -> [Float] {
        var theta = objective.parameters
        var adam = Adam(parameterCount: theta.count)
        let schedule = CosineSchedule(base: 1e-2, totalIterations: iterations, minimum: 1e-4)
        for t in 0..<iterations {
            let g = objective.backpropGradient(at: theta).gradient
            adam.update(&theta, along: g, learningRate: schedule.rate(at: t))
        }
        return theta
    }
}

final class NetworkObjectiveTests: XCTestCase {
    /// Every evaluation mode gives the losses of full recomputation: `resume` bit for bit,
    /// `channelUpdate`/`channelDelta` within 1e-6 relative (they add δ·a to a cached sum instead
    /// of re-summing the convolution, so the changed activations round differently), for every
    /// activation, padding, residual, 1×1, 1-D and the wide-layer delta path.
    func testFeatureReuseMatchesFullRecomputation() throws {
        let architectures: [NetworkArchitecture] = [
            .tiny,
            .preset(.tiny, activation: .leakyReLU(slope: 0.1), padding: .periodic),
            .preset(.tiny, activation: .gelu, padding: .replicate),
            NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 4, 4], kernelSize: 3, residual: true),
            // Two residual blocks: channel deltas carry the skip deltas through both.
            NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 4, 4, 4, 4], kernelSize: 3, residual: true),
            NetworkArchitecture(inputChannels: 3, outputChannels: 1, hiddenChannels: [6], kernelSize: 1),
            // > 4 output channels after layer k+1: channelDelta continues as channelUpdate there.
            NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 6, 5], kernelSize: 3, padding: .periodic),
            .preset(.tiny, oneDimensional: true),
        ]
        for architecture in architectures {
            let naive = TinyProblem.make(evaluation: .naive, architecture: architecture)
            let theta = naive.parameters
            // Coordinates from every layer's weights and biases.
            let coords = naive.network.parameterGroups.flatMap { g in [g.range.lowerBound, g.range.lowerBound + g.count / 2, g.range.upperBound - 1] }
            let steps: [Float] = [1e-3, -1e-3, 0.05]
            _ = naive.prepare(at: theta)
            let reference = naive.coordinateLosses(coords[...], steps: steps)
            for mode in [NetworkObjective.Evaluation.resume, .channelUpdate, .channelDelta] {
                let objective = TinyProblem.make(evaluation: mode, architecture: architecture)
                XCTAssertEqual(objective.prepare(at: theta), naive.prepare(at: theta))
                let losses = objective.coordinateLosses(coords[...], steps: steps)
                var worst = 0.0
                for i in losses.indices { worst = max(worst, abs(losses[i] - reference[i]) / reference[i]) }
                if mode == .resume {
                    XCTAssertEqual(losses, reference, "resume must be bit-identical")
                } else {
                    XCTAssertLessThan(worst, 1e-6, "\(mode) \(architecture)")
                }
                print("feature reuse \(mode) (\(architecture)): max relative loss difference to full recomputation \(worst)")
                XCTAssertEqual(objective.parameters.map(\.bitPattern), theta.map(\.bitPattern))
            }
        }
    }

    /// CGE at μ = 1e-3 equals the backprop gradient at initialisation (cosine > 0.999), for
    /// forward and central differences.
    func testCGEMatchesBackpropAtInitialisation() throws {
        let objective = TinyProblem.make()
        let theta = objective.parameters
        let exact = objective.backpropGradient(at: theta).gradient
        for scheme in DifferenceScheme.allCases {
            var cge = CoordinateGradientEstimator(scheme: scheme, mu: 1e-3)
            let g = try cge.estimate(at: theta, objective: objective).gradient
            let cosine = RolloutFixtures.cosine(g, exact)
            print("tiny network at init, \(scheme) CGE μ = 1e-3: cosine to backprop \(cosine)")
            XCTAssertGreaterThan(cosine, 0.999, "\(scheme)")
        }
    }

    /// Near a minimum (the student trained by backprop + Adam until the loss fell ~100×), the
    /// default estimator (central, μ = 1e-3) in float32 keeps cosine > 0.99 to backprop.
    func testDefaultEstimatorNearMinimum() throws {
        // More outputs (3 · 2 · 24 · 20 = 2880) than parameters (2618) and a noisy target: the
        // minimum is not an exact fit.
        let objective = TinyProblem.make(batch: 3, height: 24, width: 20)
        let initialLoss = objective.prepare(at: objective.parameters)
        let theta = TinyProblem.trained(objective, iterations: 400)
        let (loss, exact) = objective.backpropGradient(at: theta)
        print("near-minimum test: loss \(initialLoss) → \(loss), |g| \(exact.reduce(0) { $0 + Double($1 * $1) }.squareRoot())")
        XCTAssertLessThan(loss, initialLoss / 5)
        var results: [String: Double] = [:]
        for (scheme, mu) in [(DifferenceScheme.forward, Float(1e-3)), (.forward, 1e-4)] {
            var cge = CoordinateGradientEstimator(scheme: scheme, mu: mu)
            results["\(scheme) μ=\(mu)"] = RolloutFixtures.cosine(try cge.estimate(at: theta, objective: objective).gradient, exact)
        }
        var defaultCGE = CoordinateGradientEstimator()
        XCTAssertEqual(defaultCGE.scheme, .central)
        let cosine = RolloutFixtures.cosine(try defaultCGE.estimate(at: theta, objective: objective).gradient, exact)
        print("tiny network near minimum, cosine to backprop: default (central μ=\(defaultCGE.mu)) \(cosine), \(results.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(cosine, 0.99)
    }

    /// 1, 2 and 3 threads give bit-identical gradients with feature reuse (workers own caches).
    func testThreadsGiveIdenticalGradients() throws {
        for mode in [NetworkObjective.Evaluation.channelUpdate, .channelDelta] {
            let objective = TinyProblem.make(evaluation: mode)
            let theta = objective.parameters
            var cge = CoordinateGradientEstimator()
            let one = try cge.estimate(at: theta, using: QueryPool(objective, threads: 1), iteration: 0)
            for threads in [2, 3] {
                let many = try cge.estimate(at: theta, using: QueryPool(objective, threads: threads), iteration: 0)
                XCTAssertEqual(one.gradient.map(\.bitPattern), many.gradient.map(\.bitPattern), "\(mode), \(threads) threads")
                XCTAssertEqual(one.loss, many.loss)
            }
        }
    }

    /// ZO-GraSP keeps much the same weights as exact GraSP (Hg from backprop gradients) on the
    /// tiny network at initialisation: the kept-set overlap beats random pruning (= 1 − sparsity).
    func testZOGraSPRanksLikeExactGraSP() throws {
        let objective = TinyProblem.make()
        let theta = objective.parameters
        let groups = objective.network.parameterGroups
        let sparsity = 0.8
        let exact = ZOGraSP.scores(at: theta, step: 5e-3) { objective.backpropGradient(at: $0).gradient }
        let zo = try ZOGraSP(directions: 192, mu: 5e-3, seed: 0).scores(at: theta, using: QueryPool(objective, threads: 2))
        let keptExact = Set(LayerPruningRatios.keptCoordinates(scores: exact, groups: groups, sparsity: sparsity))
        let keptZO = Set(LayerPruningRatios.keptCoordinates(scores: zo, groups: groups, sparsity: sparsity))
        let overlap = Double(keptExact.intersection(keptZO).count) / Double(keptExact.count)
        let ratiosExact = LayerPruningRatios.globalPruning(scores: exact, groups: groups, sparsity: sparsity)
        let ratiosZO = LayerPruningRatios.globalPruning(scores: zo, groups: groups, sparsity: sparsity)
        print("ZO-GraSP vs exact GraSP on tiny (d = \(theta.count), q = 192, sparsity 0.8): kept-set overlap \(overlap) (random: 0.2); LPRs exact \(ratiosExact.layers.map(\.ratio)), ZO \(ratiosZO.layers.map(\.ratio))")
        XCTAssertGreaterThan(overlap, 0.3)
    }
}

final class NetworkObjectiveOutputLossTests: XCTestCase {
    /// A custom output loss (here a nonlinear stand-in for "continue the rollout from the corrected
    /// state": L = mean((y + y²/4 − t)²)) gets the same feature reuse: every mode agrees with full
    /// recomputation (resume bit for bit), and each worker thread gets its own closure.
    func testCustomOutputLossWithFeatureReuse() throws {
        let mse = TinyProblem.make()
        let target = mse.target!
        let made = StepCounter()
        func objective(_ mode: NetworkObjective.Evaluation) -> NetworkObjective {
            try! NetworkObjective(network: mse.network, input: mse.input, evaluation: mode) {
                made.increment()
                return { y in
                    var s = 0.0
                    for i in 0..<y.count {
                        let v = Double(y.scalars[i]), r = v + v * v / 4 - Double(target.scalars[i])
                        s += r * r
                    }
                    return s / Double(y.count)
                }
            }
        }
        let naive = objective(.naive)
        let theta = naive.parameters
        let coords = naive.network.parameterGroups.flatMap { g in [g.range.lowerBound, g.range.upperBound - 1] }
        _ = naive.prepare(at: theta)
        let reference = naive.coordinateLosses(coords[...], steps: [1e-3, -1e-3])
        for mode in [NetworkObjective.Evaluation.resume, .channelUpdate, .channelDelta] {
            let o = objective(mode)
            XCTAssertEqual(o.prepare(at: theta), naive.prepare(at: theta))
            let losses = o.coordinateLosses(coords[...], steps: [1e-3, -1e-3])
            for i in losses.indices {
                if mode == .resume { XCTAssertEqual(losses[i], reference[i]) } else {
                    XCTAssertEqual(losses[i], reference[i], accuracy: 1e-6 * reference[i], "\(mode)")
                }
            }
        }
        let before = made.count
        var cge = CoordinateGradientEstimator()
        let one = try cge.estimate(at: theta, using: QueryPool(objective(.channelDelta), threads: 1), iteration: 0)
        let two = try cge.estimate(at: theta, using: QueryPool(objective(.channelDelta), threads: 2), iteration: 0)
        XCTAssertEqual(made.count - before, 3)  // one closure per worker
        XCTAssertEqual(one.gradient.map(\.bitPattern), two.gradient.map(\.bitPattern))
    }
}
