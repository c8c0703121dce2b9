import Foundation
import Solver

/// One simulation of a dataset: its name (`sim_000`), split, physical parameters and length.
public struct SimulationRecord: Sendable, Equatable {
    /// Group name, e.g. `sim_000`.
    public var name: String
    /// Training or test.
    public var split: DatasetSplit
    /// Physical parameters and seed (the group's attributes).
    public var parameters: SimulationParameters
    /// Stored frames `T` (frame 0 is the first frame after warm-up).
    public var frames: Int
}

/// A low/high-fidelity dataset written by `sol generate` (layout in datasets/README.md and
/// docs/file-formats.md): the
/// scenario that rebuilds the source solver, and per simulation the downsampled reference
/// trajectory `T r` as `[T, C, H, W]` float32 on the source grid.
///
/// Trajectories are read on first use and kept in memory (a karman simulation of 500 frames on
/// 32 × 64 is 8 MB).
public final class PairDataset: @unchecked Sendable {
    /// The file it was opened from.
    public let path: String
    /// The scenario configuration rebuilt from the file's `config` attribute.
    public let scenario: any Scenario
    /// State channels, e.g. `["u"]` or `["vx", "vy"]`.
    public let channels: [String]
    /// The training simulations, in file order.
    public let train: [SimulationRecord]
    /// The test simulations, in file order.
    public let test: [SimulationRecord]
    /// Reference frames discarded before frame 0 when the file was generated.
    public let warmup: Int
    private let file: HDF5File
    private let lock = NSLock()
    private var cache: [String: Tensor<Float>] = [:]

    /// Opens and checks a dataset file; the scenario is rebuilt from the stored configuration.
    public init(path: String) throws {
        self.path = path
        file = try HDF5File.open(path)
        let root = try file.root
        guard try root.hasAttribute("format"), try root.stringAttribute("format") == "sol-pairs" else {
            throw SOLError.notADataset(path: path, reason: "its root attribute 'format' is not \"sol-pairs\"")
        }
        let name = try root.stringAttribute("scenario")
        warmup = try root.hasAttribute("warmup") ? try root.intAttribute("warmup") : 0
        let scenario = try ScenarioRegistry.scenario(named: name, configurationJSON: try root.stringAttribute("config"))
        self.scenario = scenario
        let channels = scenario.channels
        self.channels = channels
        var splits: [DatasetSplit: [SimulationRecord]] = [:]
        for split in DatasetSplit.allCases {
            guard try root.contains(split.rawValue) else { splits[split] = []; continue }
            let group = try root.group(split.rawValue)
            splits[split] = try group.memberNames().sorted().map { sim in
                let g = try group.group(sim)
                let shape = try g.dataset("reference").shape()
                let expected = [channels.count] + scenario.sourceGrid
                guard shape.count == 4, Array(shape.dropFirst()) == expected else {
                    throw SOLError.notADataset(path: path, reason: "\(split.rawValue)/\(sim)/reference has shape \(shape), expected [T] + \(expected)")
                }
                return SimulationRecord(name: sim, split: split,
                                        parameters: try SimulationParameters(json: try g.stringAttribute("parameters")),
                                        frames: shape[0])
            }
        }
        train = splits[.train] ?? []
        test = splits[.test] ?? []
    }

    /// Source grid `[H, W]`.
    public var grid: [Int] { scenario.sourceGrid }

    /// The whole trajectory `[T, C, H, W]` of a simulation.
    public func trajectory(_ record: SimulationRecord) throws -> Tensor<Float> {
        let key = "\(record.split.rawValue)/\(record.name)"
        if let cached = lock.withLock({ cache[key] }) { return cached }
        let t = try (try file.root).group(record.split.rawValue).group(record.name).read("reference", as: Float.self)
        guard t.isFinite else {
            throw SOLError.notADataset(path: path, reason: "\(key)/reference holds NaN or infinite values")
        }
        lock.withLock { cache[key] = t }
        return t
    }

    /// Frames `range` of a simulation, `[range.count, C, H, W]`, reading only those chunks.
    public func frames(_ record: SimulationRecord, _ range: Range<Int>) throws -> Tensor<Float> {
        try (try file.root).group(record.split.rawValue).group(record.name).dataset("reference").readItems(range, as: Float.self)
    }

    /// The value of the scenario's conditioning parameter (e.g. `re`, `viscosity`) of a simulation.
    public func conditioning(_ record: SimulationRecord) throws -> Float {
        Float(try record.parameters.value(scenario.conditioningParameter, scenario: scenario.name))
    }
}
