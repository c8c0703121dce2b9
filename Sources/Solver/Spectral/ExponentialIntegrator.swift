import SOLCore

/// An exponential time-differencing Runge–Kutta step for `v̂' = L v̂ + N(v̂)` with a diagonal
/// linear part integrated exactly (``ETDRK4``, ``ETDRK2``), with its exact discrete transpose.
/// The spectral simulators hold one and call it with their nonlinear term.
public protocol ExponentialIntegrator<Scalar>: AnyObject, Sendable {
    /// The real scalar of the spectra.
    associatedtype Scalar: FFTScalar
    /// Complex entries of the evolved spectrum (all batch items).
    var count: Int { get }
    /// Step size.
    var h: Double { get }
    /// Entries a record of one step holds (the stage values) for ``adjoint(_:record:nonlinearVJP:)``.
    var recordCount: Int { get }
    /// Time of stage `stage` (numbered as passed to the closures) as a fraction of the step.
    func stageOffset(_ stage: Int) -> Double
    /// Advances `v` by one step; `nonlinear(x, out, stage)` writes `N(x)` at that stage's time.
    func step(_ v: UnsafeMutablePointer<Complex<Scalar>>, record: UnsafeMutablePointer<Complex<Scalar>>?,
              nonlinear: (UnsafePointer<Complex<Scalar>>, UnsafeMutablePointer<Complex<Scalar>>, Int) -> Void)
    /// Transpose of one step: `w` holds the output cotangent on entry and the input cotangent on
    /// exit; `nonlinearVJP(x, n̄, out, stage)` writes `dN(x)ᵀ n̄`.
    func adjoint(_ w: UnsafeMutablePointer<Complex<Scalar>>, record: UnsafePointer<Complex<Scalar>>,
                 nonlinearVJP: (UnsafePointer<Complex<Scalar>>, UnsafePointer<Complex<Scalar>>, UnsafeMutablePointer<Complex<Scalar>>, Int) -> Void)
}

/// A scenario integrated by a pseudo-spectral exponential time stepper (`burgers`, `kolmogorov`):
/// `sol generate --time-stepper` sets the scheme of its source and reference solvers.
public protocol SpectralScenario: Scenario {
    /// The exponential integrator of both solvers (nil: ETDRK4).
    var timeStepper: SpectralTimeStepper? { get set }
}

/// The time stepper of the spectral scenarios (`burgers`, `kolmogorov`).
public enum SpectralTimeStepper: String, Codable, Sendable, CaseIterable {
    /// ``ETDRK4``: fourth order, 4 evaluations of `N` per step (the default).
    case etdrk4
    /// ``ETDRK2``: second order, 2 evaluations of `N` per step instead of 4 — about 0.6 of the
    /// transforms (kolmogorov: 12 of 20, the state's transforms in and out being shared), for
    /// data where order 4 is not needed.
    case etdrk2

    /// The integrator for the linear operator values `linear` and step `h`.
    public func make<S: FFTScalar>(linear: [Double], h: Double, as: S.Type) -> any ExponentialIntegrator<S> {
        switch self {
        case .etdrk4: return ETDRK4<S>(linear: linear, h: h)
        case .etdrk2: return ETDRK2<S>(linear: linear, h: h)
        }
    }
}
