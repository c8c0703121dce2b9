import Corrector
import Foundation
import Solver

/// How a corrector is set up for a dataset: its architecture (inputs = state channels + the
/// conditioning constant, outputs = state channels, padding matching the solver's boundaries)
/// and its normalisation statistics fitted on training data.
public enum CorrectorSetup {
    /// Convolution padding matching a source solver's boundaries: periodic domains wrap around,
    /// walled, inflow and open boundaries replicate the edge values.
    public static func padding(for solver: any SourceSolver) -> PaddingMode {
        switch solver.boundary {
        case .periodic: return .periodic
        case .bounded: return .replicate
        }
    }

    /// The architecture of preset `preset` for a dataset, its convolutions computed by `convolution`.
    public static func architecture(preset: NetworkArchitecture.Preset, dataset: PairDataset,
                                    convolution: ConvolutionKernels = .blocked) throws -> NetworkArchitecture {
        .preset(preset, inputChannels: dataset.channels.count + 1, outputChannels: dataset.channels.count,
                padding: padding(for: dataset.scenario), oneDimensional: dataset.grid[0] == 1, convolution: convolution)
    }

    /// Normalisation fitted on up to `samples` training windows: inputs `[P(T r_t), c]` and
    /// correction targets `T r_{t+1} − P(T r_t)`, scaled by their root mean square without
    /// centring (Um et al. 2020 divide u, v and Re by their standard deviations). `P` is
    /// `source` (the dataset's scenario when nil).
    public static func normalization(dataset: PairDataset, source: (any SourceSolver)? = nil, samples: Int = 32,
                                     seed: UInt64) throws -> Normalization {
        let sampler = try BatchSampler(frames: dataset.train.map(\.frames), unroll: 1, batchSize: samples, seed: seed ^ 0x5EED)
        let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch(0), unroll: 1)
        let engine = RolloutEngine(source: source ?? dataset.scenario)
        let p = try engine.solverStep(batch.start, parameters: batch.parameters)
        let inputs = engine.assembledInput(p, conditioning: batch.conditioning)
        return Normalization.fitted(inputs: inputs, targets: batch.targets[0] - p, centered: false)
    }
}
