import Foundation

/// Reusable per-state workspaces of one grid (large buffers are otherwise fresh `mmap`s with page
/// faults on every step). Thread-safe; shared by copies of a simulator.
final class KarmanWorkspacePool: @unchecked Sendable {
    let grid: KarmanGrid
    private var free: [KarmanWorkspace] = []
    private let lock = NSLock()

    init(grid: KarmanGrid) { self.grid = grid }

    /// Runs `body` with a workspace taken from the pool (or a new one) and returns it afterwards.
    func with<R>(_ body: (inout KarmanWorkspace) throws -> R) rethrows -> R {
        lock.lock()
        var ws = free.popLast() ?? KarmanWorkspace(grid: grid)
        lock.unlock()
        defer {
            lock.lock()
            if free.count < 16 { free.append(ws) }
            lock.unlock()
        }
        return try body(&ws)
    }
}
