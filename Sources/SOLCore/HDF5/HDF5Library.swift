import CHDF5
import Foundation

/// Process-wide HDF5 state: silenced automatic error printing, a lock serialising every call
/// (Debian's serial HDF5 is not built thread-safe), and the translation of HDF5's error stack
/// into ``CoreError/hdf5(operation:file:object:details:)``.
enum HDF5Library {
    static let lock = NSRecursiveLock()

    private static let once: Void = {
        // No clean-up at process exit: a file whose writes failed (disk full) cannot be flushed
        // and HDF5's exit handler would crash on it. Every file is closed explicitly.
        _ = H5dont_atexit()
        _ = H5open()
        // No HDF5 stack dumps on stderr: failures become Swift errors carrying the stack.
        _ = H5Eset_auto2(sol_h5e_default(), nil, nil)
    }()

    /// Runs `body` holding the HDF5 lock, after the one-time library set-up.
    @discardableResult
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        _ = once
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// HDF5's current error stack as messages, outermost first; clears the stack.
    static func drainErrorStack() -> [String] {
        final class Box { var messages: [String] = [] }
        let box = Box()
        let context = Unmanaged.passUnretained(box).toOpaque()
        _ = H5Ewalk2(sol_h5e_default(), H5E_WALK_DOWNWARD, { _, description, context in
            guard let description, let context else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(context).takeUnretainedValue()
            let function = description.pointee.func_name.map { String(cString: $0) } ?? "?"
            let message = description.pointee.desc.map { String(cString: $0) } ?? ""
            box.messages.append("\(message) (\(function))")
            return 0
        }, context)
        _ = H5Eclear2(sol_h5e_default())
        // Keep the most informative messages: HDF5 stacks repeat the same failure at each level.
        var seen = Set<String>()
        return box.messages.filter { seen.insert($0).inserted }
    }

    /// A Swift string from a NUL-terminated C buffer (names and fixed-length strings HDF5 fills in).
    static func string(from buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Throws ``CoreError/hdf5`` when an `herr_t`/`hid_t`-style status is negative.
    @discardableResult
    static func check<T: BinaryInteger>(_ status: T, _ operation: String, file: String, object: String) throws -> T {
        if status < 0 {
            let details = drainErrorStack()
            if details.contains(where: { $0.contains("errno = 28") || $0.contains("No space left on device") }) {
                throw CoreError.noSpace(path: file)
            }
            throw CoreError.hdf5(operation: operation, file: file, object: object, details: details)
        }
        return status
    }
}
