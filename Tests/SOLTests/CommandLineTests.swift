import Foundation
import XCTest
import SOL

/// End-to-end tests of the built `sol` executable (the way a user runs it).
final class CommandLineTests: XCTestCase {
    /// The `sol` built beside the test bundle (SwiftPM builds every product before testing).
    static var solExecutable: URL {
        let bundle = Bundle(for: CommandLineTests.self).bundleURL
        let candidates = [bundle.appendingPathComponent("sol"), bundle.deletingLastPathComponent().appendingPathComponent("sol")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    /// Runs `sol` with `arguments`; returns exit status, standard output and standard error.
    static func runSOL(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = solExecutable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// The repository root (examples/, include/, .venv).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a program; exit status and its combined output (status −1 if it cannot start).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, out: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A Python that can `import modules`: `$SOL_PYTHON`, the project's `.venv` (made by
    /// `make test`), or a `python3` on the `PATH`; nil if none can.
    static func python(importing modules: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        let candidates = [ProcessInfo.processInfo.environment["SOL_PYTHON"], root.appendingPathComponent(".venv/bin/python").path]
            .compactMap { $0 } + path
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && run($0, ["-c", "import \(modules)"]).status == 0 }
    }

    func testHelpListsTheSubcommands() throws {
        let result = try Self.runSOL(["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.out.contains("inspect"), result.out)
    }

    func testInspectOfAMissingFileFailsWithAClearMessage() throws {
        let result = try Self.runSOL(["inspect", "/nonexistent/data.h5"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.err.contains("no such file: /nonexistent/data.h5"), result.err)
    }

    func testTrainAndEvalRejectBadInputWithClearMessages() throws {
        let missing = try Self.runSOL(["train", "--data", "/nonexistent/d.h5", "--out", "/tmp/never.h5"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("no such file: /nonexistent/d.h5"), missing.err)

        let sparsity = try Self.runSOL(["train", "--data", "d.h5", "--out", "o.h5", "--sparsity", "1.5"])
        XCTAssertNotEqual(sparsity.status, 0)
        XCTAssertTrue(sparsity.err.contains("invalid --sparsity: must be in [0, 1), got 1.5"), sparsity.err)

        let method = try Self.runSOL(["train", "--data", "d.h5", "--out", "o.h5", "--method", "so-sol"])
        XCTAssertNotEqual(method.status, 0)
        XCTAssertTrue(method.err.contains("so-sol"), method.err)

        let directory = NSTemporaryDirectory() + "sol-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notPairs = directory + "/other.h5"
        let file = try HDF5File.create(notPairs)
        try file.root.setAttribute("format", "something-else")
        try file.commit()
        let eval = try Self.runSOL(["eval", "--data", notPairs])
        XCTAssertNotEqual(eval.status, 0)
        XCTAssertTrue(eval.err.contains("is not a sol dataset"), eval.err)

        let config = directory + "/run.json"
        try #"{"iterationz": 5}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let typo = try Self.runSOL(["train", "--data", notPairs, "--out", directory + "/o.h5", "--config", config])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.err.contains("unknown option 'iterationz'"), typo.err)
    }

    /// `sol generate` with its default frame count writes trajectories that the default
    /// `sol eval` (100 steps) can roll out: it used to store 100 frames, one short of 100 steps.
    func testDefaultGenerateIsLongEnoughForTheDefaultEval() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sol-default-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("b.h5").path
        let generate = try Self.runSOL(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "1", "--test", "1",
                                        "--warmup", "0", "--out", data])
        XCTAssertEqual(generate.status, 0, generate.err)
        let evaluate = try Self.runSOL(["eval", "--data", data])
        XCTAssertEqual(evaluate.status, 0, evaluate.err)
        XCTAssertTrue(evaluate.out.contains("MAE over 100 steps"), evaluate.out)
    }

    /// `sol train --method zo-sol --estimator vjp` end to end: the estimate and the summary count
    /// perturbed solver states, and the run follows FO-SOL's (same options, exact adjoint) over its
    /// first iterations; with another method the estimator is refused before anything runs.
    func testTrainWithTheStateSpaceVJPEstimator() throws {
        let directory = NSTemporaryDirectory() + "sol-vjp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/burgers.h5", out = directory + "/vjp.h5"
        let generated = try Self.runSOL(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "2", "--test", "1",
                                         "--steps", "12", "--out", data])
        XCTAssertEqual(generated.status, 0, generated.err)
        let trained = try Self.runSOL(["train", "--data", data, "--method", "zo-sol", "--estimator", "vjp", "--vjp-scheme", "central", "--mu", "1e-2",
                                       "--unroll", "3", "--iterations", "40", "--lr", "3e-3", "--log-interval", "1", "--out", out])
        XCTAssertEqual(trained.status, 0, trained.err)
        // Per iteration: 2 × 16 states per item and VJP × batch 3 × 2 VJPs (unroll 3) = 192.
        XCTAssertTrue(trained.err.contains("ZO-SOL (state-space VJP, central differences):") && trained.err.contains("perturbed solver states per iteration"),
                      trained.err)
        XCTAssertTrue(trained.out.contains("7680 perturbed solver states"), trained.out)
        func log(_ path: String) throws -> [[String: Any]] {
            try String(contentsOfFile: TrainingLog.path(forCheckpoint: path), encoding: .utf8).split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { $0["event"] == nil }
        }
        let vjp = try log(out)
        XCTAssertEqual(vjp.count, 40)
        XCTAssertEqual(vjp.first?["queries"] as? Int, 2 * 16 * 3 * 2, "perturbed states per iteration")
        // The same run with FO-SOL's exact adjoint: the estimated gradients are the exact ones to
        // ~1e-4 (FiniteDifferenceVJPTests), so the first losses agree closely.
        let fo = directory + "/fo-sol.h5"
        let exact = try Self.runSOL(["train", "--data", data, "--method", "fo-sol", "--unroll", "3", "--iterations", "40", "--lr", "3e-3",
                                     "--log-interval", "1", "--out", fo])
        XCTAssertEqual(exact.status, 0, exact.err)
        let foLosses = try log(fo).compactMap { $0["loss"] as? Double }, vjpLosses = vjp.compactMap { $0["loss"] as? Double }
        XCTAssertEqual(vjpLosses[0], foLosses[0], "the same initial network and batch")
        for i in 1..<5 {
            XCTAssertEqual(vjpLosses[i], foLosses[i], accuracy: 1e-3 * foLosses[i], "iteration \(i + 1)")
        }
        // Forward differences: n + 1 states per item and VJP, the same first losses as FO-SOL (same
        // schedule: the cosine learning rate depends on --iterations).
        let forward = directory + "/vjp-forward.h5"
        let stepped = try Self.runSOL(["train", "--data", data, "--method", "zo-sol", "--estimator", "vjp", "--vjp-scheme", "forward",
                                       "--mu", "1e-2", "--unroll", "3", "--iterations", "40", "--lr", "3e-3", "--log-interval", "1",
                                       "--out", forward])
        XCTAssertEqual(stepped.status, 0, stepped.err)
        XCTAssertTrue(stepped.err.contains("ZO-SOL (state-space VJP, forward differences):"), stepped.err)
        let forwardLog = try log(forward)
        XCTAssertEqual(forwardLog.first?["queries"] as? Int, (16 + 1) * 3 * 2, "perturbed states per iteration")
        let forwardLosses = forwardLog.compactMap { $0["loss"] as? Double }
        XCTAssertEqual(forwardLosses.count, 40)
        for i in 1..<5 {
            XCTAssertEqual(forwardLosses[i], foLosses[i], accuracy: 1e-3 * foLosses[i], "forward differences, iteration \(i + 1)")
        }
        let refused = try Self.runSOL(["train", "--data", data, "--method", "fo-sol", "--estimator", "vjp", "--out", directory + "/fo.h5"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.err.contains("vjp is a ZO-SOL estimator; use it with --method zo-sol"), refused.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/fo.h5"))
    }
}
