import XCTest
import Corrector

/// Input assembly, normalisation and bad input.
final class InputTests: XCTestCase {
    func testWrongChannelCountAndNaNAreClearErrors() throws {
        let net = try Network(architecture: .tiny, seed: 1)
        XCTAssertThrowsError(try net.forward(Tensor(shape: [1, 2, 4, 4]))) { error in
            XCTAssertEqual(error as? CorrectorError, .channelMismatch(expected: 3, found: 2))
            XCTAssertTrue("\(error)".contains("expects 3 input channel(s) but the input has 2"))
        }
        XCTAssertThrowsError(try net.forward(Tensor(shape: [3, 4, 4]))) { error in
            guard case CorrectorError.invalidShape = error else { return XCTFail("\(error)") }
        }
        var x = Tensor<Float>(shape: [2, 3, 4, 5])
        x.scalars[x.offset([1, 2, 3, 4])] = .nan
        XCTAssertThrowsError(try net.forward(x)) { error in
            guard case let CorrectorError.nonFiniteInput(b, c, y, xx, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([b, c, y, xx], [1, 2, 3, 4])
            XCTAssertTrue("\(error)".contains("nan"))
        }
    }

    func testAssemblyAppendsConstantChannels() {
        let fields = Tensor<Float>(shape: [2, 2, 3, 4]) { i in Float(i[0] * 100 + i[1] * 10 + i[2] + i[3]) }
        let x = InputAssembly.assemble(fields: fields, constants: [[0.5], [-1]])
        XCTAssertEqual(x.shape, [2, 3, 3, 4])
        for b in 0..<2 {
            for y in 0..<3 {
                for xx in 0..<4 {
                    XCTAssertEqual(x[b, 0, y, xx], fields[b, 0, y, xx])
                    XCTAssertEqual(x[b, 1, y, xx], fields[b, 1, y, xx])
                    XCTAssertEqual(x[b, 2, y, xx], b == 0 ? 0.5 : -1)
                }
            }
        }
        XCTAssertEqual(InputAssembly.assemble(fields: fields, constants: [7]).shape, [2, 3, 3, 4])
    }

    /// Fitted statistics make every input channel unit-RMS (uncentred, as Solver-in-the-Loop), and
    /// normalisation is applied in forward: a network with identity weights on channel 0 returns
    /// (x − μ)/σ · σ_out + μ_out.
    func testNormalizationStatisticsAndApplication() throws {
        var rnd = TestRandom(41)
        let inputs = rnd.tensor([4, 2, 5, 5], -3, 5), targets = rnd.tensor([4, 1, 5, 5], 0, 2)
        let n = Normalization.fitted(inputs: inputs, targets: targets, centered: true)
        XCTAssertEqual(n.inputMean[0], Float(inputs.items(0..<4).scalars.enumerated().filter { ($0.offset / 25) % 2 == 0 }.map { Double($0.element) }.reduce(0, +) / 100), accuracy: 1e-5)
        let u = Normalization.fitted(inputs: inputs, targets: targets)
        XCTAssertEqual(u.inputMean, [0, 0])
        // A 1 × 1 linear network copying channel 0.
        let arch = NetworkArchitecture(inputChannels: 2, outputChannels: 1, hiddenChannels: [], kernelSize: 1)
        let net = try Network(architecture: arch, parameters: [1, 0, 0], normalization: n)
        let y = try net.forward(inputs)
        for b in 0..<4 {
            for i in 0..<5 {
                let expected = (inputs[b, 0, i, 2] - n.inputMean[0]) / n.inputScale[0] * n.outputScale[0] + n.outputMean[0]
                XCTAssertEqual(y[b, 0, i, 2], expected, accuracy: 1e-5)
            }
        }
    }
}
