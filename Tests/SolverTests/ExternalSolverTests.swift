import Foundation
import XCTest
@testable import Solver

/// ``ExternalSourceSolver`` over the sol-solver protocol, below the CLI: the handshake a process
/// receives, a step that round-trips the batch, and a timeout. (The end-to-end cases, the C
/// plug-in and every failure mode through `sol`: Tests/SOLTests/OwnSolverTests.swift.)
final class ExternalSolverTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sol-external-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// `python3` from the `PATH` (no packages needed), or skip.
    private func python() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("no python3 on the PATH")
    }

    /// A solver that records its handshake and answers `2 · states` (float32, little-endian).
    private func doublingSolver() throws -> String {
        let script = directory + "/double.py"
        try """
        import array, sys
        i, o = sys.stdin.buffer, sys.stdout.buffer
        open(sys.argv[1], "wb").write(i.readline()); o.write(b"ok doubling\\n"); o.flush()
        for line in iter(i.readline, b""):
            _, b, c, h, w, items = line.split(b" ", 5)
            x = array.array("f"); x.frombytes(i.read(4 * int(b) * int(c) * int(h) * int(w)))
            o.write(b"ok %s %s %s %s\\n" % (b, c, h, w)); o.write(array.array("f", [2 * v for v in x]).tobytes()); o.flush()
        """.write(toFile: script, atomically: true, encoding: .utf8)
        return script
    }

    func testAStepRoundTripsTheBatchAndTheHandshakeDescribesTheGrid() throws {
        let handshake = directory + "/handshake.txt"
        let command = "\(try python()) \(try doublingSolver()) \(handshake)"
        var burgers = BurgersScenario()
        burgers.resolution = 16
        let solver = try ExternalSourceSolver(scenario: burgers, backend: .command(command))
        XCTAssertFalse(solver.providesAdjoint)
        XCTAssertEqual(solver.sourceGrid, [1, 16])
        let parameters = [SimulationParameters(["viscosity": 0.01]), SimulationParameters(["viscosity": 0.02])]
        let worker = try solver.startWorker()
        let simulator = try worker.sourceSimulator(for: parameters)
        var states = Tensor<Float>(shape: [2, 1, 1, 16], scalars: (0..<32).map { Float($0) - 7.5 })
        let before = states
        try simulator.step(&states)
        XCTAssertEqual(states.scalars, before.scalars.map { 2 * $0 })
        try simulator.step(&states)
        XCTAssertEqual(states.scalars, before.scalars.map { 4 * $0 })

        let line = try String(contentsOfFile: handshake, encoding: .utf8)
        XCTAssertTrue(line.hasPrefix("sol-solver 1 {"), line)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.dropFirst("sol-solver 1 ".count).utf8)) as? [String: Any])
        XCTAssertEqual(json["grid"] as? [Int], [1, 16])
        XCTAssertEqual(json["role"] as? String, "source")
        XCTAssertEqual(json["dtype"] as? String, "float32")
        XCTAssertEqual(json["parameters"] as? [String], ["viscosity"])
        XCTAssertEqual((json["config"] as? [String: Any])?["resolution"] as? Int, 16)

        // The reference role steps the reference grid.
        let reference = try ExternalSourceSolver(scenario: burgers, backend: .command(command), role: .reference)
        XCTAssertEqual(reference.sourceGrid, [1, 64])
        XCTAssertThrowsError(try reference.differentiableSourceSimulator(for: parameters))
    }

    func testASilentProcessTimesOut() throws {
        let command = "\(try python()) -c 'import time; time.sleep(30)'"
        let solver = try ExternalSourceSolver(scenario: BurgersScenario(), backend: .command(command), timeout: 0.5)
        let start = Date()
        XCTAssertThrowsError(try solver.startWorker()) { error in
            XCTAssertEqual("\(error)", "the source solver \"\(command)\" did not answer the handshake within 0.5 s (--solver-timeout); it was terminated")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}
