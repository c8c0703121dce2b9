import Foundation
import XCTest
@testable import SOL

/// End-to-end training on a small generated `burgers` dataset (N = 16, reference 64).
final class TrainerTests: XCTestCase {
    nonisolated(unsafe) static var datasetPath: String?
    private var directory: String!

    /// One dataset for the whole class: 3 training and 2 test simulations of 40 frames.
    static func dataset() throws -> String {
        if let path = datasetPath { return path }
        let dir = NSTemporaryDirectory() + "sol-trainer-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/burgers.h5"
        var scenario = BurgersScenario()
        scenario.resolution = 16
        _ = try PairGenerator(scenario: scenario, options: GenerationOptions(train: 3, test: 2, frames: 40, seed: 0))
            .generate(to: path)
        datasetPath = path
        return path
    }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sol-trainer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func configuration(_ method: TrainingMethodKind, iterations: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.method = method
        c.unroll = 3
        c.iterations = iterations
        c.batchSize = 3
        c.threads = 2
        c.optimizer.learningRate = 3e-3
        c.zo.sparsity = 0.5
        c.zo.redrawInterval = 1
        c.checkpointInterval = 5
        c.logInterval = 5
        return c
    }

    /// Mean rollout loss of a network over a fixed set of training windows.
    private func fixedLoss(_ network: Network, dataset: PairDataset, unroll: Int) throws -> Double {
        let windows = (0..<dataset.train.count).flatMap { s in [0, 10, 20].map { (simulation: s, start: $0) } }
        let batch = try RolloutBatch(dataset: dataset, records: dataset.train, windows: windows, unroll: unroll)
        let loss = RolloutLoss(channelScales: [network.normalization.inputScale[0]])
        return try RolloutEngine(scenario: dataset.scenario).loss(network, batch: batch, lossFunction: loss)
    }

    func testEveryMethodLowersItsTrainingLoss() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        for method in TrainingMethodKind.allCases {
            let trainer = try Trainer(dataset: dataset, configuration: configuration(method, iterations: 80),
                                      output: "\(directory!)/\(method.rawValue).h5")
            let unroll = configuration(method, iterations: 1).effectiveUnroll
            let before = try fixedLoss(trainer.network, dataset: dataset, unroll: unroll)
            let summary = try trainer.run()
            let after = try fixedLoss(trainer.network, dataset: dataset, unroll: unroll)
            XCTAssertLessThan(after, 0.8 * before, "\(method.label): \(before) → \(after)")
            XCTAssertEqual(summary.iterations, 80)
            XCTAssertEqual(method == .zoSOL, summary.queries > 0)
            let log = try TrainingLog.read(TrainingLog.path(forCheckpoint: "\(directory!)/\(method.rawValue).h5"))
            XCTAssertEqual(log.filter { $0.event == nil }.map(\.iteration), Array(stride(from: 5, through: 80, by: 5)))
            XCTAssertEqual(log.last?.event, "done")
        }
    }

    /// A run of 20 iterations stopped after 10 (as if killed: its last checkpoint is at 10) and
    /// resumed ends bit-identical to an uninterrupted run (network, optimizer state, log), for
    /// FO-SOL and ZO-SOL with two threads: sparse CGE, guided sparse CGE (whose scale fit is
    /// restored from the checkpoint) and the state-space VJP.
    func testResumeEqualsAnUninterruptedRun() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        for (method, estimator) in [(TrainingMethodKind.foSOL, EstimatorKind.central), (.zoSOL, .central), (.zoSOL, .guided), (.zoSOL, .vjp)] {
            func configuration(_ method: TrainingMethodKind, iterations: Int) -> TrainingConfiguration {
                var c = self.configuration(method, iterations: iterations)
                c.zo.estimator = estimator
                if estimator == .vjp { c.zo.mu = 1e-2 }
                return c
            }
            let name = "\(method.rawValue)-\(estimator.rawValue)"
            let straight = try Trainer(dataset: dataset, configuration: configuration(method, iterations: 20),
                                       output: "\(directory!)/straight-\(name).h5")
            try straight.run()
            let path = "\(directory!)/resumed-\(name).h5"
            try Trainer(dataset: dataset, configuration: configuration(method, iterations: 20), output: path).run(stoppingAfter: 10)
            XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: configuration(method, iterations: 20), output: path)) { error in
                XCTAssertEqual(error as? SOLError, .checkpointExists(path: path))
            }
            let resumed = try Trainer(dataset: dataset, configuration: configuration(method, iterations: 20), output: path, resume: true)
            XCTAssertTrue(resumed.resumed)
            XCTAssertEqual(resumed.iteration, 10)
            try resumed.run()
            XCTAssertTrue(resumed.network.parameters == straight.network.parameters, "\(name): parameters differ")
            let a = try Checkpoint.read(from: path), b = try Checkpoint.read(from: "\(directory!)/straight-\(name).h5")
            XCTAssertTrue(a.optimizerState == b.optimizerState, "\(name): optimizer states differ")
            XCTAssertEqual(a.step, 20)
            let log = try TrainingLog.read(TrainingLog.path(forCheckpoint: path))
            XCTAssertEqual(log.filter { $0.event == nil }.map(\.iteration), [5, 10, 15, 20])
            XCTAssertEqual(log.filter { $0.event == nil }.map(\.loss),
                           try TrainingLog.read(TrainingLog.path(forCheckpoint: "\(directory!)/straight-\(name).h5"))
                               .filter { $0.event == nil }.map(\.loss))
        }
    }

    /// Guided ZO-SOL gives the same network whatever the worker threads (1, 2, 3): the queries'
    /// split, the guide and the scale fit do not depend on them.
    func testGuidedRunDoesNotDependOnThreads() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let runs = try [1, 2, 3].map { threads -> [Float] in
            var c = configuration(.zoSOL, iterations: 8)
            c.zo.estimator = .guided
            c.zo.sparsity = 0.9
            c.threads = threads
            let trainer = try Trainer(dataset: dataset, configuration: c, output: "\(directory!)/guided-t\(threads).h5")
            try trainer.run()
            return trainer.network.parameters
        }
        XCTAssertTrue(runs[0] == runs[1] && runs[1] == runs[2], "guided runs differ between 1, 2 and 3 threads")
    }

    func testResumeRefusesAnotherConfiguration() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let path = "\(directory!)/fo.h5"
        try Trainer(dataset: dataset, configuration: configuration(.foSOL, iterations: 5), output: path).run()
        var other = configuration(.foSOL, iterations: 5)
        other.optimizer.learningRate = 1e-2
        other.zo.mu = 2e-3
        XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: other, output: path, resume: true)) { error in
            // zo.mu cannot change a FO-SOL run: only the learning rate is named.
            XCTAssertTrue("\(error)".contains("other options (optimizer.learningRate);"), "\(error)")
        }
        other.optimizer.learningRate = configuration(.foSOL, iterations: 5).optimizer.learningRate
        XCTAssertTrue(try Trainer(dataset: dataset, configuration: other, output: path, resume: true).isFinished,
                      "a ZO option does not stop a FO-SOL run from resuming")
    }

    /// A checkpoint written before the convolution choice existed (no `convolution` key in its
    /// architecture nor in its configuration) was trained with the im2col kernels: it resumes
    /// with `--convolution im2col`, and the default names the difference.
    func testCheckpointsFromBeforeTheKernelChoiceResumeWithIm2col() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let path = "\(directory!)/old.h5"
        var old = configuration(.non, iterations: 4)
        old.convolution = .im2col
        old.checkpointInterval = 2
        _ = try Trainer(dataset: dataset, configuration: old, output: path).run(stoppingAfter: 2)
        // Strip the key from both attributes, as an older `sol train` wrote them.
        do {
            let root = try HDF5File.open(path, writable: true).root
            for name in ["architecture", "training_configuration"] {
                var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try root.stringAttribute(name).utf8)) as? [String: Any])
                object.removeValue(forKey: "convolution")
                if var configuration = object["configuration"] as? [String: Any] {
                    configuration.removeValue(forKey: "convolution")
                    object["configuration"] = configuration
                }
                try root.setAttribute(name, String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self))
            }
        }
        XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: configuration(.non, iterations: 4), output: path, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("convolution"), "\(error)")
        }
        let resumed = try Trainer(dataset: dataset, configuration: old, output: path, resume: true)
        _ = try resumed.run()
        let reference = try Trainer(dataset: dataset, configuration: old, output: "\(directory!)/reference.h5")
        _ = try reference.run()
        XCTAssertEqual(resumed.network.parameters, reference.network.parameters)
    }

    /// Resume semantics: execution settings may change (the result does not depend on them), a
    /// finished run stays as it is, fewer iterations than done is an error, and so is a change of
    /// `iterations` under the cosine schedule; under a constant schedule a run can be extended.
    func testResumeSemantics() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let path = "\(directory!)/non.h5"
        var c = configuration(.non, iterations: 10)
        try Trainer(dataset: dataset, configuration: c, output: path).run()
        let finished = try Data(contentsOf: URL(fileURLWithPath: path))
        let log = try Data(contentsOf: URL(fileURLWithPath: TrainingLog.path(forCheckpoint: path)))

        // Finished: nothing is trained or written, and the summary says so with the last loss.
        c.threads = 1
        c.logInterval = 3
        let again = try Trainer(dataset: dataset, configuration: c, output: path, resume: true)
        XCTAssertTrue(again.isFinished)
        let summary = try again.run()
        XCTAssertTrue(summary.alreadyFinished)
        XCTAssertTrue(summary.finalLoss.isFinite && summary.finalLoss > 0, "\(summary.finalLoss)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), finished)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: TrainingLog.path(forCheckpoint: path))), log)
        XCTAssertEqual(try TrainingLog.read(TrainingLog.path(forCheckpoint: path)).last?.event, "done")

        c.iterations = 6
        XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: c, output: path, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("it has done 10 iterations, more than --iterations 6"), "\(error)")
        }
        c.iterations = 20
        XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: c, output: path, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("cosine schedule was set for 10 iterations"), "\(error)")
        }

        // A constant schedule does not depend on the total: 10 + 10 iterations equal 20 straight.
        var constant = configuration(.non, iterations: 10)
        constant.schedule.kind = .constant
        let extended = "\(directory!)/extended.h5"
        try Trainer(dataset: dataset, configuration: constant, output: extended).run()
        constant.iterations = 20
        constant.threads = 1
        let resumed = try Trainer(dataset: dataset, configuration: constant, output: extended, resume: true)
        XCTAssertEqual(resumed.iteration, 10)
        try resumed.run()
        constant.threads = 2
        let straight = try Trainer(dataset: dataset, configuration: constant, output: "\(directory!)/straight.h5")
        try straight.run()
        XCTAssertTrue(resumed.network.parameters == straight.network.parameters)
    }

    /// A checkpoint records the fingerprint of the data it was trained on: resuming on another
    /// dataset (here: another generation seed) is refused.
    func testResumeOnAnotherDatasetIsRefused() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let path = "\(directory!)/non.h5"
        try Trainer(dataset: dataset, configuration: configuration(.non, iterations: 5), output: path).run()
        let otherPath = "\(directory!)/other.h5"
        var scenario = BurgersScenario()
        scenario.resolution = 16
        _ = try PairGenerator(scenario: scenario, options: GenerationOptions(train: 3, test: 2, frames: 40, seed: 1)).generate(to: otherPath)
        let other = try PairDataset(path: otherPath)
        XCTAssertNotEqual(try other.trainingFingerprint(), try dataset.trainingFingerprint())
        XCTAssertEqual(try PairDataset(path: dataset.path).trainingFingerprint(), try dataset.trainingFingerprint())
        XCTAssertThrowsError(try Trainer(dataset: other, configuration: configuration(.non, iterations: 10), output: path,
                                         resume: true)) { error in
            XCTAssertTrue("\(error)".contains("it was trained on other data"), "\(error)")
        }
    }

    /// A batch larger than the training set is refused instead of running huge batches.
    func testBatchLargerThanTheTrainingSetIsRefused() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        var c = configuration(.non, iterations: 5)
        c.batchSize = 1_000_000
        XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: c, output: "\(directory!)/b.h5")) { error in
            XCTAssertTrue("\(error)".contains("invalid --batch-size: 1000000 is more than the 117 training windows"), "\(error)")
        }
    }

    func testUnrollLongerThanTheTrajectoriesIsAClearError() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        var c = configuration(.foSOL, iterations: 5)
        c.unroll = 40
        XCTAssertThrowsError(try Trainer(dataset: dataset, configuration: c, output: "\(directory!)/x.h5")) { error in
            XCTAssertEqual(error as? SOLError, .trajectoryTooShort(path: "training set", needed: 41, available: 40))
        }
    }

    func testEvaluationTableAndRolloutsFile() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let path = "\(directory!)/non.h5"
        try Trainer(dataset: dataset, configuration: configuration(.non, iterations: 60), output: path).run()
        let model = try TrainedModel(path: path, dataset: dataset)
        let rollouts = "\(directory!)/rollouts.h5"
        let table = try Evaluator(dataset: dataset, models: [model, model], steps: 30)
            .run(writingRolloutsTo: rollouts)
        XCTAssertEqual(table.methods.map(\.name), ["SRC", "NON", "NON-2"])
        XCTAssertEqual(table.methods[1].perSimulation, table.methods[2].perSimulation)
        XCTAssertEqual(table.methods.map { $0.perSimulation.count }, [2, 2, 2])
        XCTAssertLessThan(table.methods[1].mean, table.methods[0].mean, "NON should beat SRC: \(table.markdown())")
        // SRC's error grows along the rollout.
        let src = table.methods[0].errorOverTime
        XCTAssertGreaterThan(src[29], src[0])
        let file = try HDF5File.open(rollouts)
        let root = try file.root
        XCTAssertEqual(try root.stringAttribute("format"), "sol-rollouts")
        XCTAssertEqual(try root.stringAttribute("methods"), "SRC,NON,NON-2")
        let sim = try root.group("sim_000")
        XCTAssertEqual(try sim.dataset("reference").shape(), [31, 1, 1, 16])
        XCTAssertEqual(try sim.dataset("NON").shape(), [31, 1, 1, 16])
        XCTAssertEqual(try root.group("mae_over_time").dataset("SRC").shape(), [2, 30])
        // Frame 0 is the common start: every method starts from the reference.
        XCTAssertEqual(try sim.dataset("SRC").readItem(0, as: Float.self), try sim.dataset("reference").readItem(0, as: Float.self))
    }

    func testAModelFromAnotherScenarioIsRejected() throws {
        let dataset = try PairDataset(path: try Self.dataset())
        let path = "\(directory!)/non.h5"
        let trainer = try Trainer(dataset: dataset, configuration: configuration(.non, iterations: 1), output: path)
        try trainer.run()
        // Rewrite the checkpoint as if trained on kolmogorov.
        var checkpoint = try Checkpoint.read(from: path)
        var metadata = try CheckpointMetadata.decode(checkpoint.trainingConfiguration, path: path)
        metadata.scenario = "kolmogorov"
        checkpoint.trainingConfiguration = try metadata.json()
        try checkpoint.write(to: path)
        XCTAssertThrowsError(try TrainedModel(path: path, dataset: dataset)) { error in
            XCTAssertTrue("\(error)".contains("trained on kolmogorov, the dataset is burgers"), "\(error)")
        }
        XCTAssertThrowsError(try TrainedModel(path: try Self.dataset(), dataset: dataset))
    }
}
