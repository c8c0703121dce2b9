import CFFTW
import ComplexModule
import RealModule

/// A floating-point type FFTW can transform: `Double` uses `libfftw3`, `Float` uses `libfftw3f`.
///
/// The requirements are the thin C boundary; use ``RealFFT`` and ``RealToRealTransform``.
public protocol FFTScalar: TensorScalar & Real {
    static func _planManyR2C(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                             _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                             _ flags: UInt32) -> OpaquePointer?
    static func _planManyC2R(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                             _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                             _ flags: UInt32) -> OpaquePointer?
    static func _planManyR2R(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                             _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                             _ kinds: UnsafePointer<fftw_r2r_kind>, _ flags: UInt32) -> OpaquePointer?
    static func _executeR2C(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer)
    static func _executeC2R(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer)
    static func _executeR2R(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer)
    static func _planDFT(_ rank: Int32, _ n: UnsafePointer<Int32>, _ input: UnsafeMutableRawPointer,
                         _ output: UnsafeMutableRawPointer, _ sign: Int32, _ flags: UInt32) -> OpaquePointer?
    static func _executeDFT(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer)
    static func _destroy(_ plan: OpaquePointer)
    static func _alignment(of pointer: UnsafeMutableRawPointer) -> Int32
    static func _malloc(_ bytes: Int) -> UnsafeMutableRawPointer?
    static func _free(_ pointer: UnsafeMutableRawPointer)
}

extension Double: FFTScalar {
    public static func _planManyR2C(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                                    _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                                    _ flags: UInt32) -> OpaquePointer? {
        let dist = FFTLayout.distances(rank: rank, n: n)
        return fftw_plan_many_dft_r2c(rank, n, howmany,
                                      input.assumingMemoryBound(to: Double.self), nil, 1, dist.real,
                                      output.assumingMemoryBound(to: fftw_complex.self), nil, 1, dist.complex, flags)
    }
    public static func _planManyC2R(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                                    _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                                    _ flags: UInt32) -> OpaquePointer? {
        let dist = FFTLayout.distances(rank: rank, n: n)
        return fftw_plan_many_dft_c2r(rank, n, howmany,
                                      input.assumingMemoryBound(to: fftw_complex.self), nil, 1, dist.complex,
                                      output.assumingMemoryBound(to: Double.self), nil, 1, dist.real, flags)
    }
    public static func _planManyR2R(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                                    _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                                    _ kinds: UnsafePointer<fftw_r2r_kind>, _ flags: UInt32) -> OpaquePointer? {
        let dist = FFTLayout.distances(rank: rank, n: n)
        return fftw_plan_many_r2r(rank, n, howmany,
                                  input.assumingMemoryBound(to: Double.self), nil, 1, dist.real,
                                  output.assumingMemoryBound(to: Double.self), nil, 1, dist.real, kinds, flags)
    }
    public static func _executeR2C(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftw_execute_dft_r2c(plan, input.assumingMemoryBound(to: Double.self), output.assumingMemoryBound(to: fftw_complex.self))
    }
    public static func _executeC2R(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftw_execute_dft_c2r(plan, input.assumingMemoryBound(to: fftw_complex.self), output.assumingMemoryBound(to: Double.self))
    }
    public static func _executeR2R(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftw_execute_r2r(plan, input.assumingMemoryBound(to: Double.self), output.assumingMemoryBound(to: Double.self))
    }
    public static func _planDFT(_ rank: Int32, _ n: UnsafePointer<Int32>, _ input: UnsafeMutableRawPointer,
                                _ output: UnsafeMutableRawPointer, _ sign: Int32, _ flags: UInt32) -> OpaquePointer? {
        fftw_plan_dft(rank, n, input.assumingMemoryBound(to: fftw_complex.self), output.assumingMemoryBound(to: fftw_complex.self), sign, flags)
    }
    public static func _executeDFT(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftw_execute_dft(plan, input.assumingMemoryBound(to: fftw_complex.self), output.assumingMemoryBound(to: fftw_complex.self))
    }
    public static func _destroy(_ plan: OpaquePointer) { fftw_destroy_plan(plan) }
    public static func _alignment(of pointer: UnsafeMutableRawPointer) -> Int32 {
        fftw_alignment_of(pointer.assumingMemoryBound(to: Double.self))
    }
    public static func _malloc(_ bytes: Int) -> UnsafeMutableRawPointer? { fftw_malloc(bytes) }
    public static func _free(_ pointer: UnsafeMutableRawPointer) { fftw_free(pointer) }
}

extension Float: FFTScalar {
    public static func _planManyR2C(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                                    _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                                    _ flags: UInt32) -> OpaquePointer? {
        let dist = FFTLayout.distances(rank: rank, n: n)
        return fftwf_plan_many_dft_r2c(rank, n, howmany,
                                       input.assumingMemoryBound(to: Float.self), nil, 1, dist.real,
                                       output.assumingMemoryBound(to: fftwf_complex.self), nil, 1, dist.complex, flags)
    }
    public static func _planManyC2R(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                                    _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                                    _ flags: UInt32) -> OpaquePointer? {
        let dist = FFTLayout.distances(rank: rank, n: n)
        return fftwf_plan_many_dft_c2r(rank, n, howmany,
                                       input.assumingMemoryBound(to: fftwf_complex.self), nil, 1, dist.complex,
                                       output.assumingMemoryBound(to: Float.self), nil, 1, dist.real, flags)
    }
    public static func _planManyR2R(_ rank: Int32, _ n: UnsafePointer<Int32>, _ howmany: Int32,
                                    _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer,
                                    _ kinds: UnsafePointer<fftw_r2r_kind>, _ flags: UInt32) -> OpaquePointer? {
        let dist = FFTLayout.distances(rank: rank, n: n)
        return fftwf_plan_many_r2r(rank, n, howmany,
                                   input.assumingMemoryBound(to: Float.self), nil, 1, dist.real,
                                   output.assumingMemoryBound(to: Float.self), nil, 1, dist.real, kinds, flags)
    }
    public static func _executeR2C(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftwf_execute_dft_r2c(plan, input.assumingMemoryBound(to: Float.self), output.assumingMemoryBound(to: fftwf_complex.self))
    }
    public static func _executeC2R(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftwf_execute_dft_c2r(plan, input.assumingMemoryBound(to: fftwf_complex.self), output.assumingMemoryBound(to: Float.self))
    }
    public static func _executeR2R(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftwf_execute_r2r(plan, input.assumingMemoryBound(to: Float.self), output.assumingMemoryBound(to: Float.self))
    }
    public static func _planDFT(_ rank: Int32, _ n: UnsafePointer<Int32>, _ input: UnsafeMutableRawPointer,
                                _ output: UnsafeMutableRawPointer, _ sign: Int32, _ flags: UInt32) -> OpaquePointer? {
        fftwf_plan_dft(rank, n, input.assumingMemoryBound(to: fftwf_complex.self), output.assumingMemoryBound(to: fftwf_complex.self), sign, flags)
    }
    public static func _executeDFT(_ plan: OpaquePointer, _ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) {
        fftwf_execute_dft(plan, input.assumingMemoryBound(to: fftwf_complex.self), output.assumingMemoryBound(to: fftwf_complex.self))
    }
    public static func _destroy(_ plan: OpaquePointer) { fftwf_destroy_plan(plan) }
    public static func _alignment(of pointer: UnsafeMutableRawPointer) -> Int32 {
        fftwf_alignment_of(pointer.assumingMemoryBound(to: Float.self))
    }
    public static func _malloc(_ bytes: Int) -> UnsafeMutableRawPointer? { fftwf_malloc(bytes) }
    public static func _free(_ pointer: UnsafeMutableRawPointer) { fftwf_free(pointer) }
}

/// Element distances between consecutive transforms of a batch (`fftw_plan_many_*` `idist`/`odist`).
enum FFTLayout {
    /// Real elements and complex (half-spectrum) elements of one transform of logical shape `n`.
    static func distances(rank: Int32, n: UnsafePointer<Int32>) -> (real: Int32, complex: Int32) {
        var real: Int32 = 1
        for a in 0..<Int(rank) { real *= n[a] }
        let last = n[Int(rank) - 1]
        return (real, real / last * (last / 2 + 1))
    }
}
