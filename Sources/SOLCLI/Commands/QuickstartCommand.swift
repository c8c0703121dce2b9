import ArgumentParser
import Foundation
import SOL

/// `sol quickstart`: generate, train every method, evaluate — the README's main job.
struct QuickstartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Small end-to-end run: generate burgers pairs, train NON, FO-SOL, ZO-SOL, NOG-SOL, print the MAE table.",
        discussion: """
        Writes everything under --dir (dataset, checkpoints with their training logs, rollouts, \
        eval.json, mae.md). Re-running continues where a previous run stopped; --fresh starts over.
        """)

    @Option(help: "Directory for the dataset, checkpoints, rollouts and tables.") var dir = "out/quickstart"
    @Option(parsing: .unconditional, help: "Training iterations per method.") var iterations = 400
    @Option(parsing: .unconditional, help: "Worker threads for ZO-SOL queries.") var threads = 2
    @Option(parsing: .unconditional, help: "Evaluation rollout length.") var steps = 100
    @Flag(help: "Delete previous results in --dir first.") var fresh = false

    func validate() throws {
        guard iterations >= 1, threads >= 1, steps >= 1 else { throw ValidationError("--iterations, --threads and --steps must be ≥ 1") }
    }

    func run() throws {
        BLAS.setThreads(1)
        let plan = Quickstart(directory: dir, iterations: iterations, threads: threads, evaluationSteps: steps)
        if fresh { try? FileManager.default.removeItem(atPath: dir) }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw CoreError.io(operation: "create directory", path: dir, reason: error.localizedDescription)
        }
        let lock = try OutputLock(dir + "/quickstart")
        defer { withExtendedLifetime(lock) {} }
        let start = Date()

        if FileManager.default.fileExists(atPath: plan.datasetPath) {
            Console.note("1/3 dataset \(plan.datasetPath) exists: reusing it")
        } else {
            Console.note("1/3 generating \(plan.datasetPath)")
            let generator = try PairGenerator(scenario: plan.scenario, options: plan.generation)
            _ = try generator.generate(to: plan.datasetPath,
                                       progress: Progress(total: generator.progressTotal, label: "generate", unit: "frames"))
        }
        for (i, method) in Quickstart.methods.enumerated() {
            Console.note("2/3 training \(method.label) (\(i + 1)/\(Quickstart.methods.count))")
            _ = try TrainCommandRunner.train(data: plan.datasetPath, out: plan.checkpointPath(method),
                                             configuration: plan.configuration(method), resume: true, overwrite: false)
        }
        Console.note("3/3 evaluating on the test simulations")
        let dataset = try PairDataset(path: plan.datasetPath)
        let models = try Quickstart.methods.map { try TrainedModel(path: plan.checkpointPath($0), dataset: dataset) }
        let table = try Evaluator(dataset: dataset, models: models, steps: steps)
            .run(writingRolloutsTo: plan.rolloutsPath, overwrite: true)
        try AtomicFile.write(table.json() + "\n", to: plan.evaluationPath)
        try AtomicFile.write(table.markdown() + "\n", to: plan.tablePath)
        print(table.markdown())
        print("")
        print(String(format: "Done in %@. Files in %@ (dataset, runs/*.h5 + logs, rollouts.h5, eval.json).",
                     Progress.clock(Date().timeIntervalSince(start)), dir))
        print("Pictures: notebooks/ (see docs/getting-started.md).")
    }
}
