import Foundation
import SOL
import Solver
import XCTest

/// `sol export` and `sol import` end to end: the PBDL and The Well layouts as the other tools
/// read them (checked here through the HDF5 store; `make test` also loads them with pbdl and
/// the_well, scripts/check_interop.py), the bit-for-bit round trip, and every mismatch error.
final class ExportImportCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sol-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func sol(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try CommandLineTests.runSOL(arguments)
    }

    /// A small dataset: 2 train + 1 test simulations × 4 frames.
    private func generate(_ scenario: String, _ options: [String] = ["--resolution", "16", "--factor", "2"]) throws -> String {
        let out = path("\(scenario).h5")
        let result = try sol(["generate", "--scenario", scenario, "--train", "2", "--test", "1", "--steps", "4", "--warmup", "2",
                              "--out", out] + options)
        XCTAssertEqual(result.status, 0, result.err)
        return out
    }

    /// Every stored frame of every simulation, as bit patterns.
    private func bits(_ path: String) throws -> [String: [UInt32]] {
        let dataset = try PairDataset(path: path)
        var result: [String: [UInt32]] = [:]
        for record in dataset.train + dataset.test {
            result["\(record.split.rawValue)/\(record.name)"] = try dataset.trajectory(record).scalars.map(\.bitPattern)
        }
        return result
    }

    func testExportThenImportGivesTheSameFramesBitForBit() throws {
        let data = try generate("burgers")
        let original = try bits(data)
        let originalParameters = try { () throws -> [SimulationParameters] in
            let d = try PairDataset(path: data)
            return (d.train + d.test).map(\.parameters)
        }()
        for format in ["pbdl", "well"] {
            for which in ["reference", "source-pairs"] {
                let export = path("\(format)-\(which)" + (format == "pbdl" ? ".hdf5" : ""))
                let exported = try sol(["export", "--format", format, "--data", data, "--out", export, "--which", which])
                XCTAssertEqual(exported.status, 0, exported.err)
                XCTAssertTrue(exported.out.contains("3 simulations × 4 frames"), exported.out)
                XCTAssertFalse(FileManager.default.fileExists(atPath: export + ".partial"))
                if which == "reference" {
                    XCTAssertTrue(exported.out.contains("equals the stored frame bit for bit (12 frames)"), exported.out)
                }
                let back = path("\(format)-\(which)-back.h5")
                let imported = try sol(["import", "--format", format, export, "--scenario", "burgers", "--out", back])
                XCTAssertEqual(imported.status, 0, imported.err)
                XCTAssertTrue(imported.out.contains("2 train + 1 test simulations × 4 frames"), imported.out)
                XCTAssertTrue(imported.out.contains(which == "reference" ? "downsampled from the reference grid" : "on the source grid"),
                              imported.out)
                XCTAssertEqual(try bits(back), original, "\(format) \(which)")
                let dataset = try PairDataset(path: back)
                XCTAssertEqual((dataset.train + dataset.test).map(\.parameters), originalParameters)
                XCTAssertEqual(dataset.warmup, 2)
            }
        }
    }

    /// The PBDL file of a 2D scenario: `sims` metadata and `[time, channel, x, y]` arrays, i.e. the
    /// stored `[T, C, H, W]` frames with the two grid axes swapped.
    func testPBDLLayoutOfATwoDimensionalScenario() throws {
        let data = try generate("kolmogorov", ["--resolution", "16", "--factor", "2", "--dt", "0.04"])
        let out = path("kolmogorov.hdf5")
        XCTAssertEqual(try sol(["export", "--format", "pbdl", "--data", data, "--out", out, "--which", "source-pairs"]).status, 0)
        let dataset = try PairDataset(path: data)
        let sims = try HDF5File.open(out).root.group("sims")
        XCTAssertEqual(try sims.stringAttribute("PDE"), "Navier-Stokes (Kolmogorov flow)")
        XCTAssertEqual(try sims.stringAttribute("Fields Scheme"), "VV")
        XCTAssertEqual(try sims.stringsAttribute("Fields"), ["vx", "vy"])
        XCTAssertEqual(try sims.stringsAttribute("Constants"), ["viscosity"])
        XCTAssertEqual(try sims.doubleAttribute("Dt"), 0.04)
        XCTAssertEqual(try sims.stringsAttribute("Boundary Conditions"), ["periodic", "periodic", "periodic", "periodic"])
        XCTAssertEqual(try sims.memberNames().sorted(), ["sim0", "sim1", "sim2"])
        for (index, record) in (dataset.train + dataset.test).enumerated() {
            let sim = try sims.dataset("sim\(index)")
            XCTAssertEqual(try sim.shape(), [4, 2, 16, 16])
            XCTAssertEqual(try sim.doubleAttribute("viscosity"), record.parameters["viscosity"])
            XCTAssertEqual(try sim.stringAttribute("sol_split"), record.split.rawValue)
            let exported = try sim.read(as: Float.self), frames = try dataset.trajectory(record)
            for (t, c, j, i) in [(0, 0, 1, 5), (3, 1, 7, 2), (2, 0, 15, 0)] {
                XCTAssertEqual(exported[t, c, i, j], frames[t, c, j, i], "sim\(index) [\(t), \(c), x \(i), y \(j)]")
            }
        }
    }

    /// The Well directory of the staggered wake flow: one file per simulation under data/train
    /// and data/test, h5py-style booleans, walls in x, open ends in y, and the MAC note.
    func testWellLayoutOfTheStaggeredWakeFlow() throws {
        let data = try generate("karman", ["--resolution", "20", "--factor", "2"])
        let out = path("karman-well")
        let result = try sol(["export", "--format", "well", "--data", data, "--out", out])
        XCTAssertEqual(result.status, 0, result.err)
        let train = try FileManager.default.contentsOfDirectory(atPath: out + "/data/train").sorted()
        let test = try FileManager.default.contentsOfDirectory(atPath: out + "/data/test")
        XCTAssertEqual(train.count, 2)
        XCTAssertEqual(test.count, 1)
        XCTAssertTrue(train[0].hasPrefix("karman_sim_000_re_"), train[0])
        let root = try HDF5File.open(out + "/data/train/" + train[0]).root
        XCTAssertEqual(try root.stringAttribute("grid_type"), "cartesian")
        XCTAssertEqual(try root.intAttribute("n_spatial_dims"), 2)
        XCTAssertEqual(try root.intAttribute("n_trajectories"), 1)
        XCTAssertEqual(try root.stringsAttribute("simulation_parameters"), ["re"])
        XCTAssertEqual(try root.group("dimensions").stringsAttribute("spatial_dims"), ["x", "y"])
        XCTAssertEqual(try root.group("dimensions").dataset("x").shape(), [40])
        XCTAssertEqual(try root.group("dimensions").dataset("y").shape(), [80])
        let velocity = try root.group("t1_fields").dataset("velocity")
        XCTAssertEqual(try velocity.shape(), [1, 4, 40, 80, 2])
        XCTAssertEqual(try velocity.attribute("dim_varying"), .bools([true, true]))
        XCTAssertEqual(try velocity.attribute("time_varying"), .bool(true))
        XCTAssertTrue(try velocity.stringAttribute("sol_staggering").contains("MAC"))
        XCTAssertEqual(try root.group("t2_fields").attribute("field_names"), .strings([]))
        let bcs = try root.group("boundary_conditions")
        XCTAssertEqual(try bcs.memberNames().sorted(), ["x_wall", "y_open"])
        XCTAssertEqual(try bcs.group("x_wall").stringAttribute("bc_type"), "WALL")
        let mask = try bcs.group("x_wall").dataset("mask").readAll(as: Bool.self)
        XCTAssertEqual(mask.count, 40)
        XCTAssertEqual(mask.indices.filter { mask[$0] }, [0, 39])
        XCTAssertEqual(try root.group("scalars").dataset("re").shape(), [])
    }

    func testExportRejectsBadOutputsWithClearMessages() throws {
        let data = try generate("burgers")
        let wrongName = try sol(["export", "--format", "pbdl", "--data", data, "--out", path("b.h5")])
        XCTAssertEqual(wrongName.status, 64, "a usage error")
        XCTAssertTrue(wrongName.err.contains("a PBDL dataset is one file ending in .hdf5"), wrongName.err)
        let out = path("twice")
        XCTAssertEqual(try sol(["export", "--format", "well", "--data", data, "--out", out]).status, 0)
        let again = try sol(["export", "--format", "well", "--data", data, "--out", out])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("already exists; pass --overwrite"), again.err)
        XCTAssertEqual(try sol(["export", "--format", "well", "--data", data, "--out", out, "--overwrite"]).status, 0)
        let format = try sol(["export", "--format", "netcdf", "--data", data, "--out", out])
        XCTAssertNotEqual(format.status, 0)
        XCTAssertTrue(format.err.contains("netcdf"), format.err)
        let notPairs = try sol(["export", "--format", "pbdl", "--data", path("nope.h5"), "--out", path("x.hdf5")])
        XCTAssertNotEqual(notPairs.status, 0)
        XCTAssertTrue(notPairs.err.contains("nope.h5"), notPairs.err)
    }

    /// A PBDL file as another tool writes it: one burgers simulation of 3 constant frames on the
    /// default reference grid, its parameter stored under `constant`.
    private func foreignPBDL(_ name: String, constant: String) throws -> String {
        let out = path(name)
        let scenario = BurgersScenario()
        let file = try HDF5File.create(out)
        let sims = try file.root.createGroup("sims")
        try sims.setAttribute("PDE", "Burgers")
        try sims.setAttribute("Fields Scheme", "V")
        try sims.setAttribute("Fields", ["u"])
        try sims.setAttribute("Constants", [constant])
        try sims.setAttribute("Dt", scenario.dt)
        let n = scenario.referenceGrid[1]
        let sim = try sims.createDataset("sim0", of: Float.self, shape: [3, 1, n])
        try sim.write([Float](repeating: 0.5, count: 3 * n))
        try sim.setAttribute(constant, 0.01)
        try file.commit()
        return out
    }

    /// Each way data can fail to match the scenario gets its own one-line message naming it.
    func testImportNamesWhatDoesNotMatch() throws {
        let data = try generate("burgers")
        let pbdl = path("burgers.hdf5")
        XCTAssertEqual(try sol(["export", "--format", "pbdl", "--data", data, "--out", pbdl]).status, 0)
        let well = path("burgers-well")
        XCTAssertEqual(try sol(["export", "--format", "well", "--data", data, "--out", well]).status, 0)

        // Hand-made PBDL files from "elsewhere": burgers' default reference grid and dt; the first
        // names its constant `nu` instead of `viscosity`.
        let foreign = try foreignPBDL("foreign.hdf5", constant: "nu")
        let fitting = try foreignPBDL("fitting.hdf5", constant: "viscosity")

        let cases: [([String], String)] = [
            (["--format", "pbdl", pbdl, "--scenario", "burgers", "--resolution", "8"],
             "does not match the burgers scenario: grid: sims/sim0 is 32 (x × y), the burgers reference grid is 16 and its source grid 8"),
            (["--format", "well", well, "--scenario", "burgers", "--resolution", "24"], "does not match the burgers scenario: grid:"),
            (["--format", "pbdl", pbdl, "--scenario", "kolmogorov"],
             "does not match the kolmogorov scenario: channels: sims/sim0 has 1 channel(s) [\"u\"], kolmogorov has 2 [\"vx\", \"vy\"]"),
            (["--format", "well", well, "--scenario", "karman"], "does not match the karman scenario: channels: no vector field"),
            (["--format", "pbdl", pbdl, "--scenario", "burgers", "--dt", "0.1"],
             "does not match the burgers scenario: dt: frames are 0.05 apart, the scenario's dt is 0.1"),
            (["--format", "well", well, "--scenario", "burgers", "--dt", "0.1"], "does not match the burgers scenario: dt:"),
            (["--format", "pbdl", foreign, "--scenario", "burgers"],
             "does not match the burgers scenario: parameters: sims/sim0 lacks 'viscosity' (it has [\"nu\"])"),
            (["--format", "pbdl", data, "--scenario", "burgers"], "is not a PBDL dataset: it has no group 'sims'"),
            (["--format", "well", path("missing"), "--scenario", "burgers"], "no such file"),
            (["--format", "pbdl", pbdl, "--scenario", "karmen"], "unknown scenario 'karmen'"),
        ]
        for (arguments, message) in cases {
            let result = try sol(["import"] + arguments + ["--out", path("imported.h5")])
            XCTAssertEqual(result.status, arguments.contains("karmen") ? 64 : 1, "\(arguments): usage error or runtime failure")
            let lines = result.err.split(separator: "\n")
            XCTAssertTrue(lines.first?.contains(message) == true, "\(arguments): \(result.err)")
            if !arguments.contains("karmen") {  // argument-parser errors add the usage lines
                XCTAssertEqual(lines.count, 1, "one-line message: \(result.err)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("imported.h5")), "\(arguments)")
        }
        let overInput = try sol(["import", "--format", "pbdl", fitting, "--scenario", "burgers", "--out", fitting, "--overwrite"])
        XCTAssertEqual(overInput.status, 64)
        XCTAssertTrue(overInput.err.contains("is the FILE input"), overInput.err)

        // Foreign data that fits imports: downsampled from the default reference grid, all training.
        let imported = try sol(["import", "--format", "pbdl", fitting, "--scenario", "burgers", "--out", path("fitting.h5")])
        XCTAssertEqual(imported.status, 0, imported.err)
        XCTAssertTrue(imported.out.contains("1 train + 0 test simulations × 3 frames, downsampled from the reference grid"), imported.out)
        let dataset = try PairDataset(path: path("fitting.h5"))
        XCTAssertEqual(dataset.train.first?.parameters, SimulationParameters(["viscosity": 0.01]))
        XCTAssertEqual(try dataset.trajectory(dataset.train[0]).scalars.allSatisfy { abs($0 - 0.5) < 1e-6 }, true)
    }
}
