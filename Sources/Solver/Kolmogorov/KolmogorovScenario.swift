import Foundation
import SOLCore

/// `kolmogorov`: 2D Kolmogorov flow (``KolmogorovSimulator``) on the periodic square
/// `[0, length)²`, the spectral benchmark.
///
/// Source `resolution²` cells, reference `(factor·resolution)²`; one frame is `dt`: the source
/// takes `sourceSubsteps` ETDRK4 steps per frame, the reference `referenceSubsteps` (default
/// `factor`, same advective CFL number). State channels `[vx, vy]`. `T` is spectral truncation
/// (``SpectralTruncation``), which keeps the velocity divergence-free. Simulations differ by
/// `viscosity` (the corrector's conditioning input; log-spaced over `viscosityRange`, train and
/// test disjoint) and the seed of the random initial condition: a stream function
/// `ψ = Σ a_κ cos(κ·x + φ_κ)/|κ|²` over integer wave vectors `1 ≤ |κ| ≤ initialModes`,
/// `a_κ ~ N(0, 1)`, velocity rescaled to `max |u| = amplitude`; `warmup` reference frames are
/// discarded so the forced flow is statistically steady. Optional per-simulation parameter `forcing`
/// overrides ``forcingAmplitude``.
public struct KolmogorovScenario: SpectralScenario, Equatable {
    public static let name = "kolmogorov"
    /// Source cells per side.
    public var resolution = 32
    public var factor = 4
    /// Side `L` of the periodic square (default 2π).
    public var length = 2 * Double.pi
    public var dt = 0.05
    /// ETDRK4 steps per frame on the source grid.
    public var sourceSubsteps = 1
    /// ETDRK4 steps per frame on the reference grid (`factor × sourceSubsteps` after ``with(resolution:factor:dt:)`` with a factor: same CFL number).
    public var referenceSubsteps = 4
    /// Reference frames discarded before frame 0: 400 frames = 20 time units = 2 drag times
    /// `1/α`, after which the kinetic energy is statistically steady for every `ν` of the default
    /// range (docs/scenarios/kolmogorov.md, "Warm-up"; it was 60 frames, a transient, until December).
    public var warmup = 400
    /// `[low, high]` of the log-spaced viscosities `ν` of the training simulations.
    public var viscosityRange = [0.01, 0.04]
    /// Linear drag `α` (1/time).
    public var drag = 0.1
    /// Forcing wave number in units of `2π/length` (`k_f = 2π·forcingMode/length`).
    public var forcingMode = 4
    /// Forcing amplitude `A` of the body force `(A sin(k_f y), 0)`.
    public var forcingAmplitude = 1.0
    /// `max(|vx|, |vy|)` of the initial condition.
    public var amplitude = 1.0
    /// Largest integer wave-vector length of the random initial stream function.
    public var initialModes = 4
    public var blowUpLimit = 1e3
    /// Time stepper of both solvers (`nil`: ETDRK4). Optional so that configurations written before
    /// it existed decode unchanged.
    public var timeStepper: SpectralTimeStepper?

    public init() {}

    public var channels: [String] { ["vx", "vy"] }
    public var sourceGrid: [Int] { [resolution, resolution] }
    public var referenceGrid: [Int] { [resolution * factor, resolution * factor] }
    public var domain: [Double] { [length, length] }
    public var defaultWarmup: Int { warmup }
    public var parameterNames: [String] { ["viscosity"] }
    public var conditioningParameter: String { "viscosity" }
    /// The periodic square: the corrector wraps around.
    public var boundary: DomainBoundary { .periodic }

    public func validate() throws {
        try require(resolution > 0, "resolution must be positive (got \(resolution))")
        try require(resolution >= 8 && resolution % 2 == 0, "resolution must be even and at least 8 (got \(resolution))")
        try require(factor >= 2, "factor must be at least 2 (got \(factor))")
        try require(dt > 0 && dt.isFinite, "dt must be positive (got \(dt))")
        try require(sourceSubsteps >= 1 && referenceSubsteps >= 1, "sub-steps must be at least 1")
        try require(length > 0, "length must be positive (got \(length))")
        try require(warmup >= 0, "warm-up must be ≥ 0 (got \(warmup))")
        try require(drag >= 0, "drag must be ≥ 0 (got \(drag))")
        try require(forcingMode >= 0 && 3 * forcingMode < resolution,
                    "forcing mode \(forcingMode) is not resolved (dealiased) on a \(resolution)² grid")
        try require(viscosityRange.count == 2 && viscosityRange[0] > 0 && viscosityRange[1] >= viscosityRange[0],
                    "viscosityRange must be [low, high] with 0 < low ≤ high (got \(viscosityRange))")
        try require(amplitude > 0 && initialModes >= 1, "amplitude and initialModes must be positive")
    }

    public func validate(_ parameters: SimulationParameters) throws {
        let nu = try parameters.value("viscosity", scenario: name)
        guard nu > 0, nu.isFinite else {
            throw SolverError.invalidParameter(scenario: name, name: "viscosity", value: nu,
                                               reason: "must be positive (ν ≤ 0 makes the linear part anti-diffusive and unstable)")
        }
        if let f = parameters["forcing"], !f.isFinite {
            throw SolverError.invalidParameter(scenario: name, name: "forcing", value: f, reason: "must be finite")
        }
    }

    func make<S: FFTScalar>(_ parameters: [SimulationParameters], n: Int, substeps: Int) throws -> KolmogorovSimulator<S> {
        try validate(); try validate(parameters)
        return try KolmogorovSimulator<S>(n: n, length: length, dt: dt, substeps: substeps, drag: drag, forcingMode: forcingMode,
                                          forcingAmplitude: forcingAmplitude, parameters: parameters, timeStepper: timeStepper ?? .etdrk4)
    }

    public func makeSource<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try make(parameters, n: resolution, substeps: sourceSubsteps) as KolmogorovSimulator<S>
    }

    public func makeReference<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> any Simulator<S> {
        try make(parameters, n: resolution * factor, substeps: referenceSubsteps) as KolmogorovSimulator<S>
    }

    public func initialStates<S: FFTScalar>(_ parameters: [SimulationParameters], as: S.Type) throws -> Tensor<S> {
        let n = resolution * factor, points = n * n
        var out = Tensor<S>(shape: [parameters.count, 2, n, n])
        let k0 = 2 * Double.pi / length
        for (b, p) in parameters.enumerated() {
            var rng = SplitMix64(seed: p.seed)
            var terms: [(kx: Double, ky: Double, a: Double, phase: Double)] = []
            for ix in 0...initialModes {
                for iy in -initialModes...initialModes {
                    let k2 = ix * ix + iy * iy
                    if k2 == 0 || k2 > initialModes * initialModes || (ix == 0 && iy < 0) { continue }
                    terms.append((Double(ix) * k0, Double(iy) * k0, rng.nextGaussian() / Double(k2) / (k0 * k0),
                                  2 * Double.pi * rng.nextUniform()))
                }
            }
            // vx = ∂ψ/∂y, vy = −∂ψ/∂x for ψ = Σ a cos(kx x + ky y + φ).
            var vx = [Double](repeating: 0, count: points), vy = vx
            for j in 0..<n {
                let y = length * Double(j) / Double(n)
                for i in 0..<n {
                    let x = length * Double(i) / Double(n)
                    var sx = 0.0, sy = 0.0
                    for t in terms {
                        let s = sin(t.kx * x + t.ky * y + t.phase)
                        sx += -t.a * t.ky * s
                        sy += t.a * t.kx * s
                    }
                    vx[j * n + i] = sx
                    vy[j * n + i] = sy
                }
            }
            let peak = max(vx.map(abs).max() ?? 0, vy.map(abs).max() ?? 0)
            let scale = amplitude / max(peak, 1e-300)
            for i in 0..<points {
                out.scalars[(2 * b) * points + i] = S(vx[i] * scale)
                out.scalars[(2 * b + 1) * points + i] = S(vy[i] * scale)
            }
        }
        return out
    }

    public func downsample<S: FFTScalar>(_ reference: Tensor<S>) throws -> Tensor<S> {
        try SpectralTruncation.downsample(reference, to: sourceGrid)
    }

    public func defaultParameters(train: Int, test: Int, seed: UInt64) -> (train: [SimulationParameters], test: [SimulationParameters]) {
        Self.logSpacedParameters("viscosity", range: viscosityRange, train: train, test: test, seed: seed)
    }

    public func with(resolution: Int?, factor: Int?, dt: Double?) throws -> KolmogorovScenario {
        var s = self
        if let resolution { s.resolution = resolution }
        if let factor { s.factor = factor; s.referenceSubsteps = max(1, factor * sourceSubsteps) }
        if let dt { s.dt = dt }
        try s.validate()
        return s
    }
}
