import CHDF5
import Foundation

/// A value stored as an HDF5 attribute.
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case string(String)
    case ints([Int64])
    case doubles([Double])
    /// A one-dimensional array of UTF-8 strings (possibly empty), as h5py writes a `list[str]`.
    case strings([String])
    /// A boolean (h5py's `bool` enum).
    case bool(Bool)
    /// A one-dimensional array of booleans.
    case bools([Bool])

    public var description: String {
        switch self {
        case let .strings(v): return "[" + v.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case let .bool(v): return "\(v)"
        case let .bools(v): return "\(v)"
        case let .int(v): return "\(v)"
        case let .double(v): return "\(v)"
        case let .string(v): return "\"\(v)\""
        case let .ints(v): return "\(v)"
        case let .doubles(v): return "\(v)"
        }
    }
}

extension HDF5Object {
    /// Writes (or replaces) an attribute.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        try HDF5Library.locked {
            if try check(H5Aexists(id, name), "check attribute", "\(path)@\(name)") > 0 {
                try check(H5Adelete(id, name), "replace attribute", "\(path)@\(name)")
            }
            switch value {
            case let .int(v): try writeNumeric(name, [v], scalar: true)
            case let .double(v): try writeNumeric(name, [v], scalar: true)
            case let .ints(v): try writeNumeric(name, v, scalar: false)
            case let .doubles(v): try writeNumeric(name, v, scalar: false)
            case let .string(v): try writeString(name, v)
            case let .strings(v): try writeStrings(name, v)
            case let .bool(v): try writeNumeric(name, [v], scalar: true)
            case let .bools(v): try writeNumeric(name, v, scalar: false)
            }
        }
    }

    /// Writes (or replaces) a scalar int64 attribute.
    public func setAttribute(_ name: String, _ value: Int) throws { try setAttribute(name, .int(Int64(value))) }
    /// Writes (or replaces) a scalar float64 attribute.
    public func setAttribute(_ name: String, _ value: Double) throws { try setAttribute(name, .double(value)) }
    /// Writes (or replaces) a UTF-8 string attribute.
    public func setAttribute(_ name: String, _ value: String) throws { try setAttribute(name, .string(value)) }
    /// Writes (or replaces) a one-dimensional int64 attribute.
    public func setAttribute(_ name: String, _ value: [Int]) throws { try setAttribute(name, .ints(value.map(Int64.init))) }
    /// Writes (or replaces) a one-dimensional float64 attribute.
    public func setAttribute(_ name: String, _ value: [Double]) throws { try setAttribute(name, .doubles(value)) }
    /// Writes (or replaces) a one-dimensional array of variable-length UTF-8 strings.
    public func setAttribute(_ name: String, _ value: [String]) throws { try setAttribute(name, .strings(value)) }
    /// Writes (or replaces) a scalar boolean attribute (h5py's `bool`).
    public func setAttribute(_ name: String, _ value: Bool) throws { try setAttribute(name, .bool(value)) }
    /// Writes (or replaces) a one-dimensional boolean attribute.
    public func setAttribute(_ name: String, _ value: [Bool]) throws { try setAttribute(name, .bools(value)) }

    /// Whether the attribute exists.
    public func hasAttribute(_ name: String) throws -> Bool {
        try HDF5Library.locked { try check(H5Aexists(id, name), "check attribute", "\(path)@\(name)") > 0 }
    }

    /// Names of all attributes, in creation/name order.
    public func attributeNames() throws -> [String] {
        try HDF5Library.locked {
            var info = H5O_info_t()
            try check(H5Oget_info2(id, &info, UInt32(H5O_INFO_NUM_ATTRS)), "list attributes of")
            return try (0..<Int(info.num_attrs)).map { i in
                try readName("read attribute name of") {
                    H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), $0, $1, sol_h5p_default())
                }
            }
        }
    }

    /// Reads an attribute; integers come back as `.int`/`.ints`, floats as `.double`/`.doubles`.
    public func attribute(_ name: String) throws -> HDF5AttributeValue {
        try HDF5Library.locked {
            let where_ = "\(path)@\(name)"
            guard try check(H5Aexists(id, name), "check attribute", where_) > 0 else {
                throw CoreError.missing(kind: "attribute", name: where_, file: file)
            }
            let attr = try check(H5Aopen(id, name, sol_h5p_default()), "open attribute", where_)
            defer { H5Aclose(attr) }
            let type = try check(H5Aget_type(attr), "read type of attribute", where_)
            defer { H5Tclose(type) }
            let space = try check(H5Aget_space(attr), "read shape of attribute", where_)
            defer { H5Sclose(space) }
            let rank = Int(H5Sget_simple_extent_ndims(space))
            let count = Int(H5Sget_simple_extent_npoints(space))
            switch H5Tget_class(type) {
            case H5T_STRING:
                return rank == 0 ? .string(try readString(attr, type, where_)) : .strings(try readStrings(attr, type, count, where_))
            case H5T_ENUM where H5Tget_size(type) == 1:
                var values = [Bool](repeating: false, count: count)
                try check(H5Aread(attr, Bool.hdf5MemoryType, &values), "read attribute", where_)
                return rank == 0 ? .bool(values[0]) : .bools(values)
            case H5T_INTEGER:
                var values = [Int64](repeating: 0, count: count)
                try check(H5Aread(attr, Int64.hdf5MemoryType, &values), "read attribute", where_)
                return rank == 0 ? .int(values[0]) : .ints(values)
            case H5T_FLOAT:
                var values = [Double](repeating: 0, count: count)
                try check(H5Aread(attr, Double.hdf5MemoryType, &values), "read attribute", where_)
                return rank == 0 ? .double(values[0]) : .doubles(values)
            default:
                throw CoreError.shapeMismatch(file: file, object: where_, expected: "a number, numbers or a string",
                                              found: "an unsupported attribute type")
            }
        }
    }

    /// A numeric attribute as `Double` (integers are converted).
    public func doubleAttribute(_ name: String) throws -> Double {
        switch try attribute(name) {
        case let .double(v): return v
        case let .int(v): return Double(v)
        case let other: throw typeError(name, "a number", other)
        }
    }

    /// An integer attribute.
    public func intAttribute(_ name: String) throws -> Int {
        switch try attribute(name) {
        case let .int(v): return Int(v)
        case let .double(v) where v.rounded() == v: return Int(v)
        case let other: throw typeError(name, "an integer", other)
        }
    }

    /// A string attribute.
    public func stringAttribute(_ name: String) throws -> String {
        switch try attribute(name) {
        case let .string(v): return v
        case let other: throw typeError(name, "a string", other)
        }
    }

    /// A string array attribute (a single string becomes a one-element array).
    public func stringsAttribute(_ name: String) throws -> [String] {
        switch try attribute(name) {
        case let .strings(v): return v
        case let .string(v): return [v]
        case let other: throw typeError(name, "strings", other)
        }
    }

    /// A numeric array attribute as `[Double]` (a scalar becomes a one-element array).
    public func doublesAttribute(_ name: String) throws -> [Double] {
        switch try attribute(name) {
        case let .doubles(v): return v
        case let .ints(v): return v.map(Double.init)
        case let .double(v): return [v]
        case let .int(v): return [Double(v)]
        case let other: throw typeError(name, "numbers", other)
        }
    }

    /// An integer array attribute (a scalar becomes a one-element array).
    public func intsAttribute(_ name: String) throws -> [Int] {
        switch try attribute(name) {
        case let .ints(v): return v.map { Int($0) }
        case let .int(v): return [Int(v)]
        case let other: throw typeError(name, "integers", other)
        }
    }

    private func typeError(_ name: String, _ expected: String, _ found: HDF5AttributeValue) -> CoreError {
        .shapeMismatch(file: file, object: "\(path)@\(name)", expected: expected, found: "\(found)")
    }

    private func writeNumeric<T: HDF5Scalar>(_ name: String, _ values: [T], scalar: Bool) throws {
        let where_ = "\(path)@\(name)"
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        try check(space, "create attribute space", where_)
        defer { H5Sclose(space) }
        let attr = try check(H5Acreate2(id, name, T.hdf5FileType, space, sol_h5p_default(), sol_h5p_default()),
                             "create attribute", where_)
        defer { H5Aclose(attr) }
        try check(values.withUnsafeBufferPointer { H5Awrite(attr, T.hdf5MemoryType, $0.baseAddress) }, "write attribute", where_)
    }

    private func writeString(_ name: String, _ value: String) throws {
        let where_ = "\(path)@\(name)"
        let type = try check(H5Tcopy(sol_h5t_c_s1()), "create string type", where_)
        defer { H5Tclose(type) }
        try check(H5Tset_size(type, sol_h5t_variable()), "create string type", where_)
        try check(H5Tset_cset(type, H5T_CSET_UTF8), "create string type", where_)
        let space = try check(H5Screate(H5S_SCALAR), "create attribute space", where_)
        defer { H5Sclose(space) }
        let attr = try check(H5Acreate2(id, name, type, space, sol_h5p_default(), sol_h5p_default()), "create attribute", where_)
        defer { H5Aclose(attr) }
        try value.withCString { cString in
            var pointer: UnsafePointer<CChar>? = cString
            try check(H5Awrite(attr, type, &pointer), "write attribute", where_)
        }
    }

    private func writeStrings(_ name: String, _ values: [String]) throws {
        let where_ = "\(path)@\(name)"
        let type = try check(H5Tcopy(sol_h5t_c_s1()), "create string type", where_)
        defer { H5Tclose(type) }
        try check(H5Tset_size(type, sol_h5t_variable()), "create string type", where_)
        try check(H5Tset_cset(type, H5T_CSET_UTF8), "create string type", where_)
        var dims = [hsize_t(values.count)]
        let space = try check(H5Screate_simple(1, &dims, nil), "create attribute space", where_)
        defer { H5Sclose(space) }
        let attr = try check(H5Acreate2(id, name, type, space, sol_h5p_default(), sol_h5p_default()), "create attribute", where_)
        defer { H5Aclose(attr) }
        var pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        try check(H5Awrite(attr, type, &pointers), "write attribute", where_)
    }

    private func readStrings(_ attr: hid_t, _ type: hid_t, _ count: Int, _ where_: String) throws -> [String] {
        if H5Tis_variable_str(type) > 0 {
            let memType = H5Tcopy(sol_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, sol_h5t_variable())
            H5Tset_cset(memType, H5Tget_cset(type))
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try check(H5Aread(attr, memType, &pointers), "read attribute", where_)
            defer { pointers.forEach { if let p = $0 { H5free_memory(p) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(type)
        var buffer = [UInt8](repeating: 0, count: size * count)
        try check(H5Aread(attr, type, &buffer), "read attribute", where_)
        return (0..<count).map { i in
            let bytes = buffer[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private func readString(_ attr: hid_t, _ type: hid_t, _ where_: String) throws -> String {
        if H5Tis_variable_str(type) > 0 {
            let memType = H5Tcopy(sol_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, sol_h5t_variable())
            H5Tset_cset(memType, H5Tget_cset(type))
            var pointer: UnsafeMutablePointer<CChar>? = nil
            try check(H5Aread(attr, memType, &pointer), "read attribute", where_)
            defer { if let pointer { H5free_memory(pointer) } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        let size = H5Tget_size(type)
        var buffer = [CChar](repeating: 0, count: size + 1)
        try check(H5Aread(attr, type, &buffer), "read attribute", where_)
        return HDF5Library.string(from: buffer)
    }
}
