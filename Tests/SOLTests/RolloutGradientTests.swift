import Foundation
import XCTest
@testable import SOL
import Solver
import ZOTrain

final class RolloutGradientTests: XCTestCase {
    /// FO-SOL's gradient is the exact derivative of the rollout loss: checked along random
    /// directions against central differences. Everything runs in float32, so the check is a
    /// directional one with ε = 1e-2 relative to ‖θ‖-scale steps: the loss (≈ 1e-1) carries
    /// ~1e-7 relative round-off, i.e. an absolute error ~1e-8/ε = 1e-6 on a directional
    /// derivative of order 1e-2 … 1e-1, and the O(ε²) truncation stays below 1e-4 relative.
    func testFOSOLGradientMatchesFiniteDifferencesOfTheRolloutLoss() throws {
        let batch = try RolloutFixtures.batch(unroll: 3)
        let network = try RolloutFixtures.network(for: batch)
        let loss = RolloutFixtures.lossFunction(network)
        let engine = RolloutEngine(scenario: RolloutFixtures.scenario)
        let (value, gradient) = try engine.lossAndGradient(network, batch: batch, lossFunction: loss, flow: .throughSolver)
        XCTAssertEqual(value, try engine.loss(network, batch: batch, lossFunction: loss), accuracy: 1e-12 * value)
        var generator = SplitMix64(seed: 9)
        for trial in 0..<3 {
            let direction = (0..<network.parameterCount).map { _ in Float(generator.nextGaussian()) }
            let scale = Float(1e-2 / RolloutFixtures.norm(direction))
            func lossAt(_ t: Float) throws -> Double {
                var shifted = network
                for i in shifted.parameters.indices { shifted.parameters[i] += t * scale * direction[i] }
                return try engine.loss(shifted, batch: batch, lossFunction: loss)
            }
            let finiteDifference = (try lossAt(1) - lossAt(-1)) / 2
            let analytic = zip(gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1 * scale) }
            XCTAssertEqual(analytic, finiteDifference, accuracy: 2e-3 * abs(finiteDifference) + 1e-9, "direction \(trial)")
        }
    }

    /// With one step there is no solver Jacobian to chain: NON/NOG and FO agree bit for bit.
    /// With several steps NOG drops the terms through `P` and differs from FO.
    func testNOGEqualsFOForOneStepAndDiffersWhenUnrolled() throws {
        let one = try RolloutFixtures.batch(unroll: 1)
        let network = try RolloutFixtures.network(for: one)
        let loss = RolloutFixtures.lossFunction(network)
        let engine = RolloutEngine(scenario: RolloutFixtures.scenario)
        let fo1 = try engine.lossAndGradient(network, batch: one, lossFunction: loss, flow: .throughSolver)
        let nog1 = try engine.lossAndGradient(network, batch: one, lossFunction: loss, flow: .correctorOnly)
        XCTAssertEqual(fo1.gradient, nog1.gradient)
        let four = try RolloutFixtures.batch(unroll: 4)
        let fo = try engine.lossAndGradient(network, batch: four, lossFunction: loss, flow: .throughSolver)
        let nog = try engine.lossAndGradient(network, batch: four, lossFunction: loss, flow: .correctorOnly)
        XCTAssertEqual(fo.loss, nog.loss)
        XCTAssertNotEqual(fo.gradient, nog.gradient)
        XCTAssertGreaterThan(RolloutFixtures.cosine(fo.gradient, nog.gradient), 0.5)
    }

    /// Dense central CGE through the black-box rollout matches FO-SOL's exact gradient.
    func testDenseZOSOLMatchesFOSOLGradient() throws {
        let batch = try RolloutFixtures.batch(unroll: 3)
        let network = try RolloutFixtures.network(for: batch)
        let loss = RolloutFixtures.lossFunction(network)
        let exact = try RolloutEngine(scenario: RolloutFixtures.scenario)
            .lossAndGradient(network, batch: batch, lossFunction: loss, flow: .throughSolver)
        var method = try ZerothOrderMethod(network: network, source: RolloutFixtures.scenario, lossFunction: loss,
                                           initialBatch: batch, options: .dense(.central, mu: 1e-3), seed: 0, threads: 2)
        let zo = try method.step(network, batch: batch, iteration: 0)
        XCTAssertEqual(zo.loss, exact.loss, accuracy: 1e-6 * exact.loss)
        XCTAssertEqual(zo.queries, 2 * network.parameterCount + 1)
        let cosine = RolloutFixtures.cosine(zo.gradient, exact.gradient)
        XCTAssertGreaterThan(cosine, 0.99, "cosine(ZO, FO) = \(cosine)")
        XCTAssertEqual(RolloutFixtures.norm(zo.gradient) / RolloutFixtures.norm(exact.gradient), 1, accuracy: 0.05)
    }

    /// The ZO-SOL objective's reuse (shared first solver step, first corrector call from cached
    /// features) gives the losses of full recomputation: the base point and direction queries bit
    /// for bit; coordinate queries within float32 rounding (the channel update adds δ·a after the
    /// convolution's sum, and that rounding travels through the later float32 steps: 1.3e-6
    /// relative measured, asserted below 1e-5); the parameters are restored exactly.
    func testRolloutObjectiveReuseMatchesFullRecomputation() throws {
        let batch = try RolloutFixtures.batch(unroll: 3)
        let network = try RolloutFixtures.network(for: batch)
        let loss = RolloutFixtures.lossFunction(network)
        let engine = RolloutEngine(scenario: RolloutFixtures.scenario)
        let context = RolloutContext(batch: batch, firstStep: try engine.solverStep(batch.start, parameters: batch.parameters))
        let objective = RolloutObjective(network: network, source: RolloutFixtures.scenario, context: context, lossFunction: loss)
        let theta = network.parameters
        XCTAssertEqual(try objective.prepare(at: theta), try engine.loss(network, batch: batch, lossFunction: loss))
        let coordinates = network.parameterGroups.flatMap { [$0.range.lowerBound, $0.range.upperBound - 1] }
        let steps: [Float] = [1e-3, -1e-3]
        let losses = try objective.coordinateLosses(coordinates[...], steps: steps)
        var worst = 0.0
        for (i, j) in coordinates.enumerated() {
            for (k, step) in steps.enumerated() {
                var perturbed = network
                perturbed.parameters[j] = theta[j] + step
                let full = try engine.loss(perturbed, batch: batch, lossFunction: loss)
                worst = max(worst, abs(losses[i * steps.count + k] - full) / full)
            }
        }
        print("ZO-SOL reuse vs full recomputation: max relative loss difference \(worst)")
        XCTAssertLessThan(worst, 1e-5)
        var generator = SplitMix64(seed: 4)
        let direction = theta.map { _ in Float(generator.nextGaussian()) }
        var shifted = network
        for i in theta.indices { shifted.parameters[i] = theta[i] + 1e-3 * direction[i] }
        XCTAssertEqual(try objective.directionLosses(along: direction, steps: [1e-3]), [try engine.loss(shifted, batch: batch, lossFunction: loss)])
        XCTAssertEqual(objective.parameters.map(\.bitPattern), theta.map(\.bitPattern))
    }

    /// ZO-SOL's estimate does not depend on the number of worker threads.
    func testZOSOLIsIdenticalForOneAndTwoThreads() throws {
        let batch = try RolloutFixtures.batch(unroll: 2)
        let network = try RolloutFixtures.network(for: batch)
        let loss = RolloutFixtures.lossFunction(network)
        func estimate(threads: Int) throws -> [Float] {
            var method = try ZerothOrderMethod(network: network, source: RolloutFixtures.scenario, lossFunction: loss,
                                               initialBatch: batch, options: .dense(), seed: 0, threads: threads)
            return try method.step(network, batch: batch, iteration: 0).gradient
        }
        XCTAssertEqual(try estimate(threads: 1), try estimate(threads: 2))
    }
}
