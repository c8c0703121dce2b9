import Foundation
import SOL
import Solver

/// Step times of the spectral scenarios (Float32): one ETDRK4 step at the sizes exponax was
/// measured at (docs/background.md), single state and batch of 16, the adjoint, and the default
/// scenarios' source step and reference frame (4 sub-steps at 4× resolution).
let solverSuite = BenchmarkSuite(name: "solver") {
    var benchmarks: [Benchmark] = []
    // `SOL_BENCH_FILTER=kolmogorov` builds and runs only the benchmarks whose name contains it.
    let filter = ProcessInfo.processInfo.environment["SOL_BENCH_FILTER"]
    func add(_ name: String, _ makeSim: @autoclosure () -> any Simulator<Float>, _ makeInitial: @autoclosure () -> Tensor<Float>,
             vjp: Bool = false) {
        if let filter, !name.contains(filter) { return }
        let sim = makeSim(), initial = makeInitial()
        var state = initial
        let batch = sim.batchSize
        benchmarks.append(Benchmark(name: name, items: Double(batch), unit: "states") {
            // Restart from the initial state now and then so long runs stay on the same flow.
            try! sim.step(&state)
        })
        if vjp, let d = sim as? any DifferentiableSimulator<Float> {
            let w = initial
            benchmarks.append(Benchmark(name: name + " VJP", items: Double(batch), unit: "states") {
                _ = try! d.stepVJP(at: initial, cotangent: w)
            })
        }
    }
    let burgers = BurgersScenario()
    for n in [256, 1024] {
        for batch in [1, 16] {
            let params = (0..<batch).map { SimulationParameters(["viscosity": 0.01 + 0.001 * Double($0)], seed: UInt64($0)) }
            var s = burgers
            s.resolution = n / 4
            add("burgers N=\(n) step, batch \(batch)",
                try! BurgersSimulator<Float>(n: n, length: 2 * .pi, dt: 0.01, substeps: 1, parameters: params),
                try! s.initialStates(params, as: Float.self), vjp: batch == 1)
        }
    }
    let kolmogorov = KolmogorovScenario()
    for n in [64, 128, 256] {
        for batch in [1, 16] {
            let params = (0..<batch).map { SimulationParameters(["viscosity": 0.01 + 0.001 * Double($0)], seed: UInt64($0)) }
            var s = kolmogorov
            s.resolution = n / 2
            s.factor = 2
            add("kolmogorov \(n)² step, batch \(batch)",
                try! KolmogorovSimulator<Float>(n: n, length: 2 * .pi, dt: 0.01, substeps: 1, drag: 0.1, forcingMode: 4,
                                                forcingAmplitude: 1, parameters: params),
                try! s.initialStates(params, as: Float.self), vjp: batch == 1)
        }
    }
    for scenario in [burgers as any Scenario, kolmogorov] {
        for batch in [1, 16] {
            let params = scenario.defaultParameters(train: batch, test: 0, seed: 0).train
            let reference = { try! scenario.initialStates(params, as: Float.self) }
            let grid = scenario.sourceGrid.map(String.init).joined(separator: "×")
            let refGrid = scenario.referenceGrid.map(String.init).joined(separator: "×")
            add("\(scenario.name) default source step \(grid), batch \(batch)", try! scenario.makeSource(params, as: Float.self),
                try! scenario.downsample(reference()))
            add("\(scenario.name) default reference frame \(refGrid), batch \(batch)",
                try! scenario.makeReference(params, as: Float.self), reference())
        }
    }
    if let filter { benchmarks = benchmarks.filter { $0.name.contains(filter) } }
    return benchmarks
}
