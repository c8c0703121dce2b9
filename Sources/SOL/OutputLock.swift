import Foundation

/// An advisory lock beside an output file (`<path>.lock`), held while a run writes it, so a
/// second run naming the same output is refused at start instead of silently losing one of the
/// results. The lock is `flock(2)`-based: the kernel releases it when the process ends however
/// it ends, so a lock file left by a killed run is stale and ignored.
public final class OutputLock {
    /// The locked output.
    public let path: String
    private let lockPath: String
    private let descriptor: Int32

    /// Takes the lock of `path`; throws ``SOLError/outputBusy(path:)`` when another process holds it.
    public init(_ path: String) throws {
        self.path = path
        lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            // No lock file can be made (read-only or missing directory): the write itself will say why.
            descriptor = -1
            return
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw SOLError.outputBusy(path: path)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        descriptor = fd
    }

    deinit {
        guard descriptor >= 0 else { return }
        unlink(lockPath)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
