import CHDF5

/// Booleans are stored the way h5py and NumPy store `bool`: an HDF5 enum over a signed 8-bit
/// integer with members `FALSE = 0` and `TRUE = 1`, so h5py reads them back as `numpy.bool_`
/// (The Well's `sample_varying`, `time_varying`, `dim_varying` flags and boundary masks).
extension Bool: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { HDF5Library.booleanType }
    public static var hdf5FileType: hid_t { HDF5Library.booleanType }
    public static var hdf5Name: String { "bool" }
}

extension HDF5Library {
    /// The h5py-compatible boolean enum type, created once for the process.
    static let booleanType: hid_t = locked {
        let type = H5Tenum_create(sol_h5t_native_int8())
        var no: Int8 = 0, yes: Int8 = 1
        H5Tenum_insert(type, "FALSE", &no)
        H5Tenum_insert(type, "TRUE", &yes)
        return type
    }
}
