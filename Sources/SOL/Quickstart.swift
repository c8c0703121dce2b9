import Foundation
import Solver

/// `sol quickstart`: the whole pipeline at a size that runs in a few minutes on 2 cores —
/// generate a small `burgers` dataset, train NON, FO-SOL, ZO-SOL and NOG-SOL briefly, evaluate
/// them with SRC on the test simulations.
///
/// The source grid is coarse (N = 16, reference 64) so that the source solver's error is large
/// and a corrector can learn it in a few hundred iterations. ZO-SOL uses dense central CGE: the
/// `tiny` 1D corrector has 457 parameters, so a dense estimate is ~900 cheap queries.
/// Everything is written under one directory and re-running continues where a run stopped
/// (datasets resume, checkpoints resume and finished runs are not redone).
public struct Quickstart: Sendable {
    /// Where everything is written (default `out/quickstart`).
    public var directory: String
    /// Iterations of every method (`--quick` uses fewer, for tests).
    public var iterations: Int
    /// Worker threads of ZO-SOL.
    public var threads: Int
    /// Rollout length `K` of the evaluation.
    public var evaluationSteps: Int

    /// The plan of `sol quickstart` with its options.
    public init(directory: String = "out/quickstart", iterations: Int = 400, threads: Int = 2, evaluationSteps: Int = 100) {
        self.directory = directory
        self.iterations = iterations
        self.threads = threads
        self.evaluationSteps = evaluationSteps
    }

    /// `<directory>/burgers.h5`.
    public var datasetPath: String { directory + "/burgers.h5" }
    /// `<directory>/runs`: one checkpoint and log per method.
    public var runsDirectory: String { directory + "/runs" }
    /// `<directory>/rollouts.h5`.
    public var rolloutsPath: String { directory + "/rollouts.h5" }
    /// `<directory>/eval.json`.
    public var evaluationPath: String { directory + "/eval.json" }
    /// `<directory>/mae.md`.
    public var tablePath: String { directory + "/mae.md" }

    /// The methods trained, in table order.
    public static let methods: [TrainingMethodKind] = [.non, .foSOL, .zoSOL, .nogSOL]

    /// `<runsDirectory>/<method>.h5`, e.g. `runs/zo-sol.h5`.
    public func checkpointPath(_ method: TrainingMethodKind) -> String { "\(runsDirectory)/\(method.rawValue).h5" }

    /// The scenario: `burgers` on N = 16 (reference 64), otherwise its defaults.
    public var scenario: BurgersScenario {
        var s = BurgersScenario()
        s.resolution = 16
        return s
    }

    /// 6 training and 4 test simulations of `max(120, K + 1)` frames, seed 0.
    public var generation: GenerationOptions {
        GenerationOptions(train: 6, test: 4, frames: max(120, evaluationSteps + 1), seed: 0)
    }

    /// The training configuration of one method.
    public func configuration(_ method: TrainingMethodKind) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.method = method
        c.unroll = 4
        c.network = .tiny
        c.iterations = iterations
        c.batchSize = 3
        c.threads = threads
        c.optimizer.learningRate = 3e-3
        c.schedule.kind = .cosine
        c.zo.estimator = .central
        c.zo.mu = 1e-3
        c.zo.sparsity = 0
        c.checkpointInterval = max(1, iterations / 4)
        c.logInterval = max(1, iterations / 50)
        return c
    }
}
