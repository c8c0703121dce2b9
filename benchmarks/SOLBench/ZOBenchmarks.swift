import Foundation
import SOL

/// CGE query throughput of the ZO engine on the `tiny`, `small` and `medium` (ResNet) correctors:
/// a 32 × 64 field (H = 64, W = 32), batch 3, MSE against a target (`NetworkObjective`); every
/// evaluation mode (naive, feature reuse, channel update, channel delta) with 1 and 2 threads.
/// One call queries a fixed sample of coordinates spread evenly over all layers (every s-th
/// parameter), so the rate is the mean over the network's layer mix.
/// `ZO_BENCH_FILTER=substring` keeps only the benchmarks whose name contains it.
let zoSuite = BenchmarkSuite(name: "zo") {
    let filter = ProcessInfo.processInfo.environment["ZO_BENCH_FILTER"]
    return zoBenchmarks().filter { b in filter.map { b.name.contains($0) } ?? true }
}

private func zoBenchmarks() -> [Benchmark] {
    var benchmarks: [Benchmark] = []
    for (name, architecture) in [("tiny", NetworkArchitecture.tiny), ("small", NetworkArchitecture.small),
                                 ("medium", NetworkArchitecture.medium)] {
        var rng = SplitMix64(seed: 1)
        let input = Tensor<Float>(shape: [3, 3, 64, 32]) { _ in Float(2 * rng.nextUniform() - 1) }
        let target = Tensor<Float>(shape: [3, 2, 64, 32]) { _ in Float(rng.nextGaussian()) }
        let network = try! Network(architecture: architecture, seed: 0)
        let d = network.parameterCount
        for mode in NetworkObjective.Evaluation.allCases {
            let full = mode == .naive || mode == .resume
            let sampleSize = ["tiny": full ? 64 : 512, "small": full ? 8 : 256, "medium": full ? 4 : 64][name]!
            let sample = Array(stride(from: 0, to: d, by: max(1, d / sampleSize)))
            for threads in [1, 2] {
                let objective = try! NetworkObjective(network: network, input: input, target: target, evaluation: mode)
                let pool = QueryPool(objective, threads: threads)
                _ = try! pool.prepare(at: network.parameters)
                let flops = sample.reduce(0.0) { $0 + objective.flops(ofQueryOn: $1) }
                benchmarks.append(Benchmark(name: "CGE \(name) (d = \(d)) \(mode), \(threads) thread\(threads > 1 ? "s" : "")",
                                            flops: flops, items: Double(sample.count), unit: "queries") {
                    _ = try! pool.coordinateLosses(sample, steps: [1e-3])
                })
            }
        }
        // One full forward pass (the unit of the naive mode), for reference.
        let objective = try! NetworkObjective(network: network, input: input, target: target, evaluation: .naive)
        benchmarks.append(Benchmark(name: "forward + loss \(name) (prepare)", flops: architecture.forwardFlops(height: 64, width: 32) * 3,
                                    items: 1, unit: "passes") {
            _ = objective.prepare(at: network.parameters)
        })
    }
    return benchmarks
}
