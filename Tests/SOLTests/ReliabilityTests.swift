import Foundation
import XCTest
import SOL

/// Bad input as a user meets it, through the built `sol`: each case of docs/reliability.md gets
/// a clear one-line message, the documented exit code (64 usage, 1 runtime failure), and loses
/// nothing — inputs are untouched and a failed run leaves no files behind.
final class ReliabilityTests: XCTestCase {
    nonisolated(unsafe) static var datasetPath: String?
    private var directory: String!

    /// One small burgers dataset for the class (2 train + 1 test simulations, 20 frames).
    static func dataset() throws -> String {
        if let path = datasetPath { return path }
        let dir = NSTemporaryDirectory() + "sol-reliability-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/d.h5"
        let result = try sol(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "2", "--test", "1",
                              "--steps", "20", "--out", path])
        XCTAssertEqual(result.status, 0, result.err)
        datasetPath = path
        return path
    }

    static func sol(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try CommandLineTests.runSOL(arguments)
    }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sol-reliability-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func path(_ name: String) -> String { "\(directory!)/\(name)" }

    private func files(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    /// Runs `sol`, asserting the exit code and that stderr has `message` on an `Error:` line.
    @discardableResult
    private func expect(_ arguments: [String], status: Int32, message: String,
                        file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try Self.sol(arguments)
        XCTAssertEqual(result.status, status, "sol \(arguments.joined(separator: " ")): \(result.err)", file: file, line: line)
        XCTAssertTrue(result.err.contains(message), "expected '\(message)' in: \(result.err)", file: file, line: line)
        XCTAssertFalse(result.err.contains("Fatal error") || result.err.contains("crashed"), result.err, file: file, line: line)
        return result.err
    }

    // 1. Resuming a finished run says so; fewer iterations than done is an error.
    func testResumingAFinishedRun() throws {
        let data = try Self.dataset(), out = path("f.h5")
        let train = ["train", "--data", data, "--out", out, "--method", "non", "--iterations", "20"]
        XCTAssertEqual(try Self.sol(train).status, 0)
        let log = try String(contentsOfFile: TrainingLog.path(forCheckpoint: out), encoding: .utf8)
        let again = try Self.sol(train + ["--resume"])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertTrue(again.out.contains("is finished (20 of 20 iterations, final loss"), again.out)
        XCTAssertFalse(again.out.contains("nan"), again.out)
        XCTAssertEqual(try String(contentsOfFile: TrainingLog.path(forCheckpoint: out), encoding: .utf8), log)
        try expect(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "15", "--resume"],
                   status: 64, message: "it has done 20 iterations, more than --iterations 15")
    }

    // 2. A full disk: one line, exit 1, nothing left behind, no crash (needs a tmpfs mount).
    func testDiskFull() throws {
        let data = try Self.dataset()
        let mount = path("full")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["-t", "tmpfs", "-o", "size=200k", "tmpfs", mount]
        mounted.standardError = Pipe()
        try? mounted.run()
        mounted.waitUntilExit()
        guard mounted.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here (not root?)") }
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = [mount]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        try expect(["generate", "--train", "8", "--test", "4", "--steps", "80", "--out", mount + "/g.h5"],
                   status: 1, message: "no space left on the device writing \(mount)/g.h5.partial")
        XCTAssertEqual(files(in: mount), [])
        // Fill the disk, then train and eval --rollouts.
        let filler = mount + "/fill"
        XCTAssertTrue(FileManager.default.createFile(atPath: filler, contents: Data(count: 196 * 1024)))
        try expect(["train", "--data", data, "--out", mount + "/t.h5", "--method", "non", "--iterations", "20"],
                   status: 1, message: "no space left on the device writing \(mount)/t.")
        try expect(["eval", "--data", data, "--steps", "10", "--rollouts", mount + "/r.h5"],
                   status: 1, message: "no space left on the device writing \(mount)/r.h5.partial")
        XCTAssertEqual(files(in: mount), ["fill"])
    }

    // 3. Absurd sizes are refused before anything is allocated.
    func testAbsurdSizes() throws {
        try expect(["generate", "--scenario", "kolmogorov", "--resolution", "1000000", "--out", path("k.h5")],
                   status: 64, message: "of memory, the machine has")
        try expect(["generate", "--scenario", "karman", "--resolution", "100000", "--out", path("k.h5")],
                   status: 64, message: "the karman reference grid of 400000 × 800000 cells needs about")
        XCTAssertEqual(files(in: directory), [])
    }

    // 5. An output that is an input is refused; the input is untouched.
    func testOutputEqualToInputIsRefused() throws {
        let data = try Self.dataset()
        let before = try Data(contentsOf: URL(fileURLWithPath: data))
        try expect(["train", "--data", data, "--out", data, "--overwrite"], status: 64,
                   message: "the output \(data) is the --data input")
        let link = path("link.h5")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: data)
        try expect(["eval", "--data", data, "--rollouts", link, "--overwrite"], status: 64,
                   message: "the output \(link) is the --data input")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: data)), before)
    }

    // 6. A batch larger than the training set.
    func testHugeBatch() throws {
        try expect(["train", "--data", try Self.dataset(), "--out", path("b.h5"), "--batch-size", "1000000"],
                   status: 64, message: "invalid --batch-size: 1000000 is more than the 32 training windows")
        XCTAssertEqual(files(in: directory), [])
    }

    // 7. A checkpoint holding NaN is named on load, by eval and by train --resume.
    func testNonFiniteCheckpoint() throws {
        let data = try Self.dataset(), out = path("n.h5")
        XCTAssertEqual(try Self.sol(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "5"]).status, 0)
        var checkpoint = try Checkpoint.read(from: out)
        checkpoint.network.parameters[3] = .nan
        try checkpoint.write(to: out)
        try expect(["eval", "--data", data, "--model", out], status: 1,
                   message: "/parameters holds 1 non-finite value(s), the first nan at index 3")
        try expect(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "10", "--resume"], status: 1,
                   message: "\(out) is not a usable corrector checkpoint: /parameters holds 1 non-finite value(s)")
    }

    // 8. Resuming on another dataset.
    func testResumeOnAnotherDataset() throws {
        let data = try Self.dataset(), out = path("r.h5"), other = path("other.h5")
        XCTAssertEqual(try Self.sol(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "2", "--test", "1",
                                     "--steps", "20", "--seed", "3", "--out", other]).status, 0)
        XCTAssertEqual(try Self.sol(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "5",
                                     "--schedule", "constant"]).status, 0)
        try expect(["train", "--data", other, "--out", out, "--method", "non", "--iterations", "10", "--schedule", "constant",
                    "--resume"], status: 64, message: "it was trained on other data")
    }

    // 9. Values out of range, on the command line and in a configuration file, name the option.
    func testUnvalidatedValues() throws {
        let data = try Self.dataset(), out = path("v.h5")
        let base = ["train", "--data", data, "--out", out]
        try expect(base + ["--warmup=-3"], status: 64, message: "invalid --warmup: must be ≥ 0, got -3")
        try expect(base + ["--warmup", "-3"], status: 64, message: "invalid --warmup: must be ≥ 0, got -3")
        try expect(base + ["--log-interval", "0"], status: 64, message: "invalid --log-interval: must be ≥ 1, got 0")
        try expect(base + ["--resume", "--overwrite"], status: 64, message: "--resume and --overwrite contradict each other")
        try expect(base + ["--method", "zo-sol", "--estimator", "guided", "--sparsity", "0"], status: 64,
                   message: "invalid --sparsity: --estimator guided samples a sparse mask: give --sparsity > 0")
        try expect(base + ["--method", "fo-sol", "--estimator", "guided"], status: 64,
                   message: "invalid --estimator: guided is a ZO-SOL estimator; use it with --method zo-sol (got --method fo-sol)")
        try expect(base + ["--method", "zo-sol", "--estimator", "guided", "--guide-memory", "0.5"], status: 64,
                   message: "invalid --guide-memory: must be ≥ 1, got 0.5")
        try expect(base + ["--method", "zo-sol", "--estimator", "vjp", "--vjp-scheme", "backward"], status: 64,
                   message: "--vjp-scheme")
        for (json, message) in [(#"{"optimizer": {"beta1": 1.5}}"#, "invalid --beta1: must be in [0, 1), got 1.5"),
                                (#"{"optimizer": {"epsilon": 0}}"#, "invalid --epsilon: must be > 0, got 0.0"),
                                (#"{"schedule": {"stepSize": 0}}"#, "invalid --step-size: must be ≥ 1, got 0"),
                                (#"{"zo": {"mu": "small"}}"#, "bad value for 'zo.mu': expected a number"),
                                (#"{"optimizer": {"kind": "adamw"}}"#, "use one of adam, sgd, got 'adamw'")] {
            let config = path("c.json")
            try json.write(toFile: config, atomically: true, encoding: .utf8)
            try expect(base + ["--config", config], status: 64, message: message)
        }
        try expect(["generate", "--train", "0", "--out", path("g.h5")], status: 64, message: "--train must be at least 1")
        try expect(["generate", "--steps", "-3", "--out", path("g.h5")], status: 64, message: "--steps must be at least 2 (got -3)")
        XCTAssertEqual(files(in: directory).filter { $0 != "c.json" }, [])
    }

    // 10. Execution settings may change on resume; the cosine schedule's length may not.
    func testResumeSemantics() throws {
        let data = try Self.dataset(), out = path("s.h5")
        let train = ["train", "--data", data, "--out", out, "--method", "non", "--iterations", "10", "--checkpoint-interval", "5"]
        XCTAssertEqual(try Self.sol(train + ["--threads", "1"]).status, 0)
        let resumed = try Self.sol(train + ["--threads", "2", "--log-interval", "2", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        try expect(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "20", "--resume"],
                   status: 64, message: "its cosine schedule was set for 10 iterations")
        try expect(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "10", "--lr", "0.1", "--resume"],
                   status: 64, message: "it was trained with other options (optimizer.learningRate)")
        try expect(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "10", "--network", "small",
                    "--resume"], status: 64, message: "it was trained with other options (network)")
    }

    // 11. Failed runs leave nothing behind.
    func testFailedRunsLeaveNothing() throws {
        let data = try Self.dataset()
        let dir = path("adir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try expect(["train", "--data", data, "--out", dir, "--overwrite"], status: 64, message: "--out \(dir) is a directory")
        try expect(["eval", "--data", data, "--rollouts", dir, "--overwrite"], status: 64, message: "--rollouts \(dir) is a directory")
        try expect(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "1", "--test", "1", "--steps", "10",
                    "--dt", "20", "--out", path("blow.h5")], status: 1, message: "blew up")
        try expect(["train", "--data", data, "--out", path("div.h5"), "--method", "non", "--iterations", "30", "--lr", "1e30"],
                   status: 1, message: "NON training diverged at iteration")
        XCTAssertEqual(files(in: directory), ["adir"])
        XCTAssertEqual(files(in: dir), [])
    }

    // 12. Messages and exit codes.
    func testMessages() throws {
        let data = try Self.dataset()
        try expect(["eval", "--data", directory], status: 1, message: "\(directory!) is a directory; give a file")
        let truncated = path("t.h5")
        try Data(try Data(contentsOf: URL(fileURLWithPath: data)).prefix(3000)).write(to: URL(fileURLWithPath: truncated))
        let short = try expect(["inspect", truncated], status: 1, message: "\(truncated) is truncated or damaged (not a complete HDF5 file)")
        XCTAssertFalse(short.contains("superblock"), short)
        let long = try expect(["--verbose", "inspect", truncated], status: 1, message: "HDF5 error stack")
        XCTAssertTrue(long.contains("superblock"), long)
        try expect(["eval", "--data", data, "--steps", "-3"], status: 64, message: "--steps must be ≥ 1 (got -3)")
        let seeded = path("seed.h5")
        XCTAssertEqual(try Self.sol(["generate", "--scenario", "burgers", "--resolution", "16", "--train", "1", "--test", "1",
                                     "--steps", "4", "--seed", "18446744073709551615", "--out", seeded]).status, 0)
        let inspect = try Self.sol(["inspect", seeded, "--depth", "0"])
        XCTAssertTrue(inspect.out.contains("@seed = 18446744073709551615"), inspect.out)
    }

    // 13. A second run naming an output that a running one writes is refused; stale locks are ignored.
    func testBusyOutput() throws {
        let data = try Self.dataset(), out = path("busy.h5")
        do {
            let lock = try OutputLock(out)
            try expect(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "5"], status: 1,
                       message: "\(out) is being written by another running sol process")
            withExtendedLifetime(lock) {}
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".lock"))
        // A lock file left by a killed run holds no lock: ignored.
        try "12345\n".write(toFile: out + ".lock", atomically: true, encoding: .utf8)
        let result = try Self.sol(["train", "--data", data, "--out", out, "--method", "non", "--iterations", "5"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".lock"))
    }
}
