import CFFTW

/// The real-to-real transform kinds of FFTW used by fast Poisson solvers.
///
/// With `n` samples `x_j` (FFTW's unnormalised definitions):
/// - ``dct1`` (REDFT00): `Y_k = x_0 + (−1)^k x_{n−1} + 2 Σ_{j=1}^{n−2} x_j cos(π j k/(n−1))`
/// - ``dct2`` (REDFT10): `Y_k = 2 Σ_j x_j cos(π (j+½) k / n)` — Neumann BC, cell-centred grid
/// - ``dct3`` (REDFT01): `Y_k = x_0 + 2 Σ_{j≥1} x_j cos(π j (k+½) / n)` — inverse of dct2 up to `2n`
/// - ``dct4`` (REDFT11): `Y_k = 2 Σ_j x_j cos(π (j+½)(k+½) / n)`
/// - ``dst1`` (RODFT00): `Y_k = 2 Σ_j x_j sin(π (j+1)(k+1)/(n+1))` — Dirichlet BC, vertex grid
/// - ``dst2`` (RODFT10): `Y_k = 2 Σ_j x_j sin(π (j+½)(k+1) / n)` — Dirichlet BC, cell-centred grid
/// - ``dst3`` (RODFT01): `Y_k = (−1)^k x_{n−1} + 2 Σ_{j=0}^{n−2} x_j sin(π (j+1)(k+½) / n)`
/// - ``dst4`` (RODFT11): `Y_k = 2 Σ_j x_j sin(π (j+½)(k+½) / n)`
///
/// Pairs that invert each other (up to the factor `2n`, or `2(n−1)` for dct1, `2(n+1)` for dst1):
/// dct1↔dct1, dct2↔dct3, dct4↔dct4, dst1↔dst1, dst2↔dst3, dst4↔dst4.
public enum RealToRealKind: Int32, Hashable, Sendable, CaseIterable {
    case dct1 = 3, dct3 = 4, dct2 = 5, dct4 = 6
    case dst1 = 7, dst3 = 8, dst2 = 9, dst4 = 10

    /// The kind whose transform inverts this one (up to ``normalization(n:)``).
    public var inverse: RealToRealKind {
        switch self {
        case .dct2: return .dct3
        case .dct3: return .dct2
        case .dst2: return .dst3
        case .dst3: return .dst2
        default: return self
        }
    }

    /// The factor by which `inverse(forward(x))` multiplies `x` along an axis of `n` samples.
    public func normalization(n: Int) -> Int {
        switch self {
        case .dct1: return 2 * (n - 1)
        case .dst1: return 2 * (n + 1)
        default: return 2 * n
        }
    }
}

/// A batched, multi-dimensional real-to-real transform (one ``RealToRealKind`` per axis), e.g.
/// a DCT-II in y and x for a Neumann Poisson problem on a cell-centred grid.
public final class RealToRealTransform<Scalar: FFTScalar>: @unchecked Sendable {
    /// Shape of one field (the transformed axes), e.g. `[H, W]`.
    public let shape: [Int]
    /// The transform applied along each axis of ``shape``.
    public let kinds: [RealToRealKind]
    /// Fields transformed together by one call.
    public let batch: Int
    /// Elements of one field.
    public let count: Int
    private let plan: AlignedPlanPair<Scalar>

    /// Plans the transform of `batch` fields of `shape` with one ``RealToRealKind`` per axis (`kinds.count == shape.count`; DCT-I needs ≥ 2 points). Prefer the cached ``shared(shape:kinds:batch:)``.
    /// Throws ``CoreError/fftPlan(description:reason:)`` when the sizes are beyond memory or FFTW.
    public init(shape: [Int], kinds: [RealToRealKind], batch: Int = 1, rigor: FFTRigor = .estimate) throws {
        precondition(!shape.isEmpty && shape.count == kinds.count && batch > 0,
                     "RealToRealTransform: shape \(shape) and kinds \(kinds) must have equal, non-zero rank")
        precondition(zip(shape, kinds).allSatisfy { n, k in k == .dct1 ? n > 1 : n > 0 },
                     "RealToRealTransform: invalid extents \(shape) for \(kinds)")
        self.shape = shape
        self.kinds = kinds
        self.batch = batch
        let description = "real-to-real transform \(kinds.map { "\($0)" }.joined(separator: "×")) of \(batch) × \(shape)"
        count = try FFTSizes.count(shape, description: description)
        let n = shape.map { Int32($0) }
        let k = kinds.map { fftw_r2r_kind(rawValue: UInt32($0.rawValue)) }
        let (bytes, _) = try FFTSizes.bytes(shape: shape, batch: batch, counts: [count, count],
                                            strides: [MemoryLayout<Scalar>.stride, MemoryLayout<Scalar>.stride], description: description)
        plan = try n.withUnsafeBufferPointer { n in
            try k.withUnsafeBufferPointer { k in
                try AlignedPlanPair(description: description, inputBytes: bytes, outputBytes: bytes, rigor: rigor) { i, o, f in
                    Scalar._planManyR2R(Int32(n.count), n.baseAddress!, Int32(batch), i, o, k.baseAddress!, f)
                }
            }
        }
    }

    /// The process-wide cached plan.
    public static func shared(shape: [Int], kinds: [RealToRealKind], batch: Int = 1,
                              rigor: FFTRigor = .estimate) throws -> RealToRealTransform {
        try FFTPlanCache.shared.plan(.init(scalar: ObjectIdentifier(Scalar.self),
                                       kind: "r2r" + kinds.map { "\($0.rawValue)" }.joined(separator: ","),
                                       shape: shape, batch: batch, rigor: rigor)) {
            try RealToRealTransform(shape: shape, kinds: kinds, batch: batch, rigor: rigor)
        }
    }

    /// The transform inverting this one; divide its result by ``normalization``.
    public var inverse: RealToRealTransform {
        get throws { try .shared(shape: shape, kinds: kinds.map(\.inverse), batch: batch) }
    }

    /// `Π_axes kind.normalization(n)`: `inverse(forward(x)) = normalization · x`.
    public var normalization: Int {
        zip(kinds, shape).reduce(1) { $0 * $1.0.normalization(n: $1.1) }
    }

    /// Transforms `batch` fields out of place (`input` and `output` must not overlap: the plans
    /// are out-of-place plans, and FFTW's new-array execution must keep that property).
    public func execute(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>) {
        precondition(UnsafePointer(output) != input, "RealToRealTransform.execute: in-place execution is not supported")
        let i = UnsafeMutableRawPointer(mutating: input), o = UnsafeMutableRawPointer(output)
        Scalar._executeR2R(plan.choose(i, o), i, o)
    }

    /// Convenience: the transform of a tensor holding `batch` fields (allocates).
    public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(x.count == batch * count, "RealToRealTransform: tensor \(x.shape) does not match \(batch)×\(shape)")
        var y = Tensor<Scalar>(shape: x.shape)
        x.withUnsafeBufferPointer { i in y.withUnsafeMutableBufferPointer { o in execute(i.baseAddress!, o.baseAddress!) } }
        return y
    }
}
