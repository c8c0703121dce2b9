import Solver

/// Recomputes the high-fidelity reference trajectories behind a `sol-pairs` dataset, which stores
/// only their downsampled frames: the scenario's reference simulator runs from each simulation's
/// initial condition (its seed) through the dataset's warm-up and frames, in batches of the
/// generator's default size (so the floating-point work matches `sol generate`'s). Every
/// recomputed frame is downsampled with `T` and compared with the stored frame.
public struct ReferenceReplay {
    /// The dataset whose reference is recomputed.
    public let dataset: PairDataset
    /// Simulations advanced together (the generator's default batch).
    public var batch = GenerationOptions().batch

    /// A replay of `dataset`.
    public init(dataset: PairDataset) {
        self.dataset = dataset
    }

    /// How the recomputed reference compares with the stored frames.
    public struct Check: Sendable, Equatable {
        /// Frames compared.
        public var frames = 0
        /// Frames whose downsampled recomputation equals the stored frame bit for bit.
        public var identical = 0
        /// Largest |T r − stored| over all frames.
        public var maxDeviation: Float = 0
    }

    /// Recomputes `records` (all of one split, in file order), calling `body` with each simulation's
    /// full reference trajectory `[T, C, Hr, Wr]`; returns the comparison with the stored frames.
    public func run(_ records: [SimulationRecord], progress: Progress? = nil,
                    _ body: (SimulationRecord, Tensor<Float>) throws -> Void) throws -> Check {
        let scenario = dataset.scenario
        var check = Check()
        var start = 0
        while start < records.count {
            let chunk = Array(records[start..<min(start + batch, records.count)])
            start += chunk.count
            let parameters = chunk.map(\.parameters)
            let reference = try scenario.makeReference(parameters, as: Float.self)
            var state = try scenario.initialStates(parameters, as: Float.self)
            for _ in 0..<dataset.warmup { try reference.step(&state) }
            let frames = chunk.map(\.frames).min() ?? 0
            guard frames > 0 else { continue }
            var trajectories = [[Tensor<Float>]](repeating: [], count: chunk.count)
            for t in 0..<frames {
                if t > 0 { try reference.step(&state) }
                let coarse = try scenario.downsample(state)
                for b in 0..<chunk.count {
                    trajectories[b].append(state[item: b])
                    let stored = try dataset.frames(chunk[b], t..<(t + 1)).reshaped(coarse[item: b].shape)
                    let mine = coarse[item: b]
                    check.frames += 1
                    if mine.scalars.elementsEqual(stored.scalars, by: { $0.bitPattern == $1.bitPattern }) { check.identical += 1 }
                    for (a, s) in zip(mine.scalars, stored.scalars) { check.maxDeviation = max(check.maxDeviation, abs(a - s)) }
                }
                progress?.advance(by: chunk.count)
            }
            for (b, record) in chunk.enumerated() { try body(record, Tensor(stacking: trajectories[b])) }
        }
        return check
    }
}
