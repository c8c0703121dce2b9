/// Size checks of FFT plans: extents FFTW takes as 32-bit integers, byte counts that must not
/// overflow.
enum FFTSizes {
    /// Elements of one field of `shape`; throws when an extent exceeds FFTW's `Int32` or the
    /// product overflows.
    static func count(_ shape: [Int], description: String) throws -> Int {
        guard shape.allSatisfy({ $0 <= Int(Int32.max) }) else {
            throw CoreError.fftPlan(description: description, reason: "an extent exceeds FFTW's limit of \(Int32.max)")
        }
        var n = 1
        for extent in shape {
            let (product, overflow) = n.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw CoreError.fftPlan(description: description, reason: "the arrays would exceed the address space") }
            n = product
        }
        return n
    }

    /// The byte counts `batch × counts[i] × strides[i]` of a plan's two arrays; throws
    /// ``CoreError/fftPlan(description:reason:)`` when an extent exceeds FFTW's `Int32` or a
    /// product overflows.
    static func bytes(shape: [Int], batch: Int, counts: [Int], strides: [Int], description: String) throws -> (Int, Int) {
        guard shape.allSatisfy({ $0 <= Int(Int32.max) }), batch <= Int(Int32.max) else {
            throw CoreError.fftPlan(description: description, reason: "an extent exceeds FFTW's limit of \(Int32.max)")
        }
        var result: [Int] = []
        for (count, stride) in zip(counts, strides) {
            let (a, o1) = batch.multipliedReportingOverflow(by: count)
            let (b, o2) = a.multipliedReportingOverflow(by: stride)
            guard !o1 && !o2 else { throw CoreError.fftPlan(description: description, reason: "the arrays would exceed the address space") }
            result.append(b)
        }
        return (result[0], result[1])
    }
}
