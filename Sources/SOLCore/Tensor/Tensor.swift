/// The scalar types a ``Tensor`` can hold: Float32 (datasets, the corrector) and Float64 (solver
/// checks and adjoint tests where round-off must not hide a bug).
public protocol TensorScalar: BinaryFloatingPoint, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {}

extension Float: TensorScalar {}
extension Double: TensorScalar {}

/// An n-dimensional array in row-major (C) order: a shape and one contiguous buffer.
///
/// Value semantics come from the underlying `Array`, which is copy-on-write: copying a tensor is
/// O(1) and the buffer is duplicated only when one of the copies is mutated. Hot loops should use
/// ``withUnsafeBufferPointer(_:)`` / ``withUnsafeMutableBufferPointer(_:)``.
///
/// Layout convention used across the project: fields are `[batch, channel, height, width]`
/// (`[B, C, H, W]`, y then x) and trajectories `[time, channel, height, width]`.
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// Extent of every axis, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order. Invariant: `scalars.count` equals the product of `shape`;
    /// mutate elements freely but never append or remove (no observer checks it, for speed).
    public var scalars: [Scalar]

    /// A tensor of the given shape filled with `value`. (Inlinable: a generic fill from another
    /// module copies element by element through value witnesses, 7 % of a `vjp` iteration.)
    @inlinable
    public init(repeating value: Scalar = 0, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        self.init(validShape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// Stores a shape and scalars already checked against each other.
    @usableFromInline
    init(validShape shape: [Int], scalars: [Scalar]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.init(validShape: shape, scalars: scalars)
    }

    /// A tensor whose element at multi-index `i` is `body(i)`.
    public init(shape: [Int], _ body: ([Int]) -> Scalar) {
        self.init(shape: shape)
        var index = Array(repeating: 0, count: shape.count)
        for flat in 0..<scalars.count {
            scalars[flat] = body(index)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { scalars.count }

    /// Row-major strides, in elements.
    public var strides: [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// Flat offset of a multi-index.
    @inlinable
    public func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index rank \(index.count) ≠ tensor rank \(shape.count)")
        var flat = 0
        for axis in 0..<shape.count {
            precondition(index[axis] >= 0 && index[axis] < shape[axis],
                         "Tensor: index \(index) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + index[axis]
        }
        return flat
    }

    /// Element access by multi-index.
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[offset(index)] }
        set { scalars[offset(index)] = newValue }
    }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Changes the shape in place; the element count must not change.
    public mutating func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == count,
                     "Tensor.reshape: \(shape) -> \(newShape) changes the element count")
        shape = newShape
    }

    /// Elements per index of the first axis (the size of one time step or one batch item).
    public var itemCount: Int { shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *) }

    /// The sub-tensor at index `i` of the first axis, e.g. one frame of a `[T, C, H, W]` trajectory.
    public subscript(item i: Int) -> Tensor {
        get {
            precondition(rank >= 1 && i >= 0 && i < shape[0], "Tensor: item \(i) out of range for shape \(shape)")
            let n = itemCount
            return Tensor(shape: Array(shape.dropFirst()), scalars: Array(scalars[(i * n)..<((i + 1) * n)]))
        }
        set {
            precondition(rank >= 1 && i >= 0 && i < shape[0], "Tensor: item \(i) out of range for shape \(shape)")
            precondition(newValue.shape == Array(shape.dropFirst()),
                         "Tensor: item of shape \(newValue.shape) does not fit \(shape)")
            let n = itemCount
            scalars.replaceSubrange((i * n)..<((i + 1) * n), with: newValue.scalars)
        }
    }

    /// Items `range` of the first axis.
    public func items(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "Tensor: items \(range) out of range for shape \(shape)")
        let n = itemCount
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * n)..<(range.upperBound * n)]))
    }

    /// Stacks tensors of equal shape along a new first axis.
    public init(stacking items: [Tensor]) {
        precondition(!items.isEmpty, "Tensor(stacking:) needs at least one item")
        let itemShape = items[0].shape
        precondition(items.allSatisfy { $0.shape == itemShape }, "Tensor(stacking:): items differ in shape")
        var scalars: [Scalar] = []
        scalars.reserveCapacity(items.count * items[0].count)
        for item in items { scalars.append(contentsOf: item.scalars) }
        self.init(shape: [items.count] + itemShape, scalars: scalars)
    }

    /// Read access to the contiguous buffer.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Write access to the contiguous buffer (unique after copy-on-write).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// The same values in another precision.
    public func converted<Other: TensorScalar>(to _: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, scalars: scalars.map { Other($0) })
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and every element (bitwise for finite values; NaN ≠ NaN).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.self)>\(shape)[\(head)\(count > 8 ? ", …" : "")]"
    }
}
