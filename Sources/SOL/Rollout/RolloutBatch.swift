import Solver

/// A mini-batch of training windows: B start states `T r(t)` and, for each of the `n` unrolled
/// steps, the reference frames `T r(t + i)` they are compared with.
public struct RolloutBatch: Sendable {
    /// `[B, C, H, W]`: the downsampled reference frame each rollout starts from.
    public var start: Tensor<Float>
    /// `n` tensors `[B, C, H, W]`: the downsampled reference frames `t + 1 … t + n`.
    public var targets: [Tensor<Float>]
    /// Physical parameters of every item (the source simulator is built for them).
    public var parameters: [SimulationParameters]
    /// The conditioning value of every item (e.g. Re or ν, raw units): the corrector's constant input.
    public var conditioning: [Float]

    /// Windows in the batch, `B`.
    public var size: Int { parameters.count }
    /// Unrolled steps `n`.
    public var unroll: Int { targets.count }

    /// A batch from its tensors; `targets` holds one tensor per unrolled step.
    public init(start: Tensor<Float>, targets: [Tensor<Float>], parameters: [SimulationParameters], conditioning: [Float]) {
        self.start = start
        self.targets = targets
        self.parameters = parameters
        self.conditioning = conditioning
    }

    /// The windows `(simulation, start frame)` of a sampler batch, read from a dataset.
    public init(dataset: PairDataset, records: [SimulationRecord], windows: [(simulation: Int, start: Int)], unroll: Int) throws {
        var starts: [Tensor<Float>] = []
        var targets = Array(repeating: [Tensor<Float>](), count: unroll)
        var parameters: [SimulationParameters] = []
        var conditioning: [Float] = []
        for (s, t0) in windows {
            let record = records[s]
            let trajectory = try dataset.trajectory(record)
            guard t0 + unroll < trajectory.shape[0] else {
                throw SOLError.trajectoryTooShort(path: dataset.path, needed: t0 + unroll + 1, available: trajectory.shape[0])
            }
            starts.append(trajectory[item: t0])
            for i in 0..<unroll { targets[i].append(trajectory[item: t0 + i + 1]) }
            parameters.append(record.parameters)
            conditioning.append(try dataset.conditioning(record))
        }
        self.init(start: Tensor(stacking: starts), targets: targets.map { Tensor(stacking: $0) },
                  parameters: parameters, conditioning: conditioning)
    }
}
