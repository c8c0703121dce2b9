import SOLCore

/// What training and evaluation need of the source (low-fidelity) solver `P`: the grid it steps,
/// its channels and time step, how its domain ends, which parameters tell simulations apart, and
/// a way to build its stepper for a batch. Nothing about the reference solver, initial states or
/// downsampling: those belong to generation (``Scenario``, which refines this protocol).
///
/// Every ``Scenario`` is a source solver. A user's own solver — another process speaking the
/// sol-solver protocol or a C library (``ExternalSourceSolver``, docs/own-solver.md) — is one
/// too: it takes its description from the dataset it trains on and replaces only the stepper.
public protocol SourceSolver: Sendable {
    /// How messages name this solver: the scenario (`burgers`) or the user's command or library.
    var solverName: String { get }
    /// State channels, e.g. `["u"]` or `["vx", "vy"]`.
    var channels: [String] { get }
    /// Source grid `[H, W]` (`[1, N]` in 1D).
    var sourceGrid: [Int] { get }
    /// Physical time between two frames (one source step).
    var dt: Double { get }
    /// How the domain ends: decides the corrector's padding.
    var boundary: DomainBoundary { get }
    /// Names of the per-simulation parameters (besides the seed).
    var parameterNames: [String] { get }
    /// The parameter the corrector takes as its conditioning input (e.g. `"viscosity"`, `"re"`).
    var conditioningParameter: String { get }
    /// Largest |value| a healthy state may reach; beyond it a simulation counts as blown up.
    var blowUpLimit: Double { get }
    /// Whether ``differentiableSourceSimulator(for:)`` can succeed (FO-SOL needs the adjoint).
    var providesAdjoint: Bool { get }
    /// Whether one `step` call already spreads a batch's states over the machine's cores. Callers
    /// that step large batches (the finite-difference VJP) then use one thread, not a pool of
    /// them competing for the same cores.
    var stepsBatchConcurrently: Bool { get }

    /// The solver one worker thread steps with. In-process solvers return themselves; an
    /// external solver starts its own process here (one per worker, so workers step in
    /// parallel), which ends when the returned value is released.
    func startWorker() throws -> any SourceSolver
    /// The source simulator for a batch of simulations (one entry per batch item), in float32.
    func sourceSimulator(for parameters: [SimulationParameters]) throws -> any Simulator<Float>
    /// The source simulator with its discrete adjoint (FO-SOL); throws
    /// ``SolverError/notDifferentiable(scenario:)`` when there is none.
    func differentiableSourceSimulator(for parameters: [SimulationParameters]) throws -> any DifferentiableSimulator<Float>
}

extension SourceSolver {
    /// In-process solvers are shared by every worker.
    public func startWorker() throws -> any SourceSolver { self }

    /// Most solvers step a batch on the calling thread.
    public var stepsBatchConcurrently: Bool { false }
}

extension Scenario {
    /// The registry name.
    public var solverName: String { name }

    /// The in-process scenarios all provide their discrete adjoint.
    public var providesAdjoint: Bool { true }

    /// ``Scenario/makeSource(_:as:)`` in float32.
    public func sourceSimulator(for parameters: [SimulationParameters]) throws -> any Simulator<Float> {
        try makeSource(parameters, as: Float.self)
    }

    /// ``Scenario/makeDifferentiableSource(_:as:)`` in float32.
    public func differentiableSourceSimulator(for parameters: [SimulationParameters]) throws -> any DifferentiableSimulator<Float> {
        try makeDifferentiableSource(parameters, as: Float.self)
    }
}
