import XCTest
import Corrector

/// Feature reuse: a forward pass restarted at layer k from the cache equals the full pass bit for
/// bit; the single-coordinate channel update and channel deltas equal a full pass with the
/// perturbed parameter.
final class FeatureReuseTests: XCTestCase {
    static let architectures: [NetworkArchitecture] = [
        .preset(.tiny, padding: .periodic),
        NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [6, 6, 6, 6, 6], kernelSize: 3,
                            activation: .gelu, padding: .replicate, residual: true),
        NetworkArchitecture(inputChannels: 2, outputChannels: 1, hiddenChannels: [8, 8], kernelSize: 5,
                            activation: .leakyReLU(slope: 0.1), padding: .zero, oneDimensional: true),
    ]

    func testResumeAtEveryLayerIsBitIdentical() throws {
        var rnd = TestRandom(21)
        for arch in Self.architectures {
            let h = arch.oneDimensional ? 1 : 7
            let net = try Network(architecture: arch, seed: 4, normalization: GradientTests.randomNormalization(arch, &rnd))
            let x = rnd.tensor([3, arch.inputChannels, h, 9])
            let cache = ActivationCache(), ws = NetworkWorkspace()
            let full = try net.forward(x, cache: cache, workspace: ws)
            XCTAssertEqual(full, try net.forward(x), "the cache must not change the result")
            let cached = (0..<net.layers.count).map { cache.layerInput($0) }
            for k in 0..<net.layers.count {
                let resumed = net.forward(resumingAt: k, cache: cache, workspace: ws)
                XCTAssertTrue(resumed == full, "resume at layer \(k) of \(arch)")
            }
            // A perturbed layer k: resuming at k equals a full pass with the perturbed parameters.
            for k in 0..<net.layers.count {
                var perturbed = net
                for i in net.layers[k].parameterRange { perturbed.parameters[i] += 0.01 * rnd.uniform() }
                let expected = try perturbed.forward(x)
                var out = Tensor<Float>(shape: [1])
                perturbed.forward(resumingAt: k, cache: cache, workspace: ws, into: &out)
                XCTAssertTrue(out == expected, "resume with perturbed layer \(k) of \(arch)")
                XCTAssertFalse(out == full)
            }
            // Resumed passes only read the cache.
            for k in 0..<net.layers.count { XCTAssertTrue(cache.layerInput(k) == cached[k]) }
        }
    }

    func testChannelUpdateEqualsFullForwardWithPerturbedParameter() throws {
        var rnd = TestRandom(22)
        for arch in Self.architectures {
            let h = arch.oneDimensional ? 1 : 6
            let net = try Network(architecture: arch, seed: 5, normalization: GradientTests.randomNormalization(arch, &rnd))
            let x = rnd.tensor([2, arch.inputChannels, h, 7])
            let cache = ActivationCache(), ws = NetworkWorkspace()
            let base = try net.forward(x, cache: cache, workspace: ws)
            // Every bias and a spread of weights in every layer, including kernel corners (edges).
            var indices: [Int] = []
            for v in net.parameterViews {
                indices += v.kind == .bias ? Array(v.range) : [v.offset, v.offset + v.count / 2, v.offset + v.count - 1,
                                                              v.offset + Int(rnd.rng.next() % UInt64(v.count))]
            }
            var out = Tensor<Float>(shape: [1])
            for i in indices {
                let delta: Float = 0.05
                var perturbed = net
                perturbed.parameters[i] += delta
                let expected = try perturbed.forward(x)
                net.forward(perturbingParameter: i, by: delta, cache: cache, workspace: ws, into: &out)
                // Same function; only the rounding of one addition differs.
                let change = (expected - base).maxAbs()
                XCTAssertGreaterThan(change, 0, "parameter \(i) has no effect? \(net.location(ofParameter: i))")
                XCTAssertLessThan((out - expected).maxAbs(), 1e-5 * max(1, expected.maxAbs()),
                                  "parameter \(i) \(net.location(ofParameter: i)) of \(arch)")
            }
            XCTAssertTrue(try net.forward(x) == base, "the network itself was not modified")
        }
    }

    /// Channel deltas (carried through thin layers, the channel update where wide ones follow)
    /// give the output of a full pass with the perturbed parameter; a parameter of the output
    /// layer reports its output channel as the only one changed.
    func testChannelDeltasEqualFullForwardWithPerturbedParameter() throws {
        var rnd = TestRandom(23)
        let architectures = Self.architectures + [
            // Wide layers after k + 1: those queries continue as channel updates.
            NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [4, 6, 5], kernelSize: 3, padding: .periodic),
        ]
        for arch in architectures {
            let h = arch.oneDimensional ? 1 : 6
            let net = try Network(architecture: arch, seed: 6, normalization: GradientTests.randomNormalization(arch, &rnd))
            let x = rnd.tensor([2, arch.inputChannels, h, 7])
            let cache = ActivationCache(), ws = NetworkWorkspace(), deltas = ChannelDeltaWorkspace()
            let base = try net.forward(x, cache: cache, workspace: ws)
            deltas.prepare(net, cache: cache)
            var out = Tensor<Float>(shape: [1])
            for v in net.parameterViews {
                for i in [v.offset, v.offset + v.count / 2, v.offset + v.count - 1] {
                    var perturbed = net
                    perturbed.parameters[i] += 0.05
                    let expected = try perturbed.forward(x)
                    let changed = net.forward(perturbingParameter: i, by: 0.05, cache: cache, deltas: deltas, workspace: ws, into: &out)
                    let location = net.location(ofParameter: i)
                    XCTAssertEqual(changed, location.layer == net.layers.count - 1 ? location.outputChannel : nil)
                    XCTAssertGreaterThan((expected - base).maxAbs(), 0)
                    XCTAssertLessThan((out - expected).maxAbs(), 1e-5 * max(1, expected.maxAbs()), "parameter \(i) \(location) of \(arch)")
                }
            }
        }
    }
}
