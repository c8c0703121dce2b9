import Foundation
import XCTest
@testable import SOL
import Solver
import ZOTrain

/// A simulator that only conforms to `Simulator` (no adjoint) and counts its steps: the black
/// box ZO-SOL is meant for (legacy code, a closed simulator).
private final class BlackBoxSimulator: Simulator, @unchecked Sendable {
    let inner: any Simulator<Float>
    let counter: StepCounter
    init(_ inner: any Simulator<Float>, counter: StepCounter) { self.inner = inner; self.counter = counter }
    var channels: [String] { inner.channels }
    var gridShape: [Int] { inner.gridShape }
    var batchSize: Int { inner.batchSize }
    var parameters: [SimulationParameters] { inner.parameters }
    var dt: Double { inner.dt }
    func step(_ states: inout Tensor<Float>) throws {
        counter.increment()
        try inner.step(&states)
    }
}

final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

/// `burgers` whose source solver is the black box above.
private struct BlackBoxBurgers: Scenario {
    static let name = "blackbox-burgers"
    var base = RolloutFixtures.scenario
    nonisolated(unsafe) static var counter = StepCounter()
    init() {}
    enum CodingKeys: CodingKey { case base }
    var channels: [String] { base.channels }
    var sourceGrid: [Int] { base.sourceGrid }
    var referenceGrid: [Int] { base.referenceGrid }
    var factor: Int { base.factor }
    var dt: Double { base.dt }
    var domain: [Double] { base.domain }
    var defaultWarmup: Int { base.defaultWarmup }
    var blowUpLimit: Double { base.blowUpLimit }
    var parameterNames: [String] { base.parameterNames }
    var conditioningParameter: String { base.conditioningParameter }
    var boundary: DomainBoundary { base.boundary }
    func validate() throws { try base.validate() }
    func validate(_ parameters: SimulationParameters) throws { try base.validate(parameters) }
    func makeSource<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        let inner = try base.makeSource(parameters, as: Float.self)
        return BlackBoxSimulator(inner, counter: Self.counter) as! any Simulator<S>
    }
    func makeReference<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try base.makeReference(parameters, as: S.self)
    }
    func initialStates<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> Tensor<S> {
        try base.initialStates(parameters, as: S.self)
    }
    func downsample<S: FFTScalar>(_ reference: Tensor<S>) throws -> Tensor<S> { try base.downsample(reference) }
    func defaultParameters(train: Int, test: Int, seed: UInt64) -> (train: [SimulationParameters], test: [SimulationParameters]) {
        base.defaultParameters(train: train, test: test, seed: seed)
    }
    func with(resolution: Int?, factor: Int?, dt: Double?) throws -> BlackBoxBurgers { self }
}

final class BlackBoxSolverTests: XCTestCase {
    /// ZO-SOL trains a corrector through a solver that offers nothing but `step`, and lowers the
    /// training loss; FO-SOL refuses the same solver with a clear error.
    func testZOSOLTrainsThroughASimulatorWithoutAdjoint() throws {
        let scenario = BlackBoxBurgers()
        let batch = try RolloutFixtures.batch(unroll: 2)
        var network = try RolloutFixtures.network(for: batch)
        let loss = RolloutFixtures.lossFunction(network)
        XCTAssertThrowsError(try RolloutEngine(scenario: scenario).lossAndGradient(network, batch: batch, lossFunction: loss,
                                                                                   flow: .throughSolver)) { error in
            XCTAssertTrue("\(error)".contains("blackbox-burgers"), "\(error)")
        }
        var method = try ZerothOrderMethod(network: network, source: scenario, lossFunction: loss, initialBatch: batch,
                                           options: .dense(), seed: 0, threads: 2)
        var optimizer = Adam(parameterCount: network.parameterCount)
        let before = BlackBoxBurgers.counter.count
        var losses: [Double] = []
        for i in 0..<30 {
            let step = try method.step(network, batch: batch, iteration: i)
            losses.append(step.loss)
            optimizer.update(&network.parameters, along: step.gradient, learningRate: 1e-2)
        }
        XCTAssertGreaterThan(BlackBoxBurgers.counter.count - before, 30 * network.parameterCount)
        XCTAssertLessThan(losses.last!, 0.8 * losses.first!, "losses \(losses)")
    }

    /// ZO-SOL `--estimator vjp` through the same step-only solver: exact backprop through the
    /// corrector, the solver's VJPs from perturbed-state steps. Its gradient matches FO-SOL's exact
    /// one (the in-process solver, which steps identically, with its adjoint) and it trains.
    func testStateVJPEstimatorMatchesFOSOLThroughASimulatorWithoutAdjoint() throws {
        let scenario = BlackBoxBurgers()
        let batch = try RolloutFixtures.batch(unroll: 3)
        var network = try RolloutFixtures.network(for: batch)
        let loss = RolloutFixtures.lossFunction(network)
        let exact = try RolloutEngine(scenario: RolloutFixtures.scenario)
            .lossAndGradient(network, batch: batch, lossFunction: loss, flow: .throughSolver)
        var method = StateVJPMethod(source: scenario, lossFunction: loss, differences: FiniteDifferenceVJP(mu: 1e-2))
        let before = BlackBoxBurgers.counter.count
        let first = try method.step(network, batch: batch, iteration: 0)
        XCTAssertEqual(first.loss, exact.loss, "the same rollout")
        let cos = RolloutFixtures.cosine(first.gradient, exact.gradient)
        let ratio = RolloutFixtures.norm(first.gradient) / RolloutFixtures.norm(exact.gradient)
        XCTAssertGreaterThan(cos, 0.999)
        XCTAssertEqual(ratio, 1, accuracy: 1e-2)
        // 2 × 16 perturbed states per item and VJP: 2 items × 2 VJPs (unroll 3, none before the first step).
        XCTAssertEqual(first.queries, 2 * 16 * 2 * 2)
        XCTAssertEqual(first.queries, method.statesPerIteration(count: 16, batch: 2, unroll: 3))
        XCTAssertGreaterThan(BlackBoxBurgers.counter.count - before, 3, "the black box was stepped")
        for threads in [2, 3] {
            var parallel = StateVJPMethod(source: scenario, lossFunction: loss, differences: FiniteDifferenceVJP(mu: 1e-2, chunk: 5),
                                          threads: threads)
            let step = try parallel.step(network, batch: batch, iteration: 0)
            XCTAssertEqual(step.gradient, first.gradient, "\(threads) threads, other chunks: bit for bit")
            XCTAssertEqual(step.loss, first.loss)
        }
        var optimizer = Adam(parameterCount: network.parameterCount)
        var losses: [Double] = []
        for i in 0..<30 {
            let step = try method.step(network, batch: batch, iteration: i)
            losses.append(step.loss)
            optimizer.update(&network.parameters, along: step.gradient, learningRate: 1e-2)
        }
        XCTAssertLessThan(losses.last!, 0.8 * losses.first!, "losses \(losses)")
    }
}
