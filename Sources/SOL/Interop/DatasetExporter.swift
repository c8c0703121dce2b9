import Foundation
import Solver

/// Writes a `sol-pairs` dataset in the layout of another tool's loader (``ExchangeFormat``):
/// PBDL (one `.hdf5` file) or The Well (a directory `data/train/`, `data/test/` of one file per
/// simulation). The mapping of every field is in docs/file-formats.md, "Exchange layouts".
///
/// Besides the fields each specification asks for, the files carry `sol_*` attributes (scenario,
/// configuration JSON, split, simulation name, seed, warm-up) so that `sol import` rebuilds the
/// same dataset; the other tools ignore them.
///
/// Writes are atomic: the PBDL file goes to `<out>.partial` and is renamed when complete; The Well
/// directory is written as `<out>.partial/` and renamed.
public struct DatasetExporter {
    /// The dataset exported.
    public let dataset: PairDataset
    /// The target layout.
    public let format: ExchangeFormat
    /// Reference (recomputed, reference grid) or the stored source-grid frames.
    public let selection: ExportSelection

    /// An exporter of `dataset`.
    public init(dataset: PairDataset, format: ExchangeFormat, selection: ExportSelection) {
        self.dataset = dataset
        self.format = format
        self.selection = selection
    }

    /// What an export wrote.
    public struct Summary: Sendable {
        /// The file (PBDL) or directory (The Well) written.
        public var path: String
        /// Files written.
        public var files: [String]
        /// Simulations written.
        public var simulations: Int
        /// Frames per simulation.
        public var frames: Int
        /// The `sol` grid `[H, W]` of the exported frames.
        public var grid: [Int]
        /// For ``ExportSelection/reference``: the check of the recomputed reference against the
        /// stored frames.
        public var replay: ReferenceReplay.Check?
    }

    /// The grid of the exported frames.
    public var grid: [Int] { selection == .reference ? dataset.scenario.referenceGrid : dataset.scenario.sourceGrid }

    /// The layout of the exported frames.
    public var layout: ExchangeLayout { ExchangeLayout(scenario: dataset.scenario, grid: grid) }

    /// Progress units of an export (frames over all simulations).
    public var progressTotal: Int { (dataset.train + dataset.test).reduce(0) { $0 + $1.frames } }

    /// Writes the export to `out`: a `.hdf5` file for PBDL, a directory for The Well. Refuses an
    /// existing `out` unless `overwrite`.
    @discardableResult
    public func export(to out: String, overwrite: Bool = false, progress: Progress? = nil) throws -> Summary {
        let manager = FileManager.default
        if manager.fileExists(atPath: out) && !overwrite { throw CoreError.fileExists(path: out) }
        switch format {
        case .pbdl:
            guard out.hasSuffix(".hdf5") else {
                throw SOLError.invalidOption(name: "out", reason: "a PBDL dataset is one file ending in .hdf5 (the loader finds "
                                             + "datasets by that extension), got \(out)")
            }
            return try exportPBDL(to: out, overwrite: overwrite, progress: progress)
        case .well:
            return try exportWell(to: out, overwrite: overwrite, progress: progress)
        }
    }

    // MARK: - Trajectories

    /// Calls `body` with every simulation (train first, then test, in file order) and its frames
    /// `[T, C, H, W]` on ``grid``.
    private func forEachTrajectory(progress: Progress?, _ body: (SimulationRecord, Tensor<Float>) throws -> Void) throws
        -> ReferenceReplay.Check? {
        switch selection {
        case .sourcePairs:
            for record in dataset.train + dataset.test {
                try body(record, try dataset.trajectory(record))
                progress?.advance(by: record.frames)
            }
            return nil
        case .reference:
            let replay = ReferenceReplay(dataset: dataset)
            var total = ReferenceReplay.Check()
            for records in [dataset.train, dataset.test] {
                let check = try replay.run(records, progress: progress, body)
                total.frames += check.frames
                total.identical += check.identical
                total.maxDeviation = max(total.maxDeviation, check.maxDeviation)
            }
            return total
        }
    }

    // MARK: - PBDL

    private func exportPBDL(to out: String, overwrite: Bool, progress: Progress?) throws -> Summary {
        let layout = layout, scenario = dataset.scenario
        let file = try HDF5File.create(out, overwrite: overwrite)
        let sims = try file.root.createGroup("sims")
        try sims.setAttribute("PDE", layout.pde)
        try sims.setAttribute("Fields Scheme", layout.fieldsScheme)
        try sims.setAttribute("Fields", layout.channels)
        try sims.setAttribute("Constants", scenario.parameterNames)
        try sims.setAttribute("Dt", scenario.dt)
        try sims.setAttribute("Dimension", layout.spatialRank)
        try sims.setAttribute("Domain Extent", layout.extent)
        try sims.setAttribute("Resolution", layout.resolution)
        try sims.setAttribute("Time Steps", (dataset.train + dataset.test).first?.frames ?? 0)
        try sims.setAttribute("Boundary Conditions", layout.boundaryConditions)
        try sims.setAttribute("Boundary Conditions Order", layout.boundaryConditionsOrder)
        try writeSOLAttributes(sims)
        var index = 0
        let replay = try forEachTrajectory(progress: progress) { record, frames in
            let shape = [frames.shape[0], layout.channels.count] + layout.resolution
            let sim = try sims.createDataset("sim\(index)", of: Float.self, shape: shape)
            try sim.write(layout.exchangeOrder(frames.scalars, channelLast: false))
            try writeParameters(record, to: sim)
            index += 1
        }
        try file.commit()
        return Summary(path: out, files: [out], simulations: index, frames: (dataset.train + dataset.test).first?.frames ?? 0,
                       grid: grid, replay: replay)
    }

    // MARK: - The Well

    private func exportWell(to out: String, overwrite: Bool, progress: Progress?) throws -> Summary {
        let manager = FileManager.default
        let partial = out + HDF5File.partialSuffix
        do {
            if manager.fileExists(atPath: partial) { try manager.removeItem(atPath: partial) }
            for split in DatasetSplit.allCases {
                try manager.createDirectory(atPath: "\(partial)/data/\(split.rawValue)", withIntermediateDirectories: true)
            }
        } catch {
            throw CoreError.io(operation: "create directory", path: partial, reason: error.localizedDescription)
        }
        var files: [String] = []
        let replay: ReferenceReplay.Check?
        do {
            replay = try forEachTrajectory(progress: progress) { record, frames in
                let name = "\(record.split.rawValue)/\(wellFileName(record))"
                try writeWellFile("\(partial)/data/\(name)", record: record, frames: frames)
                files.append("\(out)/data/\(name)")
            }
        } catch {
            try? manager.removeItem(atPath: partial)  // a failed export leaves nothing behind
            throw error
        }
        do {
            if manager.fileExists(atPath: out) { try manager.removeItem(atPath: out) }
            try manager.moveItem(atPath: partial, toPath: out)
        } catch {
            throw CoreError.io(operation: "rename \(partial) to", path: out, reason: error.localizedDescription)
        }
        return Summary(path: out, files: files, simulations: files.count, frames: (dataset.train + dataset.test).first?.frames ?? 0,
                       grid: grid, replay: replay)
    }

    /// `burgers_sim_000_viscosity_0.01.hdf5`: The Well names files after their parameter set.
    private func wellFileName(_ record: SimulationRecord) -> String {
        let parameters = record.parameters.names.map { "\($0)_\(record.parameters.values[$0] ?? 0)" }
        return ([dataset.scenario.name, record.name] + parameters).joined(separator: "_") + ".hdf5"
    }

    private func writeWellFile(_ path: String, record: SimulationRecord, frames: Tensor<Float>) throws {
        let layout = layout, scenario = dataset.scenario
        let t = frames.shape[0]
        let file = try HDF5File.create(path)
        let root = try file.root
        try root.setAttribute("dataset_name", "sol_\(scenario.name)" + (selection == .reference ? "" : "_source"))
        try root.setAttribute("grid_type", "cartesian")
        try root.setAttribute("n_spatial_dims", layout.spatialRank)
        try root.setAttribute("n_trajectories", 1)
        try root.setAttribute("simulation_parameters", scenario.parameterNames)
        for name in scenario.parameterNames { try root.setAttribute(name, record.parameters.values[name] ?? .nan) }
        try writeSOLAttributes(root)
        try writeParameters(record, to: root, constants: false)

        let dimensions = try root.createGroup("dimensions")
        try dimensions.setAttribute("spatial_dims", layout.spatialDims)
        let time = (0..<t).map { Float(Double(dataset.warmup + $0) * scenario.dt) }
        try writeVector(time, named: "time", in: dimensions, sampleVarying: false, timeVarying: true)
        for (axis, name) in layout.spatialDims.enumerated() {
            try writeVector(layout.coordinates[axis].map(Float.init), named: name, in: dimensions, sampleVarying: false, timeVarying: false)
        }

        let boundaries = try root.createGroup("boundary_conditions")
        for (axis, name) in layout.spatialDims.enumerated() {
            let n = layout.resolution[axis]
            let ends = layout.boundaries[axis]
            let groups: [(ExchangeLayout.Boundary, [Int])] = ends.lower == ends.upper ? [(ends.lower, [0, n - 1])]
                : [(ends.lower, [0]), (ends.upper, [n - 1])]
            for (type, indices) in groups {
                let suffix = groups.count == 1 ? "" : (indices == [0] ? "_lower" : "_upper")
                let bc = try boundaries.createGroup("\(name)_\(type.rawValue)\(suffix)")
                try bc.setAttribute("associated_dims", [name])
                try bc.setAttribute("associated_fields", [String]())
                try bc.setAttribute("bc_type", type.rawValue.uppercased())
                try bc.setAttribute("sample_varying", false)
                try bc.setAttribute("time_varying", false)
                var mask = [Bool](repeating: false, count: n)
                for i in indices { mask[i] = true }
                try bc.createDataset("mask", of: Bool.self, shape: [n]).write(mask)
            }
        }

        let scalars = try root.createGroup("scalars")
        try scalars.setAttribute("field_names", scenario.parameterNames)
        for name in scenario.parameterNames {
            let value = try scalars.createDataset(name, of: Float.self, shape: [])
            try value.write([Float(record.parameters.values[name] ?? .nan)])
            try value.setAttribute("sample_varying", false)
            try value.setAttribute("time_varying", false)
        }

        let orders = [try root.createGroup("t0_fields"), try root.createGroup("t1_fields"), try root.createGroup("t2_fields")]
        let dimVarying = [Bool](repeating: true, count: layout.spatialRank)
        if let vector = layout.vectorField {
            try orders[0].setAttribute("field_names", [String]())
            try orders[1].setAttribute("field_names", [vector])
            let field = try orders[1].createDataset(vector, of: Float.self, shape: [1, t] + layout.resolution + [layout.channels.count])
            try field.write(layout.exchangeOrder(frames.scalars, channelLast: true))
            try setFieldFlags(field, dimVarying: dimVarying)
            if let staggering = layout.staggering { try field.setAttribute("sol_staggering", staggering) }
        } else {
            try orders[0].setAttribute("field_names", layout.channels)
            try orders[1].setAttribute("field_names", [String]())
            let perChannel = layout.exchangeOrder(frames.scalars, channelLast: false)  // [T, C, x…]
            let size = layout.resolution.reduce(1, *)
            for (c, channel) in layout.channels.enumerated() {
                var values = [Float]()
                values.reserveCapacity(t * size)
                for k in 0..<t {
                    let start = (k * layout.channels.count + c) * size
                    values.append(contentsOf: perChannel[start..<(start + size)])
                }
                let field = try orders[0].createDataset(channel, of: Float.self, shape: [1, t] + layout.resolution)
                try field.write(values)
                try setFieldFlags(field, dimVarying: dimVarying)
            }
        }
        try orders[2].setAttribute("field_names", [String]())
        try file.commit()
    }

    private func writeVector(_ values: [Float], named name: String, in group: HDF5Group, sampleVarying: Bool, timeVarying: Bool) throws {
        let dataset = try group.createDataset(name, of: Float.self, shape: [values.count])
        try dataset.write(values)
        try dataset.setAttribute("sample_varying", sampleVarying)
        try dataset.setAttribute("time_varying", timeVarying)
    }

    private func setFieldFlags(_ field: HDF5Dataset, dimVarying: [Bool]) throws {
        try field.setAttribute("dim_varying", dimVarying)
        try field.setAttribute("sample_varying", true)
        try field.setAttribute("time_varying", true)
    }

    // MARK: - Shared metadata

    /// The attributes `sol import` reads to rebuild the dataset exactly (ignored by the loaders).
    private func writeSOLAttributes(_ object: HDF5Object) throws {
        try object.setAttribute("sol_scenario", dataset.scenario.name)
        try object.setAttribute("sol_config", dataset.scenario.configurationJSON)
        try object.setAttribute("sol_which", selection.rawValue)
        try object.setAttribute("sol_warmup", dataset.warmup)
        try object.setAttribute("sol_dt", dataset.scenario.dt)
        try object.setAttribute("sol_layout", selection == .reference ? "reference grid" : "source grid")
    }

    /// A simulation's parameters (`constants`: as plain attributes named like the parameters, as
    /// PBDL's `Constants` require) and its `sol_*` identity.
    private func writeParameters(_ record: SimulationRecord, to object: HDF5Object, constants: Bool = true) throws {
        if constants {
            for name in record.parameters.names { try object.setAttribute(name, record.parameters.values[name] ?? .nan) }
        }
        try object.setAttribute("sol_split", record.split.rawValue)
        try object.setAttribute("sol_name", record.name)
        try object.setAttribute("sol_seed", Int(truncatingIfNeeded: record.parameters.seed))
        try object.setAttribute("sol_parameters", record.parameters.json)
    }
}
