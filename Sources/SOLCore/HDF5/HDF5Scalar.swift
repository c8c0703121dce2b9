import CHDF5

/// Element types stored in HDF5 datasets and attributes, with their in-memory HDF5 type.
/// HDF5 converts between stored and requested types (a float32 dataset reads into `Double`).
public protocol HDF5Scalar: Sendable {
    /// The native in-memory HDF5 type of the Swift type.
    static var hdf5MemoryType: hid_t { get }
    /// Little-endian on-disk type used when writing.
    static var hdf5FileType: hid_t { get }
    /// The name `sol inspect` prints, e.g. `"float32"`.
    static var hdf5Name: String { get }
    /// Zero.
    init()
}

extension Float: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { sol_h5t_native_float() }
    public static var hdf5FileType: hid_t { sol_h5t_ieee_f32le() }
    public static var hdf5Name: String { "float32" }
}
extension Double: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { sol_h5t_native_double() }
    public static var hdf5FileType: hid_t { sol_h5t_ieee_f64le() }
    public static var hdf5Name: String { "float64" }
}
extension Int32: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { sol_h5t_native_int32() }
    public static var hdf5FileType: hid_t { sol_h5t_std_i32le() }
    public static var hdf5Name: String { "int32" }
}
extension Int64: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { sol_h5t_native_int64() }
    public static var hdf5FileType: hid_t { sol_h5t_std_i64le() }
    public static var hdf5Name: String { "int64" }
}
