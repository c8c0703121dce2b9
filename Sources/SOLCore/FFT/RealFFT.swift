import CFFTW
@_exported import ComplexModule

/// Real-to-complex and complex-to-real discrete Fourier transforms of a batch of real fields of
/// logical shape `shape` (1D `[n]`, 2D `[ny, nx]`, …), executed with FFTW.
///
/// Forward: `X[k] = Σ_j x[j] · exp(−2πi k·j / n)` over every axis, stored as the half spectrum of
/// shape `shape` with the last extent replaced by `n_last/2 + 1` (FFTW's r2c layout).
/// Inverse: the unnormalised adjoint, so `inverse(forward(x)) = N · x` with `N = shape.product`.
///
/// A batch of `batch` fields is transformed by one `fftw_plan_many_*` plan; fields are contiguous
/// and consecutive (`[batch, …shape]`). Obtain instances with ``shared(shape:batch:rigor:)`` so
/// plans are created once per process.
public final class RealFFT<Scalar: FFTScalar>: @unchecked Sendable {
    /// Logical real shape of one field.
    public let shape: [Int]
    /// Fields transformed per call.
    public let batch: Int
    /// Real elements of one field.
    public let realCount: Int
    /// Complex elements of one half spectrum.
    public let complexCount: Int
    /// Shape of one half spectrum (last extent `n/2 + 1`).
    public var spectralShape: [Int] { Array(shape.dropLast()) + [shape[shape.count - 1] / 2 + 1] }

    private let r2c: AlignedPlanPair<Scalar>
    private let c2r: AlignedPlanPair<Scalar>

    /// Plans the transforms (prefer ``shared(shape:batch:rigor:)``).
    /// Throws ``CoreError/fftPlan(description:reason:)`` when the sizes are beyond memory or FFTW.
    public init(shape: [Int], batch: Int = 1, rigor: FFTRigor = .estimate) throws {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 } && batch > 0,
                     "RealFFT: invalid shape \(shape) or batch \(batch)")
        let description = "real FFT of \(batch) × \(shape)"
        self.shape = shape
        self.batch = batch
        realCount = try FFTSizes.count(shape, description: description)
        complexCount = realCount / shape[shape.count - 1] * (shape[shape.count - 1] / 2 + 1)
        let (realBytes, complexBytes) = try FFTSizes.bytes(shape: shape, batch: batch, counts: [realCount, complexCount],
                                                          strides: [MemoryLayout<Scalar>.stride, MemoryLayout<Complex<Scalar>>.stride],
                                                          description: description)
        let n = shape.map { Int32($0) }
        r2c = try n.withUnsafeBufferPointer { n in
            try AlignedPlanPair(description: description, inputBytes: realBytes, outputBytes: complexBytes, rigor: rigor) { i, o, f in
                Scalar._planManyR2C(Int32(n.count), n.baseAddress!, Int32(batch), i, o, f)
            }
        }
        c2r = try n.withUnsafeBufferPointer { n in
            try AlignedPlanPair(description: description, inputBytes: complexBytes, outputBytes: realBytes, rigor: rigor) { i, o, f in
                Scalar._planManyC2R(Int32(n.count), n.baseAddress!, Int32(batch), i, o, f)
            }
        }
    }

    /// The process-wide cached plan for this shape and batch.
    public static func shared(shape: [Int], batch: Int = 1, rigor: FFTRigor = .estimate) throws -> RealFFT {
        try FFTPlanCache.shared.plan(.init(scalar: ObjectIdentifier(Scalar.self), kind: "r2c",
                                           shape: shape, batch: batch, rigor: rigor)) {
            try RealFFT(shape: shape, batch: batch, rigor: rigor)
        }
    }

    /// Forward transform of `batch` real fields into `batch` half spectra. The input is preserved.
    public func forward(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Complex<Scalar>>) {
        let i = UnsafeMutableRawPointer(mutating: input), o = UnsafeMutableRawPointer(output)
        Scalar._executeR2C(r2c.choose(i, o), i, o)
    }

    /// Unnormalised inverse transform. FFTW's multi-dimensional c2r **overwrites its input**;
    /// pass a scratch copy if the spectrum is still needed.
    public func inverse(_ input: UnsafeMutablePointer<Complex<Scalar>>, _ output: UnsafeMutablePointer<Scalar>) {
        let i = UnsafeMutableRawPointer(input), o = UnsafeMutableRawPointer(output)
        Scalar._executeC2R(c2r.choose(i, o), i, o)
    }

    /// Convenience: forward transform of a tensor of shape `[batch, …shape]` (or `shape` when
    /// `batch == 1`). Allocates; use the pointer API in hot loops.
    public func forward(_ x: Tensor<Scalar>) -> [Complex<Scalar>] {
        precondition(x.count == batch * realCount, "RealFFT.forward: tensor \(x.shape) does not match \(batch)×\(shape)")
        var out = [Complex<Scalar>](repeating: .zero, count: batch * complexCount)
        x.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in forward(i.baseAddress!, o.baseAddress!) } }
        return out
    }

    /// Convenience: unnormalised inverse of `batch` half spectra into a tensor of shape `outputShape`
    /// (the spectrum argument is copied, not destroyed).
    public func inverse(_ spectrum: [Complex<Scalar>], shape outputShape: [Int]) -> Tensor<Scalar> {
        precondition(spectrum.count == batch * complexCount, "RealFFT.inverse: spectrum has \(spectrum.count) elements, expected \(batch * complexCount)")
        var scratch = spectrum
        var out = Tensor<Scalar>(shape: outputShape)
        precondition(out.count == batch * realCount, "RealFFT.inverse: output shape \(outputShape) does not match \(batch)×\(shape)")
        scratch.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in inverse(i.baseAddress!, o.baseAddress!) }
        }
        return out
    }
}
