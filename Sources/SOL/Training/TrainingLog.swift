import Foundation

/// The training log beside a checkpoint: `runs/zo.h5` → `runs/zo.log.jsonl`, one JSON object per
/// logged iteration (format in docs/file-formats.md). On resume the log is cut back to the
/// checkpoint's iteration, so a resumed run's log equals an uninterrupted run's.
public final class TrainingLog {
    /// One line of the log (keys as in docs/file-formats.md).
    public struct Entry: Codable, Equatable, Sendable {
        /// `non`, `fo-sol`, `zo-sol` or `nog-sol`.
        public var method: String
        /// Iterations done.
        public var iteration: Int
        /// Passes over the training windows.
        public var epoch: Int
        /// Training loss of the batch.
        public var loss: Double
        /// Learning rate in force (0 on the `done` line).
        public var lr: Double
        /// ZO-SOL loss evaluations of this iteration's estimate (0 for first-order methods).
        public var queries: Int
        /// ZO-SOL query rate since the previous line.
        public var queries_per_second: Double
        /// Wall-clock seconds of training.
        public var elapsed: Double
        /// `"done"` on the final line, otherwise absent.
        public var event: String?

        /// An entry with the given values.
        public init(method: String, iteration: Int, epoch: Int, loss: Double, lr: Double,
                    queries: Int = 0, queriesPerSecond: Double = 0, elapsed: Double, event: String? = nil) {
            self.method = method
            self.iteration = iteration
            self.epoch = epoch
            self.loss = loss
            self.lr = lr
            self.queries = queries
            self.queries_per_second = queriesPerSecond
            self.elapsed = elapsed
            self.event = event
        }
    }

    /// Path of the log file.
    public let path: String
    private var handle: FileHandle

    /// The log path belonging to a checkpoint path.
    public static func path(forCheckpoint checkpoint: String) -> String {
        let base = checkpoint.hasSuffix(".h5") ? String(checkpoint.dropLast(3)) : checkpoint
        return base + ".log.jsonl"
    }

    /// Opens the log for appending. `keepingThrough`: when resuming, entries with a larger
    /// iteration are dropped (they belong to work after the checkpoint); nil starts a new log.
    public init(path: String, keepingThrough iteration: Int?) throws {
        self.path = path
        var kept = Data()
        if let iteration, let existing = FileManager.default.contents(atPath: path) {
            for line in existing.split(separator: UInt8(ascii: "\n")) {
                if let entry = try? JSONDecoder().decode(Entry.self, from: Data(line)), entry.iteration <= iteration, entry.event == nil {
                    kept.append(contentsOf: line)
                    kept.append(UInt8(ascii: "\n"))
                }
            }
        }
        try AtomicFile.write(kept, to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CoreError.io(operation: "open log", path: path, reason: "not writable")
        }
        try handle.seekToEnd()
        self.handle = handle
    }

    /// Appends one line (key-sorted JSON) to the file. Non-finite numbers are written as the
    /// strings `"nan"`, `"inf"`, `"-inf"` (JSON has no literal for them).
    public func append(_ entry: Entry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data: Data
        do { data = try encoder.encode(entry) } catch {
            throw CoreError.io(operation: "write log line to", path: path, reason: "\(error)")
        }
        data.append(UInt8(ascii: "\n"))
        do { try handle.write(contentsOf: data) } catch {
            let nsError = error as NSError
            if nsError.domain == NSPOSIXErrorDomain && nsError.code == Int(ENOSPC)
                || nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileWriteOutOfSpaceError {
                throw CoreError.noSpace(path: path)
            }
            throw CoreError.io(operation: "write", path: path, reason: nsError.localizedDescription)
        }
    }

    /// Reads every entry of a log file.
    public static func read(_ path: String) throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CoreError.fileNotFound(path: path) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Entry.self, from: Data($0)) }
    }

    deinit { try? handle.close() }
}
