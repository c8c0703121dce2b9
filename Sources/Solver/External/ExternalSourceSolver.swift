import Foundation
import SOLCore

/// A user's own solver: the source solver `P` (training, evaluation) or the reference solver
/// (generation), as another process speaking the sol-solver protocol
/// (`--source-cmd`, ``SolverProcess``) or a shared library implementing the C ABI of
/// `include/sol_solver.h` (`--source-lib`, ``SolverPlugin``). docs/own-solver.md walks through both.
///
/// Everything but the stepper — grid, channels, dt, boundary (hence the corrector's padding),
/// parameter names, conditioning parameter, blow-up limit — is the dataset's scenario's
/// (``scenario``): the dataset still says what is simulated, the user's code only steps it.
/// It offers ``Simulator/step(_:)`` only, so ZO-SOL, NOG-SOL, NON and evaluation run through it
/// and FO-SOL, which needs the discrete adjoint, refuses it (``providesAdjoint`` is false).
///
/// Each worker (``startWorker()``) starts its own process, kept alive for every batch it steps;
/// a library is loaded once and instantiated per batch composition. Failures are never retried:
/// a solver that crashed, hung or answered garbage once is not trusted again, and the run ends
/// with ``SolverError/externalSolver(solver:reason:)`` (its last checkpoint stays for `--resume`).
public struct ExternalSourceSolver: SourceSolver {
    /// Where the stepper lives.
    public enum Backend: Sendable, Equatable {
        /// A command started with `/bin/sh -c`, speaking the sol-solver protocol on stdin/stdout.
        case command(String)
        /// A shared library implementing `include/sol_solver.h`.
        case library(String)
    }

    /// Which of the scenario's solvers it replaces, hence which grid it steps.
    public enum Role: String, Sendable {
        /// The coarse source solver `P` (on ``Scenario/sourceGrid``) of `sol train` and `sol eval`.
        case source
        /// The fine reference solver (on ``Scenario/referenceGrid``) of `sol generate`.
        case reference
    }

    /// The dataset's scenario: the description of what is stepped (and the configuration JSON
    /// sent to the solver).
    public let scenario: any Scenario
    /// The process command or the library.
    public let backend: Backend
    /// Seconds a process may take to answer one message (the handshake or a step).
    public let timeout: Double
    /// The solver it replaces.
    public let role: Role
    private let plugin: SolverPlugin?
    private let process: SolverProcess?

    /// A solver stepping `scenario`'s states (on its source grid, or its reference grid for
    /// the ``Role/reference`` role) with `backend`. A library is loaded (and its ABI checked)
    /// here; a command starts per worker.
    public init(scenario: any Scenario, backend: Backend, role: Role = .source, timeout: Double = 60) throws {
        self.scenario = scenario
        self.backend = backend
        self.role = role
        self.timeout = timeout
        process = nil
        let label = "\(role.rawValue) solver \(Self.name(of: backend))"
        switch backend {
        case let .command(command):
            guard !command.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw SolverError.externalSolver(solver: label, reason: "is an empty command")
            }
            plugin = nil
        case let .library(path):
            plugin = try SolverPlugin(path: path, label: label)
        }
    }

    private init(_ base: ExternalSourceSolver, process: SolverProcess) {
        scenario = base.scenario
        backend = base.backend
        timeout = base.timeout
        role = base.role
        plugin = base.plugin
        self.process = process
    }

    /// `"python3 my_solver.py"` (quoted) or the library path.
    public var solverName: String { Self.name(of: backend) }

    private static func name(of backend: Backend) -> String {
        switch backend {
        case let .command(command): return "\"\(command)\""
        case let .library(path): return path
        }
    }

    /// How errors name it: `source solver "python3 my_solver.py"`.
    public var label: String { "\(role.rawValue) solver \(solverName)" }

    /// `command: python3 my_solver.py` or `library: libmysolver.so`, as checkpoints record it.
    public var record: String {
        switch backend {
        case let .command(command): return "command: \(command)"
        case let .library(path): return "library: \(path)"
        }
    }

    public var channels: [String] { scenario.channels }
    /// The grid it steps: the scenario's source grid, or its reference grid for ``Role/reference``.
    public var sourceGrid: [Int] { role == .source ? scenario.sourceGrid : scenario.referenceGrid }
    public var dt: Double { scenario.dt }
    public var boundary: DomainBoundary { scenario.boundary }
    public var parameterNames: [String] { scenario.parameterNames }
    public var conditioningParameter: String { scenario.conditioningParameter }
    public var blowUpLimit: Double { scenario.blowUpLimit }
    /// External solvers offer `step` only: FO-SOL needs an adjoint they cannot give.
    public var providesAdjoint: Bool { false }

    /// A command starts its process here (handshake included); a library is shared.
    public func startWorker() throws -> any SourceSolver {
        guard case let .command(command) = backend else { return self }
        return ExternalSourceSolver(self, process: try SolverProcess(command: command, label: label, timeout: timeout,
                                                                     handshake: handshake))
    }

    public func sourceSimulator(for parameters: [SimulationParameters]) throws -> any Simulator<Float> {
        switch backend {
        case let .command(command):
            let process = try self.process ?? SolverProcess(command: command, label: label, timeout: timeout, handshake: handshake)
            return try SolverProcessSimulator(process: process, description: self, parameters: parameters)
        case .library:
            guard let plugin else { throw SolverError.externalSolver(solver: label, reason: "is not loaded") }
            return try SolverPluginSimulator(plugin: plugin, description: self, parameters: parameters, names: parameterNames,
                                             scenario: scenario.name, configurationJSON: scenario.configurationJSON,
                                             role: role.rawValue)
        }
    }

    /// Always throws: an external solver has no adjoint.
    public func differentiableSourceSimulator(for parameters: [SimulationParameters]) throws -> any DifferentiableSimulator<Float> {
        throw SolverError.notDifferentiable(scenario: solverName)
    }

    /// The handshake JSON: protocol version, role, scenario and its configuration, grid,
    /// channels, dtype, byte order, dt, boundary, parameter names and the conditioning parameter.
    var handshake: String {
        struct Handshake: Encodable {
            var `protocol`: Int, role: String, scenario: String, grid: [Int], channels: [String], dtype = "float32"
            var byteorder = "little", dt: Double, boundary: String, parameters: [String], conditioning: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let value = Handshake(protocol: SolverProcess.protocolVersion, role: role.rawValue, scenario: scenario.name, grid: sourceGrid,
                              channels: channels,
                              dt: dt, boundary: boundary.rawValue, parameters: parameterNames, conditioning: conditioningParameter)
        let json = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        // Splice the scenario configuration in as an object (it is canonical JSON already).
        return String(json.dropLast()) + ",\"config\":" + scenario.configurationJSON + "}"
    }
}

/// The states of one batch composition, stepped by a ``SolverProcess``: one `step` message per
/// call carries the whole batch and the per-item parameters.
final class SolverProcessSimulator: Simulator, @unchecked Sendable {
    let process: SolverProcess
    let channels: [String]
    let gridShape: [Int]
    let parameters: [SimulationParameters]
    let dt: Double
    var batchSize: Int { parameters.count }
    /// `step B C H W [{…}, …]`, fixed for the batch.
    private let header: String

    init(process: SolverProcess, description: any SourceSolver, parameters: [SimulationParameters]) throws {
        self.process = process
        channels = description.channels
        gridShape = description.sourceGrid
        self.parameters = parameters
        dt = description.dt
        let shape = [parameters.count, channels.count] + gridShape
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let items = (try? encoder.encode(parameters.map(\.values))).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        header = "step " + shape.map(String.init).joined(separator: " ") + " " + items
    }

    func step(_ states: inout Tensor<Float>) throws {
        try checkShape(states)
        let inputFinite = states.isFinite
        let shape = states.shape
        // The request is copied out before the reply is read, so the reply can land in place.
        try states.withUnsafeMutableBufferPointer { buffer in
            try process.exchange(header: header, payload: UnsafeRawBufferPointer(buffer), expected: shape,
                                 reply: UnsafeMutableRawBufferPointer(buffer))
        }
        try ExternalStates.checkFinite(states, inputWasFinite: inputFinite, solver: process.label)
    }
}
