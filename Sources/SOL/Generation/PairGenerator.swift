import Foundation
import Solver

/// Generates low/high-fidelity pairs: runs the reference simulator of a scenario for every
/// simulation, downsamples each frame with `T`, and writes the trajectories to an HDF5 file in
/// the `sol-pairs` layout (documented in `datasets/README.md`):
///
///     /                      @format = "sol-pairs", @version, @scenario, @channels, @config (JSON),
///                            @source_grid, @reference_grid, @factor, @dt, @domain, @frames, @warmup,
///                            @seed, @train, @test, @conditioning
///     /train/sim_000/        @viscosity (one attribute per numeric parameter), @seed, @parameters (JSON),
///                            @complete
///     /train/sim_000/reference   float32 [T, C, H, W], gzip, one frame per chunk
///     /test/sim_000/ …
///
/// The file is written as `<out>.partial` and renamed when complete. Simulations are computed in
/// batches of ``GenerationOptions/batch``; each finished batch is flushed and marked `complete`,
/// so an interrupted run resumes from the partial file without recomputing them. Every
/// reference frame is checked for NaN, infinity or values beyond the scenario's limit; a
/// blow-up throws ``SolverError/blowUp(simulation:step:maxAbs:limit:)`` naming the simulation.
///
/// The reference runs in Float32, like the stored data and the source solver in training. A
/// user's own reference solver (``ExternalSourceSolver`` in the ``ExternalSourceSolver/Role/reference``
/// role, `sol generate --reference-cmd|--reference-lib`) may step the reference grid instead; the
/// scenario still gives the initial states, `T` and the limits, and the file records the solver
/// (root attribute `reference_solver`).
public struct PairGenerator {
    /// Value of the root `format` attribute.
    public static let format = "sol-pairs"
    /// Value of the root `version` attribute.
    public static let version = 1

    /// The scenario configuration (stored as the file's `config`).
    public let scenario: any Scenario
    /// Simulation counts, frames, warm-up, seed and batch.
    public let options: GenerationOptions
    /// A user's reference solver (nil: the scenario's own).
    public let reference: ExternalSourceSolver?

    /// Validates the scenario and the options; throws before anything runs. `reference`
    /// replaces the scenario's reference solver (it must step the reference grid).
    public init(scenario: any Scenario, options: GenerationOptions, reference: ExternalSourceSolver? = nil) throws {
        try options.validate()
        self.scenario = scenario
        self.options = options
        self.reference = reference
        if let reference, reference.role != .reference || reference.sourceGrid != scenario.referenceGrid {
            throw SOLError.invalidOption(name: "reference-cmd", reason: "\(reference.label) does not step the reference grid")
        }
        // Before the scenario's own checks: they may build grids of the requested size.
        try MemoryBudget.require(estimatedBytes, for: "generating \(scenario.name) on the \(scenario.referenceGrid.map(String.init).joined(separator: "×")) reference grid in batches of \(min(options.batch, options.train + options.test))",
                                 advice: "lower --resolution, --factor or --batch")
        try scenario.validate()
    }

    /// Memory of one reference batch, estimated generously: the state and the solver's work
    /// arrays (spectral stages, staggered faces, pressure solve) in double precision, about 32
    /// arrays of the reference state's size per simulation.
    public var estimatedBytes: Double {
        let cells = scenario.referenceGrid.reduce(1.0) { $0 * Double($1) } * Double(scenario.channels.count)
        return cells * Double(min(options.batch, options.train + options.test)) * 32 * 8
    }

    /// Warm-up frames actually used.
    public var warmup: Int { options.warmup ?? scenario.defaultWarmup }

    /// The parameter sets of both splits.
    public var parameters: (train: [SimulationParameters], test: [SimulationParameters]) {
        scenario.defaultParameters(train: options.train, test: options.test, seed: options.seed)
    }

    /// What a run did.
    public struct Summary: Sendable {
        /// The file written.
        public var path: String
        /// Simulations computed by this run.
        public var computed: Int
        /// Simulations found complete in the `.partial` file and kept.
        public var resumed: Int
        /// Wall time of the run.
        public var seconds: Double
    }

    /// Writes the dataset to `path`. Refuses an existing file unless `overwrite`; resumes a
    /// partial file of an interrupted run with the same configuration.
    @discardableResult
    public func generate(to path: String, overwrite: Bool = false, progress: Progress? = nil) throws -> Summary {
        let start = Date()
        let (train, test) = parameters
        try scenario.validate(train + test)
        if FileManager.default.fileExists(atPath: path) && !overwrite { throw CoreError.fileExists(path: path) }
        discardForeignPartial(path, progress: progress)
        let file = try HDF5File.create(path, overwrite: overwrite, resumable: true)
        var computed = 0, resumed = 0
        do {
            // One reference process for the whole run (a library is shared anyway).
            let worker = try reference.map { solver in
                try Self.reporting(solver, "at start-up") { try solver.startWorker() }
            }
            if file.isResumed { progress?.note("resuming \(file.workingPath): finished simulations are kept") }
            let root = try file.root
            if !file.isResumed {
                try writeRootAttributes(root)
                if let reference { try root.setAttribute("reference_solver", reference.record) }
            }
            for (split, list) in [(DatasetSplit.train, train), (.test, test)] {
                let splitGroup = try root.groupCreatingIfNeeded(split.rawValue)
                var pending: [(name: String, parameters: SimulationParameters)] = []
                for (i, p) in list.enumerated() {
                    let name = String(format: "sim_%03d", i)
                    if try splitGroup.contains(name) {
                        let group = try splitGroup.group(name)
                        if try group.hasAttribute("complete"), try group.intAttribute("complete") == 1 {
                            resumed += 1
                            progress?.advance(by: warmup + options.frames)
                            continue
                        }
                        try splitGroup.remove(name)
                    }
                    pending.append((name, p))
                }
                var start = 0
                while start < pending.count {
                    let chunk = Array(pending[start..<min(start + options.batch, pending.count)])
                    try simulate(chunk, split: split, in: splitGroup, worker: worker, progress: progress)
                    try file.flush()
                    computed += chunk.count
                    start += chunk.count
                }
            }
            try file.commit()
        } catch {
            // A failed run (a blow-up, a full disk, a bad plan) leaves nothing behind: resuming would
            // fail the same way, and a partial file that took a failed write cannot be trusted.
            file.discard()
            throw error
        }
        progress?.finish()
        return Summary(path: path, computed: computed, resumed: resumed, seconds: Date().timeIntervalSince(start))
    }

    /// Total progress units of a run (reference frames over all simulations).
    public var progressTotal: Int { (options.train + options.test) * (warmup + options.frames) }

    /// Deletes `<path>.partial` if it was started with another configuration (or is unreadable).
    private func discardForeignPartial(_ path: String, progress: Progress?) {
        let partial = path + HDF5File.partialSuffix
        guard FileManager.default.fileExists(atPath: partial) else { return }
        let same = (try? matches(try HDF5File.open(partial).root)) ?? false
        if !same {
            progress?.note("\(partial) is from another configuration or damaged; starting over")
            try? FileManager.default.removeItem(atPath: partial)
        }
    }

    private func writeRootAttributes(_ root: HDF5Group) throws {
        try Self.writeRootAttributes(root, scenario: scenario, frames: options.frames, warmup: warmup, seed: options.seed,
                                     train: options.train, test: options.test)
    }

    /// Writes the root attributes of a `sol-pairs` file (also used by `sol import`).
    public static func writeRootAttributes(_ root: HDF5Group, scenario: any Scenario, frames: Int, warmup: Int,
                                           seed: UInt64, train: Int, test: Int) throws {
        try root.setAttribute("format", Self.format)
        try root.setAttribute("version", Self.version)
        try root.setAttribute("scenario", scenario.name)
        try root.setAttribute("channels", scenario.channels.joined(separator: ","))
        try root.setAttribute("config", scenario.configurationJSON)
        try root.setAttribute("source_grid", scenario.sourceGrid)
        try root.setAttribute("reference_grid", scenario.referenceGrid)
        try root.setAttribute("factor", scenario.factor)
        try root.setAttribute("dt", scenario.dt)
        try root.setAttribute("domain", scenario.domain)
        try root.setAttribute("frames", frames)
        try root.setAttribute("warmup", warmup)
        try root.setAttribute("seed", Int(truncatingIfNeeded: seed))
        try root.setAttribute("train", train)
        try root.setAttribute("test", test)
        try root.setAttribute("conditioning", scenario.conditioningParameter)
        try root.setAttribute("layout", "T,C,H,W")
    }

    /// Creates the group of one simulation with its parameter attributes (one per numeric
    /// parameter, `seed`, `parameters` as JSON) and its empty `reference` dataset
    /// `[frames, C, H, W]` float32, gzip, one frame per chunk (also used by `sol import`).
    public static func createSimulation(_ name: String, parameters p: SimulationParameters, frames: Int, scenario: any Scenario,
                                        gzipLevel: Int, in splitGroup: HDF5Group) throws -> (group: HDF5Group, reference: HDF5Dataset) {
        let group = try splitGroup.createGroup(name)
        for key in p.names { try group.setAttribute(key, p.values[key] ?? .nan) }
        try group.setAttribute("seed", Int(truncatingIfNeeded: p.seed))
        try group.setAttribute("parameters", p.json)
        let grid = scenario.sourceGrid, channels = scenario.channels.count
        let options = HDF5DatasetOptions(chunks: [1, channels] + grid, gzipLevel: gzipLevel)
        let reference = try group.createDataset("reference", of: Float.self, shape: [frames, channels] + grid, options: options)
        return (group, reference)
    }

    /// Whether a partial file was started with this very configuration.
    private func matches(_ root: HDF5Group) throws -> Bool {
        guard try root.hasAttribute("config"), try root.hasAttribute("frames") else { return false }
        return try root.stringAttribute("scenario") == scenario.name
            && root.stringAttribute("config") == scenario.configurationJSON
            && root.intAttribute("frames") == options.frames && root.intAttribute("warmup") == warmup
            && root.intAttribute("seed") == Int(truncatingIfNeeded: options.seed)
            && root.intAttribute("train") == options.train && root.intAttribute("test") == options.test
            && (root.hasAttribute("reference_solver") ? try root.stringAttribute("reference_solver") : nil) == reference?.record
    }

    /// Runs `body`, reporting a failing user's reference solver with `context`.
    private static func reporting<T>(_ solver: ExternalSourceSolver, _ context: @autoclosure () -> String,
                                     _ body: () throws -> T) throws -> T {
        do { return try body() } catch let SolverError.externalSolver(_, reason) {
            throw SOLError.solverFailed(solver: solver.label, context: context(), reason: reason)
        }
    }

    private func simulate(_ chunk: [(name: String, parameters: SimulationParameters)], split: DatasetSplit,
                          in splitGroup: HDF5Group, worker: (any SourceSolver)?, progress: Progress?) throws {
        let params = chunk.map(\.parameters)
        let names = chunk.map { "\(split.rawValue)/\($0.name)" }
        let reference: any Simulator<Float>
        if let worker, let solver = self.reference {
            let inner = try Self.reporting(solver, "starting on \(names.joined(separator: ", "))") { try worker.sourceSimulator(for: params) }
            reference = ReportingSimulator(inner: inner, solver: solver, names: names)
        } else {
            reference = try scenario.makeReference(params, as: Float.self)
        }
        var state = try scenario.initialStates(params, as: Float.self)
        try check(state, names: names, step: 0)
        for k in 0..<warmup {
            try reference.step(&state)
            try check(state, names: names, step: k + 1)
            progress?.advance(by: chunk.count)
        }
        var datasets: [HDF5Dataset] = []
        var groups: [HDF5Group] = []
        for (name, p) in chunk {
            let (group, reference) = try Self.createSimulation(name, parameters: p, frames: options.frames, scenario: scenario,
                                                               gzipLevel: options.gzipLevel, in: splitGroup)
            datasets.append(reference)
            groups.append(group)
        }
        for t in 0..<options.frames {
            if t > 0 {
                try reference.step(&state)
                try check(state, names: names, step: warmup + t)
            }
            let coarse = try scenario.downsample(state)
            for b in 0..<chunk.count { try datasets[b].writeItems(coarse[item: b], at: t) }
            progress?.advance(by: chunk.count)
        }
        for group in groups { try group.setAttribute("complete", 1) }
    }

    private func check(_ state: Tensor<Float>, names: [String], step: Int) throws {
        let limit = scenario.blowUpLimit
        let n = state.itemCount
        try state.withUnsafeBufferPointer { s in
            for b in 0..<names.count {
                var peak: Float = 0
                for i in (b * n)..<((b + 1) * n) {
                    let v = s[i]
                    if !v.isFinite { throw SolverError.blowUp(simulation: names[b], step: step, maxAbs: .infinity, limit: limit) }
                    peak = max(peak, abs(v))
                }
                if Double(peak) > limit {
                    throw SolverError.blowUp(simulation: names[b], step: step, maxAbs: Double(peak), limit: limit)
                }
            }
        }
    }
}

/// A user's reference simulator whose failures name the simulations and the step
/// (``SOLError/solverFailed(solver:context:reason:)``).
private final class ReportingSimulator: Simulator, @unchecked Sendable {
    let inner: any Simulator<Float>
    let solver: ExternalSourceSolver
    let names: [String]
    private var steps = 0
    init(inner: any Simulator<Float>, solver: ExternalSourceSolver, names: [String]) {
        self.inner = inner
        self.solver = solver
        self.names = names
    }
    var channels: [String] { inner.channels }
    var gridShape: [Int] { inner.gridShape }
    var batchSize: Int { inner.batchSize }
    var parameters: [SimulationParameters] { inner.parameters }
    var dt: Double { inner.dt }
    func step(_ states: inout Tensor<Float>) throws {
        steps += 1
        do { try inner.step(&states) } catch let SolverError.externalSolver(_, reason) {
            throw SOLError.solverFailed(solver: solver.label, context: "at reference step \(steps) of \(names.joined(separator: ", "))",
                                        reason: reason)
        }
    }
}
