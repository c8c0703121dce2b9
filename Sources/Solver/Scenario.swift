import Foundation
import SOLCore

/// Which part of a dataset a simulation belongs to. Train and test use disjoint parameter values.
public enum DatasetSplit: String, Codable, Sendable, CaseIterable {
    case train, test
}

/// A low/high-fidelity problem: one PDE on a source grid and on a `factor`× finer reference
/// grid, the downsampling `T` between them, and how simulations differ.
///
/// A scenario is a `Codable` configuration value (grid, factor, dt per frame, domain, sub-steps,
/// default warm-up, physics constants). Its JSON (``configurationJSON``) is stored in every
/// dataset file, and ``ScenarioRegistry/scenario(named:configurationJSON:)`` rebuilds it, so a
/// file alone suffices to re-create the source solver.
///
/// A scenario is also the ``SourceSolver`` its datasets train with: training and evaluation only
/// use that part, so a user's own solver can replace the source stepper (docs/own-solver.md).
///
/// To add a scenario: conform a struct (its ``SourceSolver/boundary`` tells the corrector how to
/// pad), then add its type to ``ScenarioRegistry/all`` so that datasets naming it can be opened.
public protocol Scenario: SourceSolver, Codable {
    /// Registry name, e.g. `"burgers"`.
    static var name: String { get }
    /// The default configuration.
    init()

    // What training needs (channels, source grid, dt, boundary, parameter names, conditioning
    // parameter, blow-up limit) comes from ``SourceSolver``; the rest is for generation.

    /// Reference grid `[H, W]`: `factor`× the source grid along every resolved axis.
    var referenceGrid: [Int] { get }
    /// Resolution ratio reference / source (≥ 2).
    var factor: Int { get }
    /// Physical extent of the domain `[Ly, Lx]` (`[0, L]`… in 1D: `[1, L]` by convention).
    var domain: [Double] { get }
    /// Reference frames discarded before frame 0 by default (so the flow is developed).
    var defaultWarmup: Int { get }

    /// Throws ``SolverError/invalidConfiguration(scenario:reason:)`` for a bad configuration.
    func validate() throws
    /// Throws ``SolverError/invalidParameter(scenario:name:value:reason:)`` or
    /// ``SolverError/missingParameter(scenario:name:)`` for unusable (e.g. unstable) parameters.
    func validate(_ parameters: SimulationParameters) throws

    /// The source (low-fidelity) simulator: one `step` advances one frame (`dt`).
    func makeSource<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S>
    /// The reference (high-fidelity) simulator on ``referenceGrid``: one `step` advances one frame.
    func makeReference<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S>
    /// Random initial states on the reference grid, `[B, C, Hr, Wr]`, from each parameter's seed.
    func initialStates<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> Tensor<S>
    /// `T`: reference states `[B, C, Hr, Wr]` to source states `[B, C, H, W]`.
    func downsample<S: FFTScalar>(_ reference: Tensor<S>) throws -> Tensor<S>
    /// Default parameter sets of `train` training and `test` test simulations; the two lists
    /// never share a value of the conditioning parameter, and seeds differ.
    func defaultParameters(train: Int, test: Int, seed: UInt64) -> (train: [SimulationParameters], test: [SimulationParameters])
    /// This configuration with the generic command-line overrides applied (validated).
    func with(resolution: Int?, factor: Int?, dt: Double?) throws -> Self
}

extension Scenario {
    /// The registry name of this scenario value.
    public var name: String { Self.name }

    /// The configuration as canonical JSON (sorted keys), as stored in dataset files.
    public var configurationJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Decodes a configuration written by ``configurationJSON`` and validates it.
    public static func decode(configurationJSON json: String) throws -> Self {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let value: Self
        do { value = try decoder.decode(Self.self, from: Data(json.utf8)) } catch {
            throw SolverError.badConfiguration(scenario: name, reason: "\(error)")
        }
        try value.validate()
        return value
    }

    /// The source simulator with its discrete adjoint, for FO-SOL; throws
    /// ``SolverError/notDifferentiable(scenario:)`` if the scenario has none.
    public func makeDifferentiableSource<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws
        -> any DifferentiableSimulator<S> {
        guard let sim = try makeSource(parameters, as: S.self) as? any DifferentiableSimulator<S> else {
            throw SolverError.notDifferentiable(scenario: name)
        }
        return sim
    }

    /// Validates every parameter set.
    public func validate(_ parameters: [SimulationParameters]) throws {
        for p in parameters { try validate(p) }
    }

    /// Helpers for ``validate()``.
    public func require(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
        if !condition { throw SolverError.invalidConfiguration(scenario: name, reason: reason()) }
    }

    /// Log-spaced values of a positive parameter: `train` values from `low` to `high`, and `test`
    /// values at the geometric midpoints between consecutive train values (continuing beyond
    /// `high` when there are more test values than gaps), so the splits are disjoint and test
    /// values lie in between and beyond the training ones.
    public static func logSpacedValues(low: Double, high: Double, train: Int, test: Int) -> (train: [Double], test: [Double]) {
        if train <= 1 {
            let mid = (low * high).squareRoot()
            let r = (high / low).squareRoot()
            return (train == 1 ? [mid] : [], (0..<test).map { low * pow(r, Double($0) + 0.5) })
        }
        let r = pow(high / low, 1 / Double(train - 1))
        return ((0..<train).map { low * pow(r, Double($0)) }, (0..<test).map { low * pow(r, Double($0) + 0.5) })
    }

    /// Default parameter sets varying one positive parameter `name` log-spaced over `range`
    /// (``logSpacedValues(low:high:train:test:)``), each with its own initial-condition seed
    /// (``seeds(_:split:count:)``).
    public static func logSpacedParameters(_ name: String, range: [Double], train: Int, test: Int,
                                           seed: UInt64) -> (train: [SimulationParameters], test: [SimulationParameters]) {
        let values = logSpacedValues(low: range[0], high: range[1], train: train, test: test)
        let trainSeeds = seeds(seed, split: .train, count: train), testSeeds = seeds(seed, split: .test, count: test)
        return (zip(values.train, trainSeeds).map { SimulationParameters([name: $0], seed: $1) },
                zip(values.test, testSeeds).map { SimulationParameters([name: $0], seed: $1) })
    }

    /// Seeds of the initial conditions: derived from `seed`, distinct for every simulation of
    /// both splits.
    public static func seeds(_ seed: UInt64, split: DatasetSplit, count: Int) -> [UInt64] {
        let base = SplitMix64(seed: seed).derived(split == .train ? 1 : 2)
        return (0..<count).map { i in var g = base.derived(UInt64(i)); return g.next() }
    }
}
