import Foundation
import SOLCore

/// 2D incompressible Navier–Stokes on a periodic square with Kolmogorov forcing, pseudo-spectral
/// in vorticity form, for a batch of states:
///
///     ∂ω/∂t + ∇·(u ω) = ν Δω − α ω − A k_f cos(k_f y),   u = (∂ψ/∂y, −∂ψ/∂x),   −Δψ = ω,
///
/// the curl of the momentum equation with body force `(A sin(k_f y), 0)` and linear drag `α`.
/// The advection term is evaluated in the Basdevant form (products `u² − v²` and `u v`, see
/// ``nonlinear(_:_:)``) with the 2/3 rule; ETDRK4 (``ETDRK4``, or ``ETDRK2`` when chosen)
/// integrates `−ν|k|² − α` exactly; `substeps` steps of `dt/substeps` per ``step(_:)``.
///
/// **State channels**: velocity `[vx, vy]`, shape `[B, 2, H, W]` (x along W, y along H). Why
/// velocity and not vorticity: the corrector and the MAE work on velocity, like the wake flow,
/// and `T` (spectral truncation) keeps velocity divergence-free. A step takes the curl of the
/// state (`ω = ∂x vy − ∂y vx`), evolves `ω`, and returns the velocity of the stream function
/// plus the mean flow `U`, which decays as `U(t) = U₀ e^{−α t}` (the forcing and the advection
/// term have zero mean). A divergent part added by a corrector is therefore projected out by the
/// next step. Vorticity is derived with ``vorticity(_:)``.
///
/// **Mean flow.** The advecting velocity is the full `u = u_ψ + U(t)`: a uniform velocity
/// carries the vortices, as in Navier–Stokes. Its term `U(t)·∇ω` is a pure translation by
/// `X(t) = ∫U = U₀ (1 − e^{−α t})/α`, integrated exactly: each step is computed in the frame
/// moving with the mean flow (where the forcing becomes `−A k_f cos(k_f (y + X_y(t)))`, evaluated
/// at the ETDRK4 stage times), and the vorticity is translated by `X(dt)` at the end (a Fourier
/// phase `e^{−i k·X}`; `cos(k X)` on a Nyquist row or column, which is the exact roll for a
/// whole number of cells). The step is therefore Galilean invariant to rounding: a state plus a
/// uniform `U₀` gives the translated result.
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

    let fft1: RealFFT<Scalar>, fft2: RealFFT<Scalar>
    let stepper: any ExponentialIntegrator<Scalar>
    /// The time stepper (``SpectralTimeStepper``: ETDRK4 unless chosen otherwise).
    public let timeStepper: SpectralTimeStepper
    /// Derivative multipliers `k_x`, `k_y` (Nyquist 0) and `1/|k|²` (0 at k = 0), per half-spectrum entry.
    let kx: [Scalar], ky: [Scalar], inverseK2: [Scalar]
    /// Velocity-from-vorticity multipliers: `v̂x = i·sx·ω̂`, `v̂y = i·sy·ω̂` with `sx = k_y/|k|²`, `sy = −k_x/|k|²`.
    let sxs: [Scalar], sys: [Scalar]
    /// Basdevant multipliers of the products: `−k_x k_y·mask/n⁴` on `F[u² − v²]` and
    /// `(k_x² − k_y²)·mask/n⁴` on `F[u v]` (the dealiased, normalised second derivatives).
    let productXY: Buffer<Scalar>, productUV: Buffer<Scalar>
    /// Forcing coefficient `−A k_f n²/2` per batch item: the unnormalised transform of
    /// `−A k_f cos(k_f y)` at the entries `(κy = ±forcingMode, κx = 0)` (0 without forcing).
    let forcingCoefficient: [Double]
    /// Half-spectrum indices of the entries `κy = +forcingMode` and `−forcingMode` (`κx = 0`), or
    /// `nil` without forcing.
    let forcingEntries: (plus: Int, minus: Int)?
    /// `k_f = 2π·forcingMode/L`.
    let forcingWavenumber: Double
    /// Angular wavenumbers `2πκ/L` of the half axis (`x`, `n/2 + 1` entries) and the full axis (`y`).
    let waveX: [Double], waveY: [Double]
    let meanDecay: Scalar
    let lock = NSLock()
    var velocitySpectrum: [C], vorticity: [C]
    /// Workspace of ``nonlinear(_:_:)``: the spectra `[û (all items), v̂ (all items)]`, then the
    /// spectra of the products; the real fields `u, v`, then the products `u² − v²`, `u v`.
    let pairSpectra: Buffer<C>, pairReal: Buffer<Scalar>
    /// The complex transform of the packed pairs (`u + i v`, `(u² − v²) + i u v`, one `n × n`
    /// complex field per item), or nil when the pairs are transformed as 2 real fields each way
    /// (``packs(n:)``).
    let complexFFT: ComplexFFT<Scalar>?
    /// Packed workspace (`[B, n, n]` each, empty without packing): the velocity spectra
    /// `û + i v̂` on the full grid, the products' spectra, and the real-space pairs.
    let packedVelocity: AlignedComplexBuffer<Scalar>, packedProducts: AlignedComplexBuffer<Scalar>, packedReal: AlignedComplexBuffer<Scalar>
    /// Full-grid multipliers of the packed velocity spectra, `Ẑ = (packedRe + i packedIm) ω̂`:
    /// `−s_y` and `s_x` on `[n, n]`.
    let packedRe: Buffer<Scalar>, packedIm: Buffer<Scalar>
    /// Half the Basdevant multipliers (``productXY``, ``productUV``), for unpacking.
    let halfXY: Buffer<Scalar>, halfUV: Buffer<Scalar>
    /// Forcing of the stage being evaluated at the entries ``forcingEntries`` (`plus`, `minus`)
    /// of each batch item (`[B, 2]`; every other entry is 0), in the unnormalised transform
    /// representation and in the frame moving with the item's mean flow.
    var stageForcing: [C]
    /// Mean velocity `U₀` of each batch item at the start of the current step.
    var meanVelocity: [(x: Double, y: Double)]

    /// - Parameters:
    ///   - n: grid points per side (even).
    ///   - length: side `L` of the square.
    ///   - dt: time per ``step(_:)``.
    ///   - substeps: ETDRK4 steps per ``step(_:)``.
    ///   - drag: linear drag `α`.
    ///   - forcingMode: forcing wave number in units of `2π/L`.
    ///   - forcingAmplitude: forcing amplitude `A`.
    ///   - parameters: one per batch item, each with `viscosity` (ν > 0) and optionally `forcing`.
    ///   - timeStepper: ETDRK4 (default) or ETDRK2.
    public convenience init(n: Int, length: Double, dt: Double, substeps: Int = 1, drag: Double, forcingMode: Int,
                            forcingAmplitude: Double, parameters: [SimulationParameters], timeStepper: SpectralTimeStepper = .etdrk4) throws {
        try self.init(n: n, length: length, dt: dt, substeps: substeps, drag: drag, forcingMode: forcingMode,
                      forcingAmplitude: forcingAmplitude, parameters: parameters, timeStepper: timeStepper, packed: Self.packs(n: n))
    }

    /// Whether the nonlinear term transforms its pairs of real fields packed as one complex field
    /// (`n ≤ 128`). Why by size: with Debian's FFTW (scalar real-data codelets, AVX complex ones)
    /// one complex `n × n` transform took 0.25–0.3 of the time of 2 real ones at 64² and 128², but
    /// FFTW_ESTIMATE's complex plan at 256² (strided column passes) 4× more (benchmarks/README.md).
    /// A fixed rule, not a timing: the bits must not depend on the machine's load.
    public static func packs(n: Int) -> Bool { n <= 128 }

    /// ``init(n:length:dt:substeps:drag:forcingMode:forcingAmplitude:parameters:timeStepper:)`` with
    /// the transform layout chosen (tests run both).
    init(n: Int, length: Double, dt: Double, substeps: Int, drag: Double, forcingMode: Int,
         forcingAmplitude: Double, parameters: [SimulationParameters], timeStepper: SpectralTimeStepper, packed: Bool) throws {
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
        let kxFull = Wavenumbers.full(n: n, length: length, count: half), kyFull = Wavenumbers.full(n: n, length: length)
        let kxD = Wavenumbers.derivative(n: n, length: length, count: half), kyD = Wavenumbers.derivative(n: n, length: length)
        let mx = Wavenumbers.dealiasMask(n: n, count: half), my = Wavenumbers.dealiasMask(n: n)
        var kx = [Scalar](), ky = [Scalar](), ik2 = [Scalar](), k2 = [Double]()
        let points = Double(n * n)
        for j in 0..<n {
            for m in 0..<half {
                kx.append(Scalar(kxD[m])); ky.append(Scalar(kyD[j]))
                let kk = kxFull[m] * kxFull[m] + kyFull[j] * kyFull[j]
                k2.append(kk)
                ik2.append(kk == 0 ? 0 : Scalar(1 / kk))
            }
        }
        (self.kx, self.ky, inverseK2) = (kx, ky, ik2)
        sxs = (0..<modes).map { ky[$0] * ik2[$0] }
        sys = (0..<modes).map { -kx[$0] * ik2[$0] }
        let productXY = Buffer<Scalar>(count: modes, zero: 0), productUV = Buffer<Scalar>(count: modes, zero: 0)
        for j in 0..<n {
            for m in 0..<half {
                let i = j * half + m, scaled = mx[m] * my[j] / (points * points)
                productXY.pointer[i] = Scalar(-kxD[m] * kyD[j] * scaled)
                productUV.pointer[i] = Scalar((kxD[m] * kxD[m] - kyD[j] * kyD[j]) * scaled)
            }
        }
        (self.productXY, self.productUV) = (productXY, productUV)
        let halfXY = Buffer<Scalar>(count: modes, zero: 0), halfUV = Buffer<Scalar>(count: modes, zero: 0)
        for j in 0..<n {
            for m in 0..<half {
                let i = j * half + m, scaled = mx[m] * my[j] / (points * points) / 2
                halfXY.pointer[i] = Scalar(-kxD[m] * kyD[j] * scaled)
                halfUV.pointer[i] = Scalar((kxD[m] * kxD[m] - kyD[j] * kyD[j]) * scaled)
            }
        }
        (self.halfXY, self.halfUV) = (halfXY, halfUV)
        let fullCount = packed ? n * n : 0
        let packedRe = Buffer<Scalar>(count: fullCount, zero: 0), packedIm = Buffer<Scalar>(count: fullCount, zero: 0)
        if packed {
            let kxAll = Wavenumbers.derivative(n: n, length: length), kxFullAll = Wavenumbers.full(n: n, length: length)
            for j in 0..<n {
                for m in 0..<n {
                    let kk = kxFullAll[m] * kxFullAll[m] + kyFull[j] * kyFull[j]
                    let inverse: Scalar = kk == 0 ? 0 : Scalar(1 / kk)
                    // the half-spectrum multipliers' rounding: s_x = k_y·(1/|k|²), s_y = −k_x·(1/|k|²) in Scalar
                    packedRe.pointer[j * n + m] = Scalar(kxAll[m]) * inverse
                    packedIm.pointer[j * n + m] = Scalar(kyD[j]) * inverse
                }
            }
        }
        (self.packedRe, self.packedIm) = (packedRe, packedIm)
        complexFFT = packed ? try ComplexFFT<Scalar>.shared(shape: [n, n], batch: batch) : nil
        packedVelocity = AlignedComplexBuffer(count: batch * fullCount)
        packedProducts = AlignedComplexBuffer(count: batch * fullCount)
        packedReal = AlignedComplexBuffer(count: batch * fullCount)
        var linear: [Double] = []
        var coefficients: [Double] = []
        let kf = 2 * Double.pi * Double(forcingMode) / length
        let forced = forcingMode > 0 && 2 * forcingMode < n
        for p in parameters {
            let nu = try p.value("viscosity", scenario: KolmogorovScenario.name)
            linear += k2.map { -nu * $0 - drag }
            // −A k_f cos(k_f y): F[cos(k_f y)] = n²/2 at (κy = ±forcingMode, κx = 0).
            let a = p["forcing"] ?? forcingAmplitude
            coefficients.append(forced ? -a * kf * points / 2 : 0)
        }
        forcingCoefficient = coefficients
        forcingEntries = forced ? (forcingMode * half, (n - forcingMode) * half) : nil
        forcingWavenumber = kf
        waveX = kxFull
        waveY = kyFull
        stageForcing = [C](repeating: .zero, count: 2 * batch)
        meanVelocity = Array(repeating: (0, 0), count: batch)
        self.timeStepper = timeStepper
        stepper = timeStepper.make(linear: linear, h: dt / Double(substeps), as: Scalar.self)
        meanDecay = Scalar(Foundation.exp(-drag * dt))
        velocitySpectrum = [C](repeating: .zero, count: 2 * batch * modes)
        vorticity = [C](repeating: .zero, count: batch * modes)
        pairSpectra = Buffer<C>(count: 2 * batch * modes, zero: .zero)
        pairReal = Buffer<Scalar>(count: 2 * batch * n * n, zero: 0)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ states: inout Tensor<Scalar>) throws {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        states.withUnsafeMutableBufferPointer { s in
            velocitySpectrum.withUnsafeMutableBufferPointer { vs in
                vorticity.withUnsafeMutableBufferPointer { w in
                    stateSpectra(s.baseAddress!, into: vs.baseAddress!)
                    readMeanVelocity(vs.baseAddress!)
                    curl(vs.baseAddress!, into: w.baseAddress!)
                    evolve(w.baseAddress!)
                    translate(w.baseAddress!, inverse: false)
                    velocity(from: w.baseAddress!, into: vs.baseAddress!, meanFactor: meanDecay)
                    stateFromSpectra(vs.baseAddress!, into: s.baseAddress!)
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

    /// The explicit term `N(ω) = −∇·(u ω) + f` in real space, for tests and diagnostics: velocity
    /// states `[B, 2, n, n]` in, `[B, 1, n, n]` out. `u = u_ψ + U` includes the mean flow `U`;
    /// the advection by `u_ψ` is dealiased (Basdevant form), the linear term `−U·∇ω` is exact.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func nonlinearTerm(_ states: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try checkShape(states)
        lock.lock(); defer { lock.unlock() }
        let vs = fft2.forward(states)
        var w = [C](repeating: .zero, count: batchSize * modes), out = w
        vs.withUnsafeBufferPointer { vs in w.withUnsafeMutableBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                readMeanVelocity(vs.baseAddress!)
                curl(vs.baseAddress!, into: w.baseAddress!)
                setStageForcing(time: 0)
                nonlinear(w.baseAddress!, o.baseAddress!)
                addMeanAdvection(w.baseAddress!, o.baseAddress!)
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
                    o[i] = C(-kx[i] * vy[i].im + ky[i] * vx[i].im, kx[i] * vy[i].re - ky[i] * vx[i].re)
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
                    vx[i] = C(-sx * o[i].im, sx * o[i].re)
                    vy[i] = C(-sy * o[i].im, sy * o[i].re)
                }
                let f = meanFactor * scale
                vx[0] = C(meanX.re * f, meanX.im * f)
                vy[0] = C(meanY.re * f, meanY.im * f)
            }
        } } }
    }

    /// The explicit term in the Basdevant form (Basdevant, J. Comput. Phys. 50, 1983): for a
    /// divergence-free `u = (u, v)` with `ω = ∂x v − ∂y u`,
    ///
    ///     u ω = ∂x(u v) + ½ ∂y(v² − u²),   v ω = ½ ∂x(v² − u²) − ∂y(u v),
    ///     −∇·(u ω) = ∂x∂y(u² − v²) + (∂y² − ∂x²)(u v),
    ///
    /// so `N̂(ω̂) = −k_x k_y P F[u² − v²] + (k_x² − k_y²) P F[u v] + f̂` with the stage forcing
    /// ``stageForcing``: 2 inverse (`u`, `v`) and 2 forward real transforms (the products) per
    /// evaluation instead of the conservative form's 3 + 2 (`u`, `v`, `ω`; `u ω`, `v ω`) — or,
    /// packed (``packs(n:)``), one complex transform each way. `u = u_ψ` is the stream-function velocity (the mean flow acts through the moving
    /// frame). Same 2/3-rule mask `P` on the products' spectra; the two forms agree to rounding on
    /// a vorticity whose modes are all dealiased (`3|κ| < n`), and differ otherwise only in how the
    /// undealiased input modes alias (`testBasdevantFormEqualsTheConservativeForm`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func nonlinear(_ x: UnsafePointer<C>, _ out: UnsafeMutablePointer<C>) {
        velocitySpectra(of: x)
        productSpectra()
        forEachEntry { j, _, _, z in out[j] = z }
        addStageForcing(out)
    }
}
