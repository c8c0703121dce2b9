import Solver

/// What `sol generate` produces besides the scenario: how many simulations, frames and warm-up.
public struct GenerationOptions: Sendable, Equatable {
    /// Training and test simulations (disjoint parameters, see ``Scenario/defaultParameters(train:test:seed:)``).
    public var train = 6
    /// Test simulations.
    public var test = 4
    /// Frames stored per simulation (frame 0 is the first frame after warm-up). The default, 101,
    /// is what the default `sol eval` rollout of 100 steps needs (frame 0 and 100 targets).
    public var frames = 101
    /// Reference frames discarded before frame 0 (`nil`: the scenario's default).
    public var warmup: Int?
    /// Seed of the parameter and initial-condition draws.
    public var seed: UInt64 = 0
    /// Simulations advanced together in one reference batch (the unit of resume).
    public var batch = 8
    /// gzip level of the trajectories.
    public var gzipLevel = 4

    /// Options with `sol generate`'s defaults.
    public init(train: Int = 6, test: Int = 4, frames: Int = 101, warmup: Int? = nil, seed: UInt64 = 0, batch: Int = 8) {
        self.train = train
        self.test = test
        self.frames = frames
        self.warmup = warmup
        self.seed = seed
        self.batch = batch
    }

    /// Throws ``GenerationError/invalidOption(_:)`` for unusable counts.
    public func validate() throws {
        guard train >= 1 else { throw GenerationError.invalidOption("--train must be at least 1: a dataset trains correctors (got \(train))") }
        guard test >= 0 else { throw GenerationError.invalidOption("--test must be ≥ 0 (got \(test))") }
        guard frames >= 2 else { throw GenerationError.invalidOption("--steps must be at least 2 (got \(frames))") }
        if let warmup, warmup < 0 { throw GenerationError.invalidOption("--warmup must be ≥ 0 (got \(warmup))") }
        guard batch >= 1 else { throw GenerationError.invalidOption("--batch must be at least 1 (got \(batch))") }
    }
}

/// Errors of dataset generation and reading.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    /// A file is not a `sol-pairs` dataset, or lacks an attribute.
    case notADataset(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidOption(message): return message
        case let .notADataset(path, reason): return "\(path) is not a sol-pairs dataset: \(reason)"
        }
    }
}
