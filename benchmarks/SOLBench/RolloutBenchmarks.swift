import Foundation
import SOL

/// The unrolled ZO-SOL query on the wake flow (issue 12's unit of cost, and the serial part and
/// query cost of docs/zo-sol.md's MPI scaling model), measured in isolation:
///
/// - `first solver step`: `P(s(t))` of the batch, once per iteration (shared by every query);
/// - `base point`: `f(θ)`, a whole rollout that also fills the feature cache (once per iteration,
///   on every rank);
/// - `rollout query`: one perturbed-coordinate loss (`RolloutObjective`, feature reuse in the first
///   corrector call), over a fixed sample of coordinates spread over all layers, 1 and 2 threads;
/// - `Adam update`: the optimizer step on every parameter.
///
/// karman at its default source grid (32 × 64), batch 3, unroll 4 (the `sol train` defaults),
/// networks `tiny` and `small`. The dataset (2 training simulations × 8 frames, 20 warm-up
/// frames) is generated into a temporary file first (a few seconds, not timed).
/// `ROLLOUT_BENCH_FILTER=substring` keeps only the rows whose name contains it.
let rolloutSuite = BenchmarkSuite(name: "rollout") {
    let filter = ProcessInfo.processInfo.environment["ROLLOUT_BENCH_FILTER"]
    do {
        return try rolloutBenchmarks().filter { b in filter.map { b.name.contains($0) } ?? true }
    } catch {
        FileHandle.standardError.write(Data("rollout suite: \(error)\n".utf8))
        return []
    }
}

private func rolloutBenchmarks() throws -> [Benchmark] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sol-bench-karman-\(getpid()).h5").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let generator = try PairGenerator(scenario: KarmanScenario(), options: GenerationOptions(train: 2, test: 1, frames: 8, warmup: 20))
    _ = try generator.generate(to: path, overwrite: true)
    let dataset = try PairDataset(path: path)
    let unroll = 4, batchSize = 3
    let sampler = try BatchSampler(frames: dataset.train.map(\.frames), unroll: unroll, batchSize: batchSize, seed: 0)
    let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(0), unroll: unroll)
    let engine = RolloutEngine(source: dataset.scenario)
    let firstStep = try engine.solverStep(batch.start, parameters: batch.parameters)
    var benchmarks = [Benchmark(name: "karman first solver step, batch \(batchSize)", items: Double(batchSize), unit: "states") {
        _ = try? engine.solverStep(batch.start, parameters: batch.parameters)
    }]
    for preset in [NetworkArchitecture.Preset.tiny, .small] {
        let network = try Network(architecture: CorrectorSetup.architecture(preset: preset, dataset: dataset), seed: 0,
                                  normalization: CorrectorSetup.normalization(dataset: dataset, seed: 0))
        let d = network.parameterCount
        let lossFunction = RolloutLoss(channelScales: Array(network.normalization.inputScale.prefix(dataset.channels.count)))
        let context = RolloutContext(batch: batch, firstStep: firstStep)
        let objective = RolloutObjective(network: network, source: dataset.scenario, context: context, lossFunction: lossFunction)
        let name = "\(preset.rawValue) (d = \(d))"
        benchmarks.append(Benchmark(name: "karman base point f(θ) \(name), unroll \(unroll)", items: 1, unit: "rollouts") {
            _ = try? objective.prepare(at: network.parameters)
        })
        let sampleSize = preset == .tiny ? 64 : 16
        let sample = Array(stride(from: 0, to: d, by: max(1, d / sampleSize)))
        for threads in [1, 2] {
            let pool = QueryPool(objective.makeWorker(), threads: threads)
            _ = try pool.prepare(at: network.parameters)
            benchmarks.append(Benchmark(name: "karman rollout query \(name), unroll \(unroll), \(threads) thread\(threads > 1 ? "s" : "")",
                                        items: Double(2 * sample.count), unit: "queries") {
                _ = try? pool.coordinateLosses(sample, steps: [1e-3, -1e-3])
            })
        }
        var optimizer = Adam(parameterCount: d)
        var parameters = network.parameters
        let gradient = [Float](repeating: 1e-3, count: d)
        benchmarks.append(Benchmark(name: "Adam update \(name)", items: Double(d), unit: "parameters") {
            optimizer.update(&parameters, along: gradient, learningRate: 1e-3)
        })
    }
    return benchmarks
}
