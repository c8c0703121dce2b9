import Corrector
import Foundation
import Solver

/// Every option of `sol train`, as one Codable value: read from a JSON configuration file
/// (`--config run.json`), overridden by command-line options, and stored in the checkpoint so a
/// run can be reproduced and resumed.
///
/// Two kinds of options: those that define the experiment (method, network, data sampling,
/// optimizer, schedule, ZO estimator; a resumed run must keep them) and execution settings that
/// never change the result (`threads`, `checkpointInterval`, `logInterval`; see
/// ``executionKeys``).
///
/// Defaults follow the Solver-in-the-Loop setup (Adam, unroll 4, batch 3) and, for ZO-SOL, the
/// precision findings of the Burgers reference study (docs/zo-sol.md): central differences
/// (forward differences in float32 have no usable μ at trained weights), μ = 1e-3.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// `non`, `fo-sol`, `zo-sol` (default) or `nog-sol`.
    public var method: TrainingMethodKind = .zoSOL
    /// Unrolled solver steps per loss evaluation (NON always uses 1).
    public var unroll: Int = 4
    /// Network preset.
    public var network: NetworkArchitecture.Preset = .tiny
    /// The network's convolution kernels: `blocked` (default) or `im2col` (the kernels of results
    /// computed before December 2026; same function, other last bits, slower).
    public var convolution: ConvolutionKernels = .blocked
    /// Training iterations (mini-batches).
    public var iterations: Int = 200
    /// (simulation, start frame) pairs per mini-batch.
    public var batchSize: Int = 3
    /// Seed of initialisation, mini-batches and ZO masks.
    public var seed: UInt64 = 0
    /// Worker threads: ZO queries, or the batch items of the corrector calls of NON, FO-SOL and
    /// NOG-SOL (an execution setting: results do not depend on it).
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

    /// Optimizer options: Adam (default) or SGD (momentum, Nesterov, weight decay).
    public struct OptimizerOptions: Codable, Equatable, Sendable {
        /// `adam` or `sgd`.
        public var kind: OptimizerKind = .adam
        /// Initial learning rate.
        public var learningRate: Double = 1e-3
        /// SGD momentum, in [0, 1).
        public var momentum: Double = 0.9
        /// SGD Nesterov momentum (needs momentum > 0).
        public var nesterov: Bool = false
        /// L2 weight decay (both optimisers), ≥ 0.
        public var weightDecay: Double = 0
        /// Adam `β₁`, in [0, 1).
        public var beta1: Double = 0.9
        /// Adam `β₂`, in [0, 1).
        public var beta2: Double = 0.999
        /// Adam `ε`, > 0.
        public var epsilon: Double = 1e-8
        /// The defaults.
        public init() {}
    }

    /// Learning-rate schedule with linear warm-up.
    public struct ScheduleOptions: Codable, Equatable, Sendable {
        /// `constant`, `cosine` (default) or `step`.
        public var kind: ScheduleKind = .cosine
        /// Linear warm-up iterations before the schedule, ≥ 0.
        public var warmupIterations: Int = 0
        /// For `step`: multiply by `gamma` every `stepSize` iterations (≥ 1).
        public var stepSize: Int = 100
        /// For `step`: the factor applied every `stepSize` iterations, in (0, 1].
        public var gamma: Double = 0.5
        /// Final learning rate of the cosine schedule as a fraction of the initial one, in [0, 1].
        public var minimumFactor: Double = 0.05
        /// The defaults.
        public init() {}
    }

    /// Zeroth-order (ZO-SOL) options.
    public struct ZOOptions: Codable, Equatable, Sendable {
        /// Finite-difference step μ, in (0, 1).
        public var mu: Double = 1e-3
        /// `central` (default), `forward`, or `rge` (random directions).
        public var estimator: EstimatorKind = .central
        /// Fraction of weights *not* queried per iteration, in [0, 1) (0 = dense CGE).
        public var sparsity: Double = 0.9
        /// Layer-wise pruning ratios file (`nil`: ZO-GraSP at the start of training). Its
        /// sparsity must equal ``sparsity``.
        public var pruningRatios: String? = nil
        /// Re-draw the sparse coordinate mask every this many iterations.
        public var redrawInterval: Int = 1
        /// Directions per estimate for `rge`.
        public var directions: Int = 16
        /// ZO-GraSP: random directions of each of its two RGE estimates (DeepZero: q = 192).
        public var graspDirections: Int = 192
        /// ZO-GraSP: finite-difference step of its RGE estimates (DeepZero: 5e-3).
        public var graspMu: Double = 5e-3
        /// ZO-GraSP: seed of its random directions.
        public var graspSeed: UInt64 = 0
        /// `vjp`: forward (1 perturbed state per state coordinate, the default: on the wake flow as
        /// accurate as central at μ = 1e-2, docs/zo-sol.md) or central differences (2).
        public var vjpScheme: FiniteDifferenceVJP.Scheme = .forward
        /// `guided`: iterations the least-squares fit of the guide's scale remembers (≥ 1).
        public var guideMemory: Double = 10
        /// `guided`: central (2 queries per sampled coordinate, the default) or forward (1) differences.
        public var guidedScheme: DifferenceScheme = .central
        /// The defaults.
        public init() {}

        /// Dense coordinate-wise estimation (sparsity 0) with the given scheme and μ.
        public static func dense(_ estimator: EstimatorKind = .central, mu: Double = 1e-3) -> ZOOptions {
            var options = ZOOptions()
            options.estimator = estimator
            options.mu = mu
            options.sparsity = 0
            return options
        }

        /// The finite-difference VJP of `--estimator vjp` (scheme ``vjpScheme``, step `mu`).
        public var stateDifferences: FiniteDifferenceVJP { FiniteDifferenceVJP(scheme: vjpScheme, mu: mu) }

        /// A one-line description, e.g. `central CGE, sparsity 0.9 (ZO-GraSP ratios), μ = 0.001`.
        public var summary: String {
            let ratios = pruningRatios.map { "ratios from \($0)" } ?? "ZO-GraSP ratios"
            switch estimator {
            case .rge: return String(format: "RGE, %d directions, μ = %g", directions, mu)
            case .vjp: return String(format: "state-space VJP by %@ differences, μ = %g (relative to the state's scale)", vjpScheme.rawValue, mu)
            case .guided:
                return String(format: "sparse %@ CGE guided by NOG-SOL, sparsity %g (%@), μ = %g", guidedScheme.rawValue, sparsity, ratios, mu)
            case .central, .forward:
                return sparsity == 0 ? String(format: "%@ CGE (dense), μ = %g", estimator.rawValue, mu)
                    : String(format: "%@ sparse CGE, sparsity %g (%@), μ = %g", estimator.rawValue, sparsity, ratios, mu)
            }
        }
    }

    /// Keys (dotted) of optional options, written as `null` when unset.
    static let nullableKeys: Set<String> = ["zo.pruningRatios"]

    /// Execution settings: they never change a run's result, so a resumed run may change them.
    public static let executionKeys: Set<String> = ["threads", "checkpointInterval", "logInterval"]

    /// Checks ranges and consistency; throws ``SOLError/invalidOption(name:reason:)`` naming the
    /// command-line option.
    public func validate() throws {
        func require(_ ok: Bool, _ name: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw SOLError.invalidOption(name: name, reason: reason()) }
        }
        func inUnitInterval(_ x: Double) -> Bool { x >= 0 && x < 1 }
        try require(unroll >= 1, "unroll", "must be ≥ 1, got \(unroll)")
        try require(iterations >= 1, "iterations", "must be ≥ 1, got \(iterations)")
        try require(batchSize >= 1, "batch-size", "must be ≥ 1, got \(batchSize)")
        try require(threads >= 1, "threads", "must be ≥ 1, got \(threads)")
        try require(checkpointInterval >= 1, "checkpoint-interval", "must be ≥ 1, got \(checkpointInterval)")
        try require(logInterval >= 1, "log-interval", "must be ≥ 1, got \(logInterval)")
        let o = optimizer
        try require(o.learningRate > 0 && o.learningRate.isFinite, "lr", "must be > 0, got \(o.learningRate)")
        try require(inUnitInterval(o.momentum), "momentum", "must be in [0, 1), got \(o.momentum)")
        try require(!o.nesterov || o.momentum > 0, "nesterov", "needs momentum > 0")
        try require(o.weightDecay >= 0 && o.weightDecay.isFinite, "weight-decay", "must be ≥ 0, got \(o.weightDecay)")
        try require(inUnitInterval(o.beta1), "beta1", "must be in [0, 1), got \(o.beta1)")
        try require(inUnitInterval(o.beta2), "beta2", "must be in [0, 1), got \(o.beta2)")
        try require(o.epsilon > 0 && o.epsilon.isFinite, "epsilon", "must be > 0, got \(o.epsilon)")
        let s = schedule
        try require(s.warmupIterations >= 0, "warmup", "must be ≥ 0, got \(s.warmupIterations)")
        try require(s.warmupIterations < iterations, "warmup", "must be smaller than --iterations (\(iterations)), got \(s.warmupIterations)")
        try require(s.stepSize >= 1, "step-size", "must be ≥ 1, got \(s.stepSize)")
        try require(s.gamma > 0 && s.gamma <= 1, "gamma", "must be in (0, 1], got \(s.gamma)")
        try require(s.minimumFactor >= 0 && s.minimumFactor <= 1, "minimum-factor", "must be in [0, 1], got \(s.minimumFactor)")
        try require(zo.mu > 0 && zo.mu < 1, "mu", "must be in (0, 1), got \(zo.mu)")
        try require(zo.estimator != .guided || method == .zoSOL, "estimator",
                    "guided is a ZO-SOL estimator; use it with --method zo-sol (got --method \(method.rawValue))")
        try require(zo.estimator != .vjp || method == .zoSOL, "estimator",
                    "vjp is a ZO-SOL estimator; use it with --method zo-sol (got --method \(method.rawValue))")
        try require(inUnitInterval(zo.sparsity), "sparsity", "must be in [0, 1), got \(zo.sparsity)")
        try require(zo.guideMemory >= 1 && zo.guideMemory.isFinite, "guide-memory", "must be ≥ 1, got \(zo.guideMemory)")
        try require(zo.estimator != .guided || zo.sparsity > 0, "sparsity",
                    "--estimator guided samples a sparse mask: give --sparsity > 0 (0.9, 0.95, 0.99)")
        try require(zo.redrawInterval >= 1, "redraw-interval", "must be ≥ 1, got \(zo.redrawInterval)")
        try require(zo.directions >= 1, "directions", "must be ≥ 1, got \(zo.directions)")
        try require(zo.graspDirections >= 1, "grasp-directions", "must be ≥ 1, got \(zo.graspDirections)")
        try require(zo.graspMu > 0 && zo.graspMu < 1, "grasp-mu", "must be in (0, 1), got \(zo.graspMu)")
    }

    /// Unroll actually used: NON is one step by definition.
    public var effectiveUnroll: Int { method == .non ? 1 : unroll }

    /// The dotted keys whose values differ between two configurations, ignoring
    /// ``executionKeys`` and keys that change the result of neither (``affectsResult(_:)``):
    /// what a resumed run may not change.
    public func experimentDifferences(from other: TrainingConfiguration) -> [String] {
        let a = Self.flattened(JSONMerge.object(self, nullable: Self.nullableKeys))
        let b = Self.flattened(JSONMerge.object(other, nullable: Self.nullableKeys))
        return Set(a.keys).union(b.keys).subtracting(Self.executionKeys).sorted()
            .filter { a[$0] != b[$0] && (affectsResult($0) || other.affectsResult($0)) }
    }

    /// Whether the option with dotted key `key` can change this configuration's result: the ZO
    /// options only matter to ZO-SOL, `zo.vjpScheme` only to `--estimator vjp`, `zo.guideMemory`
    /// and `zo.guidedScheme` only to `guided`. (A checkpoint written before an option existed, or under another
    /// default of an option it never used, still resumes.)
    public func affectsResult(_ key: String) -> Bool {
        guard key.hasPrefix("zo.") else { return true }
        guard method == .zoSOL else { return false }
        switch key {
        case "zo.vjpScheme": return zo.estimator == .vjp
        case "zo.guideMemory", "zo.guidedScheme": return zo.estimator == .guided
        default: return true
        }
    }

    private static func flattened(_ object: [String: Any], prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in object {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] {
                out.merge(flattened(nested, prefix: path)) { a, _ in a }
            } else {
                out[path] = "\(value)"
            }
        }
        return out
    }

    /// The defaults with a (possibly partial) JSON object of options applied; unknown keys and
    /// wrongly typed values throw ``JSONMerge/Failure`` naming the dotted key.
    static func decode(object: [String: Any], onto base: TrainingConfiguration = .init()) throws -> TrainingConfiguration {
        try JSONMerge.decode(TrainingConfiguration.self, overrides: object, defaults: base, nullable: nullableKeys)
    }

    /// Reads a JSON configuration file. Keys missing from the file keep their defaults.
    public static func load(_ path: String) throws -> TrainingConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SOLError.invalidConfiguration(path: path, reason: "file not found or unreadable")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SOLError.invalidConfiguration(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw SOLError.invalidConfiguration(path: path, reason: "expected a JSON object of options")
        }
        do { return try decode(object: dictionary) } catch let failure as JSONMerge.Failure {
            throw SOLError.invalidConfiguration(path: path, reason: failure.reason == "unknown option"
                                                ? "unknown option '\(failure.key)'" : "bad value for '\(failure.key)': \(failure.reason)")
        }
    }

    /// This configuration with dotted-key overrides applied (`["optimizer.learningRate": 3e-3]`;
    /// nil values are skipped): how command-line options override a configuration file.
    public func overriding(_ overrides: [(String, Any?)]) throws -> TrainingConfiguration {
        do { return try Self.decode(object: JSONMerge.nested(overrides), onto: self) } catch let failure as JSONMerge.Failure {
            throw SOLError.invalidOption(name: failure.key, reason: failure.reason)
        }
    }

    /// Pretty, key-sorted JSON (stored in checkpoints and printed by `sol train --print-config`).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
