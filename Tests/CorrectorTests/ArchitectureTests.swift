import XCTest
import Corrector

final class ArchitectureTests: XCTestCase {
    /// Preset sizes: tiny 3→8→8→2 5×5, the book network, the paper ResNet.
    func testPresetParameterCounts() {
        XCTAssertEqual(NetworkArchitecture.tiny.parameterCount, 3 * 25 * 8 + 8 + 8 * 25 * 8 + 8 + 8 * 25 * 2 + 2)  // 2,618
        XCTAssertEqual(NetworkArchitecture.small.parameterCount, 2432 + 2 * 25_632 + 1602)  // 55,298
        XCTAssertEqual(NetworkArchitecture.medium.parameterCount, 2432 + 10 * 25_632 + 1602)  // 260,354
        XCTAssertEqual(NetworkArchitecture.medium.layers.compactMap(\.skipFrom), [1, 3, 5, 7, 9])
        XCTAssertEqual(NetworkArchitecture.medium.layers.count, 12)
        XCTAssertTrue(NetworkArchitecture.tiny.activation.isSmooth)
    }

    func testParameterViewsTileTheVectorAndLocateCoordinates() throws {
        let net = try Network(architecture: .preset(.tiny, inputChannels: 3, outputChannels: 2), seed: 1)
        var next = 0
        for v in net.parameterViews {
            XCTAssertEqual(v.offset, next)
            XCTAssertEqual(v.count, v.shape.reduce(1, *))
            next += v.count
        }
        XCTAssertEqual(next, net.parameterCount)
        XCTAssertEqual(net.parameterViews.map(\.name).prefix(3), ["conv0.weight", "conv0.bias", "conv1.weight"])
        // Weight [o=5, c=3, i=2, j=4] of layer 1 (shape [8, 8, 5, 5]).
        let index = net.view(layer: 1, .weight).offset + ((5 * 8 + 3) * 5 + 2) * 5 + 4
        let loc = net.location(ofParameter: index)
        XCTAssertEqual([loc.layer, loc.outputChannel, loc.inputChannel, loc.kernelY, loc.kernelX], [1, 5, 3, 2, 4])
        XCTAssertEqual(loc.kind, .weight)
        let bias = net.location(ofParameter: net.view(layer: 2, .bias).offset + 1)
        XCTAssertEqual(bias.layer, 2); XCTAssertEqual(bias.kind, .bias); XCTAssertEqual(bias.outputChannel, 1)
        XCTAssertEqual(net.layerIndex(ofParameter: net.parameterCount - 1), 2)
    }

    func testInvalidArchitecturesAreRejectedWithReasons() {
        func reason(_ a: NetworkArchitecture) -> String? {
            do { try a.validate(); return nil } catch { return "\(error)" }
        }
        XCTAssertNil(reason(.medium))
        XCTAssertTrue(reason(NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [8], kernelSize: 4))!.contains("odd"))
        XCTAssertTrue(reason(NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [8, 8], kernelSize: 3, residual: true))!.contains("odd number"))
        XCTAssertTrue(reason(NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [8, 4, 8], kernelSize: 3, residual: true))!.contains("equal hidden widths"))
        XCTAssertThrowsError(try Network(architecture: .tiny, parameters: [1, 2, 3])) { error in
            XCTAssertEqual(error as? CorrectorError, .parameterCountMismatch(expected: 2618, found: 3))
        }
    }

    func testArchitectureJSONRoundTrip() throws {
        let a = NetworkArchitecture(inputChannels: 2, outputChannels: 1, hiddenChannels: [8, 8], kernelSize: 5,
                                    activation: .leakyReLU(slope: 0.2), padding: .periodic, oneDimensional: true)
        let b = try JSONDecoder().decode(NetworkArchitecture.self, from: JSONEncoder().encode(a))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.differences(from: b), [])
        XCTAssertEqual(a.differences(from: .tiny).map { String($0.prefix { $0 != ":" }) },
                       ["input channels", "output channels", "activation", "padding", "one-dimensional"])
    }

    /// Xavier: |W| ≤ gain·√(6/(fan_in+fan_out)) with the uniform variance; Kaiming: std gain/√fan_in;
    /// biases zero; same seed → same parameters, other seed → other parameters.
    func testInitialisersAreSeededWithTheRightStatistics() throws {
        let arch = NetworkArchitecture.small
        let xavier = try Network(architecture: arch, initializer: .xavierUniform(gain: 1), seed: 7)
        XCTAssertEqual(xavier, try Network(architecture: arch, initializer: .xavierUniform(gain: 1), seed: 7))
        XCTAssertNotEqual(xavier.parameters, try Network(architecture: arch, initializer: .xavierUniform(gain: 1), seed: 8).parameters)
        let w = xavier.weights(layer: 1).scalars.map(Double.init)   // 32 → 32, 5 × 5: fan 800 + 800
        let bound = (6.0 / 1600).squareRoot()
        XCTAssertLessThanOrEqual(w.map(abs).max()!, bound)
        let variance = w.reduce(0) { $0 + $1 * $1 } / Double(w.count)
        XCTAssertEqual(variance, bound * bound / 3, accuracy: 0.05 * bound * bound / 3)
        XCTAssertEqual(xavier.biases(layer: 1), [Float](repeating: 0, count: 32))
        let kaiming = try Network(architecture: arch, initializer: .kaimingNormal(gain: Float(2).squareRoot()), seed: 7)
        let k = kaiming.weights(layer: 1).scalars.map(Double.init)
        let kv = k.reduce(0) { $0 + $1 * $1 } / Double(k.count)
        XCTAssertEqual(kv, 2.0 / 800, accuracy: 0.05 * 2.0 / 800)
    }
}
