import Foundation
import Solver

/// Turns trajectories in another tool's layout (PBDL file, The Well file or directory) into a
/// `sol-pairs` dataset of a scenario, for training correctors.
///
/// The data must match the scenario: the same channels, frames `dt` apart, every parameter the
/// scenario needs, and the scenario's **reference** grid (frames are then downsampled with `T`,
/// as `sol generate` does) or its source grid (stored as they are). The scenario's configuration
/// is the one a `sol export` file carries (`sol_config`), else the scenario's default; either is
/// adjusted by `--resolution`, `--factor`, `--dt`. A mismatch throws
/// ``SOLError/importMismatch(path:scenario:what:reason:)`` naming what does not match.
public struct DatasetImporter {
    /// The layout of the input.
    public let format: ExchangeFormat
    /// The input file (PBDL) or file or directory (The Well).
    public let input: String
    /// The scenario configuration the data is checked against.
    public let scenario: any Scenario

    /// One simulation read from the input, on the `sol` grid it was stored on.
    struct Simulation {
        var split: DatasetSplit
        var parameters: SimulationParameters
        /// `[T, C, H, W]`.
        var frames: Tensor<Float>
        /// Where it came from, for messages (`sims/sim3`, `file.hdf5 trajectory 0`).
        var origin: String
    }

    /// An importer of `input` as scenario `scenarioName`; the configuration comes from the input's
    /// `sol_config` when it names the same scenario, with the given overrides applied.
    public init(format: ExchangeFormat, input: String, scenarioName: String,
                resolution: Int? = nil, factor: Int? = nil, dt: Double? = nil) throws {
        self.format = format
        self.input = input
        guard FileManager.default.fileExists(atPath: input) else { throw CoreError.fileNotFound(path: input) }
        var base = try ScenarioRegistry.scenario(named: scenarioName)
        if let (name, json) = try Self.storedConfiguration(format: format, input: input), name == scenarioName {
            base = try ScenarioRegistry.scenario(named: name, configurationJSON: json)
        }
        scenario = try base.with(resolution: resolution, factor: factor, dt: dt)
    }

    /// What an import wrote.
    public struct Summary: Sendable {
        /// The dataset written.
        public var path: String
        /// Training and test simulations.
        public var train: Int, test: Int
        /// Frames per simulation.
        public var frames: Int
        /// Whether the input was on the reference grid (and was downsampled with `T`).
        public var downsampled: Bool
    }

    /// Reads, checks and writes the dataset to `out` (atomically; refuses an existing file unless
    /// `overwrite`).
    @discardableResult
    public func importDataset(to out: String, overwrite: Bool = false) throws -> Summary {
        if FileManager.default.fileExists(atPath: out) && !overwrite { throw CoreError.fileExists(path: out) }
        let simulations: [Simulation]
        switch format {
        case .pbdl: simulations = try readPBDL()
        case .well: simulations = try readWell()
        }
        guard let first = simulations.first else {
            throw SOLError.notAnExchangeFile(path: input, format: format.rawValue, reason: "it holds no simulation")
        }
        let frames = first.frames.shape[0]
        for s in simulations where s.frames.shape[0] != frames {
            throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "frames",
                                          reason: "\(s.origin) has \(s.frames.shape[0]) frames, \(first.origin) \(frames); "
                                            + "a dataset's simulations have equally many")
        }
        guard frames >= 2 else {
            throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "frames",
                                          reason: "\(first.origin) has \(frames) frame(s); training needs at least 2")
        }
        for s in simulations where !s.frames.isFinite {
            throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "values", reason: "\(s.origin) holds NaN or infinite values")
        }
        let downsampled = Array(first.frames.shape.dropFirst(2)) != scenario.sourceGrid
        let train = simulations.filter { $0.split == .train }, test = simulations.filter { $0.split == .test }

        let file = try HDF5File.create(out, overwrite: overwrite)
        let root = try file.root
        try PairGenerator.writeRootAttributes(root, scenario: scenario, frames: frames, warmup: try storedWarmup() ?? 0, seed: 0,
                                              train: train.count, test: test.count)
        try root.setAttribute("imported_from", input)
        try root.setAttribute("imported_format", format.rawValue)
        for (split, list) in [(DatasetSplit.train, train), (.test, test)] where !list.isEmpty {
            let group = try root.createGroup(split.rawValue)
            var references: [HDF5Dataset] = []
            for (i, simulation) in list.enumerated() {
                let (sim, reference) = try PairGenerator.createSimulation(String(format: "sim_%03d", i), parameters: simulation.parameters,
                                                                          frames: frames, scenario: scenario,
                                                                          gzipLevel: GenerationOptions().gzipLevel, in: group)
                try sim.setAttribute("complete", 1)
                references.append(reference)
            }
            try writeFrames(list.map(\.frames), to: references, downsample: downsampled)
        }
        try file.commit()
        return Summary(path: out, train: train.count, test: test.count, frames: frames, downsampled: downsampled)
    }

    /// Writes the frames of one split. Reference-grid frames are downsampled the way
    /// `sol generate` does it: frame by frame, the simulations in batches of the generator's
    /// default size, so that re-importing an exported reference reproduces the stored frames bit
    /// for bit (`T` of a batch of one and of a larger batch can differ in the last bit).
    private func writeFrames(_ trajectories: [Tensor<Float>], to references: [HDF5Dataset], downsample: Bool) throws {
        guard downsample else {
            for (trajectory, reference) in zip(trajectories, references) { try reference.write(trajectory.scalars) }
            return
        }
        let batch = GenerationOptions().batch
        var start = 0
        while start < trajectories.count {
            let chunk = start..<min(start + batch, trajectories.count)
            start = chunk.upperBound
            for t in 0..<(trajectories.first?.shape[0] ?? 0) {
                let coarse = try scenario.downsample(Tensor(stacking: chunk.map { trajectories[$0].items(t..<(t + 1)) })
                    .reshaped([chunk.count] + Array(trajectories[chunk.lowerBound].shape.dropFirst())))
                for (b, index) in chunk.enumerated() { try references[index].writeItems(coarse.items(b..<(b + 1)), at: t) }
            }
        }
    }

    // MARK: - Checks shared by both layouts

    /// Checks channel count, grid and dt of one array and converts it to `[T, C, H, W]`.
    private func frames(_ values: [Float], exchangeShape shape: [Int], channelLast: Bool, dt: Double?, dtTolerance: Double = 1e-6,
                        fieldNames: [String], origin: String) throws -> Tensor<Float> {
        let channels = scenario.channels
        let spatial = channelLast ? Array(shape.dropFirst().dropLast()) : Array(shape.dropFirst(2))
        let count = channelLast ? shape.last ?? 0 : (shape.count > 1 ? shape[1] : 0)
        guard count == channels.count else {
            throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "channels",
                                          reason: "\(origin) has \(count) channel(s) \(fieldNames), \(scenario.name) has "
                                            + "\(channels.count) \(channels)")
        }
        let grid: [Int]
        switch spatial.count {
        case 1: grid = [1, spatial[0]]
        case 2: grid = [spatial[1], spatial[0]]
        default: grid = []
        }
        guard grid == scenario.referenceGrid || grid == scenario.sourceGrid else {
            throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "grid",
                                          reason: "\(origin) is \(Self.xFirst(spatial)) (x × y), the \(scenario.name) reference grid is "
                                            + "\(Self.xFirst(scenario.referenceGrid.reversed().filter { $0 > 1 })) and its source grid "
                                            + "\(Self.xFirst(scenario.sourceGrid.reversed().filter { $0 > 1 })) "
                                            + "(set the configuration with --resolution, --factor)")
        }
        if let dt, abs(dt - scenario.dt) > dtTolerance * scenario.dt {
            throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "dt",
                                          reason: "frames are \(dt) apart, the scenario's dt is \(scenario.dt) (set it with --dt)")
        }
        let layout = ExchangeLayout(scenario: scenario, grid: grid)
        let t = shape[0]
        return Tensor(shape: [t, channels.count] + grid, scalars: layout.solOrder(values, channelLast: channelLast))
    }

    private static func xFirst(_ sizes: [Int]) -> String { sizes.map(String.init).joined(separator: " × ") }

    private func parameters(_ lookup: (String) throws -> Double?, seed: UInt64, origin: String, available: [String]) throws
        -> SimulationParameters {
        var values: [String: Double] = [:]
        for name in scenario.parameterNames {
            guard let value = try lookup(name) else {
                throw SOLError.importMismatch(path: input, scenario: scenario.name, what: "parameters",
                                              reason: "\(origin) lacks '\(name)' (it has \(available))")
            }
            values[name] = value
        }
        let parameters = SimulationParameters(values, seed: seed)
        try scenario.validate(parameters)
        return parameters
    }

    private static func optionalDouble(_ object: HDF5Object, _ name: String) throws -> Double? {
        try object.hasAttribute(name) ? try object.doubleAttribute(name) : nil
    }

    private static func split(_ object: HDF5Object) throws -> DatasetSplit? {
        try object.hasAttribute("sol_split") ? DatasetSplit(rawValue: try object.stringAttribute("sol_split")) : nil
    }

    private static func seed(_ object: HDF5Object) throws -> UInt64 {
        try object.hasAttribute("sol_seed") ? UInt64(truncatingIfNeeded: try object.intAttribute("sol_seed")) : 0
    }

    // MARK: - PBDL

    private func readPBDL() throws -> [Simulation] {
        let file = try HDF5File.open(input)
        let root = try file.root
        guard try root.contains("sims") else {
            throw SOLError.notAnExchangeFile(path: input, format: "PBDL", reason: "it has no group 'sims'")
        }
        let sims = try root.group("sims")
        for required in ["Fields", "Dt", "Constants"] where try !sims.hasAttribute(required) {
            throw SOLError.notAnExchangeFile(path: input, format: "PBDL", reason: "group 'sims' lacks the attribute '\(required)'")
        }
        let fields = try sims.stringsAttribute("Fields")
        let dt = try sims.doubleAttribute("Dt")
        let constants = try sims.stringsAttribute("Constants")
        let names = try sims.memberNames().compactMap { name -> (Int, String)? in
            guard name.hasPrefix("sim"), let index = Int(name.dropFirst(3)) else { return nil }
            return (index, name)
        }.sorted { $0.0 < $1.0 }.map(\.1)
        return try names.map { name in
            let sim = try sims.dataset(name)
            let origin = "sims/\(name)"
            let parameters = try self.parameters({ try Self.optionalDouble(sim, $0) }, seed: try Self.seed(sim), origin: origin,
                                                 available: constants)
            let frames = try self.frames(try sim.readAll(as: Float.self), exchangeShape: try sim.shape(), channelLast: false, dt: dt,
                                         fieldNames: fields, origin: origin)
            return Simulation(split: try Self.split(sim) ?? .train, parameters: parameters, frames: frames, origin: origin)
        }
    }

    // MARK: - The Well

    /// The Well files of the input: the file itself, `DIR/data/{train,valid,test}/*.hdf5|h5`, or `DIR/*.hdf5|h5`.
    private func wellFiles() throws -> [(path: String, split: DatasetSplit)] {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory)
        guard isDirectory.boolValue else { return [(input, .train)] }
        let list = { (directory: String) -> [String] in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".hdf5") || $0.hasSuffix(".h5") }.sorted().map { "\(directory)/\($0)" }
        }
        let data = "\(input)/data"
        let files: [(String, DatasetSplit)]
        if FileManager.default.fileExists(atPath: data) {
            files = list("\(data)/train").map { ($0, .train) } + list("\(data)/valid").map { ($0, .test) }
                + list("\(data)/test").map { ($0, .test) }
        } else {
            files = list(input).map { ($0, .train) }
        }
        guard !files.isEmpty else {
            throw SOLError.notAnExchangeFile(path: input, format: "The Well", reason: "no .hdf5 or .h5 file in it or in its data/train, data/valid, data/test")
        }
        return files
    }

    private func readWell() throws -> [Simulation] {
        try wellFiles().flatMap { path, directorySplit -> [Simulation] in
            let file = try HDF5File.open(path)
            let root = try file.root
            let name = URL(fileURLWithPath: path).lastPathComponent
            for group in ["dimensions", "t0_fields", "t1_fields"] where try !root.contains(group) {
                throw SOLError.notAnExchangeFile(path: path, format: "The Well", reason: "it has no group '\(group)'")
            }
            let (values, shape, fieldNames) = try wellField(root, file: name)
            // The exact dt of a `sol export` file, else the spacing of the float32 time coordinates.
            var dt = try Self.optionalDouble(root, "sol_dt"), dtTolerance = 1e-6
            if dt == nil {
                let time = try root.group("dimensions").dataset("time").readAll(as: Double.self)
                dt = time.count > 1 ? (time[time.count - 1] - time[0]) / Double(time.count - 1) : nil
                dtTolerance = 1e-4
            }
            let available = try root.hasAttribute("simulation_parameters") ? try root.stringsAttribute("simulation_parameters") : []
            let scalars = try root.contains("scalars") ? try root.group("scalars") : nil
            let lookup = { (parameter: String) throws -> Double? in
                if let value = try Self.optionalDouble(root, parameter) { return value }
                if let scalars, try scalars.contains(parameter) {
                    let stored = try scalars.dataset(parameter)
                    if try stored.shape().reduce(1, *) == 1 { return try stored.readAll(as: Double.self)[0] }
                }
                return nil
            }
            let trajectories = shape[0]
            let size = shape.dropFirst().reduce(1, *)
            let split = try Self.split(root) ?? directorySplit
            return try (0..<trajectories).map { n in
                let origin = trajectories == 1 ? name : "\(name) trajectory \(n)"
                let parameters = try self.parameters(lookup, seed: try Self.seed(root), origin: origin, available: available)
                let frames = try self.frames(Array(values[(n * size)..<((n + 1) * size)]), exchangeShape: Array(shape.dropFirst()),
                                             channelLast: true, dt: dt, dtTolerance: dtTolerance,
                                             fieldNames: fieldNames, origin: origin)
                return Simulation(split: split, parameters: parameters, frames: frames, origin: origin)
            }
        }
    }

    /// The time-varying field holding the scenario's channels as `[n, T, x…, C]` scalars: the
    /// order-1 field (for vector channels) or the order-0 field named after the single channel.
    private func wellField(_ root: HDF5Group, file: String) throws -> (values: [Float], shape: [Int], names: [String]) {
        let channels = scenario.channels
        let t0 = try root.group("t0_fields"), t1 = try root.group("t1_fields")
        let t0Names = try t0.hasAttribute("field_names") ? try t0.stringsAttribute("field_names") : []
        let t1Names = try t1.hasAttribute("field_names") ? try t1.stringsAttribute("field_names") : []
        let found = "t0_fields \(t0Names), t1_fields \(t1Names)"
        if channels.count == 1 {
            let name = t0Names.contains(channels[0]) ? channels[0] : (t0Names.count == 1 ? t0Names[0] : nil)
            guard let name else {
                throw SOLError.importMismatch(path: file, scenario: scenario.name, what: "channels",
                                              reason: "no scalar field '\(channels[0])' (found \(found))")
            }
            let field = try t0.dataset(name)
            return (try field.readAll(as: Float.self), try field.shape() + [1], [name])
        }
        let name = t1Names.contains("velocity") ? "velocity" : (t1Names.count == 1 ? t1Names[0] : nil)
        guard let name else {
            throw SOLError.importMismatch(path: file, scenario: scenario.name, what: "channels",
                                          reason: "no vector field with components \(channels) (found \(found))")
        }
        let field = try t1.dataset(name)
        return (try field.readAll(as: Float.self), try field.shape(), (try field.shape().last).map { n in (0..<n).map { "\(name)[\($0)]" } } ?? [])
    }

    // MARK: - Stored sol metadata

    /// The object carrying the `sol_*` attributes of an export: `sims` (PBDL) or the root of the
    /// first file (The Well).
    private static func metadataObject(format: ExchangeFormat, input: String) throws -> HDF5Group? {
        var path = input
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            let candidates = ["\(input)/data/train", "\(input)/data/test", input]
            path = candidates.lazy.compactMap { directory in
                ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                    .filter { $0.hasSuffix(".hdf5") || $0.hasSuffix(".h5") }.sorted().first.map { "\(directory)/\($0)" }
            }.first ?? input
        }
        guard !((try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory) else {
            return nil
        }
        let root = try HDF5File.open(path).root
        if format == .pbdl { return try root.contains("sims") ? try root.group("sims") : nil }
        return root
    }

    /// `(scenario, configuration JSON)` of a `sol export` file, if the input is one.
    static func storedConfiguration(format: ExchangeFormat, input: String) throws -> (String, String)? {
        guard let object = try metadataObject(format: format, input: input),
              try object.hasAttribute("sol_scenario"), try object.hasAttribute("sol_config") else { return nil }
        return (try object.stringAttribute("sol_scenario"), try object.stringAttribute("sol_config"))
    }

    private func storedWarmup() throws -> Int? {
        guard let object = try Self.metadataObject(format: format, input: input), try object.hasAttribute("sol_warmup") else { return nil }
        return try object.intAttribute("sol_warmup")
    }
}
