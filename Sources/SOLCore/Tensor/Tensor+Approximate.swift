/// Approximate equality of tensors.
///
/// `a ≈ b` when `‖a − b‖₂ ≤ max(atol, rtol · max(‖a‖₂, ‖b‖₂))`.
///
/// The test is on whole-tensor norms rather than element by element: an FFT or a GEMM spreads
/// round-off over all outputs, so an element that is ~0 by cancellation can carry an absolute
/// error of `ε · ‖x‖` that an element-wise relative test would wrongly reject. The relative
/// tolerance is therefore relative to the size of the data, and `atol` covers the case where
/// both tensors are (near) zero. This mirrors swift-numerics' `isApproximatelyEqual(to:
/// absoluteTolerance:relativeTolerance:norm:)` with the Euclidean norm.
extension Tensor {
    /// Relative distance `‖a − b‖ / max(‖a‖, ‖b‖)` (0 when both are zero).
    public func relativeDistance(to other: Tensor) -> Double {
        precondition(shape == other.shape, "relativeDistance: shapes \(shape) and \(other.shape) differ")
        let scale = Swift.max(norm(), other.norm())
        let diff = withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var s = 0.0
                for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); s += d * d }
                return s.squareRoot()
            }
        }
        return scale == 0 ? diff : diff / scale
    }

    /// Whether `self ≈ other` in the sense documented on this extension. Shapes must be equal.
    public func isApproximatelyEqual(
        to other: Tensor,
        relativeTolerance rtol: Double = Double(Scalar.ulpOfOne).squareRoot(),
        absoluteTolerance atol: Double = 0
    ) -> Bool {
        guard shape == other.shape else { return false }
        let scale = Swift.max(norm(), other.norm())
        let diff = relativeDistance(to: other) * (scale == 0 ? 1 : scale)
        return diff <= Swift.max(atol, rtol * scale)
    }
}
