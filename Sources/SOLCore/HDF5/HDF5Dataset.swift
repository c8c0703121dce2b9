import CHDF5

/// An n-dimensional HDF5 dataset: whole reads and writes, slabs along the first axis (one time
/// step of a `[T, C, H, W]` trajectory) without loading the rest, and appends to extendible
/// datasets.
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    init(id: hid_t, file: String, path: String, owner: AnyObject?) {
        super.init(id: id, file: file, path: path, owner: owner) { H5Dclose($0) }
    }

    /// Current extent of every axis.
    public func shape() throws -> [Int] {
        try HDF5Library.locked {
            let space = try check(H5Dget_space(id), "read shape of")
            defer { H5Sclose(space) }
            let rank = Int(try check(H5Sget_simple_extent_ndims(space), "read shape of"))
            var dims = [hsize_t](repeating: 0, count: rank)
            try check(H5Sget_simple_extent_dims(space, &dims, nil), "read shape of")
            return dims.map { Int($0) }
        }
    }

    /// The stored element type: `"float32"`, `"float64"`, `"int32"`, `"int64"` or another name.
    public func elementType() throws -> String {
        try HDF5Library.locked {
            let type = try check(H5Dget_type(id), "read type of")
            defer { H5Tclose(type) }
            let size = H5Tget_size(type)
            switch H5Tget_class(type) {
            case H5T_FLOAT: return size == 4 ? "float32" : "float\(size * 8)"
            case H5T_INTEGER: return "int\(size * 8)"
            case H5T_STRING: return "string"
            case H5T_ENUM where size == 1: return "bool"
            default: return "other"
            }
        }
    }

    /// Writes every element (row-major, count must match the dataset).
    public func write<T: HDF5Scalar>(_ values: [T]) throws {
        let shape = try shape()
        guard values.count == shape.reduce(1, *) else {
            throw CoreError.shapeMismatch(file: file, object: path, expected: "\(shape.reduce(1, *)) elements of \(shape)",
                                          found: "\(values.count) elements")
        }
        try HDF5Library.locked {
            try check(values.withUnsafeBufferPointer {
                H5Dwrite(id, T.hdf5MemoryType, sol_h5s_all(), sol_h5s_all(), sol_h5p_default(), $0.baseAddress)
            }, "write")
        }
    }

    /// Reads every element, converting from the stored type to `T`.
    public func readAll<T: HDF5Scalar>(as _: T.Type = T.self) throws -> [T] {
        let count = try shape().reduce(1, *)
        var values = [T](repeating: T(), count: count)
        try HDF5Library.locked {
            try check(values.withUnsafeMutableBufferPointer {
                H5Dread(id, T.hdf5MemoryType, sol_h5s_all(), sol_h5s_all(), sol_h5p_default(), $0.baseAddress)
            }, "read")
        }
        return values
    }

    /// Reads the dataset as a tensor.
    public func read<T: TensorScalar & HDF5Scalar>(as _: T.Type = T.self) throws -> Tensor<T> {
        let shape = try shape()
        return Tensor(shape: shape, scalars: try readAll(as: T.self))
    }

    /// Reads items `range` of the first axis (e.g. frames `t0..<t1`) as a tensor of shape
    /// `[range.count] + shape[1...]`, touching only those chunks.
    public func readItems<T: TensorScalar & HDF5Scalar>(_ range: Range<Int>, as _: T.Type = T.self) throws -> Tensor<T> {
        let shape = try shape()
        guard range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw CoreError.shapeMismatch(file: file, object: path, expected: "items \(range)",
                                          found: "\(shape[0]) items (shape \(shape))")
        }
        var count = shape
        count[0] = range.count
        var out = Tensor<T>(shape: count)
        try HDF5Library.locked {
            try withSelection(shape: shape, start: range.lowerBound, count: count) { memSpace, fileSpace in
                _ = try check(out.withUnsafeMutableBufferPointer {
                    H5Dread(id, T.hdf5MemoryType, memSpace, fileSpace, sol_h5p_default(), $0.baseAddress)
                }, "read items \(range) of")
            }
        }
        return out
    }

    /// Reads item `index` of the first axis (one frame) as a tensor of shape `shape[1...]`.
    public func readItem<T: TensorScalar & HDF5Scalar>(_ index: Int, as _: T.Type = T.self) throws -> Tensor<T> {
        var t = try readItems(index..<(index + 1), as: T.self)
        t.reshape(Array(t.shape.dropFirst()))
        return t
    }

    /// Overwrites items starting at `index` of the first axis with `tensor`, whose shape is
    /// `[k] + shape[1...]` (or `shape[1...]` for one item).
    public func writeItems<T: TensorScalar & HDF5Scalar>(_ tensor: Tensor<T>, at index: Int) throws {
        let shape = try shape()
        let itemShape = Array(shape.dropFirst())
        let k: Int
        if tensor.shape == itemShape { k = 1 } else if Array(tensor.shape.dropFirst()) == itemShape { k = tensor.shape[0] } else {
            throw CoreError.shapeMismatch(file: file, object: path, expected: "items of shape \(itemShape)", found: "\(tensor.shape)")
        }
        guard index >= 0, index + k <= shape[0] else {
            throw CoreError.shapeMismatch(file: file, object: path, expected: "items \(index)..<\(index + k)",
                                          found: "\(shape[0]) items")
        }
        try HDF5Library.locked {
            try withSelection(shape: shape, start: index, count: [k] + itemShape) { memSpace, fileSpace in
                _ = try check(tensor.withUnsafeBufferPointer {
                    H5Dwrite(id, T.hdf5MemoryType, memSpace, fileSpace, sol_h5p_default(), $0.baseAddress)
                }, "write items at \(index) of")
            }
        }
    }

    /// Appends items along the first axis of an extendible dataset (created with
    /// `HDF5DatasetOptions(extendible: true)`), growing it by `tensor.shape[0]` (or 1).
    public func append<T: TensorScalar & HDF5Scalar>(_ tensor: Tensor<T>) throws {
        var shape = try shape()
        let itemShape = Array(shape.dropFirst())
        let k = tensor.shape == itemShape ? 1 : tensor.shape.first ?? 0
        guard tensor.shape == itemShape || Array(tensor.shape.dropFirst()) == itemShape else {
            throw CoreError.shapeMismatch(file: file, object: path, expected: "items of shape \(itemShape)", found: "\(tensor.shape)")
        }
        let start = shape[0]
        shape[0] += k
        try HDF5Library.locked {
            var dims = shape.map { hsize_t($0) }
            try check(H5Dset_extent(id, &dims), "extend (is it extendible?)")
        }
        try writeItems(tensor, at: start)
    }

    private func withSelection(shape: [Int], start: Int, count: [Int],
                               _ body: (hid_t, hid_t) throws -> Void) throws {
        let fileSpace = try check(H5Dget_space(id), "select in")
        defer { H5Sclose(fileSpace) }
        var offset = [hsize_t](repeating: 0, count: shape.count)
        offset[0] = hsize_t(start)
        var extent = count.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &offset, nil, &extent, nil), "select in")
        let memSpace = try check(H5Screate_simple(Int32(extent.count), &extent, nil), "select in")
        defer { H5Sclose(memSpace) }
        try body(memSpace, fileSpace)
    }
}
