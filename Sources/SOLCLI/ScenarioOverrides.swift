import ArgumentParser
import Foundation
import SOL

/// Checks shared by the commands that build a scenario from a name and generic overrides
/// (`sol generate`, `sol import`): a known scenario, sizes in range, an output that may be written.
enum ScenarioOverrides {
    static func validate(scenario: String, resolution: Int?, factor: Int?, dt: Double?, out: String, overwrite: Bool) throws {
        guard ScenarioRegistry.names.contains(scenario) else {
            throw ValidationError("unknown scenario '\(scenario)'; available: \(ScenarioRegistry.names.joined(separator: ", "))")
        }
        if let resolution, resolution <= 0 || resolution > 1_000_000 {
            throw ValidationError("--resolution must be in 1…1000000 (got \(resolution))")
        }
        if let factor, factor > 64 { throw ValidationError("--factor must be at most 64 (got \(factor))") }
        if let factor, factor < 2 { throw ValidationError("--factor must be at least 2 (got \(factor))") }
        if let dt, !(dt > 0) { throw ValidationError("--dt must be positive (got \(dt))") }
        try asUsageError { try OutputGuard.refuseDirectory(out, option: "--out") }
        if FileManager.default.fileExists(atPath: out) && !overwrite {
            throw ValidationError("\(out) already exists; pass --overwrite to replace it")
        }
    }
}
