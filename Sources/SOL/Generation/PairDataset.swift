import Foundation
import Solver

/// A `sol-pairs` dataset file opened for reading: the scenario (rebuilt from the file's
/// metadata alone), the simulations of each split with their parameters, and their downsampled
/// reference trajectories `[T, C, H, W]` (Float32, on the source grid).
public struct PairDataset {
    /// One simulation of the file.
    public struct Simulation: Sendable {
        /// Path of its group, e.g. `"train/sim_000"`.
        public var name: String
        public var split: DatasetSplit
        public var parameters: SimulationParameters
    }

    public let path: String
    public let scenario: any Scenario
    public let frames: Int
    public let warmup: Int
    public let train: [Simulation]
    public let test: [Simulation]
    private let file: HDF5File

    /// Opens `path` and rebuilds its scenario through ``ScenarioRegistry``.
    public init(path: String) throws {
        self.path = path
        file = try HDF5File.open(path)
        let root = try file.root
        guard try root.hasAttribute("format"), try root.stringAttribute("format") == PairGenerator.format else {
            throw GenerationError.notADataset(path: path, reason: "no format = \"\(PairGenerator.format)\" attribute")
        }
        scenario = try ScenarioRegistry.scenario(named: try root.stringAttribute("scenario"),
                                                 configurationJSON: try root.stringAttribute("config"))
        frames = try root.intAttribute("frames")
        warmup = try root.intAttribute("warmup")
        var splits: [DatasetSplit: [Simulation]] = [:]
        for split in DatasetSplit.allCases {
            guard try root.contains(split.rawValue) else { splits[split] = []; continue }
            let group = try root.group(split.rawValue)
            splits[split] = try group.memberNames().map { name in
                let sim = try group.group(name)
                return Simulation(name: "\(split.rawValue)/\(name)", split: split,
                                  parameters: try SimulationParameters(json: try sim.stringAttribute("parameters")))
            }
        }
        train = splits[.train] ?? []
        test = splits[.test] ?? []
    }

    /// The whole downsampled reference trajectory of a simulation, `[T, C, H, W]`.
    public func trajectory(_ simulation: Simulation) throws -> Tensor<Float> {
        try file.root.group(simulation.name).read("reference", as: Float.self)
    }

    /// Frames `range` of a simulation, `[range.count, C, H, W]`, reading only those chunks.
    public func frames(_ simulation: Simulation, _ range: Range<Int>) throws -> Tensor<Float> {
        try file.root.group(simulation.name).dataset("reference").readItems(range, as: Float.self)
    }
}
