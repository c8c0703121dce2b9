import Foundation

/// A progress reporter for long commands (generate, train, eval), writing to standard error.
///
/// On a terminal it redraws one line — a bar, the count, the rate and the ETA — at most ten times
/// a second; otherwise (a pipe, a log file, CI) it prints a plain line at every 10 % and at the
/// end, so logs stay short. Thread-safe.
///
/// ```swift
/// let progress = Progress(total: frames, label: "train/sim_000", unit: "frames")
/// for _ in 0..<frames { …; progress.advance() }
/// progress.finish()
/// ```
public final class Progress: @unchecked Sendable {
    /// Units of work in all.
    public let total: Int
    /// Shown at the start of every line.
    public let label: String
    /// Name of a unit of work (`frames`, `it`).
    public let unit: String
    private let isTerminal: Bool
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private var done = 0
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private var finished = false
    private var detail = ""

    /// - Parameters:
    ///   - isTerminal: draw a bar (default: standard error is a terminal).
    ///   - write: where text goes (default: standard error).
    public init(total: Int, label: String, unit: String = "steps", isTerminal: Bool? = nil,
                write: (@Sendable (String) -> Void)? = nil) {
        self.total = max(total, 0)
        self.label = label
        self.unit = unit
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) != 0)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Units completed so far.
    public var completed: Int { lock.withLock { done } }

    /// Marks `count` more units done; `detail` (e.g. the current loss) is shown after the ETA.
    public func advance(by count: Int = 1, detail: String? = nil) {
        lock.withLock {
            done = min(total, done + count)
            if let detail { self.detail = detail }
            report(force: false)
        }
    }

    /// Prints a message on its own line (without breaking the bar).
    public func note(_ message: String) {
        lock.withLock {
            write((isTerminal ? "\r\u{1B}[K" : "") + message + "\n")
            if isTerminal && !finished { report(force: true) }
        }
    }

    /// Completes the report (final line with the elapsed time).
    public func finish() {
        lock.withLock {
            guard !finished else { return }
            report(force: true)
            finished = true
            if isTerminal { write("\n") }
        }
    }

    private func report(force: Bool) {
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        if isTerminal {
            guard force || now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
            lastDraw = now
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write(String(format: "\r\u{1B}[K%@ [%@] %3.0f%% %d/%d %@ %.3g/s ETA %@", label, bar, fraction * 100, done, total,
                         unit, rate, Self.clock(eta)) + (detail.isEmpty ? "" : " " + detail))
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile else { return }
            lastDecile = decile
            write(String(format: "%@: %d/%d %@ (%.0f%%), %.3g/s, %@ elapsed", label, done, total, unit, fraction * 100, rate,
                         Self.clock(elapsed)) + (detail.isEmpty ? "" : ", " + detail) + "\n")
        }
    }

    /// `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
