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
}
