import Foundation
import SOLCore

/// Viscous Burgers equation on a periodic interval, pseudo-spectral, for a batch of states:
///
///     ∂u/∂t + u ∂u/∂x = ν ∂²u/∂x²,   x ∈ [0, L) periodic,
///
/// written in Fourier space as `û' = −ν k² û − (i k / 2) P F[u²]` with `P` the 2/3-rule
/// dealiasing mask. Time stepping: ETDRK4 (``ETDRK4``) with the viscous term integrated exactly,
/// `substeps` steps of `dt / substeps` per call of ``step(_:)``. Transforms: one batched FFTW
/// r2c/c2r plan over the whole batch. State: `[B, 1, 1, N]`, channel `u`.
///
/// Each batch item has its own viscosity (`parameters[b]["viscosity"]`).
public final class BurgersSimulator<Scalar: FFTScalar>: DifferentiableSimulator, @unchecked Sendable {
    public typealias C = Complex<Scalar>
    public let channels = ["u"]
    public let n: Int
    public let length: Double
    public let dt: Double
    public let substeps: Int
    public let parameters: [SimulationParameters]
    public var gridShape: [Int] { [1, n] }
    public var batchSize: Int { parameters.count }
    /// Complex entries of one half spectrum (`n/2 + 1`).
    public let modes: Int

    let fft: RealFFT<Scalar>
    let stepper: ETDRK4<Scalar>
    /// `−(i k / 2) · mask / n²` (the `1/n²` undoes the two unnormalised transforms of `u²`).
    let g: [C]
    let lock = NSLock()
    private var spectrum: [C], scratch: [C], real: [Scalar], real2: [Scalar]

    /// - Parameters:
    ///   - n: grid points; `length`: domain length `L`; `dt`: time per ``step(_:)``.
    ///   - parameters: one per batch item, each with `viscosity` (ν > 0).
    public init(n: Int, length: Double, dt: Double, substeps: Int = 1, parameters: [SimulationParameters]) throws {
        precondition(n >= 4 && n % 2 == 0 && dt > 0 && substeps >= 1 && !parameters.isEmpty,
                     "BurgersSimulator: invalid n \(n), dt \(dt), substeps \(substeps) or empty batch")
        self.n = n
        self.length = length
        self.dt = dt
        self.substeps = substeps
        self.parameters = parameters
        modes = n / 2 + 1
        let batch = parameters.count
        fft = RealFFT<Scalar>.shared(shape: [n], batch: batch)
        let k2 = Wavenumbers.full(n: n, length: length, count: modes).map { $0 * $0 }
        var linear: [Double] = []
        linear.reserveCapacity(batch * modes)
        for p in parameters {
            let nu = try p.value("viscosity", scenario: BurgersScenario.name)
            linear += k2.map { -nu * $0 }
        }
        stepper = ETDRK4(linear: linear, h: dt / Double(substeps))
        let kd = Wavenumbers.derivative(n: n, length: length, count: modes)
        let mask = Wavenumbers.dealiasMask(n: n, count: modes)
        let scale = 1 / Double(n * n)
        g = (0..<modes).map { C(0, Scalar(-0.5 * kd[$0] * mask[$0] * scale)) }
        spectrum = [C](repeating: .zero, count: batch * modes)
        scratch = spectrum
        real = [Scalar](repeating: 0, count: batch * n)
        real2 = real
    }

    public func step(_ states: inout Tensor<Scalar>) throws {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        let scale = Scalar(1) / Scalar(n)
        states.withUnsafeMutableBufferPointer { s in
            spectrum.withUnsafeMutableBufferPointer { v in
                fft.forward(s.baseAddress!, v.baseAddress!)
                for _ in 0..<substeps {
                    stepper.step(v.baseAddress!) { x, out in nonlinear(x, out) }
                }
                fft.inverse(v.baseAddress!, s.baseAddress!)
            }
            for i in 0..<s.count { s[i] *= scale }
        }
    }

    /// The explicit term `N(u) = −½ ∂ₓ P(u²)` in real space, for tests and diagnostics
    /// (`[B, 1, 1, N]` in and out).
    public func nonlinearTerm(_ states: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        var out = states
        out.withUnsafeMutableBufferPointer { s in
            spectrum.withUnsafeMutableBufferPointer { v in
                scratch.withUnsafeMutableBufferPointer { o in
                    fft.forward(s.baseAddress!, v.baseAddress!)
                    nonlinear(v.baseAddress!, o.baseAddress!)
                    fft.inverse(o.baseAddress!, s.baseAddress!)
                }
            }
            for i in 0..<s.count { s[i] /= Scalar(n) }
        }
        return out
    }

    /// `N̂(x̂) = g · F[(F⁻¹x̂)²]` for the whole batch (two batched transforms).
    func nonlinear(_ x: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>) {
        let count = batchSize * modes
        scratch.withUnsafeMutableBufferPointer { t in
            real.withUnsafeMutableBufferPointer { r in
                t.baseAddress!.update(from: x, count: count)
                fft.inverse(t.baseAddress!, r.baseAddress!)
                for i in 0..<r.count { r[i] *= r[i] }
                fft.forward(r.baseAddress!, out)
            }
        }
        g.withUnsafeBufferPointer { g in
            for b in 0..<batchSize {
                let o = out + b * modes
                for m in 0..<modes { o[m] = o[m] * g[m] }
            }
        }
    }
}
