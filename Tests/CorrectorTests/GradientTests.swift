import XCTest
import Corrector

/// Backward (float32, im2col + BLAS) against central finite differences of the independent
/// float64 direct-loop network (ε = 1e-6, truncation error ~1e-12): every activation, every
/// padding, plain and residual stacks, 1D kernels, 1 × 1 kernels, non-trivial normalisation.
final class GradientTests: XCTestCase {
    struct Case {
        var arch: NetworkArchitecture
        var normalized: Bool
    }

    static let cases: [Case] = [
        Case(arch: NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 4], kernelSize: 3,
                                       activation: .tanh, padding: .zero), normalized: false),
        Case(arch: NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 4], kernelSize: 3,
                                       activation: .gelu, padding: .periodic), normalized: true),
        Case(arch: NetworkArchitecture(inputChannels: 2, outputChannels: 2, hiddenChannels: [5], kernelSize: 5,
                                       activation: .relu, padding: .replicate), normalized: true),
        Case(arch: NetworkArchitecture(inputChannels: 3, outputChannels: 1, hiddenChannels: [4, 3], kernelSize: 3,
                                       activation: .leakyReLU(slope: 0.2), padding: .zero), normalized: false),
        Case(arch: NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 4, 4], kernelSize: 3,
                                       activation: .tanh, padding: .replicate, residual: true), normalized: true),
        Case(arch: NetworkArchitecture(inputChannels: 2, outputChannels: 2, hiddenChannels: [3, 3, 3, 3, 3], kernelSize: 3,
                                       activation: .gelu, padding: .periodic, residual: true), normalized: false),
        Case(arch: NetworkArchitecture(inputChannels: 2, outputChannels: 1, hiddenChannels: [4, 4], kernelSize: 5,
                                       activation: .tanh, padding: .periodic, oneDimensional: true), normalized: true),
        Case(arch: NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4], kernelSize: 1,
                                       activation: .gelu, padding: .zero), normalized: true),
    ]

    static func randomNormalization(_ arch: NetworkArchitecture, _ rnd: inout TestRandom) -> Normalization {
        Normalization(inputMean: rnd.floats(arch.inputChannels, -0.5, 0.5), inputScale: rnd.floats(arch.inputChannels, 0.5, 2),
                      outputMean: rnd.floats(arch.outputChannels, -0.5, 0.5), outputScale: rnd.floats(arch.outputChannels, 0.5, 2))
    }

    func testBackwardMatchesFloat64FiniteDifferences() throws {
        var rnd = TestRandom(11)
        for (n, c) in Self.cases.enumerated() {
            let arch = c.arch
            let (b, h, w) = (2, arch.oneDimensional ? 1 : 5, 6)
            let norm = c.normalized ? Self.randomNormalization(arch, &rnd) : nil
            let net = try Network(architecture: arch, initializer: .xavierUniform(gain: 1.5), seed: UInt64(n), normalization: norm)
            var net2 = net
            // Non-zero biases so that every bias gradient path is exercised with generic values.
            for v in net.parameterViews where v.kind == .bias { for i in v.range { net2.parameters[i] = rnd.uniform(-0.3, 0.3) } }
            let x = rnd.tensor([b, arch.inputChannels, h, w])
            let g = rnd.tensor([b, arch.outputChannels, h, w])
            let cache = ActivationCache(), ws = NetworkWorkspace()
            _ = try net2.forward(x, cache: cache, workspace: ws)
            let (pg, xg) = net2.gradients(outputGradient: g, cache: cache, workspace: ws)

            let p64 = net2.parameters.map(Double.init), x64 = x.scalars.map(Double.init), g64 = g.scalars.map(Double.init)
            func loss(_ p: [Double], _ xin: [Double]) -> Double {
                let y = NaiveNetwork.forward(arch, parameters: p, normalization: net2.normalization, input: xin, batch: b, height: h, width: w)
                return zip(y, g64).reduce(0) { $0 + $1.0 * $1.1 }
            }
            let eps = 1e-6
            var fdP = [Double](repeating: 0, count: p64.count)
            for i in 0..<p64.count {
                var pp = p64, pm = p64
                pp[i] += eps; pm[i] -= eps
                fdP[i] = (loss(pp, x64) - loss(pm, x64)) / (2 * eps)
            }
            var fdX = [Double](repeating: 0, count: x64.count)
            for i in 0..<x64.count {
                var xp = x64, xm = x64
                xp[i] += eps; xm[i] -= eps
                fdX[i] = (loss(p64, xp) - loss(p64, xm)) / (2 * eps)
            }
            let eP = relativeError(pg.map(Double.init), fdP), eX = relativeError(xg.scalars.map(Double.init), fdX)
            XCTAssertLessThan(eP, 1e-4, "parameters, case \(n): \(arch)")
            XCTAssertLessThan(eX, 1e-4, "input, case \(n): \(arch)")
            // Per view: no layer hides behind the others' norm.
            for v in net2.parameterViews {
                let e = relativeError(Array(pg[v.range]).map(Double.init), Array(fdP[v.range]))
                XCTAssertLessThan(e, 1e-3, "\(v.name), case \(n)")
            }
        }
    }

    /// Float32 self-consistency: the directional derivative of OUR forward pass along a random
    /// direction (central difference, ε = 3e-2 along a unit direction, tanh/GELU nets) equals ⟨∇θ L, v⟩ to < 1e-3.
    func testBackwardMatchesFloat32DirectionalDifferences() throws {
        var rnd = TestRandom(12)
        for arch in [NetworkArchitecture.preset(.tiny, activation: .tanh, padding: .periodic),
                     NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [8, 8, 8], kernelSize: 5,
                                         activation: .gelu, padding: .replicate, residual: true)] {
            let net = try Network(architecture: arch, seed: 3)
            let x = rnd.tensor([2, 3, 8, 6]), g = rnd.tensor([2, 2, 8, 6])
            let cache = ActivationCache(), ws = NetworkWorkspace()
            _ = try net.forward(x, cache: cache, workspace: ws)
            let (pg, xg) = net.gradients(outputGradient: g, cache: cache, workspace: ws)
            for _ in 0..<3 {
                // Unit-norm parameter direction: each weight moves by ~ε/√P, well inside the
                // quadratic regime; the input direction is O(1) per element (inputs are O(1)).
                var v = rnd.floats(net.parameterCount)
                let norm = Float(v.reduce(0) { $0 + Double($1 * $1) }.squareRoot())
                v = v.map { $0 / norm }
                let u = rnd.tensor(x.shape)
                let eps: Float = 3e-2
                func loss(_ dp: Float, _ dx: Float) throws -> Double {
                    var n = net
                    for i in 0..<n.parameterCount { n.parameters[i] += dp * v[i] }
                    var xin = x
                    xin.axpy(dx, u)
                    return try n.forward(xin).dot(g)
                }
                let fdP = (try loss(eps, 0) - loss(-eps, 0)) / Double(2 * eps)
                let exactP = zip(pg, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                XCTAssertEqual(fdP, exactP, accuracy: 1e-3 * abs(exactP), "\(arch)")
                let fdX = (try loss(0, eps) - loss(0, -eps)) / Double(2 * eps)
                let exactX = xg.dot(u)
                XCTAssertEqual(fdX, exactX, accuracy: 1e-3 * abs(exactX), "\(arch)")
            }
        }
    }

    /// Element-wise activation derivatives against central differences (away from ReLU kinks).
    func testActivationDerivatives() {
        for f in [Activation.relu, .leakyReLU(slope: 0.1), .tanh, .gelu] {
            for z in stride(from: -3.05, through: 3.0, by: 0.25) {
                let h = 1e-6
                let fd = (NaiveNetwork.activation(f, z + h) - NaiveNetwork.activation(f, z - h)) / (2 * h)
                XCTAssertEqual(Double(f.derivative(Float(z))), fd, accuracy: 1e-5, "\(f) at \(z)")
                XCTAssertEqual(Double(f(Float(z))), NaiveNetwork.activation(f, z), accuracy: 1e-6, "\(f) at \(z)")
            }
        }
    }

    /// Gradients accumulate (FO-SOL sums over unrolled steps): two backward calls give twice one.
    func testParameterGradientAccumulates() throws {
        let net = try Network(architecture: .tiny, seed: 1)
        var rnd = TestRandom(5)
        let x = rnd.tensor([1, 3, 6, 5]), g = rnd.tensor([1, 2, 6, 5])
        let cache = ActivationCache(), ws = NetworkWorkspace()
        _ = try net.forward(x, cache: cache, workspace: ws)
        var once = [Float](repeating: 0, count: net.parameterCount), twice = once
        net.backward(outputGradient: g, cache: cache, workspace: ws, parameterGradient: &once, inputGradient: false)
        net.backward(outputGradient: g, cache: cache, workspace: ws, parameterGradient: &twice)
        net.backward(outputGradient: g, cache: cache, workspace: ws, parameterGradient: &twice)
        XCTAssertEqual(twice, once.map { 2 * $0 })
        XCTAssertGreaterThan(once.map(abs).max()!, 0)
    }
}

/// The vectorised elementary functions against libm.
final class VectorMathTests: XCTestCase {
    func testExpAndTanhAreWithinAFewUlpOfLibm() {
        var worstTanh: Float = 0, worstExp: Float = 0
        var x: Float = -12
        while x <= 12 {
            let t = VectorMath.tanh(x), ref = Float(tanh(Double(x)))
            worstTanh = max(worstTanh, abs(t - ref) / max(ref.ulp, Float.leastNormalMagnitude))
            let e = VectorMath.exp(.init(repeating: x))[0], eref = Float(exp(Double(x)))
            worstExp = max(worstExp, abs(e - eref) / eref.ulp)
            x += 0.0137
        }
        XCTAssertLessThanOrEqual(worstTanh, 4, "tanh error in ulp")
        XCTAssertLessThanOrEqual(worstExp, 2, "exp error in ulp")
        XCTAssertEqual(VectorMath.tanh(0), 0)
        XCTAssertEqual(VectorMath.tanh(30), 1)
        XCTAssertEqual(VectorMath.tanh(-30), -1)
        // Odd symmetry and monotonicity on a fine grid (ZO differences rely on a monotone, smooth f).
        var previous = VectorMath.tanh(-3)
        for i in 1...6000 {
            let v = -3 + Float(i) * 1e-3
            let t = VectorMath.tanh(v)
            XCTAssertGreaterThanOrEqual(t, previous)
            XCTAssertEqual(VectorMath.tanh(-v), -t)
            previous = t
        }
    }
}

extension VectorMathTests {
    func testErfAndGeluAgainstLibm() {
        var worst = 0.0, worstD = 0.0
        var x = -6.0
        while x <= 6 {
            let v = VectorMath.Vector(repeating: Float(x))
            worst = max(worst, abs(Double(VectorMath.erf(v)[0]) - erf(x)))
            let h = 1e-6
            let gelu = { (t: Double) in 0.5 * t * (1 + erf(t / 2.0.squareRoot())) }
            let d = (gelu(x + h) - gelu(x - h)) / (2 * h)
            worstD = max(worstD, abs(Double(VectorMath.geluDerivative(v)[0]) - d))
            x += 0.0173
        }
        XCTAssertLessThan(worst, 3e-7, "erf absolute error")
        XCTAssertLessThan(worstD, 1e-6, "GELU′ absolute error")
    }
}
