import Foundation
import SOLCore

/// `burgers`: 1D periodic viscous Burgers (``BurgersSimulator``), the smallest scenario.
///
/// Source `N = resolution` points, reference `factor × N`, both on `[0, length)`; one frame is
/// `dt` of physical time: the source takes `sourceSubsteps` ETDRK4 steps per frame, the
/// reference `referenceSubsteps` (default `factor`, same advective CFL number). `T` is spectral
/// truncation (``SpectralTruncation``). Simulations differ by `viscosity` (the corrector's
/// conditioning input, log-spaced over `viscosityRange`, train and test disjoint) and by the
/// seed of the random initial condition: `u₀(x) = Σ_{k=1}^{modes} a_k sin(k·2πx/L + φ_k)`,
/// `a_k ~ N(0, 1)/k`, rescaled to `max |u₀| = amplitude`.
///
/// Defaults follow the reference study in docs/background.md: N = 32 → 128, dt = 0.05, 4 reference
/// sub-steps, ν ∈ [0.01, 0.04], L = 2π.
public struct BurgersScenario: SpectralScenario, Equatable {
    public static let name = "burgers"
    /// Source grid points.
    public var resolution = 32
    public var factor = 4
    /// Domain length `L` (default 2π).
    public var length = 2 * Double.pi
    public var dt = 0.05
    /// ETDRK4 steps per frame on the source grid.
    public var sourceSubsteps = 1
    /// ETDRK4 steps per frame on the reference grid (`factor × sourceSubsteps` after ``with(resolution:factor:dt:)`` with a factor: same CFL number).
    public var referenceSubsteps = 4
    /// Reference frames discarded before frame 0.
    public var warmup = 10
    /// `[low, high]` of the log-spaced viscosities `ν` of the training simulations.
    public var viscosityRange = [0.01, 0.04]
    /// `max |u₀|` of the initial condition.
    public var amplitude = 1.0
    /// Sine modes in the random initial condition.
    public var modes = 3
    public var blowUpLimit = 1e3
    /// Time stepper of both solvers (`nil`: ETDRK4). Optional so that configurations written before
    /// it existed decode unchanged.
    public var timeStepper: SpectralTimeStepper?

    public init() {}

    public var channels: [String] { ["u"] }
    public var sourceGrid: [Int] { [1, resolution] }
    public var referenceGrid: [Int] { [1, resolution * factor] }
    public var domain: [Double] { [1, length] }
    public var defaultWarmup: Int { warmup }
    public var parameterNames: [String] { ["viscosity"] }
    public var conditioningParameter: String { "viscosity" }
    /// The periodic line: the corrector wraps around.
    public var boundary: DomainBoundary { .periodic }

    public func validate() throws {
        try require(resolution > 0, "resolution must be positive (got \(resolution))")
        try require(resolution >= 8 && resolution % 2 == 0, "resolution must be even and at least 8 (got \(resolution))")
        try require(factor >= 2, "factor must be at least 2 (got \(factor))")
        try require(dt > 0 && dt.isFinite, "dt must be positive (got \(dt))")
        try require(sourceSubsteps >= 1 && referenceSubsteps >= 1, "sub-steps must be at least 1")
        try require(length > 0, "length must be positive (got \(length))")
        try require(warmup >= 0, "warm-up must be ≥ 0 (got \(warmup))")
        try require(viscosityRange.count == 2 && viscosityRange[0] > 0 && viscosityRange[1] >= viscosityRange[0],
                    "viscosityRange must be [low, high] with 0 < low ≤ high (got \(viscosityRange))")
        try require(amplitude > 0 && modes >= 1, "amplitude and modes must be positive")
    }

    public func validate(_ parameters: SimulationParameters) throws {
        let nu = try parameters.value("viscosity", scenario: name)
        guard nu > 0, nu.isFinite else {
            throw SolverError.invalidParameter(scenario: name, name: "viscosity", value: nu,
                                               reason: "must be positive (ν ≤ 0 makes the linear part anti-diffusive and unstable)")
        }
    }

    public func makeSource<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try validate(); try validate(parameters)
        return try BurgersSimulator<S>(n: resolution, length: length, dt: dt, substeps: sourceSubsteps, parameters: parameters,
                                       timeStepper: timeStepper ?? .etdrk4)
    }

    public func makeReference<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try validate(); try validate(parameters)
        return try BurgersSimulator<S>(n: resolution * factor, length: length, dt: dt, substeps: referenceSubsteps,
                                       parameters: parameters, timeStepper: timeStepper ?? .etdrk4)
    }

    public func initialStates<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> Tensor<S> {
        let n = resolution * factor
        var out = Tensor<S>(shape: [parameters.count, 1, 1, n])
        for (b, p) in parameters.enumerated() {
            var rng = SplitMix64(seed: p.seed)
            let terms = (1...modes).map { k in (Double(k), rng.nextGaussian() / Double(k), 2 * Double.pi * rng.nextUniform()) }
            var u = (0..<n).map { j -> Double in
                let x = 2 * Double.pi * Double(j) / Double(n)
                return terms.reduce(0) { $0 + $1.1 * sin($1.0 * x + $1.2) }
            }
            let peak = u.map(abs).max() ?? 1
            u = u.map { $0 * amplitude / max(peak, 1e-300) }
            for j in 0..<n { out.scalars[b * n + j] = S(u[j]) }
        }
        return out
    }

    public func downsample<S: FFTScalar>(_ reference: Tensor<S>) throws -> Tensor<S> {
        try SpectralTruncation.downsample(reference, to: sourceGrid)
    }

    public func defaultParameters(train: Int, test: Int, seed: UInt64) -> (train: [SimulationParameters], test: [SimulationParameters]) {
        Self.logSpacedParameters("viscosity", range: viscosityRange, train: train, test: test, seed: seed)
    }

    public func with(resolution: Int?, factor: Int?, dt: Double?) throws -> BurgersScenario {
        var s = self
        if let resolution { s.resolution = resolution }
        if let factor { s.factor = factor; s.referenceSubsteps = max(1, factor * sourceSubsteps) }
        if let dt { s.dt = dt }
        try s.validate()
        return s
    }
}
