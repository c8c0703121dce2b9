import CFFTW
@_exported import ComplexModule

/// Real-to-complex and complex-to-real discrete Fourier transforms of a batch of real fields of
/// logical shape `shape` (1D `[n]`, 2D `[ny, nx]`, …), executed with FFTW.
///
/// Forward: `X[k] = Σ_j x[j] · exp(−2πi k·j / n)` over every axis, stored as the half spectrum of
/// shape `shape` with the last extent replaced by `n_last/2 + 1` (FFTW's r2c layout).
/// Inverse: the unnormalised adjoint, so `inverse(forward(x)) = N · x` with `N = shape.product`.
///
/// A batch of `batch` contiguous, consecutive fields (`[batch, …shape]`) is transformed **one field
/// at a time with a single-field plan**, so a field's transform is bit for bit independent of the
/// batch it is in and of its position there. Why not one `fftw_plan_many_*` plan: FFTW picks a
/// different, differently rounded algorithm for a batch than for a lone field (a lone 1D transform
/// differed from the same field in a batch of 8 by ~1e-7 relative), which made datasets depend on
/// `sol generate --batch` and on resuming; and a loop of single transforms was measured to be as
/// fast or faster (benchmarks/README.md). Every field is executed with the plan made for
/// SIMD-aligned arrays: a field whose input or output is not aligned (e.g. the odd fields of a batch
/// of 1D half spectra with an odd length) is staged through an aligned scratch copy, so alignment
/// cannot change the rounding either. Obtain instances with ``shared(shape:batch:rigor:)`` so plans
/// are created once per process.
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

    /// Plans the single-field transforms (prefer ``shared(shape:batch:rigor:)``).
    /// Throws ``CoreError/fftPlan(description:reason:)`` when the sizes are beyond memory or FFTW.
    public init(shape: [Int], batch: Int = 1, rigor: FFTRigor = .estimate) throws {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 } && batch > 0,
                     "RealFFT: invalid shape \(shape) or batch \(batch)")
        let description = "real FFT of \(batch) × \(shape)"
        self.shape = shape
        self.batch = batch
        realCount = try FFTSizes.count(shape, description: description)
        complexCount = realCount / shape[shape.count - 1] * (shape[shape.count - 1] / 2 + 1)
        // The whole batch must fit (the callers' buffers hold it); each plan covers one field.
        _ = try FFTSizes.bytes(shape: shape, batch: batch, counts: [realCount, complexCount],
                               strides: [MemoryLayout<Scalar>.stride, MemoryLayout<Complex<Scalar>>.stride],
                               description: description)
        let realBytes = realCount * MemoryLayout<Scalar>.stride
        let complexBytes = complexCount * MemoryLayout<Complex<Scalar>>.stride
        let n = shape.map { Int32($0) }
        r2c = try n.withUnsafeBufferPointer { n in
            try AlignedPlanPair(description: description, inputBytes: realBytes, outputBytes: complexBytes, rigor: rigor,
                                alignedOnly: true) { i, o, f in
                Scalar._planManyR2C(Int32(n.count), n.baseAddress!, 1, i, o, f)
            }
        }
        c2r = try n.withUnsafeBufferPointer { n in
            try AlignedPlanPair(description: description, inputBytes: complexBytes, outputBytes: realBytes, rigor: rigor,
                                alignedOnly: true) { i, o, f in
                Scalar._planManyC2R(Int32(n.count), n.baseAddress!, 1, i, o, f)
            }
        }
    }

    /// The process-wide cached transform for this shape and batch.
    public static func shared(shape: [Int], batch: Int = 1, rigor: FFTRigor = .estimate) throws -> RealFFT {
        try FFTPlanCache.shared.plan(.init(scalar: ObjectIdentifier(Scalar.self), kind: "r2c",
                                           shape: shape, batch: batch, rigor: rigor)) {
            try RealFFT(shape: shape, batch: batch, rigor: rigor)
        }
    }

    /// Forward transform of `batch` real fields into `batch` half spectra. The input is preserved.
    public func forward(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Complex<Scalar>>) {
        let plan = r2c.aligned.raw
        for b in 0..<batch {
            let i = UnsafeMutableRawPointer(mutating: input + b * realCount), o = UnsafeMutableRawPointer(output + b * complexCount)
            Self.execute(i, inputBytes: realCount * MemoryLayout<Scalar>.stride,
                         o, outputBytes: complexCount * MemoryLayout<Complex<Scalar>>.stride) { Scalar._executeR2C(plan, $0, $1) }
        }
    }

    /// Unnormalised inverse transform. FFTW's multi-dimensional c2r **may overwrite its input**;
    /// pass a scratch copy if the spectrum is still needed.
    public func inverse(_ input: UnsafeMutablePointer<Complex<Scalar>>, _ output: UnsafeMutablePointer<Scalar>) {
        let plan = c2r.aligned.raw
        for b in 0..<batch {
            let i = UnsafeMutableRawPointer(input + b * complexCount), o = UnsafeMutableRawPointer(output + b * realCount)
            Self.execute(i, inputBytes: complexCount * MemoryLayout<Complex<Scalar>>.stride,
                         o, outputBytes: realCount * MemoryLayout<Scalar>.stride) { Scalar._executeC2R(plan, $0, $1) }
        }
    }

    /// Runs `transform` on SIMD-aligned arrays: an unaligned input is copied to aligned scratch
    /// first, an unaligned output is written to aligned scratch and copied back.
    @inline(__always)
    private static func execute(_ input: UnsafeMutableRawPointer, inputBytes: Int,
                                _ output: UnsafeMutableRawPointer, outputBytes: Int,
                                _ transform: (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Void) {
        let inputAligned = Scalar._alignment(of: input) == 0, outputAligned = Scalar._alignment(of: output) == 0
        if inputAligned && outputAligned { transform(input, output); return }
        withUnsafeTemporaryAllocation(byteCount: (inputAligned ? 0 : inputBytes) + (outputAligned ? 0 : outputBytes) + 64,
                                      alignment: 64) { scratch in
            let base = scratch.baseAddress!
            let i = inputAligned ? input : base
            let o = outputAligned ? output : base + (inputAligned ? 0 : (inputBytes + 63) / 64 * 64)
            if !inputAligned { i.copyMemory(from: input, byteCount: inputBytes) }
            transform(i, o)
            if !outputAligned { output.copyMemory(from: o, byteCount: outputBytes) }
        }
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
