import Foundation
import XCTest
import Corrector

/// Forward outputs and gradients against golden values from an independent numpy (float64)
/// implementation written from the equations: Golden/make_golden.py → Golden/golden.json
/// (regenerate with `python3 Tests/CorrectorTests/Golden/make_golden.py`). The script checks its
/// own reverse mode against central differences before writing.
final class GoldenTests: XCTestCase {
    struct File: Decodable { var cases: [Case] }
    struct Case: Decodable {
        var name: String
        var architecture: NetworkArchitecture
        var shape: [Int]
        var normalization: Normalization
        var parameters: [Float]
        var input: [Float]
        var outputGradient: [Float]
        var output: [Double]
        var parameterGradient: [Double]
        var inputGradient: [Double]
    }

    static var goldenURL: URL {
        Bundle.module.url(forResource: "golden", withExtension: "json", subdirectory: "Golden")
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/golden.json")
    }

    func testForwardAndGradientsMatchNumpyReference() throws {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: Self.goldenURL))
        XCTAssertEqual(file.cases.count, 3)
        for c in file.cases {
            let net = try Network(architecture: c.architecture, parameters: c.parameters, normalization: c.normalization)
            let x = Tensor(shape: c.shape, scalars: c.input)
            let cache = ActivationCache(), ws = NetworkWorkspace()
            let y = try net.forward(x, cache: cache, workspace: ws)
            let g = Tensor(shape: y.shape, scalars: c.outputGradient)
            let (pg, xg) = net.gradients(outputGradient: g, cache: cache, workspace: ws)
            let scaleY = c.output.map(abs).max()!
            let errY = zip(y.scalars, c.output).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThan(errY, 1e-5 * max(1, scaleY), c.name)
            XCTAssertLessThan(relativeError(pg.map(Double.init), c.parameterGradient), 1e-5, c.name)
            XCTAssertLessThan(relativeError(xg.scalars.map(Double.init), c.inputGradient), 1e-5, c.name)
            let scaleG = c.parameterGradient.map(abs).max()!
            XCTAssertLessThan(zip(pg, c.parameterGradient).map { abs(Double($0) - $1) }.max()!, 1e-4 * scaleG, c.name)
        }
    }
}
