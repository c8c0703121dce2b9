import SOLCore

extension Complex {
    /// The real part as stored. swift-numerics' `real` returns NaN for any non-finite value,
    /// a finiteness test on both parts at every read, which kept the spectral loops scalar and
    /// branchy (`perf annotate` of the Kolmogorov step, benchmarks/README.md); `re` is the same
    /// value for every finite number and lets the loops vectorise.
    @_transparent var re: RealType { rawStorage.x }
    /// The imaginary part as stored (see ``re``).
    @_transparent var im: RealType { rawStorage.y }
}
