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
///
/// Batch invariance: FFTW picks a different (equally accurate, differently rounded) algorithm
/// for a single small 1D transform than for a batch of them, while every batched plan of one
/// shape rounds identically. A batch of one is therefore transformed with a two-field plan (the
/// second field zero), so a state's result is bit for bit independent of its batch.
public final class BurgersSimulator<Scalar: FFTScalar>: DifferentiableSimulator, @unchecked Sendable {
    /// A complex spectrum entry.
    public typealias C = Complex<Scalar>
    public let channels = ["u"]
    /// Grid points `N` (even).
    public let n: Int
    /// Domain length `L`.
    public let length: Double
    public let dt: Double
    /// ETDRK4 steps of `dt / substeps` per ``step(_:)``.
    public let substeps: Int
    public let parameters: [SimulationParameters]
    public var gridShape: [Int] { [1, n] }
    public var batchSize: Int { parameters.count }
    /// Complex entries of one half spectrum (`n/2 + 1`).
    public let modes: Int

    /// Fields per transform: `max(batchSize, 2)` (see the type's note on batch invariance).
    let fftBatch: Int
    let fft: RealFFT<Scalar>
    let stepper: ETDRK4<Scalar>
    /// `−(i k / 2) · mask / n²` (the `1/n²` undoes the two unnormalised transforms of `u²`).
    let g: [C]
    let lock = NSLock()
    /// Workspaces: `spectrum`, `scratch`, `product` hold `fftBatch` half spectra, `real` and
    /// `real2` `fftBatch` fields.
    let spectrum: Buffer<C>, scratch: Buffer<C>, product: Buffer<C>, real: Buffer<Scalar>, real2: Buffer<Scalar>

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
        fftBatch = max(batch, 2)
        fft = try RealFFT<Scalar>.shared(shape: [n], batch: fftBatch)
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
        spectrum = Buffer(count: fftBatch * modes, zero: .zero)
        scratch = Buffer(count: fftBatch * modes, zero: .zero)
        product = Buffer(count: fftBatch * modes, zero: .zero)
        real = Buffer(count: fftBatch * n, zero: 0)
        real2 = Buffer(count: fftBatch * n, zero: 0)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ states: inout Tensor<Scalar>) throws {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        states.withUnsafeMutableBufferPointer { s in
            toSpectrum(s.baseAddress!, spectrum.pointer)
            for _ in 0..<substeps {
                stepper.step(spectrum.pointer) { x, out in nonlinear(x, out) }
            }
            toReal(spectrum.pointer, s.baseAddress!)
        }
    }

    /// The explicit term `N(u) = −½ ∂ₓ P(u²)` in real space, for tests and diagnostics
    /// (`[B, 1, 1, N]` in and out).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func nonlinearTerm(_ states: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        var out = states
        var term = [C](repeating: .zero, count: batchSize * modes)
        out.withUnsafeMutableBufferPointer { s in
            term.withUnsafeMutableBufferPointer { t in
                toSpectrum(s.baseAddress!, spectrum.pointer)
                nonlinear(spectrum.pointer, t.baseAddress!)
                toReal(t.baseAddress!, s.baseAddress!)
            }
        }
        return out
    }

    /// `F u` of `batchSize` real fields (the padding field of a batch of one stays zero).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func toSpectrum(_ u: UnsafePointer<Scalar>, _ out: UnsafeMutablePointer<C>) {
        real.pointer.update(from: u, count: batchSize * n)
        fft.forward(real.pointer, scratch.pointer)
        out.update(from: scratch.pointer, count: batchSize * modes)
    }

    /// `F⁻¹(x̂) / n` of `batchSize` half spectra (the input is preserved).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func toReal(_ x: UnsafePointer<C>, _ out: UnsafeMutablePointer<Scalar>) {
        scratch.pointer.update(from: x, count: batchSize * modes)
        clearPadding(scratch.pointer)
        fft.inverse(scratch.pointer, real.pointer)
        let scale = Scalar(1) / Scalar(n)
        for i in 0..<(batchSize * n) { out[i] = real.pointer[i] * scale }
    }

    /// Zeroes the padding half spectrum of a batch of one (the c2r transform destroys its input,
    /// so the padding must be reset before each inverse).
    @inline(__always) func clearPadding(_ t: UnsafeMutablePointer<C>) {
        if fftBatch > batchSize { (t + batchSize * modes).update(repeating: .zero, count: (fftBatch - batchSize) * modes) }
    }

    /// `N̂(x̂) = g · F[(F⁻¹x̂)²]` for the whole batch (two batched transforms).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func nonlinear(_ x: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>) {
        let count = batchSize * modes
        let t = scratch.pointer, r = real.pointer, p = product.pointer
        t.update(from: x, count: count)
        clearPadding(t)
        fft.inverse(t, r)
        for i in 0..<(batchSize * n) { r[i] *= r[i] }
        fft.forward(r, p)
        g.withUnsafeBufferPointer { g in
            for b in 0..<batchSize {
                for m in 0..<modes { let z = p[b * modes + m], gi = g[m].imaginary
                    out[b * modes + m] = C(-gi * z.imaginary, gi * z.real) }
            }
        }
    }
}
