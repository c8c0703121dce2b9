import Foundation

/// The 2D unsteady wake flow behind a cylinder of the Solver-in-the-Loop benchmark (Um et al.,
/// NeurIPS 2020), incompressible Navier–Stokes on a staggered (MAC) grid:
///
///     ∂v/∂t + (v·∇)v = −∇p + ν ∇²v,   ∇·v = 0,   ν = 10 / Re  (domain units, U = 1, D = 20)
///
/// One step of size `dt` (split as in the original): explicit diffusion `v += ν dt ∇²v` (sub-cycled
/// so that `ν dt' (1/dx² + 1/dy²) ≤ 0.4`), the inflow condition (`vy = U`, `vx = 0` on faces below
/// `y = 5`), semi-Lagrangian self-advection (bilinear interpolation on each staggered component,
/// departure points clamped to the domain), and the pressure projection with the cylinder
/// (``KarmanPressureSolver``: exact, direct, FFTW DCTs). The step is a deterministic function of its
/// input, continuous and piecewise smooth (bilinear interpolation cells).
///
/// `reynolds` holds one Reynolds number per state of the batch (book units; `U·D/ν = 2 Re`, see
/// docs/scenarios/karman.md). States are `[B, 2, H, W]` with the layout documented on ``KarmanGrid``.
public struct KarmanSimulator<Scalar: FFTScalar>: DifferentiableSimulator {
    /// The grid geometry: cells, faces, cylinder and boundaries.
    public let grid: KarmanGrid
    /// Per-state parameters (`re`: Reynolds number, book units).
    public let parameters: [SimulationParameters]
    /// Reynolds number of each state of the batch.
    public let reynolds: [Double]
    /// Time per `step` call.
    public let dt: Double
    /// Internal steps per `step` call (each advances `dt / substeps`): used by reference solvers
    /// whose finer grid needs a smaller time step so that frames align with the source.
    public let substeps: Int
    /// Largest allowed `dt/substeps · U / min(dx, dy)` (semi-Lagrangian back-traces of at most two
    /// cells at the inflow speed).
    public static var maximumCourant: Double { 2 }

    let pressure: KarmanPressureSolver
    let workspaces: KarmanWorkspacePool

    public var channels: [String] { ["vx", "vy"] }
    public var gridShape: [Int] { grid.shape }
    public var batchSize: Int { parameters.count }

    /// Kinematic viscosity for a Reynolds number in the book's units: `ν = 10 / Re`
    /// (`Re_solver = Re · 128² / 10`, diffusivity `res² / Re_solver` at the reference `res = 128`).
    public static func viscosity(reynolds: Double) -> Double { 10 / reynolds }

    /// Throws unless `re` is finite and positive.
    public static func validate(reynolds re: Double) throws {
        guard re.isFinite, re > 0 else {
            throw SolverError.invalidParameter(scenario: "karman", name: "re", value: re,
                                               reason: "the Reynolds number must be finite and > 0")
        }
    }

    /// Throws unless `dt/substeps` respects the advection CFL bound on `grid`.
    public static func validate(grid: KarmanGrid, dt: Double, substeps: Int) throws {
        guard dt.isFinite, dt > 0, substeps >= 1 else {
            throw KarmanGrid.invalid("dt must be > 0 and sub-steps ≥ 1, got dt = \(dt), sub-steps = \(substeps)")
        }
        let courant = dt / Double(substeps) * grid.inflowVelocity / min(grid.dx, grid.dy)
        guard courant <= maximumCourant else {
            throw KarmanGrid.invalid("dt · U / cell size = \(String(format: "%.3g", courant)) on the \(grid.cellsX) × \(grid.cellsY) grid "
                                     + "exceeds the advection CFL limit \(maximumCourant); use a smaller dt or more sub-steps")
        }
    }

    /// A simulator for the states of a batch, one parameter set (`re`) per state.
    public init(grid: KarmanGrid, parameters: [SimulationParameters], dt: Double = 1, substeps: Int = 1) throws {
        guard !parameters.isEmpty else { throw KarmanGrid.invalid("give at least one parameter set") }
        let reynolds = try parameters.map { try $0.value("re", scenario: "karman") }
        for re in reynolds { try Self.validate(reynolds: re) }
        try Self.validate(grid: grid, dt: dt, substeps: substeps)
        self.init(grid: grid, parameters: parameters, reynolds: reynolds, dt: dt, substeps: substeps,
                  pressure: try KarmanPressureSolver.shared(grid: grid), workspaces: KarmanWorkspacePool(grid: grid))
    }

    /// Convenience: one state per Reynolds number.
    public init(grid: KarmanGrid, reynolds: [Double], dt: Double = 1, substeps: Int = 1) throws {
        try self.init(grid: grid, parameters: reynolds.map { SimulationParameters(["re": $0]) }, dt: dt, substeps: substeps)
    }

    /// The same simulator for other Reynolds numbers (shares the pressure solver's setup).
    public func with(reynolds: [Double]) throws -> KarmanSimulator {
        guard !reynolds.isEmpty else { throw KarmanGrid.invalid("give at least one Reynolds number") }
        for re in reynolds { try Self.validate(reynolds: re) }
        return KarmanSimulator(grid: grid, parameters: reynolds.map { SimulationParameters(["re": $0]) }, reynolds: reynolds,
                               dt: dt, substeps: substeps, pressure: pressure, workspaces: workspaces)
    }

    private init(grid: KarmanGrid, parameters: [SimulationParameters], reynolds: [Double], dt: Double, substeps: Int,
                 pressure: KarmanPressureSolver, workspaces: KarmanWorkspacePool) {
        self.grid = grid
        self.parameters = parameters
        self.reynolds = reynolds
        self.dt = dt
        self.substeps = substeps
        self.pressure = pressure
        self.workspaces = workspaces
    }

    /// Diffusion sub-cycles and their `α = ν dt'` for state `b`.
    func diffusionSchedule(_ b: Int) -> (count: Int, alpha: Double) {
        let h = dt / Double(substeps)
        let nu = Self.viscosity(reynolds: reynolds[b])
        let number = nu * h * (1 / (grid.dx * grid.dx) + 1 / (grid.dy * grid.dy))
        let count = max(1, Int((number / 0.4).rounded(.up)))
        return (count, nu * h / Double(count))
    }

    /// Advances every state by `dt` (states `[batchSize, 2, H, W]`). Non-finite states are not
    /// checked here (the pair generator and rollouts detect blow-ups with their step number).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func step(_ states: inout Tensor<Scalar>) throws {
        try checkShape(states)
        let batch = states.shape[0]
        let stateCount = 2 * grid.cellsX * grid.cellsY
        states.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeSendablePointer(buffer.baseAddress!)
            Self.forEachState(batch) { b in
                workspaces.with { ws in
                    let state = base.pointer + b * stateCount
                    ws.load(state)
                    ws.reconstructState()
                    let schedule = diffusionSchedule(b)
                    for _ in 0..<substeps {
                        substep(&ws, schedule: schedule)
                    }
                    ws.extractState()
                    ws.store(into: state)
                }
            }
        }
    }

    /// One internal step on the full-face buffer `ws.a` (result in `ws.a`).
    func substep(_ ws: inout KarmanWorkspace, schedule: (count: Int, alpha: Double)) {
        for _ in 0..<schedule.count { ws.diffuse(alpha: schedule.alpha) }
        ws.applyInflow()
        ws.advect(dt: dt / Double(substeps))
        ws.project(pressure)
    }

    /// Runs `body(b)` for every state, spread over the machine's cores by `concurrentPerform`
    /// when there are several states (each state is independent, so the result does not depend
    /// on the thread count).
    static func forEachState(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}

/// A raw pointer that may cross into `concurrentPerform`: every task writes a disjoint slice.
struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
