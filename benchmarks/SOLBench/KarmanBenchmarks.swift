import Foundation
import SOL
import Solver

/// Wake-flow (`karman`) step and adjoint times: source 32 × 64, 64 × 128 (the cell count of
/// PhiFlow's 128 × 64 figure) and reference 128 × 256 cells, single state and batch 16, Float32,
/// Re = 390.6 (book units), from a state after 200 steps.
let karmanSuite = BenchmarkSuite(name: "karman") {
    var benchmarks: [Benchmark] = []
    // KARMAN_BENCH_GRIDS=32,128 restricts the grids (by cells across).
    let only = ProcessInfo.processInfo.environment["KARMAN_BENCH_GRIDS"].map { $0.split(separator: ",").compactMap { Int($0) } }
    let grids = [(32, 64), (64, 128), (128, 256)].filter { only == nil || only!.contains($0.0) }
    for (cellsX, cellsY) in grids {
        let grid = try! KarmanGrid(cellsX: cellsX, cellsY: cellsY)
        let sim = try! KarmanSimulator<Float>(grid: grid, reynolds: [390.6])
        var developed = grid.initialState(as: Float.self)
        for _ in 0..<200 { try! sim.step(&developed) }
        for batch in [1, 16] {
            let batchSim = try! sim.with(reynolds: [Double](repeating: 390.6, count: batch))
            let start = Tensor<Float>(stacking: [Tensor<Float>](repeating: developed[item: 0], count: batch))
            var states = start
            benchmarks.append(Benchmark(name: "step \(cellsX)×\(cellsY) batch \(batch)", items: Double(batch), unit: "states") {
                try! batchSim.step(&states)
                if !states.scalars[0].isFinite { states = start }
            })
            if batch == 1 || cellsX == 32 {
                let w = Tensor<Float>(shape: start.shape, scalars: start.scalars.map { $0 * 0.5 })
                benchmarks.append(Benchmark(name: "stepVJP \(cellsX)×\(cellsY) batch \(batch)", items: Double(batch), unit: "states") {
                    _ = try! batchSim.stepVJP(at: start, cotangent: w)
                })
            }
        }
    }
    return benchmarks
}
