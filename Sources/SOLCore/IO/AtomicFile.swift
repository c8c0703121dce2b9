import Foundation

/// Writes small text or binary files atomically: to `<path>.partial`, then a rename.
public enum AtomicFile {
    /// Writes `data` to `path` so that readers see either the old file or the complete new one.
    public static func write(_ data: Data, to path: String) throws {
        let partial = path + ".partial"
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try data.write(to: URL(fileURLWithPath: partial))
        } catch {
            throw CoreError.io(operation: "write", path: partial, reason: error.localizedDescription)
        }
        guard rename(partial, path) == 0 else {
            throw CoreError.io(operation: "rename to", path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Writes UTF-8 `text` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
