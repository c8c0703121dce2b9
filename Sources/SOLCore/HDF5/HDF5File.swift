import CHDF5
import Foundation

/// An HDF5 file. New files are written atomically: data goes to `<path>.partial`, and
/// ``commit()`` renames it to `<path>` once complete, so a crash or an error never leaves a
/// half-written file under the final name.
///
/// ```swift
/// let file = try HDF5File.create("pairs.h5")
/// try file.root.write(trajectory, to: "train/sim_000/velocity", options: .compressed)
/// try file.root.setAttribute("scenario", "burgers")
/// try file.commit()
/// ```
public final class HDF5File: @unchecked Sendable {
    /// Final path of the file.
    public let path: String
    /// Path written to until ``commit()`` (equal to ``path`` for files opened in place).
    public let workingPath: String
    /// True when ``create(_:overwrite:resumable:)`` reopened an existing partial file.
    public let isResumed: Bool
    private let resumable: Bool
    private var id: hid_t
    private var committed: Bool

    private init(path: String, workingPath: String, id: hid_t, atomic: Bool, resumable: Bool, resumed: Bool) {
        self.path = path
        self.workingPath = workingPath
        self.id = id
        self.committed = !atomic
        self.resumable = resumable
        self.isResumed = resumed
    }

    /// Suffix of the file written before ``commit()``.
    public static let partialSuffix = ".partial"

    /// Starts writing a new file at `path` (written to `path + ".partial"` until ``commit()``).
    ///
    /// - Parameters:
    ///   - overwrite: replace an existing file at `path` on commit; otherwise an existing file is
    ///     an error (``CoreError/fileExists(path:)``).
    ///   - resumable: if a valid partial file from an interrupted run exists, reopen it (its
    ///     contents are kept, ``isResumed`` is true) instead of starting over; and keep the
    ///     partial file when this object is released without ``commit()``.
    public static func create(_ path: String, overwrite: Bool = false, resumable: Bool = false) throws -> HDF5File {
        if FileManager.default.fileExists(atPath: path) && !overwrite { throw CoreError.fileExists(path: path) }
        let partial = path + partialSuffix
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw CoreError.io(operation: "create directory", path: directory, reason: "\(error)")
            }
        }
        return try HDF5Library.locked {
            if resumable && FileManager.default.fileExists(atPath: partial) && H5Fis_hdf5(partial) > 0 {
                let fid = H5Fopen(partial, sol_h5f_acc_rdwr(), try fileAccess())
                if fid >= 0 {
                    return HDF5File(path: path, workingPath: partial, id: fid, atomic: true, resumable: true, resumed: true)
                }
                _ = drainErrorStackAndIgnore()
            }
            let fid = H5Fcreate(partial, sol_h5f_acc_trunc(), sol_h5p_default(), try fileAccess())
            if fid < 0 {
                // Do not leave an empty partial behind (e.g. a full disk refused the superblock).
                defer { try? FileManager.default.removeItem(atPath: partial) }
                try HDF5Library.check(fid, "create", file: partial, object: "")
            }
            return HDF5File(path: path, workingPath: partial, id: fid, atomic: true, resumable: resumable, resumed: false)
        }
    }

    /// Opens an existing file, read-only unless `writable` (writes then go to the file in place).
    ///
    /// Throws ``CoreError/fileNotFound(path:)`` for a missing file, ``CoreError/notHDF5(path:)``
    /// for a file of another format, and ``CoreError/hdf5(operation:file:object:details:)`` for a
    /// damaged (e.g. truncated) HDF5 file.
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CoreError.fileNotFound(path: path) }
        guard !isDirectory.boolValue else { throw CoreError.isDirectory(path: path) }
        return try HDF5Library.locked {
            let status = H5Fis_hdf5(path)
            if status <= 0 {
                _ = drainErrorStackAndIgnore()
                throw CoreError.notHDF5(path: path)
            }
            let fid = H5Fopen(path, writable ? sol_h5f_acc_rdwr() : sol_h5f_acc_rdonly(), try fileAccess())
            guard fid >= 0 else { throw CoreError.damagedHDF5(path: path, details: HDF5Library.drainErrorStack()) }
            return HDF5File(path: path, workingPath: path, id: fid, atomic: false, resumable: false, resumed: false)
        }
    }

    /// File access properties: closing the file closes every object still open in it, so that a
    /// committed file is complete on disk before it is renamed.
    private static func fileAccess() throws -> hid_t {
        struct Once { nonisolated(unsafe) static var fapl: hid_t = -1 }
        if Once.fapl < 0 {
            let fapl = H5Pcreate(sol_h5p_file_access())
            H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
            Once.fapl = fapl
        }
        return Once.fapl
    }

    private static func drainErrorStackAndIgnore() -> Int { HDF5Library.drainErrorStack().count }

    /// The root group `/`. Each access opens a new handle; keep it in a local while in use.
    public var root: HDF5Group {
        get throws {
            try HDF5Library.locked {
                precondition(id >= 0, "HDF5File \(path) used after close")
                let gid = try HDF5Library.check(H5Gopen2(id, "/", sol_h5p_default()), "open root group of",
                                                file: workingPath, object: "/")
                return HDF5Group(id: gid, file: workingPath, path: "/", owner: self)
            }
        }
    }

    /// Writes buffered data to disk (the file stays open and uncommitted).
    public func flush() throws {
        try HDF5Library.locked {
            _ = try HDF5Library.check(H5Fflush(id, H5F_SCOPE_GLOBAL), "flush", file: workingPath, object: "")
        }
    }

    /// Closes the file and, for a new file, renames it to its final path. After this the file
    /// object and every object opened from it are unusable.
    public func commit() throws {
        try HDF5Library.locked {
            guard id >= 0 else { return }
            let status = H5Fclose(id)
            id = -1
            try HDF5Library.check(status, "close", file: workingPath, object: "")
            if !committed {
                committed = true
                guard Foundation.rename(workingPath, path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    if !resumable { try? FileManager.default.removeItem(atPath: workingPath) }
                    throw CoreError.io(operation: "rename \(workingPath) to", path: path, reason: reason)
                }
            }
        }
    }

    /// Gives up a new file after a failure: closes it (ignoring errors: a full disk cannot take
    /// the last writes) and deletes `<path>.partial`, resumable or not. Files opened in place are
    /// only closed.
    public func discard() {
        HDF5Library.locked {
            if id >= 0 { _ = H5Fclose(id); _ = HDF5Library.drainErrorStack() }
            id = -1
            if !committed {
                committed = true
                try? FileManager.default.removeItem(atPath: workingPath)
            }
        }
    }

    deinit {
        HDF5Library.locked {
            if id >= 0 { _ = H5Fclose(id); _ = HDF5Library.drainErrorStack() }
            if !committed && !resumable { try? FileManager.default.removeItem(atPath: workingPath) }
        }
    }
}
