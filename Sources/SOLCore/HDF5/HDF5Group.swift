import CHDF5

/// Storage options of a new dataset.
public struct HDF5DatasetOptions: Sendable {
    /// Chunk shape; `nil` lets the store choose (one item of the first axis per chunk for
    /// rank ≥ 2, so that one time step reads without touching the others). Required (chosen
    /// automatically) for extendible datasets and compression.
    public var chunks: [Int]?
    /// gzip level 1–9, or `nil` for no compression. Shuffle is enabled with gzip.
    public var gzipLevel: Int?
    /// `true` makes the first axis unlimited, so ``HDF5Dataset/append(_:)`` can grow it.
    public var extendible: Bool

    /// Options with the given chunk shape, gzip level (1–9, `nil`: none) and extendibility.
    public init(chunks: [Int]? = nil, gzipLevel: Int? = nil, extendible: Bool = false) {
        self.chunks = chunks
        self.gzipLevel = gzipLevel
        self.extendible = extendible
    }

    /// Contiguous choice of the store, no compression, fixed size.
    public static let plain = HDF5DatasetOptions()
    /// gzip level 4 with shuffle, chunked automatically (how datasets store trajectories).
    public static let compressed = HDF5DatasetOptions(gzipLevel: 4)
}

/// A group: the file root or a named group inside it.
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    init(id: hid_t, file: String, path: String, owner: AnyObject?) {
        super.init(id: id, file: file, path: path, owner: owner) { H5Gclose($0) }
    }

    /// Whether a link (group or dataset) of this name exists directly in this group.
    public func contains(_ name: String) throws -> Bool {
        try HDF5Library.locked { try check(H5Lexists(id, name, sol_h5p_default()), "look up", childPath(name)) > 0 }
    }

    /// Names of the members of this group, sorted by name.
    public func memberNames() throws -> [String] {
        try HDF5Library.locked {
            var info = H5G_info_t()
            try check(H5Gget_info(id, &info), "list members of")
            return try (0..<Int(info.nlinks)).map { i in
                try readName("read member name of") {
                    H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), $0, $1, sol_h5p_default())
                }
            }
        }
    }

    /// Whether the member `name` is a dataset (as opposed to a group).
    public func isDataset(_ name: String) throws -> Bool {
        try HDF5Library.locked {
            let object = try check(H5Oopen(id, name, sol_h5p_default()), "open", childPath(name))
            defer { H5Oclose(object) }
            return H5Iget_type(object) == H5I_DATASET
        }
    }

    /// Creates a sub-group (intermediate groups are created too).
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        try HDF5Library.locked {
            let lcpl = H5Pcreate(sol_h5p_link_create())
            defer { H5Pclose(lcpl) }
            H5Pset_create_intermediate_group(lcpl, 1)
            let gid = try check(H5Gcreate2(id, name, lcpl, sol_h5p_default(), sol_h5p_default()), "create group", childPath(name))
            return HDF5Group(id: gid, file: file, path: childPath(name), owner: owner ?? self)
        }
    }

    /// Opens an existing sub-group.
    public func group(_ name: String) throws -> HDF5Group {
        try HDF5Library.locked {
            guard try contains(name) else { throw CoreError.missing(kind: "group", name: childPath(name), file: file) }
            let gid = try check(H5Gopen2(id, name, sol_h5p_default()), "open group", childPath(name))
            return HDF5Group(id: gid, file: file, path: childPath(name), owner: owner ?? self)
        }
    }

    /// Opens the sub-group if it exists, creates it otherwise.
    public func groupCreatingIfNeeded(_ name: String) throws -> HDF5Group {
        try contains(name) ? group(name) : createGroup(name)
    }

    /// Deletes the link `name` (the space is reclaimed only when the file is repacked).
    public func remove(_ name: String) throws {
        try HDF5Library.locked { try check(H5Ldelete(id, name, sol_h5p_default()), "delete", childPath(name)) }
    }

    /// Creates an empty dataset of element type `T` and the given shape (`[]`: a scalar dataset,
    /// one value, as h5py writes `numpy.float32(x)`).
    public func createDataset<T: HDF5Scalar>(_ name: String, of _: T.Type, shape: [Int],
                                             options: HDF5DatasetOptions = .plain) throws -> HDF5Dataset {
        precondition(!shape.isEmpty || (!options.extendible && options.chunks == nil && options.gzipLevel == nil),
                     "createDataset: a scalar (shape []) dataset cannot be chunked, compressed or extendible")
        return try HDF5Library.locked {
            let where_ = childPath(name)
            var dims = shape.map { hsize_t($0) }
            var maxDims = dims
            if options.extendible { maxDims[0] = sol_h5s_unlimited() }
            let space = try check(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, &maxDims),
                                  "create dataspace for", where_)
            defer { H5Sclose(space) }
            let dcpl = try check(H5Pcreate(sol_h5p_dataset_create()), "create properties for", where_)
            defer { H5Pclose(dcpl) }
            if options.extendible || options.gzipLevel != nil || options.chunks != nil {
                var chunks = (options.chunks ?? HDF5Group.defaultChunks(shape)).map { hsize_t(max(1, $0)) }
                precondition(chunks.count == shape.count, "createDataset: chunk rank \(chunks.count) ≠ rank \(shape.count)")
                try check(H5Pset_chunk(dcpl, Int32(chunks.count), &chunks), "set chunks of", where_)
                if let level = options.gzipLevel {
                    try check(H5Pset_shuffle(dcpl), "enable shuffle for", where_)
                    try check(H5Pset_deflate(dcpl, UInt32(min(9, max(1, level)))), "enable gzip for", where_)
                }
            }
            let lcpl = H5Pcreate(sol_h5p_link_create())
            defer { H5Pclose(lcpl) }
            H5Pset_create_intermediate_group(lcpl, 1)
            let did = try check(H5Dcreate2(id, name, T.hdf5FileType, space, lcpl, dcpl, sol_h5p_default()),
                                "create dataset", where_)
            return HDF5Dataset(id: did, file: file, path: where_, owner: owner ?? self)
        }
    }

    /// Opens an existing dataset.
    public func dataset(_ name: String) throws -> HDF5Dataset {
        try HDF5Library.locked {
            guard try contains(name) else { throw CoreError.missing(kind: "dataset", name: childPath(name), file: file) }
            let did = try check(H5Dopen2(id, name, sol_h5p_default()), "open dataset", childPath(name))
            return HDF5Dataset(id: did, file: file, path: childPath(name), owner: owner ?? self)
        }
    }

    /// Writes a whole tensor as a new dataset (same element type as the tensor).
    @discardableResult
    public func write<T: TensorScalar & HDF5Scalar>(_ tensor: Tensor<T>, to name: String,
                                                    options: HDF5DatasetOptions = .plain) throws -> HDF5Dataset {
        let dataset = try createDataset(name, of: T.self, shape: tensor.shape.isEmpty ? [1] : tensor.shape, options: options)
        try dataset.write(tensor.scalars)
        return dataset
    }

    /// Writes an integer array as a new dataset.
    @discardableResult
    public func write<T: HDF5Scalar & BinaryInteger>(_ values: [T], shape: [Int], to name: String,
                                                     options: HDF5DatasetOptions = .plain) throws -> HDF5Dataset {
        let dataset = try createDataset(name, of: T.self, shape: shape, options: options)
        try dataset.write(values)
        return dataset
    }

    /// Reads a whole dataset as a tensor, converting the stored float type if needed.
    public func read<T: TensorScalar & HDF5Scalar>(_ name: String, as _: T.Type = T.self) throws -> Tensor<T> {
        try dataset(name).read(as: T.self)
    }

    static func defaultChunks(_ shape: [Int]) -> [Int] {
        // One item of the first axis per chunk (a time step / a simulation), the rest whole,
        // capped at about 4 MiB of float32 by halving the leading inner extents.
        var chunks = shape.map { max(1, $0) }
        if chunks.count >= 2 { chunks[0] = 1 }
        var axis = chunks.count >= 2 ? 1 : 0
        while chunks.reduce(1, *) > (1 << 20) && axis < chunks.count {
            if chunks[axis] > 1 { chunks[axis] = (chunks[axis] + 1) / 2 } else { axis += 1 }
        }
        return chunks
    }
}
