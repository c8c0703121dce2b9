import Foundation

/// Every option of `sol train`, as one Codable value: read from a JSON configuration file
/// (`--config run.json`), overridden by command-line options, and stored in the checkpoint so a
/// run can be reproduced and resumed.
///
/// Defaults follow the Solver-in-the-Loop setup (Adam, unroll 4, batch 3) and, for ZO-SOL, the
/// precision findings of the Burgers reference study: central differences (forward differences in
/// float32 have no usable μ at trained weights), μ = 1e-3, smooth activations.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// `non`, `fo-sol`, `zo-sol` (default) or `nog-sol`.
    public var method: TrainingMethodKind = .zoSOL
    /// Unrolled solver steps per loss evaluation (NON always uses 1).
    public var unroll: Int = 4
    /// Network preset name: `tiny`, `small`, `medium`.
    public var network: String = "tiny"
    /// Training iterations (mini-batches).
    public var iterations: Int = 200
    /// (simulation, start frame) pairs per mini-batch.
    public var batchSize: Int = 3
    /// Seed of initialisation, mini-batches and ZO masks.
    public var seed: UInt64 = 0
    /// Worker threads for ZO queries and batched solver steps.
    public var threads: Int = 2

    /// Optimiser options.
    public var optimizer: OptimizerOptions = .init()
    /// Learning-rate schedule options.
    public var schedule: ScheduleOptions = .init()
    /// ZO-SOL options.
    public var zo: ZOOptions = .init()

    /// Write a checkpoint every this many iterations (and at the end).
    public var checkpointInterval: Int = 50
    /// Append a line to the training log every this many iterations.
    public var logInterval: Int = 10

    /// The defaults.
    public init() {}

    /// Optimizer options. `adam` (default) or `sgd` (momentum, Nesterov, weight decay).
    public struct OptimizerOptions: Codable, Equatable, Sendable {
        /// `adam` or `sgd`.
        public var kind: String = "adam"
        /// Initial learning rate.
        public var learningRate: Double = 1e-3
        /// SGD momentum.
        public var momentum: Double = 0.9
        /// SGD Nesterov momentum.
        public var nesterov: Bool = false
        /// L2 weight decay (both optimisers).
        public var weightDecay: Double = 0
        /// Adam `β₁`.
        public var beta1: Double = 0.9
        /// Adam `β₂`.
        public var beta2: Double = 0.999
        /// Adam `ε`.
        public var epsilon: Double = 1e-8
        /// The defaults.
        public init() {}
    }

    /// Learning-rate schedule: `constant`, `cosine` or `step`, with linear warm-up.
    public struct ScheduleOptions: Codable, Equatable, Sendable {
        /// `constant`, `cosine` (default) or `step`.
        public var kind: String = "cosine"
        /// Linear warm-up iterations before the schedule.
        public var warmupIterations: Int = 0
        /// For `step`: multiply by `gamma` every `stepSize` iterations.
        public var stepSize: Int = 100
        /// For `step`: the factor applied every `stepSize` iterations.
        public var gamma: Double = 0.5
        /// Final learning rate of the cosine schedule as a fraction of the initial one.
        public var minimumFactor: Double = 0.05
        /// The defaults.
        public init() {}
    }

    /// Zeroth-order (ZO-SOL) options.
    public struct ZOOptions: Codable, Equatable, Sendable {
        /// Finite-difference step μ.
        public var mu: Double = 1e-3
        /// `central` (default), `forward`, or `rge` (random directions).
        public var estimator: String = "central"
        /// Fraction of weights *not* queried per iteration (0 = dense CGE).
        public var sparsity: Double = 0.9
        /// Layer-wise pruning ratios file from ZO-GraSP (`nil`: computed at the start of training).
        public var pruningRatios: String? = nil
        /// Re-draw the sparse coordinate mask every this many iterations.
        public var redrawInterval: Int = 1
        /// Directions per estimate for `rge`.
        public var directions: Int = 16
        /// The defaults.
        public init() {}
    }

    /// Checks ranges and consistency; throws ``SOLError/invalidOption(name:reason:)``.
    public func validate() throws {
        func require(_ ok: Bool, _ name: String, _ reason: String) throws {
            if !ok { throw SOLError.invalidOption(name: name, reason: reason) }
        }
        try require(unroll >= 1, "unroll", "must be ≥ 1, got \(unroll)")
        try require(iterations >= 1, "iterations", "must be ≥ 1, got \(iterations)")
        try require(batchSize >= 1, "batch-size", "must be ≥ 1, got \(batchSize)")
        try require(threads >= 1, "threads", "must be ≥ 1, got \(threads)")
        try require(optimizer.learningRate > 0 && optimizer.learningRate.isFinite, "lr", "must be > 0, got \(optimizer.learningRate)")
        try require(["adam", "sgd"].contains(optimizer.kind), "optimizer", "use adam or sgd, got \(optimizer.kind)")
        try require(["constant", "cosine", "step"].contains(schedule.kind), "schedule", "use constant, cosine or step, got \(schedule.kind)")
        try require(zo.mu > 0 && zo.mu < 1, "mu", "must be in (0, 1), got \(zo.mu)")
        try require(zo.sparsity >= 0 && zo.sparsity < 1, "sparsity", "must be in [0, 1), got \(zo.sparsity)")
        try require(["central", "forward", "rge"].contains(zo.estimator), "estimator", "use central, forward or rge, got \(zo.estimator)")
        try require(zo.redrawInterval >= 1, "redraw-interval", "must be ≥ 1, got \(zo.redrawInterval)")
        try require(zo.directions >= 1, "directions", "must be ≥ 1, got \(zo.directions)")
        try require(checkpointInterval >= 1 && logInterval >= 1, "checkpoint-interval", "intervals must be ≥ 1")
    }

    /// Unroll actually used: NON is one step by definition.
    public var effectiveUnroll: Int { method == .non ? 1 : unroll }

    /// Reads a JSON configuration file. Keys missing from the file keep their defaults.
    public static func load(_ path: String) throws -> TrainingConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SOLError.invalidConfiguration(path: path, reason: "file not found or unreadable")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SOLError.invalidConfiguration(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        if let unknown = unknownKeys(in: object).first {
            throw SOLError.invalidConfiguration(path: path, reason: "unknown option '\(unknown)'")
        }
        do { return try JSONDecoder().decode(TrainingConfiguration.self, from: data) } catch let DecodingError.typeMismatch(_, context),
            let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SOLError.invalidConfiguration(path: path, reason: "bad value for '\(key)': \(context.debugDescription)")
        } catch {
            throw SOLError.invalidConfiguration(path: path, reason: "\(error)")
        }
    }

    /// Keys of a configuration JSON object that no option has (typos would otherwise be ignored).
    static func unknownKeys(in object: Any) -> [String] {
        guard let known = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfiguration())) as? [String: Any],
              let given = object as? [String: Any] else { return [] }
        var unknown: [String] = []
        for (key, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let reference = known[key] else {
                unknown.append(key)
                continue
            }
            if let nested = value as? [String: Any], let nestedKnown = reference as? [String: Any] {
                let optional: Set<String> = key == "zo" ? ["pruningRatios"] : []
                for sub in nested.keys.sorted() where nestedKnown[sub] == nil && !optional.contains(sub) {
                    unknown.append("\(key).\(sub)")
                }
            }
        }
        return unknown
    }

    /// Pretty, key-sorted JSON (stored in checkpoints and printed by `sol train --print-config`).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}

// Decoding with defaults for missing keys: a configuration file may hold any subset of options.
extension TrainingConfiguration {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decodeIfPresent(TrainingMethodKind.self, forKey: .method) ?? method
        unroll = try c.decodeIfPresent(Int.self, forKey: .unroll) ?? unroll
        network = try c.decodeIfPresent(String.self, forKey: .network) ?? network
        iterations = try c.decodeIfPresent(Int.self, forKey: .iterations) ?? iterations
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? batchSize
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? threads
        optimizer = try c.decodeIfPresent(OptimizerOptions.self, forKey: .optimizer) ?? optimizer
        schedule = try c.decodeIfPresent(ScheduleOptions.self, forKey: .schedule) ?? schedule
        zo = try c.decodeIfPresent(ZOOptions.self, forKey: .zo) ?? zo
        checkpointInterval = try c.decodeIfPresent(Int.self, forKey: .checkpointInterval) ?? checkpointInterval
        logInterval = try c.decodeIfPresent(Int.self, forKey: .logInterval) ?? logInterval
    }
}

extension TrainingConfiguration.OptimizerOptions {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? kind
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? learningRate
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? momentum
        nesterov = try c.decodeIfPresent(Bool.self, forKey: .nesterov) ?? nesterov
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? weightDecay
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1) ?? beta1
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2) ?? beta2
        epsilon = try c.decodeIfPresent(Double.self, forKey: .epsilon) ?? epsilon
    }
}

extension TrainingConfiguration.ScheduleOptions {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? kind
        warmupIterations = try c.decodeIfPresent(Int.self, forKey: .warmupIterations) ?? warmupIterations
        stepSize = try c.decodeIfPresent(Int.self, forKey: .stepSize) ?? stepSize
        gamma = try c.decodeIfPresent(Double.self, forKey: .gamma) ?? gamma
        minimumFactor = try c.decodeIfPresent(Double.self, forKey: .minimumFactor) ?? minimumFactor
    }
}

extension TrainingConfiguration.ZOOptions {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mu = try c.decodeIfPresent(Double.self, forKey: .mu) ?? mu
        estimator = try c.decodeIfPresent(String.self, forKey: .estimator) ?? estimator
        sparsity = try c.decodeIfPresent(Double.self, forKey: .sparsity) ?? sparsity
        pruningRatios = try c.decodeIfPresent(String.self, forKey: .pruningRatios) ?? pruningRatios
        redrawInterval = try c.decodeIfPresent(Int.self, forKey: .redrawInterval) ?? redrawInterval
        directions = try c.decodeIfPresent(Int.self, forKey: .directions) ?? directions
    }
}
