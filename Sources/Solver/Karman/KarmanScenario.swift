import Foundation
import SOLCore

/// `karman`: the unsteady wake flow behind a cylinder of the Solver-in-the-Loop benchmark
/// (Um et al. 2020; ``KarmanSimulator``), the paper's headline scenario.
///
/// Domain 100 (x) × 200 (y), cylinder of radius 10 at (50, 50), inflow `vy = 1` below `y = 5`,
/// open top, free-slip side walls. Source `resolution × 2·resolution` cells (x × y; default 32 × 64),
/// reference `factor`× finer (default 128 × 256). One frame is `dt` (default 1, as in the original);
/// the reference takes `referenceSubsteps` steps per frame (default 1: the original also used
/// dt = 1 at 128 × 256, Courant number 1.28). `T` averages the fine faces covering each coarse face
/// (``KarmanGrid/downsample(_:factor:)``). Simulations differ by the Reynolds number `re` (book
/// units, ``KarmanSimulator/viscosity(reynolds:)``; the corrector's conditioning input); the
/// initial state is the original's deterministic one (uniform inflow plus a sideways push behind
/// the cylinder), so the seed is unused. `warmup` reference frames are discarded so the vortex
/// street is developed (original: 1,500 steps, the first 1,000 discarded).
public struct KarmanScenario: Scenario, Equatable {
    public static let name = "karman"
    /// Source cells across (x); the source grid is `resolution × 2·resolution`.
    public var resolution = 32
    public var factor = 4
    public var dt = 1.0
    /// Solver steps per frame on the source grid.
    public var sourceSubsteps = 1
    /// Solver steps per frame on the reference grid (raised by ``with(resolution:factor:dt:)`` so the advection CFL bound holds).
    public var referenceSubsteps = 1
    /// Reference frames discarded before frame 0 (the vortex street develops).
    public var warmup = 1000
    /// Training Reynolds numbers are log-spaced over this range (original: 97.7 … 3125, 6 values a
    /// factor 2 apart); test values sit 1.5× above each training value (original: 146.5 … 2343.8).
    public var reynoldsRange = [97.65625, 3125.0]
    /// Domain extent in x.
    public var width = 100.0
    /// Domain extent in y (the flow direction).
    public var height = 200.0
    /// Cylinder centre `[x, y]`.
    public var obstacleCenter = [50.0, 50.0]
    /// Cylinder radius (diameter `D = 2 × radius`).
    public var obstacleRadius = 10.0
    /// Inflow speed `U`.
    public var inflowVelocity = 1.0
    /// Faces below this `y` are reset to the inflow every step.
    public var inflowHeight = 5.0
    /// Amplitude of the initial sideways push, in units of the inflow speed.
    public var perturbation = 1.0
    public var blowUpLimit = 20.0
    /// ``KarmanSimulator`` steps the states of a batch concurrently.
    public var stepsBatchConcurrently: Bool { true }
    /// Self-advection of the reference solver (`nil`: ``KarmanAdvection/semiLagrangian``, the
    /// original benchmark's; `sol generate --advection maccormack` picks the second-order
    /// MacCormack scheme). The source solver always uses the semi-Lagrangian step. Optional so
    /// that configurations written before it existed decode unchanged.
    public var referenceAdvection: KarmanAdvection?

    public init() {}

    public var channels: [String] { ["vx", "vy"] }
    public var sourceGrid: [Int] { [2 * resolution, resolution] }
    public var referenceGrid: [Int] { [2 * resolution * factor, resolution * factor] }
    public var domain: [Double] { [height, width] }
    public var defaultWarmup: Int { warmup }
    public var parameterNames: [String] { ["re"] }
    public var conditioningParameter: String { "re" }
    /// Inflow, walls and outflow: the corrector replicates edge values.
    public var boundary: DomainBoundary { .bounded }

    func grid(cellsX: Int) throws -> KarmanGrid {
        try KarmanGrid(cellsX: cellsX, cellsY: 2 * cellsX, width: width, height: height,
                       obstacleCenter: obstacleCenter, obstacleRadius: obstacleRadius,
                       inflowVelocity: inflowVelocity, inflowHeight: inflowHeight)
    }

    /// The source grid (`resolution × 2·resolution` cells) with the cylinder and the boundaries.
    public var sourceGridGeometry: KarmanGrid { get throws { try grid(cellsX: resolution) } }
    /// The reference grid (`factor`× finer).
    public var referenceGridGeometry: KarmanGrid { get throws { try grid(cellsX: resolution * factor) } }

    public func validate() throws {
        try require(resolution >= 4, "resolution must be at least 4 (got \(resolution))")
        try require(factor >= 2, "factor must be at least 2 (got \(factor))")
        try require(abs(height - 2 * width) < 1e-9 * height, "the domain must be twice as high as wide (square cells)")
        try require(warmup >= 0, "warm-up must be ≥ 0 (got \(warmup))")
        try require(reynoldsRange.count == 2 && reynoldsRange[0] > 0 && reynoldsRange[1] >= reynoldsRange[0],
                    "reynoldsRange must be [low, high] with 0 < low ≤ high (got \(reynoldsRange))")
        try require(perturbation.isFinite, "perturbation must be finite")
        try require(blowUpLimit > 0, "blowUpLimit must be positive")
        // The grids' masks and the solver's arrays must fit before any grid is built: about 24
        // double arrays of the reference cells per simulation.
        let referenceCells = Double(resolution) * Double(factor) * Double(resolution) * Double(factor) * 2
        try MemoryBudget.require(referenceCells * 24 * 8, for: "the karman reference grid of \(resolution * factor) × \(2 * resolution * factor) cells",
                                 advice: "lower --resolution or --factor")
        // Grid resolution of the cylinder, placement and the advection CFL bound, on both grids.
        let source = try sourceGridGeometry, reference = try referenceGridGeometry
        try KarmanSimulator<Double>.validate(grid: source, dt: dt, substeps: sourceSubsteps)
        try KarmanSimulator<Double>.validate(grid: reference, dt: dt, substeps: referenceSubsteps)
    }

    public func validate(_ parameters: SimulationParameters) throws {
        try KarmanSimulator<Double>.validate(reynolds: try parameters.value("re", scenario: name))
    }

    public func makeSource<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try validate(); try validate(parameters)
        return try KarmanSimulator<S>(grid: sourceGridGeometry, parameters: parameters, dt: dt, substeps: sourceSubsteps)
    }

    public func makeReference<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try validate(); try validate(parameters)
        return try KarmanSimulator<S>(grid: referenceGridGeometry, parameters: parameters, dt: dt, substeps: referenceSubsteps,
                                      advection: referenceAdvection ?? .semiLagrangian)
    }

    public func initialStates<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> Tensor<S> {
        let one = try referenceGridGeometry.initialState(perturbation: perturbation, as: S.self)[item: 0]
        return Tensor(stacking: [Tensor<S>](repeating: one, count: parameters.count))
    }

    public func downsample<S: FFTScalar>(_ reference: Tensor<S>) throws -> Tensor<S> {
        let expected = [2] + referenceGrid
        guard reference.rank == 4, Array(reference.shape.dropFirst()) == expected else {
            throw SolverError.shapeMismatch(expected: [reference.shape.first ?? 1] + expected, found: reference.shape)
        }
        return KarmanGrid.downsample(reference, factor: factor)
    }

    public func defaultParameters(train: Int, test: Int, seed: UInt64) -> (train: [SimulationParameters], test: [SimulationParameters]) {
        let (low, high) = (reynoldsRange[0], reynoldsRange[1])
        let ratio = train > 1 ? pow(high / low, 1 / Double(train - 1)) : 2
        let trainRe = train == 1 ? [(low * high).squareRoot()] : (0..<train).map { low * pow(ratio, Double($0)) }
        // 1.5× each training value when they are a factor 2 apart (the original's test set).
        let offset = log(1.5) / log(2)
        let base = train == 1 ? trainRe[0] : low
        let testRe = (0..<test).map { base * pow(ratio, Double($0) + offset) }
        let trainSeeds = Self.seeds(seed, split: .train, count: train), testSeeds = Self.seeds(seed, split: .test, count: test)
        return (zip(trainRe, trainSeeds).map { SimulationParameters(["re": $0], seed: $1) },
                zip(testRe, testSeeds).map { SimulationParameters(["re": $0], seed: $1) })
    }

    public func with(resolution: Int?, factor: Int?, dt: Double?) throws -> KarmanScenario {
        var s = self
        if let resolution { s.resolution = resolution }
        if let factor { s.factor = factor }
        if let dt { s.dt = dt }
        // The fewest reference sub-steps that respect the advection CFL bound (cell sizes from
        // the extents alone: building the grid here would allocate it before any size check).
        let cellsX = s.resolution * s.factor
        if cellsX > 0 {
            let cell = min(s.width / Double(cellsX), s.height / Double(2 * cellsX))
            let courant = s.dt * s.inflowVelocity / cell
            if courant.isFinite && courant < 1e9 {
                s.referenceSubsteps = max(s.referenceSubsteps, Int((courant / KarmanSimulator<Double>.maximumCourant).rounded(.up)))
            }
        }
        try s.validate()
        return s
    }
}
