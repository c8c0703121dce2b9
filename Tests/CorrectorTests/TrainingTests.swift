import XCTest
import Corrector

/// The whole path (assembly → forward with cache → backward → update) trains: a small network
/// overfits a tiny fixed regression problem with Adam. The optimizer here is a minimal Adam
/// (Kingma & Ba 2015) written for the test; ZOTrain provides the real one.
final class TrainingTests: XCTestCase {
    struct Adam {
        var lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
        var m: [Float], v: [Float], t = 0
        init(count: Int, lr: Float) { self.lr = lr; m = .init(repeating: 0, count: count); v = m }
        mutating func step(_ p: inout [Float], _ g: [Float]) {
            t += 1
            let c1 = 1 - pow(beta1, Float(t)), c2 = 1 - pow(beta2, Float(t))
            for i in 0..<p.count {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                p[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
            }
        }
    }

    func testSmallNetworkOverfitsATinyRegressionWithAdam() throws {
        var rnd = TestRandom(51)
        let arch = NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [8, 8], kernelSize: 3,
                                       activation: .tanh, padding: .periodic)
        // Targets from a teacher of the same shape (realisable), inputs = 2 fields + a constant "Re" channel.
        let teacher = try Network(architecture: arch, initializer: .xavierUniform(gain: 1.5), seed: 100)
        let fields = rnd.tensor([4, 2, 6, 6])
        let x = InputAssembly.assemble(fields: fields, constants: [[0.2], [0.4], [0.6], [0.8]])
        let target = try teacher.forward(x)
        var net = try Network(architecture: arch, seed: 1)
        var adam = Adam(count: net.parameterCount, lr: 1e-2)
        let cache = ActivationCache(), ws = NetworkWorkspace()
        var y = Tensor<Float>(shape: [1])
        var gradient = [Float](repeating: 0, count: net.parameterCount)
        var loss = Double.infinity, first = 0.0
        for iteration in 0..<3000 {
            try net.forward(x, into: &y, cache: cache, workspace: ws)
            let r = y - target
            loss = r.dot(r) / Double(r.count)
            if iteration == 0 { first = loss }
            if loss < 1e-5 { break }
            // ∂/∂y of mean(r²) = 2r / n.
            let g = (2 / Float(r.count)) * r
            for i in 0..<gradient.count { gradient[i] = 0 }
            net.backward(outputGradient: g, cache: cache, workspace: ws, parameterGradient: &gradient, inputGradient: false)
            adam.step(&net.parameters, gradient)
        }
        XCTAssertGreaterThan(first, 1e-2, "the problem must not start solved")
        XCTAssertLessThan(loss, 1e-4)
    }
}
