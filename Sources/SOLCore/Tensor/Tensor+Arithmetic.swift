/// Element-wise arithmetic and reductions. Binary operations require equal shapes (no
/// broadcasting: every use in the solvers and the corrector has matching shapes, and implicit
/// broadcasting hides shape bugs).
extension Tensor {
    @inline(__always) @usableFromInline
    static func checkShapes(_ lhs: Tensor, _ rhs: Tensor, _ op: String) {
        precondition(lhs.shape == rhs.shape, "Tensor \(op): shapes \(lhs.shape) and \(rhs.shape) differ")
    }

    /// Element-wise sum (shapes must be equal).
    @inlinable
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = lhs; out += rhs; return out
    }
    /// Element-wise difference (shapes must be equal).
    @inlinable
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = lhs; out -= rhs; return out
    }
    /// Element-wise (Hadamard) product (shapes must be equal).
    @inlinable
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        checkShapes(lhs, rhs, "*")
        var out = lhs
        out.withUnsafeMutableBufferPointer { o in
            rhs.withUnsafeBufferPointer { r in for i in 0..<o.count { o[i] *= r[i] } }
        }
        return out
    }
    /// Every element multiplied by a scalar.
    @inlinable
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor {
        var out = rhs; out *= lhs; return out
    }
    /// Adds `rhs` element-wise in place (shapes must be equal).
    @inlinable
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        lhs.axpy(1, rhs)
    }
    /// Subtracts `rhs` element-wise in place (shapes must be equal).
    @inlinable
    public static func -= (lhs: inout Tensor, rhs: Tensor) {
        lhs.axpy(-1, rhs)
    }
    /// Multiplies every element by a scalar in place.
    @inlinable
    public static func *= (lhs: inout Tensor, rhs: Scalar) {
        lhs.withUnsafeMutableBufferPointer { o in for i in 0..<o.count { o[i] *= rhs } }
    }
    /// Element-wise negation.
    @inlinable
    public static prefix func - (x: Tensor) -> Tensor { -1 * x }

    /// `self += a · x` (BLAS axpy).
    @inlinable
    public mutating func axpy(_ a: Scalar, _ x: Tensor) {
        Tensor.checkShapes(self, x, "axpy")
        withUnsafeMutableBufferPointer { y in
            x.withUnsafeBufferPointer { x in for i in 0..<y.count { y[i] += a * x[i] } }
        }
    }

    /// Applies `body` to every element.
    public func map(_ body: (Scalar) -> Scalar) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map(body))
    }

    /// Sum of all elements, accumulated in Float64.
    public func sum() -> Double {
        withUnsafeBufferPointer { b in
            var s = 0.0
            for v in b { s += Double(v) }
            return s
        }
    }

    /// Arithmetic mean of all elements (Float64 accumulation).
    public func mean() -> Double { count == 0 ? 0 : sum() / Double(count) }

    /// Euclidean inner product `Σ aᵢ bᵢ`, accumulated in Float64.
    public func dot(_ other: Tensor) -> Double {
        Tensor.checkShapes(self, other, "dot")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var s = 0.0
                for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
                return s
            }
        }
    }

    /// Euclidean norm `‖x‖₂`, accumulated in Float64.
    public func norm() -> Double { dot(self).squareRoot() }

    /// Largest absolute element (`‖x‖∞`); 0 for an empty tensor, NaN if any element is NaN.
    public func maxAbs() -> Double {
        withUnsafeBufferPointer { b in
            var m = 0.0
            for v in b {
                if v.isNaN { return .nan }
                m = Swift.max(m, Double(abs(v)))
            }
            return m
        }
    }

    /// Mean absolute difference to `other`: `1/N Σ |aᵢ − bᵢ|` (the MAE of the evaluation tables).
    public func meanAbsoluteDifference(_ other: Tensor) -> Double {
        Tensor.checkShapes(self, other, "meanAbsoluteDifference")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var s = 0.0
                for i in 0..<a.count { s += Swift.abs(Double(a[i]) - Double(b[i])) }
                return a.isEmpty ? 0 : s / Double(a.count)
            }
        }
    }

    /// Mean squared difference to `other`: `1/N Σ (aᵢ − bᵢ)²`.
    public func meanSquaredDifference(_ other: Tensor) -> Double {
        Tensor.checkShapes(self, other, "meanSquaredDifference")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var s = 0.0
                for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); s += d * d }
                return a.isEmpty ? 0 : s / Double(a.count)
            }
        }
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool {
        withUnsafeBufferPointer { b in b.allSatisfy { $0.isFinite } }
    }

    /// Flat index of the first NaN or infinite element, if any.
    public var firstNonFiniteIndex: Int? {
        withUnsafeBufferPointer { b in b.firstIndex { !$0.isFinite } }
    }
}
