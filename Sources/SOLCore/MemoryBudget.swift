import Foundation

/// Refuses work that cannot fit in the machine's memory before anything is allocated, so an
/// absurd size is a clear error instead of an allocation abort deep inside a solver.
public enum MemoryBudget {
    /// Physical memory of the machine in bytes (0 when unknown).
    public static var physicalBytes: Double {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? Double(pages) * Double(size) : 0
    }

    /// Throws ``CoreError/tooLarge(what:needed:available:advice:)`` when `bytes` exceed the
    /// machine's physical memory.
    public static func require(_ bytes: Double, for what: String, advice: String) throws {
        let available = physicalBytes
        guard available > 0, bytes > available else { return }
        throw CoreError.tooLarge(what: what, needed: bytes, available: available, advice: advice)
    }

    /// `bytes` as `12.3 GiB` / `456 MiB`.
    public static func format(_ bytes: Double) -> String {
        let gib = 1_073_741_824.0, mib = 1_048_576.0
        return bytes >= gib ? String(format: "%.1f GiB", bytes / gib) : String(format: "%.0f MiB", bytes / mib)
    }
}
