import CFFTW
@_exported import ComplexModule

/// Complex-to-complex discrete Fourier transforms of a batch of complex fields of shape `shape`
/// (out of place, unnormalised), executed with FFTW one field at a time with a single-field plan
/// (so a field's bits do not depend on the batch, as for ``RealFFT``).
///
/// Forward: `X[k] = Σ_j x[j] exp(−2πi k·j/n)`; backward: `x[j] = Σ_k X[k] exp(+2πi k·j/n)`, so
/// `backward(forward(x)) = N·x`.
///
/// Why: two real fields `a`, `b` packed as `a + i b` are transformed by one complex transform
/// (`F[a] = (Z(k) + conj Z(−k))/2`, `F[b] = (Z(k) − conj Z(−k))/(2i)`). With Debian's FFTW, whose
/// real-data codelets are scalar while its complex ones are AVX, one complex 2D transform of
/// 64² or 128² points took 0.25–0.3 of the time of the two real transforms it replaces
/// (benchmarks/README.md); at 256² FFTW_ESTIMATE's complex 2D plan (strided column passes) is 4×
/// slower than the two real ones, so callers choose by size. Arrays must be aligned for SIMD
/// (``AlignedComplexBuffer``); an unaligned array uses the unaligned plan.
public final class ComplexFFT<Scalar: FFTScalar>: @unchecked Sendable {
    /// Shape of one field.
    public let shape: [Int]
    /// Fields transformed per call.
    public let batch: Int
    /// Complex elements of one field.
    public let count: Int
    private let forwardPlan: AlignedPlanPair<Scalar>
    private let backwardPlan: AlignedPlanPair<Scalar>

    /// Plans the single-field transforms (prefer ``shared(shape:batch:)``). Throws
    /// ``CoreError/fftPlan(description:reason:)`` when the sizes are beyond memory or FFTW.
    public init(shape: [Int], batch: Int = 1) throws {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 } && batch > 0,
                     "ComplexFFT: invalid shape \(shape) or batch \(batch)")
        let description = "complex FFT of \(batch) × \(shape)"
        self.shape = shape
        self.batch = batch
        count = try FFTSizes.count(shape, description: description)
        let bytes = count * MemoryLayout<Complex<Scalar>>.stride
        _ = try FFTSizes.bytes(shape: shape, batch: batch, counts: [count, count],
                               strides: [MemoryLayout<Complex<Scalar>>.stride, MemoryLayout<Complex<Scalar>>.stride],
                               description: description)
        let n = shape.map { Int32($0) }
        func plan(_ sign: Int32) throws -> AlignedPlanPair<Scalar> {
            try n.withUnsafeBufferPointer { n in
                try AlignedPlanPair(description: description, inputBytes: bytes, outputBytes: bytes, rigor: .estimate) { i, o, f in
                    Scalar._planDFT(Int32(n.count), n.baseAddress!, i, o, sign, f)
                }
            }
        }
        forwardPlan = try plan(sol_fftw_forward())
        backwardPlan = try plan(sol_fftw_backward())
    }

    /// The process-wide cached transform for this shape and batch.
    public static func shared(shape: [Int], batch: Int = 1) throws -> ComplexFFT {
        try FFTPlanCache.shared.plan(.init(scalar: ObjectIdentifier(Scalar.self), kind: "c2c",
                                           shape: shape, batch: batch, rigor: .estimate)) {
            try ComplexFFT(shape: shape, batch: batch)
        }
    }

    /// Forward transform of `batch` fields (`input` and `output` must not overlap).
    public func forward(_ input: UnsafeMutablePointer<Complex<Scalar>>, _ output: UnsafeMutablePointer<Complex<Scalar>>) {
        execute(forwardPlan, input, output)
    }

    /// Unnormalised backward transform of `batch` fields (`input` and `output` must not overlap).
    public func backward(_ input: UnsafeMutablePointer<Complex<Scalar>>, _ output: UnsafeMutablePointer<Complex<Scalar>>) {
        execute(backwardPlan, input, output)
    }

    private func execute(_ plans: AlignedPlanPair<Scalar>, _ input: UnsafeMutablePointer<Complex<Scalar>>,
                         _ output: UnsafeMutablePointer<Complex<Scalar>>) {
        for b in 0..<batch {
            let i = UnsafeMutableRawPointer(input + b * count), o = UnsafeMutableRawPointer(output + b * count)
            Scalar._executeDFT(plans.choose(i, o), i, o)
        }
    }
}

/// A fixed-size, zero-initialised array of complex numbers aligned to 64 bytes (SIMD-aligned for
/// FFTW whatever the offset of a field that starts at a multiple of 64 bytes).
public final class AlignedComplexBuffer<Scalar: FFTScalar>: @unchecked Sendable {
    /// The first element.
    public let pointer: UnsafeMutablePointer<Complex<Scalar>>
    /// Elements.
    public let count: Int

    /// `count` zeros.
    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Complex<Scalar>>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Complex<Scalar>.self, capacity: max(count, 1))
        pointer.initialize(repeating: .zero, count: max(count, 1))
    }

    deinit {
        pointer.deinitialize(count: max(count, 1))
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
