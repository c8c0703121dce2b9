import Foundation
import XCTest
import SOL

/// "My solver + a dataset → a trained corrector" through the built `sol` (docs/own-solver.md):
/// the numpy Burgers example over the sol-solver protocol (`--source-cmd`) and the C example as a
/// plug-in (`--source-lib`) give the in-process losses to float32 round-off (the C one bit for
/// bit, as measured), ZO-SOL learns through them, FO-SOL refuses them, and every way a solver
/// process can misbehave ends in one clear `Error:` line (exit 1) with the checkpoint kept.
final class OwnSolverTests: XCTestCase {
    nonisolated(unsafe) static var datasetPath: String?
    private var directory: String!

    /// The repository root (examples/, include/).
    static let root = CommandLineTests.root

    /// One small burgers dataset for the class (2 train + 1 test simulations, 20 frames, N = 16).
    static func dataset() throws -> String {
        if let path = datasetPath { return path }
        let dir = NSTemporaryDirectory() + "sol-own-solver-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/d.h5"
        let result = try CommandLineTests.runSOL(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "2",
                                                  "--test", "1", "--steps", "20", "--out", path])
        XCTAssertEqual(result.status, 0, result.err)
        datasetPath = path
        return path
    }

    /// A Python with numpy (``CommandLineTests/python(importing:)``).
    static let python = CommandLineTests.python(importing: "numpy")

    /// A C compiler: `cc`, or the Swift toolchain's `clang` on machines without one.
    static let cc: String = ["cc", "clang", "gcc"].first { run("/bin/sh", ["-c", "command -v \($0)"]).status == 0 } ?? "cc"

    /// Runs a program (``CommandLineTests/run(_:_:)``).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, out: String) {
        CommandLineTests.run(executable, arguments)
    }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sol-own-solver-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func path(_ name: String) -> String { "\(directory!)/\(name)" }

    private func requirePython() throws -> String {
        guard let python = Self.python else {
            throw XCTSkip("no Python with numpy (run `make test`, which creates .venv, or set SOL_PYTHON)")
        }
        return python
    }

    /// `sol train`, asserting success; returns the losses of the training log.
    private func train(_ out: String, _ options: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [Double] {
        let result = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", out, "--log-interval", "1"] + options)
        XCTAssertEqual(result.status, 0, result.err, file: file, line: line)
        return try losses(of: out)
    }

    private func losses(of checkpoint: String) throws -> [Double] {
        let log = try String(contentsOfFile: TrainingLog.path(forCheckpoint: checkpoint), encoding: .utf8)
        return log.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["event"] == nil else { return nil }
            return object["loss"] as? Double
        }
    }

    /// `sol eval --format json`: MAE of each row.
    private func evaluate(_ model: String, _ options: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Double] {
        let result = try CommandLineTests.runSOL(["eval", "--data", try Self.dataset(), "--model", model, "--steps", "19",
                                                  "--format", "json"] + options)
        XCTAssertEqual(result.status, 0, result.err, file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        let methods = object?["methods"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: methods.compactMap { m in
            (m["name"] as? String).flatMap { name in (m["mae_mean"] as? Double).map { (name, $0) } }
        })
    }

    private func assertClose(_ a: [Double], _ b: [Double], relative: Double, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x, y, accuracy: relative * abs(y), "\(what): \(a) vs \(b)", file: file, line: line)
        }
    }

    /// Dense central CGE, 3 iterations: every coordinate's finite difference compared. (At a
    /// larger learning rate Adam's normalised first steps turn round-off-sized gradient
    /// differences on near-zero coordinates into full steps: lr 1e-2 moved iteration 2 by 1e-3.)
    private let dense = ["--method", "zo-sol", "--sparsity", "0", "--unroll", "2", "--iterations", "3", "--lr", "1e-3",
                         "--schedule", "constant", "--threads", "2"]

    // The numpy example gives the in-process losses to float32 round-off, learns, and evaluates.
    func testPythonSolverMatchesTheInProcessSolverAndLearns() throws {
        let python = try requirePython()
        let command = "\(python) \(Self.root.path)/examples/python/burgers_solver.py"
        let inProcess = try train(path("in.h5"), dense)
        let external = try train(path("py.h5"), dense + ["--source-cmd", command])
        // The numpy solver steps in float64, the in-process one in float32: round-off (iteration 1
        // measured 1e-6 relative), grown by 2 updates.
        assertClose(Array(external.prefix(1)), Array(inProcess.prefix(1)), relative: 1e-5, "python vs in-process first loss")
        assertClose(external, inProcess, relative: 1e-4, "python vs in-process losses")

        // Sparse ZO-SOL through the process: the corrector beats the uncorrected solver.
        _ = try train(path("zo.h5"), ["--method", "zo-sol", "--unroll", "2", "--iterations", "20", "--lr", "1e-2",
                                      "--schedule", "constant", "--source-cmd", command])
        let viaPython = try evaluate(path("zo.h5"), ["--source-cmd", command])
        let inProcessEval = try evaluate(path("zo.h5"))
        XCTAssertLessThan(try XCTUnwrap(viaPython["ZO-SOL"]), try XCTUnwrap(viaPython["SRC"]), "\(viaPython)")
        assertClose([viaPython["SRC"] ?? 0, viaPython["ZO-SOL"] ?? 0], [inProcessEval["SRC"] ?? 0, inProcessEval["ZO-SOL"] ?? 0],
                    relative: 1e-4, "eval through python vs in-process")
    }

    // The C example as a plug-in: the in-process losses (bit for bit as measured; asserted to 1e-6).
    func testCPluginMatchesTheInProcessSolver() throws {
        let library = try compileCExample()
        let inProcess = try train(path("in.h5"), dense)
        let plugin = try train(path("c.h5"), dense + ["--source-lib", library])
        assertClose(plugin, inProcess, relative: 1e-6, "C plug-in vs in-process losses")
        let viaPlugin = try evaluate(path("c.h5"), ["--source-lib", library])
        let inProcessEval = try evaluate(path("c.h5"))
        assertClose([viaPlugin["SRC"] ?? 0, viaPlugin["ZO-SOL"] ?? 0], [inProcessEval["SRC"] ?? 0, inProcessEval["ZO-SOL"] ?? 0],
                    relative: 1e-6, "eval through the plug-in vs in-process")
    }

    // ZO-SOL `--estimator vjp` through both examples: the perturbed states of each VJP travel as
    // batches through the process (one per worker thread) and the plug-in, and the losses are the
    // in-process run's (the C plug-in steps bit for bit like the in-process solver; numpy in float64).
    func testStateSpaceVJPThroughTheExamples() throws {
        let vjp = ["--method", "zo-sol", "--estimator", "vjp", "--mu", "1e-2", "--unroll", "3", "--iterations", "3", "--lr", "1e-3",
                   "--schedule", "constant", "--threads", "2"]
        let inProcess = try train(path("in.h5"), vjp)
        let plugin = try train(path("c.h5"), vjp + ["--source-lib", try compileCExample()])
        assertClose(plugin, inProcess, relative: 1e-6, "vjp: C plug-in vs in-process losses")
        let python = try requirePython()
        let external = try train(path("py.h5"), vjp + ["--source-cmd", "\(python) \(Self.root.path)/examples/python/burgers_solver.py"])
        assertClose(external, inProcess, relative: 1e-4, "vjp: python vs in-process losses")
    }

    // Guided sparse CGE through both examples: the NOG guide's rollouts step the user's solver too
    // (in its own process or plug-in instance). The C plug-in steps bit for bit like the in-process
    // solver, so the losses agree to the last digits; the numpy process steps in float64, and the
    // float32-vs-float64 round-off of each loss (~1e-6 relative, the first loss) divided by the
    // step μ and weighted by 1/p = 10 moves the next iterations by ~1e-4 (measured 2.5e-4).
    func testGuidedEstimatorThroughTheExamples() throws {
        let guided = ["--method", "zo-sol", "--estimator", "guided", "--sparsity", "0.9", "--unroll", "2", "--iterations", "3",
                      "--lr", "1e-3", "--schedule", "constant", "--threads", "2"]
        let inProcess = try train(path("in.h5"), guided)
        let plugin = try train(path("c.h5"), guided + ["--source-lib", try compileCExample()])
        assertClose(plugin, inProcess, relative: 1e-6, "guided: C plug-in vs in-process losses")
        let python = try requirePython()
        let external = try train(path("py.h5"), guided + ["--source-cmd", "\(python) \(Self.root.path)/examples/python/burgers_solver.py"])
        assertClose(Array(external.prefix(1)), Array(inProcess.prefix(1)), relative: 1e-5, "guided: python vs in-process first loss")
        assertClose(external, inProcess, relative: 1e-3, "guided: python vs in-process losses")
    }

    /// Builds examples/c/burgers_solver.c as the docs say; skips without a C compiler or FFTW headers.
    private func compileCExample() throws -> String {
        let library = path("libburgers_solver.so")
        let result = Self.run("/bin/sh", ["-c", "\(Self.cc) -O2 -ffp-contract=off -fPIC -shared -I '\(Self.root.path)/include' "
                                          + "'\(Self.root.path)/examples/c/burgers_solver.c' -lfftw3f -lm -o '\(library)'"])
        guard result.status == 0 else { throw XCTSkip("cannot compile the C example (cc, fftw3.h): \(result.out)") }
        return library
    }

    // FO-SOL needs an adjoint: refused before anything runs; NOG-SOL and NON need only `step`.
    func testMethodsThroughAnExternalSolver() throws {
        let script = try writeMisbehavingSolver()
        let command = "\(try requirePython()) \(script) none 0"
        let refused = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", path("fo.h5"),
                                                   "--method", "fo-sol", "--source-cmd", command])
        XCTAssertEqual(refused.status, 64, refused.err)
        XCTAssertTrue(refused.err.contains("FO-SOL differentiates through the solver's discrete adjoint, which the source solver \"\(command)\" does not provide"),
                      refused.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("fo.h5")))
        for method in ["nog-sol", "non"] {
            XCTAssertEqual(try train(path("\(method).h5"), ["--method", method, "--iterations", "3", "--source-cmd", command]).count, 3)
        }
        let both = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", path("x.h5"),
                                                "--source-cmd", command, "--source-lib", "x.so"])
        XCTAssertEqual(both.status, 64, both.err)
        XCTAssertTrue(both.err.contains("--source-cmd and --source-lib both replace the source solver"), both.err)
    }

    // MARK: - A solver process that misbehaves

    /// An identity "solver" (answers every state unchanged) that misbehaves after `after` steps:
    /// `crash`, `hang`, `garbage`, `shape`, `nan`, `error`, `exit-at-start`, or `none`.
    private func writeMisbehavingSolver() throws -> String {
        let script = path("bad_solver.py")
        try """
        import os, sys, time
        mode, after = sys.argv[1], int(sys.argv[2])
        i, o = sys.stdin.buffer, sys.stdout.buffer
        if mode == "exit-at-start":
            sys.stderr.write("ModuleNotFoundError: No module named 'mysolver'\\n"); sys.exit(2)
        i.readline(); o.write(b"ok\\n"); o.flush()
        count = 0
        for line in iter(i.readline, b""):
            _, b, c, h, w, _ = line.split(b" ", 5)
            data = i.read(4 * int(b) * int(c) * int(h) * int(w))
            count += 1
            if count > after:
                if mode == "crash":
                    sys.stderr.write("Segmentation fault in step()\\n"); sys.stderr.flush(); os._exit(3)
                if mode == "hang":
                    time.sleep(600)
                if mode == "garbage":
                    o.write(b"step done, residual 1e-9\\n"); o.flush(); continue
                if mode == "shape":
                    o.write(b"ok %s %s %s %d\\n" % (b, c, h, int(w) // 2)); o.write(data[: len(data) // 2]); o.flush(); continue
                if mode == "error":
                    o.write(b"error viscosity below the stable range\\n"); o.flush(); continue
                if mode == "nan":
                    data = b"\\x00\\x00\\xc0\\x7f" + data[4:]
            o.write(b"ok %s %s %s %s\\n" % (b, c, h, w)); o.write(data); o.flush()
        """.write(toFile: script, atomically: true, encoding: .utf8)
        return script
    }

    /// Trains through the misbehaving solver; asserts exit 1 and one `Error:` line holding every
    /// part of `messages`; returns standard error.
    @discardableResult
    private func expectFailure(_ mode: String, after: Int, _ options: [String] = [], out: String? = nil,
                               messages: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let script = try writeMisbehavingSolver()
        let command = "\(try requirePython()) \(script) \(mode) \(after)"
        let result = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", out ?? path("bad.h5"),
                                                  "--method", "zo-sol", "--iterations", "2", "--source-cmd", command] + options)
        XCTAssertEqual(result.status, 1, result.err, file: file, line: line)
        let errorLines = result.err.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errorLines.count, 1, result.err, file: file, line: line)
        let message = errorLines.first.map(String.init) ?? ""
        XCTAssertTrue(message.contains("the source solver \"\(command)\""), message, file: file, line: line)
        for part in messages { XCTAssertTrue(message.contains(part), "expected '\(part)' in: \(message)", file: file, line: line) }
        XCTAssertFalse(result.err.contains("Fatal error"), result.err, file: file, line: line)
        XCTAssertFalse(result.err.contains("gradient is not finite"), result.err, file: file, line: line)
        return message
    }

    /// Steps a dense ZO-SOL iteration takes on one worker at unroll 2 (the first step + 915 queries
    /// of one step each, the base point's first step reused): the crash lands in iteration 3.
    private let crashOptions = ["--sparsity", "0", "--unroll", "2", "--threads", "1", "--checkpoint-interval", "1", "--iterations", "4"]
    private let stepsBeforeIteration3 = 1 + 2 * 916

    // A crash mid-run: the solver's exit and last words; the checkpoint of iteration 2 stays, and
    // --resume continues with the fixed solver.
    func testCrashMidRunKeepsTheCheckpointAndResumes() throws {
        let out = path("crash.h5")
        try expectFailure("crash", after: stepsBeforeIteration3 + 40, crashOptions, out: out,
                          messages: ["failed in iteration 3 at unroll step 2 of 2 on a batch of 3 states (viscosity ",
                                     "exited with status 3 during a step (its last line on standard error: \"Segmentation fault in step()\")",
                                     "once it is fixed, rerun with --resume to continue from the checkpoint \(out)"])
        let checkpoint = try Checkpoint.read(from: out)
        XCTAssertEqual(checkpoint.step, 2)
        let fixed = "\(try requirePython()) \(path("bad_solver.py")) none 0"
        let resumed = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", out, "--method", "zo-sol",
                                                   "--source-cmd", fixed, "--resume"] + crashOptions)
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("resuming \(out) at iteration 2 of 4"), resumed.err)
        XCTAssertEqual(try Checkpoint.read(from: out).step, 4)
    }

    // A hang: the timeout names the option, and the process is terminated.
    func testHangTimesOutAndTheProcessIsEnded() throws {
        let script = try writeMisbehavingSolver()
        try expectFailure("hang", after: 3, ["--solver-timeout", "1"],
                          messages: ["did not answer a step within 1 s (--solver-timeout); it was terminated"])
        let left = Self.run("/usr/bin/pgrep", ["-f", script])
        XCTAssertNotEqual(left.status, 0, "solver processes left running: \(left.out)")
    }

    func testGarbageAnswer() throws {
        try expectFailure("garbage", after: 0, messages: ["answered \"step done, residual 1e-9\" where the sol-solver protocol expects `ok B C H W`",
                                                          "print logs to standard error"])
    }

    func testWrongShape() throws {
        try expectFailure("shape", after: 0, messages: ["answered states of shape [32, 1, 1, 8] for a batch of shape [32, 1, 1, 16]"])
    }

    func testNaNAnswer() throws {
        try expectFailure("nan", after: 0, messages: ["returned nan (not finite) at batch item 0, index 0, for finite states"])
    }

    func testErrorAnswer() throws {
        try expectFailure("error", after: 0, messages: ["reported an error: viscosity below the stable range"])
    }

    func testExitAtStartUp() throws {
        try expectFailure("exit-at-start", after: 0,
                          messages: ["exited with status 2 at start-up, before answering the handshake",
                                     "(its last line on standard error: \"ModuleNotFoundError: No module named 'mysolver'\")"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.h5")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: TrainingLog.path(forCheckpoint: path("bad.h5"))))
    }

    // `sol eval` reports a failing solver the same way, naming the rollout step.
    func testEvalThroughAFailingSolver() throws {
        let script = try writeMisbehavingSolver()
        let command = "\(try requirePython()) \(script) crash 5"
        let result = try CommandLineTests.runSOL(["eval", "--data", try Self.dataset(), "--steps", "10", "--source-cmd", command])
        XCTAssertEqual(result.status, 1, result.err)
        XCTAssertTrue(result.err.contains("Error: the source solver \"\(command)\" failed at step 6 of the SRC rollout on a batch of 1 state"),
                      result.err)
    }

    // A library that is not a plug-in, or not there.
    func testLibraryThatIsNotAPlugin() throws {
        let missing = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", path("m.h5"),
                                                   "--source-lib", path("nowhere.so")])
        XCTAssertEqual(missing.status, 1, missing.err)
        XCTAssertTrue(missing.err.contains("Error: the source solver \(path("nowhere.so")) cannot be loaded: no such file"), missing.err)
        let source = path("empty.c"), library = path("libempty.so")
        try "int unrelated(void) { return 0; }\n".write(toFile: source, atomically: true, encoding: .utf8)
        guard Self.run("/bin/sh", ["-c", "\(Self.cc) -shared -fPIC '\(source)' -o '\(library)'"]).status == 0 else {
            throw XCTSkip("no C compiler")
        }
        let empty = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", path("e.h5"), "--source-lib", library])
        XCTAssertEqual(empty.status, 1, empty.err)
        XCTAssertTrue(empty.err.contains("is not a sol solver plug-in: it has no function sol_solver_abi_version"), empty.err)

        // A plug-in that refuses to be created, and one whose step fails: their messages, exit 1.
        let failing = path("failing.c")
        try """
        #include "sol_solver.h"
        #include <stdio.h>
        static int instance;
        int sol_solver_abi_version(void) { return SOL_SOLVER_ABI_VERSION; }
        void *sol_solver_create(const sol_solver_config *c, char *e, int n) {
        #ifdef REFUSE
            snprintf(e, n, "no %s solver here", c->scenario); return 0;
        #else
            (void)c; (void)e; (void)n; return &instance;
        #endif
        }
        int sol_solver_step(void *s, float *x, int b) { (void)s; (void)x; (void)b; return 7; }
        const char *sol_solver_error(void *s) { (void)s; return "matrix is singular"; }
        void sol_solver_destroy(void *s) { (void)s; }
        """.write(toFile: failing, atomically: true, encoding: .utf8)
        for (flag, message) in [("-DREFUSE", "could not create an instance: no burgers solver here"),
                                ("", "reported an error (sol_solver_step returned 7): matrix is singular")] {
            let built = path("libfailing\(flag).so")
            let compiled = Self.run("/bin/sh", ["-c", "\(Self.cc) -shared -fPIC \(flag) -I '\(Self.root.path)/include' '\(failing)' -o '\(built)'"])
            XCTAssertEqual(compiled.status, 0, compiled.out)
            let result = try CommandLineTests.runSOL(["train", "--data", try Self.dataset(), "--out", path("f.h5"), "--source-lib", built])
            XCTAssertEqual(result.status, 1, result.err)
            XCTAssertTrue(result.err.contains("Error: the source solver \(built) failed "), result.err)
            XCTAssertTrue(result.err.contains(message), result.err)
        }
    }

    // MARK: - sol generate with your own reference solver

    /// The largest |a − b| over every trajectory of two datasets, and the largest |b|.
    private func difference(_ a: String, _ b: String) throws -> (maxDifference: Float, scale: Float) {
        let (x, y) = (try PairDataset(path: a), try PairDataset(path: b))
        var worst: Float = 0, scale: Float = 0
        for (r, s) in zip(x.train + x.test, y.train + y.test) {
            let (p, q) = (try x.trajectory(r), try y.trajectory(s))
            XCTAssertEqual(p.shape, q.shape)
            for (u, v) in zip(p.scalars, q.scalars) { worst = max(worst, abs(u - v)); scale = max(scale, abs(v)) }
        }
        return (worst, scale)
    }

    // `sol generate --reference-cmd|--reference-lib`: the examples as reference solvers give the
    // in-process dataset (the C one to float32 round-off at most, the numpy one to round-off).
    func testGenerateWithYourReferenceSolver() throws {
        let common = ["generate", "--scenario", "burgers", "--resolution", "16", "--train", "2", "--test", "1", "--steps", "20"]
        let inProcess = try CommandLineTests.runSOL(common + ["--out", path("in.h5")])
        XCTAssertEqual(inProcess.status, 0, inProcess.err)
        let library = try compileCExample()
        let viaC = try CommandLineTests.runSOL(common + ["--out", path("c.h5"), "--reference-lib", library])
        XCTAssertEqual(viaC.status, 0, viaC.err)
        let c = try difference(path("c.h5"), path("in.h5"))
        XCTAssertLessThanOrEqual(c.maxDifference, 1e-6 * c.scale, "C reference vs in-process: \(c)")
        let python = try requirePython()
        let command = "\(python) \(Self.root.path)/examples/python/burgers_solver.py"
        let viaPython = try CommandLineTests.runSOL(common + ["--out", path("py.h5"), "--reference-cmd", command])
        XCTAssertEqual(viaPython.status, 0, viaPython.err)
        let py = try difference(path("py.h5"), path("in.h5"))
        XCTAssertLessThanOrEqual(py.maxDifference, 1e-5 * py.scale, "python reference vs in-process: \(py)")
        let file = try HDF5File.open(path("py.h5"))
        XCTAssertEqual(try file.root.stringAttribute("reference_solver"), "command: \(command)")

        // A reference solver that crashes: one line naming it and the simulations, nothing left.
        let script = try writeMisbehavingSolver()
        let crash = "\(python) \(script) crash 12"
        let failed = try CommandLineTests.runSOL(common + ["--out", path("bad.h5"), "--reference-cmd", crash])
        XCTAssertEqual(failed.status, 1, failed.err)
        XCTAssertTrue(failed.err.contains("Error: the reference solver \"\(crash)\" failed at reference step 13 of train/sim_000, train/sim_001: exited with status 3 during a step"),
                      failed.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("bad.h5") }, [])
    }
}
