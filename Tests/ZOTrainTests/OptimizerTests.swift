import XCTest
import ZOTrain

final class OptimizerTests: XCTestCase {
    /// SGD with momentum/Nesterov/weight decay matches hand-computed steps (PyTorch convention).
    func testSGDSteps() {
        var theta: [Float] = [1, -2]
        var sgd = SGD(parameterCount: 2, momentum: 0.5, weightDecay: 0.1)
        sgd.update(&theta, along: [1, 1], learningRate: 0.1)
        // g' = g + 0.1θ = [1.1, 0.8]; v = g'; θ = θ − 0.1 v
        XCTAssertEqual(theta[0], 1 - 0.11, accuracy: 1e-7)
        XCTAssertEqual(theta[1], -2 - 0.08, accuracy: 1e-7)
        sgd.update(&theta, along: [0, 0], learningRate: 0.1)
        // g' = 0.1θ = [0.089, -0.208]; v = 0.5 [1.1, 0.8] + g' = [0.639, 0.192]
        XCTAssertEqual(theta[0], 0.89 - 0.0639, accuracy: 1e-6)
        XCTAssertEqual(theta[1], -2.08 - 0.0192, accuracy: 1e-6)

        var x: [Float] = [1]
        var nesterov = SGD(parameterCount: 1, momentum: 0.9, nesterov: true)
        nesterov.update(&x, along: [1], learningRate: 0.1)  // v = 1; step = g + 0.9 v = 1.9
        XCTAssertEqual(x[0], 1 - 0.19, accuracy: 1e-7)
    }

    /// Adam's first step is lr · sign(g) per coordinate (bias correction), whatever |g|.
    func testAdamFirstStepIsSignStep() {
        var theta: [Float] = [0, 0, 0]
        var adam = Adam(parameterCount: 3)
        adam.update(&theta, along: [1e-3, -5, 100], learningRate: 0.01)
        XCTAssertEqual(theta[0], -0.01, accuracy: 1e-6)
        XCTAssertEqual(theta[1], 0.01, accuracy: 1e-6)
        XCTAssertEqual(theta[2], -0.01, accuracy: 1e-6)
    }

    /// Both optimizers minimise a quadratic; exporting and loading the state continues bit for bit.
    func testConvergenceAndStateRoundTrip() throws {
        let target: [Float] = [0.3, -1.2, 2.0]
        func grad(_ t: [Float]) -> [Float] { zip(t, target).map { 2 * ($0 - $1) } }
        var optimizers: [any Optimizer] = [SGD(parameterCount: 3, momentum: 0.9), SGD(parameterCount: 3, momentum: 0.9, nesterov: true),
                                           Adam(parameterCount: 3)]
        for k in optimizers.indices {
            var theta: [Float] = [0, 0, 0]
            for _ in 0..<300 { optimizers[k].update(&theta, along: grad(theta), learningRate: 0.05) }
            for i in 0..<3 { XCTAssertEqual(theta[i], target[i], accuracy: 1e-2, "\(type(of: optimizers[k]))") }
            var copy = optimizers[k]
            var theta2 = theta
            var fresh: any Optimizer = k == 2 ? Adam(parameterCount: 3) : SGD(parameterCount: 3, momentum: 0.9, nesterov: k == 1)
            try fresh.load(state: optimizers[k].state)
            for _ in 0..<5 {
                copy.update(&theta, along: grad(theta), learningRate: 0.05)
                fresh.update(&theta2, along: grad(theta2), learningRate: 0.05)
            }
            XCTAssertEqual(theta.map(\.bitPattern), theta2.map(\.bitPattern))
        }
        var adam = Adam(parameterCount: 3)
        XCTAssertThrowsError(try adam.load(state: ["m": [0], "v": [0, 0, 0], "step": [1]]))
    }

    func testSchedules() {
        XCTAssertEqual(ConstantSchedule(0.1).rate(at: 1000), 0.1)
        let cosine = CosineSchedule(base: 0.1, totalIterations: 100, minimum: 0.01)
        XCTAssertEqual(cosine.rate(at: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(cosine.rate(at: 50), 0.055, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 100), 0.01, accuracy: 1e-7)
        XCTAssertEqual(cosine.rate(at: 500), 0.01, accuracy: 1e-7)
        let step = StepSchedule(base: 1, every: 10, factor: 0.5)
        XCTAssertEqual(step.rate(at: 9), 1)
        XCTAssertEqual(step.rate(at: 10), 0.5)
        XCTAssertEqual(step.rate(at: 25), 0.25)
        let warm = WarmupSchedule(iterations: 4, then: cosine)
        XCTAssertEqual(warm.rate(at: 0), 0.025, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 3), 0.1, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 4), 0.1, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 54), 0.055, accuracy: 1e-6)
    }
}
