import CHDF5

/// An open HDF5 object (file root, group or dataset) that can carry attributes.
/// Owns its `hid_t` and closes it in `deinit`.
public class HDF5Object: @unchecked Sendable {
    let id: hid_t
    /// Path of the file on disk (for messages).
    public let file: String
    /// Path of the object inside the file, e.g. `/train/sim_000/velocity`.
    public let path: String
    private let close: (hid_t) -> herr_t
    /// Keeps the file open while any object inside it is alive.
    let owner: AnyObject?

    init(id: hid_t, file: String, path: String, owner: AnyObject?, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.file = file
        self.path = path
        self.owner = owner
        self.close = close
    }

    deinit { HDF5Library.locked { if close(id) < 0 { _ = HDF5Library.drainErrorStack() } } }

    @discardableResult
    func check<T: BinaryInteger>(_ status: T, _ operation: String, _ object: String? = nil) throws -> T {
        try HDF5Library.check(status, operation, file: file, object: object ?? path)
    }

    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }
}
