import Foundation
import XCTest
@testable import SOL

final class TrainingSupportTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "sol-support-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/" + name
    }

    func testConfigurationFileKeepsDefaultsForMissingKeysAndRejectsTypos() throws {
        let path = temporaryPath("run.json")
        try #"{"method": "nog-sol", "unroll": 8, "zo": {"mu": 0.002}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try TrainingConfiguration.load(path)
        XCTAssertEqual(config.method, .nogSOL)
        XCTAssertEqual(config.unroll, 8)
        XCTAssertEqual(config.zo.mu, 0.002)
        XCTAssertEqual(config.zo.estimator, .central)
        XCTAssertEqual(config.batchSize, TrainingConfiguration().batchSize)

        try #"{"unrol": 8}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingConfiguration.load(path)) { error in
            XCTAssertTrue("\(error)".contains("unknown option 'unrol'"), "\(error)")
        }
        try #"{"zo": {"sparsty": 0.5}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingConfiguration.load(path)) { error in
            XCTAssertTrue("\(error)".contains("zo.sparsty"), "\(error)")
        }
        try #"{"unroll": "four"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingConfiguration.load(path)) { error in
            XCTAssertTrue("\(error)".contains("unroll"), "\(error)")
        }
    }

    func testConfigurationRoundTripsThroughJSON() throws {
        var config = TrainingConfiguration()
        config.method = .foSOL
        config.zo.pruningRatios = "lpr.json"
        config.optimizer.kind = .sgd
        let path = temporaryPath("c.json")
        try config.json().write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try TrainingConfiguration.load(path), config)
    }

    func testValidationNamesTheOption() throws {
        var config = TrainingConfiguration()
        config.zo.sparsity = 1
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual(error as? SOLError, .invalidOption(name: "sparsity", reason: "must be in [0, 1), got 1.0"))
        }
        config = TrainingConfiguration()
        config.method = .non
        config.unroll = 6
        XCTAssertEqual(config.effectiveUnroll, 1)
    }

    /// Resume compares only options that can change the run's result: ZO options are inert for
    /// first-order methods, the vjp scheme for other estimators, the guide's memory unless guided.
    func testResumeComparesOnlyOptionsThatMatter() throws {
        var fo = TrainingConfiguration()
        fo.method = .foSOL
        var changed = fo
        changed.zo.mu = 0.5
        changed.zo.vjpScheme = .central
        XCTAssertEqual(changed.experimentDifferences(from: fo), [])
        changed.optimizer.learningRate = 0.5
        XCTAssertEqual(changed.experimentDifferences(from: fo), ["optimizer.learningRate"])
        var zo = TrainingConfiguration()
        zo.method = .zoSOL
        var other = zo
        other.zo.vjpScheme = .central
        other.zo.guideMemory = 3
        XCTAssertEqual(other.experimentDifferences(from: zo), [], "central CGE uses neither")
        zo.zo.estimator = .vjp
        other.zo.estimator = .vjp
        XCTAssertEqual(other.experimentDifferences(from: zo), ["zo.vjpScheme"])
        other.zo.estimator = .guided
        XCTAssertEqual(other.experimentDifferences(from: zo), ["zo.estimator", "zo.guideMemory", "zo.vjpScheme"].sorted())
    }

    func testMAEStatisticsAndGapClosure() throws {
        let src = MethodEvaluation(name: "SRC", model: nil, errorBySimulationAndStep: [[0.1, 0.3], [0.2, 0.2]])
        let fo = MethodEvaluation(name: "FO-SOL", model: "fo.h5", errorBySimulationAndStep: [[0.05, 0.05], [0.1, 0.1]])
        let zo = MethodEvaluation(name: "ZO-SOL", model: "zo.h5", errorBySimulationAndStep: [[0.1, 0.1], [0.1, 0.1]])
        XCTAssertEqual(src.perSimulation, [0.2, 0.2])
        XCTAssertEqual(src.mean, 0.2, accuracy: 1e-15)
        XCTAssertEqual(src.standardDeviation, 0, accuracy: 1e-15)
        XCTAssertEqual(fo.standardDeviation, 0.025, accuracy: 1e-15)
        XCTAssertEqual(src.errorOverTime, [0.15000000000000002, 0.25])
        let table = MAETable(dataset: "d.h5", steps: 2, simulations: ["sim_000", "sim_001"], methods: [src, fo, zo])
        // SRC 0.2, FO 0.075, ZO 0.1: ZO closes (0.2 − 0.1)/(0.2 − 0.075) = 80 %.
        XCTAssertEqual(table.gapClosed(by: "ZO-SOL")!, 0.8, accuracy: 1e-12)
        XCTAssertTrue(table.markdown().contains("| ZO-SOL | 0.1000 ± 0.0000 | 0.1000 | 0.1000 |"), table.markdown())
        XCTAssertTrue(table.markdown().contains("80.0 %"))
        XCTAssertEqual(table.csv().split(separator: "\n").count, 4)
        let json = try! JSONSerialization.jsonObject(with: Data(table.json().utf8)) as! [String: Any]
        XCTAssertEqual((json["methods"] as! [[String: Any]]).map { $0["name"] as! String }, ["SRC", "FO-SOL", "ZO-SOL"])
        // One line per ZO-SOL model, whatever its estimator; the JSON keeps the first one's.
        let guided = MethodEvaluation(name: "ZO-SOL (guided)", model: "g.h5", errorBySimulationAndStep: [[0.075, 0.075], [0.1, 0.1]])
        let both = MAETable(dataset: "d.h5", steps: 2, simulations: ["sim_000", "sim_001"], methods: [src, fo, guided, zo])
        XCTAssertTrue(both.markdown().hasSuffix("ZO-SOL (guided) closes 90.0 % of the SRC → FO-SOL gap.\n"
                                                + "ZO-SOL closes 80.0 % of the SRC → FO-SOL gap."), both.markdown())
        let bothJSON = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(both.json().utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(bothJSON["zo_gap_closed"] as? Double), 0.9, accuracy: 1e-12)
        // A rollout that blew up (infinite error) still gives a JSON report, with "inf" as text.
        let blown = MethodEvaluation(name: "NON", model: "non.h5", errorBySimulationAndStep: [[0.1, .infinity], [0.1, 0.1]])
        let report = MAETable(dataset: "d.h5", steps: 2, simulations: ["sim_000", "sim_001"], methods: [src, blown]).json()
        XCTAssertTrue(report.contains("\"inf\""), report)
    }

    func testBatchSamplerIsAPureFunctionOfSeedAndIterationAndCoversEveryWindow() throws {
        let sampler = try BatchSampler(frames: [10, 7], unroll: 3, batchSize: 4, seed: 5)
        XCTAssertEqual(sampler.windowCount, 7 + 4)
        XCTAssertEqual(sampler.iterationsPerEpoch, 3)
        let again = try BatchSampler(frames: [10, 7], unroll: 3, batchSize: 4, seed: 5)
        for i in [0, 1, 7, 40] {
            XCTAssertEqual(sampler.batch(i).map { [$0.simulation, $0.start] }, again.batch(i).map { [$0.simulation, $0.start] })
        }
        // One epoch visits every window (the last batch wraps around).
        let epoch = (0..<3).flatMap { sampler.batch($0) }
        XCTAssertEqual(Set(epoch.map { $0.simulation * 100 + $0.start }).count, 11)
        XCTAssertTrue(epoch.allSatisfy { $0.start + 3 < [10, 7][$0.simulation] })
        XCTAssertThrowsError(try BatchSampler(frames: [3], unroll: 3, batchSize: 1, seed: 0))
    }

    func testTrainingLogIsCutBackToTheCheckpointOnResume() throws {
        let checkpoint = temporaryPath("zo.h5")
        let path = TrainingLog.path(forCheckpoint: checkpoint)
        XCTAssertTrue(path.hasSuffix("zo.log.jsonl"))
        do {
            let log = try TrainingLog(path: path, keepingThrough: nil)
            for i in [10, 20, 30] { try log.append(.init(method: "zo-sol", iteration: i, epoch: 0, loss: 1 / Double(i), lr: 1e-3, elapsed: 1)) }
        }
        do {
            let log = try TrainingLog(path: path, keepingThrough: 20)
            try log.append(.init(method: "zo-sol", iteration: 30, epoch: 0, loss: 0.5, lr: 1e-3, elapsed: 2))
        }
        let entries = try TrainingLog.read(path)
        XCTAssertEqual(entries.map(\.iteration), [10, 20, 30])
        XCTAssertEqual(entries.last?.loss, 0.5)
    }
}
