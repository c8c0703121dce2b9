import Foundation
import SOL
import Solver
import XCTest

/// A dataset's bits depend only on the scenario, the options that define the data and the seed:
/// not on `--batch` (how many simulations share a reference batch) and not on an interruption
/// and resume, which re-chunks the remaining simulations (a lone simulation in a chunk once
/// planned a different FFT and differed by ~1e-7).
final class GenerationReproducibilityTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sol-repro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Every trajectory and per-simulation parameter set of a dataset, in file order.
    private func contents(_ path: String) throws -> [(name: String, parameters: String, data: [Float])] {
        let data = try PairDataset(path: path)
        return try (data.train + data.test).map { ("\($0.split.rawValue)/\($0.name)", $0.parameters.json, try data.trajectory($0).scalars) }
    }

    private func assertSame(_ a: [(name: String, parameters: String, data: [Float])],
                            _ b: [(name: String, parameters: String, data: [Float])], _ label: String) {
        XCTAssertEqual(a.map(\.name), b.map(\.name), label)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.parameters, y.parameters, "\(label) \(x.name)")
            XCTAssertTrue(x.data.elementsEqual(y.data) { $0.bitPattern == $1.bitPattern }, "\(label) \(x.name): bits differ")
        }
    }

    private func check(_ scenario: any Scenario, frames: Int, warmup: Int, tag: String) throws {
        func options(batch: Int) -> GenerationOptions {
            GenerationOptions(train: 5, test: 3, frames: frames, warmup: warmup, seed: 3, batch: batch)
        }
        var reference: [(name: String, parameters: String, data: [Float])] = []
        for batch in [1, 3, 8] {
            let out = path("\(tag)-\(batch).h5")
            try PairGenerator(scenario: scenario, options: options(batch: batch)).generate(to: out)
            let got = try contents(out)
            if batch == 1 { reference = got } else { assertSame(got, reference, "\(tag) --batch \(batch) vs --batch 1") }
        }
        // Interrupted run: a batch-3 file turned back into a partial one with one simulation
        // missing and one unfinished, resumed with batch 2 (the two pending ones re-chunked).
        let out = path("\(tag)-resumed.h5")
        try PairGenerator(scenario: scenario, options: options(batch: 3)).generate(to: out)
        try FileManager.default.moveItem(atPath: out, toPath: out + ".partial")
        do {
            let file = try HDF5File.open(out + ".partial", writable: true)
            try file.root.group("train").remove("sim_003")
            try file.root.group("test").group("sim_001").setAttribute("complete", 0)
            try file.commit()
        }
        let summary = try PairGenerator(scenario: scenario, options: options(batch: 2)).generate(to: out)
        XCTAssertEqual(summary.computed, 2, tag)
        XCTAssertEqual(summary.resumed, 6, tag)
        assertSame(try contents(out), reference, "\(tag) interrupted + resumed vs --batch 1")
    }

    func testBurgersBitsDoNotDependOnBatchOrResume() throws {
        var s = BurgersScenario()
        s.resolution = 32
        s.factor = 4
        try check(s, frames: 4, warmup: 3, tag: "burgers")
    }

    func testKolmogorovBitsDoNotDependOnBatchOrResume() throws {
        var s = KolmogorovScenario()
        s.resolution = 16
        s.factor = 2
        s.referenceSubsteps = 2
        try check(s, frames: 3, warmup: 2, tag: "kolmogorov")
    }

    func testKarmanBitsDoNotDependOnBatchOrResume() throws {
        let s = try KarmanScenario().with(resolution: 24, factor: 2, dt: nil)
        try check(s, frames: 3, warmup: 4, tag: "karman")
    }
}
