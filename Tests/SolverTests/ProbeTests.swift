import XCTest
import Solver
final class ProbeTests: XCTestCase {
    func testProbe() throws {
        let params = [SimulationParameters(["viscosity": 0.01])]
        let sim = try BurgersSimulator<Float>(n: 256, length: 2 * .pi, dt: 0.01, substeps: 1, parameters: params)
        let s = Tensor<Float>(shape: [1, 1, 1, 256]) { i in Float(sin(Double(i[3]) * 0.1)) }
        var st = s; for _ in 0..<2000 { try sim.step(&st) }; print(st.maxAbs())
        for _ in 0..<3 { _ = try sim.stepVJP(at: s, cotangent: s); print("ok") }
    }
}
