import Foundation
import SOL
import Solver
import XCTest

/// `sol generate` end to end: the file layout (read back with h5py when available), metadata
/// that rebuilds the source solver, resume, and the errors a user can run into.
final class GenerateCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sol-generate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private let smallBurgers = ["--scenario", "burgers", "--train", "2", "--test", "1", "--steps", "5", "--warmup", "2",
                                "--resolution", "16", "--factor", "2"]

    private func generate(_ arguments: [String], out: String) throws -> (status: Int32, out: String, err: String) {
        try CommandLineTests.runSOL(["generate"] + arguments + ["--out", out])
    }

    func testGenerateWritesTheDocumentedLayout() throws {
        let out = path("burgers.h5")
        let result = try generate(smallBurgers, out: out)
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.contains("2 train + 1 test"), result.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
        let dataset = try PairDataset(path: out)
        XCTAssertEqual(dataset.train.map(\.name), ["sim_000", "sim_001"])
        XCTAssertEqual(dataset.test.map(\.name), ["sim_000"])
        XCTAssertEqual((dataset.train + dataset.test).map(\.frames), [5, 5, 5])
        XCTAssertEqual(dataset.warmup, 2)
        let trajectory = try dataset.trajectory(dataset.train[0])
        XCTAssertEqual(trajectory.shape, [5, 1, 1, 16])
        XCTAssertTrue(trajectory.isFinite)
        XCTAssertEqual(try dataset.frames(dataset.train[0], 2..<4), trajectory.items(2..<4))
        let viscosities = Set((dataset.train + dataset.test).map { $0.parameters["viscosity"]! })
        XCTAssertEqual(viscosities.count, 3)

        guard let python = CommandLineTests.python(importing: "h5py, numpy") else {
            throw XCTSkip("no Python with h5py (run `make test`, which creates .venv, or set SOL_PYTHON)")
        }
        let script = """
        import json, sys, h5py, numpy as np
        f = h5py.File(sys.argv[1], "r")
        a = f.attrs
        assert a["format"] == "sol-pairs" and int(a["version"]) == 1, dict(a)
        assert a["scenario"] == "burgers" and a["channels"] == "u"
        config = json.loads(a["config"])
        assert config["resolution"] == 16 and config["factor"] == 2, config
        assert list(a["source_grid"]) == [1, 16] and list(a["reference_grid"]) == [1, 32]
        assert int(a["frames"]) == 5 and int(a["warmup"]) == 2 and int(a["factor"]) == 2
        assert abs(float(a["dt"]) - config["dt"]) < 1e-15
        assert sorted(f["train"].keys()) == ["sim_000", "sim_001"] and list(f["test"].keys()) == ["sim_000"]
        for name in ["train/sim_000", "train/sim_001", "test/sim_000"]:
            g = f[name]
            d = g["reference"]
            assert d.dtype == np.float32 and d.shape == (5, 1, 1, 16), (d.dtype, d.shape)
            assert d.chunks == (1, 1, 1, 16) and d.compression == "gzip", (d.chunks, d.compression)
            p = json.loads(g.attrs["parameters"])
            assert abs(float(g.attrs["viscosity"]) - p["values"]["viscosity"]) == 0
            assert np.all(np.isfinite(d[...])) and np.abs(d[0]).max() > 0.1
        print("h5py ok")
        """
        let check = CommandLineTests.run(python, ["-c", script, out])
        XCTAssertEqual(check.status, 0, check.out)
        XCTAssertTrue(check.out.contains("h5py ok"), check.out)
    }

    /// The file's metadata alone rebuilds the source solver: it reproduces, bit for bit, the
    /// first source step of a solver built from the original configuration, and that step is
    /// close to the next stored (downsampled reference) frame.
    func testMetadataAloneRebuildsTheSourceSolver() throws {
        let out = path("kolmogorov.h5")
        let result = try generate(["--scenario", "kolmogorov", "--train", "2", "--test", "1", "--steps", "3", "--warmup", "4",
                                   "--resolution", "16", "--factor", "2", "--dt", "0.04", "--seed", "5"], out: out)
        XCTAssertEqual(result.status, 0, result.err)
        let dataset = try PairDataset(path: out)
        let original = try KolmogorovScenario().with(resolution: 16, factor: 2, dt: 0.04)
        XCTAssertEqual(dataset.scenario as? KolmogorovScenario, original)
        let expectedParameters = original.defaultParameters(train: 2, test: 1, seed: 5)
        XCTAssertEqual(dataset.train.map(\.parameters), expectedParameters.train)
        XCTAssertEqual(dataset.test.map(\.parameters), expectedParameters.test)

        for simulation in dataset.train + dataset.test {
            let frames = try dataset.trajectory(simulation)
            XCTAssertEqual(frames.shape, [3, 2, 16, 16])
            let rebuilt = try dataset.scenario.makeSource([simulation.parameters], as: Float.self)
            let reference = try original.makeSource([simulation.parameters], as: Float.self)
            var a = frames.items(0..<1), b = a
            try rebuilt.step(&a)
            try reference.step(&b)
            XCTAssertEqual(a, b)
            let next = frames.items(1..<2)
            XCTAssertLessThan(a.relativeDistance(to: next), 0.2 * frames.items(0..<1).relativeDistance(to: next), simulation.name)
        }
    }

    func testAnExistingOutputIsRefusedUnlessOverwrite() throws {
        let out = path("twice.h5")
        XCTAssertEqual(try generate(smallBurgers, out: out).status, 0)
        let again = try generate(smallBurgers, out: out)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("already exists; pass --overwrite"), again.err)
        XCTAssertEqual(try generate(smallBurgers + ["--overwrite"], out: out).status, 0)
    }

    /// An interrupted run (simulated: a finished file turned back into a partial one with one
    /// simulation missing and one unfinished) recomputes only those two, identically.
    func testAnInterruptedRunResumesWithoutRecomputingFinishedSimulations() throws {
        let out = path("resume.h5")
        XCTAssertEqual(try generate(smallBurgers + ["--batch", "1"], out: out).status, 0)
        let originals = try { () throws -> [Tensor<Float>] in
            let original = try PairDataset(path: out)  // closed at the end of this closure
            return try (original.train + original.test).map { try original.trajectory($0) }
        }()
        try FileManager.default.moveItem(atPath: out, toPath: out + ".partial")
        do {
            let file = try HDF5File.open(out + ".partial", writable: true)
            try file.root.group("train").remove("sim_001")
            try file.root.group("test").group("sim_000").setAttribute("complete", 0)
            try file.commit()
        }
        let resumed = try generate(smallBurgers + ["--batch", "1"], out: out)
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.out.contains("2 computed, 1 resumed"), resumed.out)
        XCTAssertTrue(resumed.err.contains("resuming"), resumed.err)
        let again = try PairDataset(path: out)
        XCTAssertEqual(try (again.train + again.test).map { try again.trajectory($0) }, originals)
    }

    /// `--advection maccormack` (karman only) is recorded in the configuration, so the dataset
    /// rebuilds a MacCormack reference and the unchanged semi-Lagrangian source.
    func testAdvectionOptionIsRecordedForKarmanOnly() throws {
        let out = path("karman-mc.h5")
        let run = try generate(["--scenario", "karman", "--advection", "maccormack", "--train", "1", "--test", "1", "--steps", "2",
                                "--warmup", "1", "--resolution", "24", "--factor", "2"], out: out)
        XCTAssertEqual(run.status, 0, run.err)
        let data = try PairDataset(path: out)
        let karman = try XCTUnwrap(data.scenario as? KarmanScenario)
        XCTAssertEqual(karman.referenceAdvection, .macCormack)
        let p = [SimulationParameters(["re": 200])]
        XCTAssertEqual(try XCTUnwrap(try karman.makeReference(p, as: Float.self) as? KarmanSimulator<Float>).advection, .macCormack)
        XCTAssertEqual(try XCTUnwrap(try karman.makeSource(p, as: Float.self) as? KarmanSimulator<Float>).advection, .semiLagrangian)
        // The default configuration JSON does not mention the option (older datasets decode unchanged).
        XCTAssertFalse(KarmanScenario().configurationJSON.contains("referenceAdvection"))
        let wrong = try generate(smallBurgers + ["--advection", "maccormack"], out: path("b.h5"))
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("--advection applies to the karman scenario only"), wrong.err)
        let unknown = try generate(["--scenario", "karman", "--advection", "upwind"], out: path("k.h5"))
        XCTAssertTrue(unknown.err.contains("unknown --advection 'upwind'"), unknown.err)
    }

    /// `--time-stepper etdrk2` (burgers, kolmogorov) is recorded in the configuration, rebuilds
    /// ETDRK2 source and reference solvers, and changes the data; karman refuses it.
    func testTimeStepperOptionIsRecordedForSpectralScenariosOnly() throws {
        let out2 = path("burgers-etdrk2.h5"), out4 = path("burgers-etdrk4.h5")
        XCTAssertEqual(try generate(smallBurgers + ["--time-stepper", "etdrk2"], out: out2).status, 0)
        XCTAssertEqual(try generate(smallBurgers, out: out4).status, 0)
        let etdrk2 = try PairDataset(path: out2), etdrk4 = try PairDataset(path: out4)
        let burgers = try XCTUnwrap(etdrk2.scenario as? BurgersScenario)
        XCTAssertEqual(burgers.timeStepper, .etdrk2)
        XCTAssertNil(try XCTUnwrap(etdrk4.scenario as? BurgersScenario).timeStepper)
        let p = [SimulationParameters(["viscosity": 0.05])]
        XCTAssertEqual(try XCTUnwrap(try burgers.makeSource(p, as: Float.self) as? BurgersSimulator<Float>).timeStepper, .etdrk2)
        XCTAssertEqual(try XCTUnwrap(try burgers.makeReference(p, as: Float.self) as? BurgersSimulator<Float>).timeStepper, .etdrk2)
        let last2 = try etdrk2.trajectory(etdrk2.train[0]), last4 = try etdrk4.trajectory(etdrk4.train[0])
        XCTAssertEqual(last2.shape, last4.shape)
        XCTAssertNotEqual(last2.scalars, last4.scalars, "the scheme must change the reference data")
        let wrong = try generate(["--scenario", "karman", "--time-stepper", "etdrk2"], out: path("k.h5"))
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("--time-stepper applies to the spectral scenarios only"), wrong.err)
        let unknown = try generate(smallBurgers + ["--time-stepper", "rk4"], out: path("b.h5"))
        XCTAssertTrue(unknown.err.contains("unknown --time-stepper 'rk4'"), unknown.err)
    }

    func testBadInputFailsWithClearMessages() throws {
        let out = path("bad.h5")
        let cases: [([String], String)] = [
            (["--scenario", "karmen"], "unknown scenario 'karmen'"),
            (["--resolution", "0"], "--resolution must be in 1…1000000 (got 0)"),
            (["--factor", "1"], "--factor must be at least 2"),
            (["--resolution", "15"], "resolution must be even"),
            (["--steps", "1"], "--steps must be at least 2"),
        ]
        for (arguments, message) in cases {
            let result = try generate(arguments, out: out)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.err.contains(message), "\(arguments): \(result.err)")
        }
        // An unstable time step: the blow-up is reported with the simulation and step, and no
        // file appears under the final name.
        let unstable = try generate(smallBurgers + ["--dt", "10"], out: out)
        XCTAssertNotEqual(unstable.status, 0)
        XCTAssertTrue(unstable.err.contains("simulation train/sim_000 blew up at step 1"), unstable.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}

/// The progress reporter used by generate (and later train/eval).
final class ProgressTests: XCTestCase {
    private final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var text = ""
        func append(_ s: String) { lock.withLock { text += s } }
    }

    func testPlainLinesAtEveryTenthWhenNotATerminal() throws {
        let lines = Lines()
        let progress = Progress(total: 40, label: "gen", unit: "frames", isTerminal: false, write: { lines.append($0) })
        for _ in 0..<40 { progress.advance() }
        progress.note("done")
        progress.finish()
        let printed = lines.text.split(separator: "\n")
        XCTAssertEqual(printed.count, 12, lines.text)  // 0 %, 10 % … 100 %, and the note
        XCTAssertTrue(printed[10].hasPrefix("gen: 40/40 frames (100%)"), lines.text)
        XCTAssertFalse(lines.text.contains("\r"))
    }

    func testABarOnATerminal() throws {
        let lines = Lines()
        let progress = Progress(total: 4, label: "gen", isTerminal: true, write: { lines.append($0) })
        progress.advance(by: 4)
        progress.finish()
        XCTAssertTrue(lines.text.contains("\r"), lines.text)
        XCTAssertTrue(lines.text.contains("100% 4/4"), lines.text)
        XCTAssertTrue(lines.text.hasSuffix("\n"))
    }
}
