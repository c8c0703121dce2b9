import CBLAS

/// Thin wrappers over the OpenBLAS routines the project uses (row-major throughout).
public enum BLAS {
    /// Threads OpenBLAS may use. Set 1 when parallelising yourself (thread pools, MPI ranks).
    public static func setThreads(_ n: Int) { sol_openblas_set_threads(Int32(max(1, n))) }
    /// Threads OpenBLAS currently uses.
    public static var threads: Int { Int(sol_openblas_get_threads()) }

    /// `C ← α · op(A) · op(B) + β · C` in float32, row-major: `op(A)` is `m × k`, `op(B)` is
    /// `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the row strides of the stored matrices.
    @inlinable
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Float64 twin of ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    @inlinable
    public static func dgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Double = 1,
                             a: UnsafePointer<Double>, lda: Int,
                             b: UnsafePointer<Double>, ldb: Int,
                             beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y ← α · x + y` in float32 over `n` elements.
    @inlinable
    public static func saxpy(n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }

    /// `Σ xᵢ yᵢ` in float32 over `n` elements.
    @inlinable
    public static func sdot(n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        cblas_sdot(Int32(n), x, 1, y, 1)
    }
}
