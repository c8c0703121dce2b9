import Foundation

/// Terminal output of long commands: notes and progress on stderr (stdout stays clean for
/// tables and JSON). On a terminal the progress is one rewritten line with rate and ETA;
/// otherwise plain lines at most every few seconds.
enum Console {
    static let isTerminal = isatty(2) != 0

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        if !seconds.isFinite { return "?" }
        if seconds < 60 { return String(format: "%.0f s", seconds) }
        if seconds < 3600 { return String(format: "%.0f min %02.0f s", (seconds / 60).rounded(.down), seconds.truncatingRemainder(dividingBy: 60)) }
        return String(format: "%.1f h", seconds / 3600)
    }

    final class ProgressLine {
        let label: String
        let total: Int
        let start = Date()
        var lastPrint = Date.distantPast

        init(label: String, total: Int) {
            self.label = label
            self.total = total
        }

        func update(_ done: Int, detail: String) {
            let now = Date()
            let interval = Console.isTerminal ? 0.1 : 5
            guard now.timeIntervalSince(lastPrint) >= interval || done == total else { return }
            lastPrint = now
            let elapsed = now.timeIntervalSince(start)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let eta = rate > 0 ? Double(total - done) / rate : .infinity
            let fraction = total > 0 ? Double(done) / Double(total) : 1
            if Console.isTerminal {
                let width = 24, filled = Int(fraction * Double(width))
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                FileHandle.standardError.write(Data(String(format: "\r%@ %@ %d/%d %.1f it/s ETA %@ %@\u{1B}[K", label, bar, done, total,
                                                           rate, Console.duration(eta), detail).utf8))
            } else {
                Console.note(String(format: "%@ %d/%d (%.0f%%) %.1f it/s ETA %@ %@", label, done, total, 100 * fraction,
                                    rate, Console.duration(eta), detail))
            }
        }

        func finish() {
            if Console.isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
