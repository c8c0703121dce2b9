import Foundation
import SOLCore

/// 2D incompressible Navier–Stokes on a periodic square with Kolmogorov forcing, pseudo-spectral
/// in vorticity form, for a batch of states:
///
///     ∂ω/∂t + ∇·(u ω) = ν Δω − α ω − A k_f cos(k_f y),   u = (∂ψ/∂y, −∂ψ/∂x),   −Δψ = ω,
///
/// the curl of the momentum equation with body force `(A sin(k_f y), 0)` and linear drag `α`.
/// The advection term is evaluated in conservative form with the 2/3 rule; ETDRK4 (``ETDRK4``)
/// integrates `−ν|k|² − α` exactly; `substeps` steps of `dt/substeps` per ``step(_:)``.
///
/// **State channels**: velocity `[vx, vy]`, shape `[B, 2, H, W]` (x along W, y along H). Why
/// velocity and not vorticity: the corrector and the MAE work on velocity, like the wake flow,
/// and `T` (spectral truncation) keeps velocity divergence-free. A step takes the curl of the
/// state (`ω = ∂vx... = ∂x vy − ∂y vx`), evolves `ω`, and returns the velocity of the stream
/// function plus the mean flow, which decays as `e^{−α t}` (the forcing has zero mean). A
/// divergent part added by a corrector is therefore projected out by the next step. Vorticity is
/// derived with ``vorticity(_:)``.
///
/// Each batch item has its own viscosity (`viscosity`) and optionally forcing amplitude
/// (`forcing`, default ``forcingAmplitude``).
public final class KolmogorovSimulator<Scalar: FFTScalar>: DifferentiableSimulator, @unchecked Sendable {
    /// A complex spectrum entry.
    public typealias C = Complex<Scalar>
    public let channels = ["vx", "vy"]
    /// Grid points per side (`n × n`).
    public let n: Int
    /// Side `L` of the periodic square.
    public let length: Double
    public let dt: Double
    /// ETDRK4 steps of `dt / substeps` per ``step(_:)``.
    public let substeps: Int
    /// Linear drag `α` (1/time).
    public let drag: Double
    /// Forcing wave number in units of `2π/L` (`k_f = 2π·forcingMode/L`).
    public let forcingMode: Int
    /// Default forcing amplitude `A` (a simulation's `forcing` parameter overrides it).
    public let forcingAmplitude: Double
    public let parameters: [SimulationParameters]
    public var gridShape: [Int] { [n, n] }
    public var batchSize: Int { parameters.count }
    /// Complex entries of one half spectrum (`n × (n/2 + 1)`).
    public let modes: Int

    let fft1: RealFFT<Scalar>, fft2: RealFFT<Scalar>, fft3: RealFFT<Scalar>
    let stepper: ETDRK4<Scalar>
    /// Derivative multipliers `k_x`, `k_y` (Nyquist 0) and `1/|k|²` (0 at k = 0), per half-spectrum entry.
    let kx: [Scalar], ky: [Scalar], inverseK2: [Scalar]
    /// Velocity-from-vorticity multipliers: `v̂x = i·sx·ω̂`, `v̂y = i·sy·ω̂` with `sx = k_y/|k|²`, `sy = −k_x/|k|²`.
    let sxs: [Scalar], sys: [Scalar]
    /// `k_x·mask/n⁴`, `k_y·mask/n⁴` (the dealiased, normalised derivative of the products).
    let kxm: [Scalar], kym: [Scalar]
    /// Dealiasing mask divided by `(n²)²`, per entry.
    let maskScaled: [Scalar]
    /// Forcing spectrum per batch item (`[B, modes]`), in the unnormalised transform representation.
    let forcing: [C]
    let meanDecay: Scalar
    let lock = NSLock()
    var velocitySpectrum: [C], vorticity: [C], three: [C], two: [C], realThree: [Scalar], realTwo: [Scalar]

    /// - Parameters:
    ///   - n: grid points per side (even).
    ///   - length: side `L` of the square.
    ///   - dt: time per ``step(_:)``.
    ///   - substeps: ETDRK4 steps per ``step(_:)``.
    ///   - drag: linear drag `α`.
    ///   - forcingMode: forcing wave number in units of `2π/L`.
    ///   - forcingAmplitude: forcing amplitude `A`.
    ///   - parameters: one per batch item, each with `viscosity` (ν > 0) and optionally `forcing`.
    public init(n: Int, length: Double, dt: Double, substeps: Int = 1, drag: Double, forcingMode: Int,
                forcingAmplitude: Double, parameters: [SimulationParameters]) throws {
        precondition(n >= 4 && n % 2 == 0 && dt > 0 && substeps >= 1 && !parameters.isEmpty,
                     "KolmogorovSimulator: invalid n \(n), dt \(dt), substeps \(substeps) or empty batch")
        self.n = n
        self.length = length
        self.dt = dt
        self.substeps = substeps
        self.drag = drag
        self.forcingMode = forcingMode
        self.forcingAmplitude = forcingAmplitude
        self.parameters = parameters
        let half = n / 2 + 1
        modes = n * half
        let batch = parameters.count
        fft1 = try RealFFT<Scalar>.shared(shape: [n, n], batch: batch)
        fft2 = try RealFFT<Scalar>.shared(shape: [n, n], batch: 2 * batch)
        fft3 = try RealFFT<Scalar>.shared(shape: [n, n], batch: 3 * batch)
        let kxFull = Wavenumbers.full(n: n, length: length, count: half), kyFull = Wavenumbers.full(n: n, length: length)
        let kxD = Wavenumbers.derivative(n: n, length: length, count: half), kyD = Wavenumbers.derivative(n: n, length: length)
        let mx = Wavenumbers.dealiasMask(n: n, count: half), my = Wavenumbers.dealiasMask(n: n)
        var kx = [Scalar](), ky = [Scalar](), ik2 = [Scalar](), mask = [Scalar](), k2 = [Double]()
        let points = Double(n * n)
        for j in 0..<n {
            for m in 0..<half {
                kx.append(Scalar(kxD[m])); ky.append(Scalar(kyD[j]))
                let kk = kxFull[m] * kxFull[m] + kyFull[j] * kyFull[j]
                k2.append(kk)
                ik2.append(kk == 0 ? 0 : Scalar(1 / kk))
                mask.append(Scalar(mx[m] * my[j] / (points * points)))
            }
        }
        (self.kx, self.ky, inverseK2, maskScaled) = (kx, ky, ik2, mask)
        sxs = (0..<modes).map { ky[$0] * ik2[$0] }
        sys = (0..<modes).map { -kx[$0] * ik2[$0] }
        kxm = (0..<modes).map { kx[$0] * mask[$0] }
        kym = (0..<modes).map { ky[$0] * mask[$0] }
        var linear: [Double] = []
        var forcing = [C](repeating: .zero, count: batch * modes)
        let kf = 2 * Double.pi * Double(forcingMode) / length
        for (b, p) in parameters.enumerated() {
            let nu = try p.value("viscosity", scenario: KolmogorovScenario.name)
            linear += k2.map { -nu * $0 - drag }
            // −A k_f cos(k_f y): F[cos(k_f y)] = n²/2 at (κy = ±forcingMode, κx = 0).
            let a = p["forcing"] ?? forcingAmplitude
            if forcingMode > 0 && 2 * forcingMode < n {
                let value = Scalar(-a * kf * points / 2)
                forcing[b * modes + forcingMode * half] = C(value, 0)
                forcing[b * modes + (n - forcingMode) * half] = C(value, 0)
            }
        }
        self.forcing = forcing
        stepper = ETDRK4(linear: linear, h: dt / Double(substeps))
        meanDecay = Scalar(Foundation.exp(-drag * dt))
        velocitySpectrum = [C](repeating: .zero, count: 2 * batch * modes)
        vorticity = [C](repeating: .zero, count: batch * modes)
        three = [C](repeating: .zero, count: 3 * batch * modes)
        two = [C](repeating: .zero, count: 2 * batch * modes)
        realThree = [Scalar](repeating: 0, count: 3 * batch * n * n)
        realTwo = [Scalar](repeating: 0, count: 2 * batch * n * n)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ states: inout Tensor<Scalar>) throws {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        states.withUnsafeMutableBufferPointer { s in
            velocitySpectrum.withUnsafeMutableBufferPointer { vs in
                vorticity.withUnsafeMutableBufferPointer { w in
                    fft2.forward(s.baseAddress!, vs.baseAddress!)
                    curl(vs.baseAddress!, into: w.baseAddress!)
                    for _ in 0..<substeps { stepper.step(w.baseAddress!) { x, out in nonlinear(x, out) } }
                    velocity(from: w.baseAddress!, into: vs.baseAddress!, meanFactor: meanDecay)
                    fft2.inverse(vs.baseAddress!, s.baseAddress!)
                }
            }
        }
    }

    /// Vorticity `ω = ∂x vy − ∂y vx` of velocity states: `[B, 2, n, n]` → `[B, 1, n, n]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func vorticity(_ states: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        let vs = fft2.forward(states)
        var w = [C](repeating: .zero, count: batchSize * modes)
        vs.withUnsafeBufferPointer { vs in w.withUnsafeMutableBufferPointer { w in curl(vs.baseAddress!, into: w.baseAddress!) } }
        var out = fft1.inverse(w, shape: [batchSize, 1, n, n])
        out *= Scalar(1) / Scalar(n * n)
        return out
    }

    /// The explicit term `N(ω) = −∇·(u ω) + f` (dealiased) in real space, for tests and
    /// diagnostics: velocity states `[B, 2, n, n]` in, `[B, 1, n, n]` out.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func nonlinearTerm(_ states: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        let vs = fft2.forward(states)
        var w = [C](repeating: .zero, count: batchSize * modes), out = w
        vs.withUnsafeBufferPointer { vs in w.withUnsafeMutableBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                curl(vs.baseAddress!, into: w.baseAddress!)
                nonlinear(w.baseAddress!, o.baseAddress!)
            }
        } }
        var result = fft1.inverse(out, shape: [batchSize, 1, n, n])
        result *= Scalar(1) / Scalar(n * n)
        return result
    }

    /// `ω̂ = i k_x v̂_y − i k_y v̂_x` for every batch item.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func curl(_ vs: UnsafePointer<C>, into w: UnsafeMutablePointer<C>) {
        kx.withUnsafeBufferPointer { kx in ky.withUnsafeBufferPointer { ky in
            for b in 0..<batchSize {
                let vx = vs + 2 * b * modes, vy = vx + modes, o = w + b * modes
                for i in 0..<modes {
                    // i·kx·vy − i·ky·vx
                    o[i] = C(-kx[i] * vy[i].imaginary + ky[i] * vx[i].imaginary, kx[i] * vy[i].real - ky[i] * vx[i].real)
                }
            }
        } }
    }

    /// Velocity spectrum from vorticity: `v̂x = i k_y ω̂/|k|²`, `v̂y = −i k_x ω̂/|k|²`, scaled by
    /// `1/n²` (ready for the unnormalised inverse); the mean modes (entry 0 of each component,
    /// which still hold the input's transform) are multiplied by `meanFactor/n²`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func velocity(from w: UnsafePointer<C>, into vs: UnsafeMutablePointer<C>, meanFactor: Scalar) {
        let scale = Scalar(1) / Scalar(n * n)
        kx.withUnsafeBufferPointer { kx in ky.withUnsafeBufferPointer { ky in inverseK2.withUnsafeBufferPointer { ik2 in
            for b in 0..<batchSize {
                let vx = vs + 2 * b * modes, vy = vx + modes, o = w + b * modes
                let meanX = vx[0], meanY = vy[0]
                for i in 0..<modes {
                    let sx = ky[i] * ik2[i] * scale, sy = -kx[i] * ik2[i] * scale
                    vx[i] = C(-sx * o[i].imaginary, sx * o[i].real)
                    vy[i] = C(-sy * o[i].imaginary, sy * o[i].real)
                }
                let f = meanFactor * scale
                vx[0] = C(meanX.real * f, meanX.imaginary * f)
                vy[0] = C(meanY.real * f, meanY.imaginary * f)
            }
        } } }
    }

    /// `N̂(ω̂) = −i k_x P F[u ω] − i k_y P F[v ω] + f̂` (3 batched inverse, 2 batched forward transforms).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func nonlinear(_ x: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>) {
        let count = batchSize * modes, total = batchSize * n * n
        three.withUnsafeMutableBufferPointer { t in realThree.withUnsafeMutableBufferPointer { r in
        two.withUnsafeMutableBufferPointer { p in realTwo.withUnsafeMutableBufferPointer { q in
        sxs.withUnsafeBufferPointer { sxs in sys.withUnsafeBufferPointer { sys in
        kxm.withUnsafeBufferPointer { kxm in kym.withUnsafeBufferPointer { kym in forcing.withUnsafeBufferPointer { f in
            let u = t.baseAddress!, v = u + count, w = u + 2 * count
            for b in 0..<batchSize {
                let xb = x + b * modes, ub = u + b * modes, vb = v + b * modes
                for i in 0..<modes {
                    let z = xb[i], sx = sxs[i], sy = sys[i]
                    ub[i] = C(-sx * z.imaginary, sx * z.real)
                    vb[i] = C(-sy * z.imaginary, sy * z.real)
                }
            }
            w.update(from: x, count: count)
            fft3.inverse(u, r.baseAddress!)
            let ur = r.baseAddress!, vr = ur + total, wr = ur + 2 * total
            let pu = q.baseAddress!, pv = pu + total
            for i in 0..<total {
                pu[i] = ur[i] * wr[i]
                pv[i] = vr[i] * wr[i]
            }
            fft2.forward(pu, p.baseAddress!)
            let su = p.baseAddress!, sv = su + count
            for b in 0..<batchSize {
                let o = b * modes
                for i in 0..<modes {
                    let j = o + i
                    // −i (kx su + ky sv) · mask / n⁴ + f
                    let re = kxm[i] * su[j].real + kym[i] * sv[j].real, im = kxm[i] * su[j].imaginary + kym[i] * sv[j].imaginary
                    out[j] = C(im + f[j].real, -re + f[j].imaginary)
                }
            }
        } } } } } } } } }
    }
}
