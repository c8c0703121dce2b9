import Foundation
import Solver

/// `sol eval`: rolls out SRC and every model on the test simulations for K steps from the same
/// frame (frame 0 of each test trajectory) and compares with the downsampled reference.
///
/// All test simulations advance together as one batch of the source solver. MAE of one
/// simulation = mean over steps 1…K, cells and components of `|s̃ − T r|` (raw units).
public struct Evaluator {
    /// The dataset whose test simulations are rolled out.
    public let dataset: PairDataset
    /// The trained correctors, in table order after SRC.
    public let models: [TrainedModel]
    /// Rollout length `K`.
    public let steps: Int
    /// The source solver every row rolls out (the dataset's scenario unless a user's own is given).
    public let source: any SourceSolver

    /// Checks that every test trajectory holds `steps + 1` frames; `source` replaces the
    /// dataset's source solver (SRC and every model then roll out through it).
    public init(dataset: PairDataset, models: [TrainedModel], steps: Int, source: (any SourceSolver)? = nil) throws {
        guard steps >= 1 else { throw SOLError.invalidOption(name: "steps", reason: "must be ≥ 1, got \(steps)") }
        guard !dataset.test.isEmpty else { throw SOLError.notADataset(path: dataset.path, reason: "it has no test simulations") }
        let shortest = dataset.test.map(\.frames).min()!
        guard steps < shortest else { throw SOLError.trajectoryTooShort(path: dataset.path, needed: steps + 1, available: shortest) }
        self.dataset = dataset
        self.models = models
        self.steps = steps
        self.source = source ?? dataset.scenario
    }

    /// Table labels in order: `SRC`, then the models' methods, suffixed `-2`, `-3` when repeated.
    public var labels: [String] {
        var seen: [String: Int] = [:]
        return ["SRC"] + models.map { model in
            let n = (seen[model.label] ?? 0) + 1
            seen[model.label] = n
            return n == 1 ? model.label : "\(model.label)-\(n)"
        }
    }

    /// Runs every rollout. `rollouts` (optional) receives each method's states `[S][K+1]`.
    public func run(progress: (String) -> Void = { _ in },
                    rollouts: ((String, [[Tensor<Float>]]) throws -> Void)? = nil) throws -> (table: MAETable, reference: [Tensor<Float>]) {
        let records = dataset.test
        let trajectories = try records.map { try dataset.trajectory($0) }
        // reference[k] = [S, C, H, W] at step k.
        let reference = (0...steps).map { k in Tensor(stacking: trajectories.map { $0[item: k] }) }
        let parameters = records.map(\.parameters)
        let conditioning = try records.map { try dataset.conditioning($0) }
        // The test simulations are one batch: its corrector calls use the machine's cores.
        let engine = RolloutEngine(source: source, networkThreads: ProcessInfo.processInfo.activeProcessorCount)
        var evaluations: [MethodEvaluation] = []
        for (label, model) in zip(labels, [nil] + models.map { Optional($0) }) {
            progress(label)
            let states = try engine.rollout(model?.network, start: reference[0], parameters: parameters,
                                            conditioning: conditioning, steps: steps, label: label)
            let errors = (0..<records.count).map { s in
                (1...steps).map { k in states[k][item: s].meanAbsoluteDifference(reference[k][item: s]) }
            }
            evaluations.append(MethodEvaluation(name: label, model: model?.path, errorBySimulationAndStep: errors))
            try rollouts?(label, (0..<records.count).map { s in states.map { $0[item: s] } })
        }
        return (MAETable(dataset: dataset.path, steps: steps, simulations: records.map(\.name), methods: evaluations), reference)
    }

    /// Runs the evaluation and, if `path` is given, writes every rollout to an HDF5 file in the
    /// `sol-rollouts` layout (docs/file-formats.md) for the notebooks.
    public func run(writingRolloutsTo path: String?, overwrite: Bool = true,
                    progress: (String) -> Void = { _ in }) throws -> MAETable {
        guard let path else { return try run(progress: progress).table }
        let file = try HDF5File.create(path, overwrite: overwrite)
        let root = try file.root
        let records = dataset.test
        let groups = try records.map { record -> HDF5Group in
            let g = try root.createGroup(record.name)
            for name in record.parameters.names { try g.setAttribute(name, record.parameters[name]!) }
            try g.setAttribute("parameters", record.parameters.json)
            return g
        }
        let (table, reference) = try run(progress: progress) { label, states in
            for (s, g) in groups.enumerated() {
                try g.write(Tensor(stacking: states[s]), to: label, options: .compressed)
            }
        }
        for (s, g) in groups.enumerated() {
            try g.write(Tensor(stacking: reference.map { $0[item: s] }), to: "reference", options: .compressed)
        }
        let mae = try root.createGroup("mae_over_time")
        for m in table.methods {
            try mae.write(Tensor<Double>(shape: [records.count, steps], scalars: m.errorBySimulationAndStep.flatMap { $0 }), to: m.name)
        }
        try root.setAttribute("format", "sol-rollouts")
        try root.setAttribute("scenario", dataset.scenario.name)
        try root.setAttribute("channels", dataset.channels.joined(separator: ","))
        try root.setAttribute("steps", steps)
        try root.setAttribute("methods", table.methods.map(\.name).joined(separator: ","))
        try root.setAttribute("dataset", dataset.path)
        try file.commit()
        return table
    }
}
