/// How a convolution reads past the edge of the field. Choose the mode matching the solver's
/// boundary (JAX-CFD's `periodic_convolution`; Oceananigans' boundary conditions travel with the field).
///
/// For a kernel of radius `r` the output has the input's size ("same" convolution); an index `i`
/// outside `0..<n` reads
/// - `periodic`: element `i mod n` (periodic domains: Burgers, Kolmogorov);
/// - `zero`: the value 0 (Keras/PyTorch `padding='same'`, the Solver-in-the-Loop networks);
/// - `replicate`: element `clamp(i, 0, n − 1)` (zero-gradient, open boundaries).
public enum PaddingMode: String, Codable, Hashable, Sendable, CaseIterable {
    case periodic
    case zero
    case replicate

    /// The source index read for logical index `i` of an axis of extent `n`, or `-1` for a zero.
    @inlinable @inline(__always)
    public func sourceIndex(_ i: Int, extent n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch self {
        case .periodic:
            let r = i % n
            return r < 0 ? r + n : r
        case .zero: return -1
        case .replicate: return i < 0 ? 0 : n - 1
        }
    }
}
