import Foundation
import ZOTrain

/// What a training checkpoint records besides the network and optimizer state (stored as the
/// checkpoint's training-configuration JSON): the method, the data it was trained on, the full
/// configuration and the ZO-SOL pruning ratios, so `sol eval` can check compatibility and
/// `sol train --resume` can continue exactly.
public struct CheckpointMetadata: Codable, Equatable, Sendable {
    public var method: TrainingMethodKind
    public var scenario: String
    public var channels: [String]
    public var conditioningParameter: String
    public var dataset: String
    public var configuration: TrainingConfiguration
    public var pruningRatios: LayerPruningRatios?
    /// Wall time and loss evaluations spent so far (for reports).
    public var elapsedSeconds: Double
    public var queries: Int

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ json: String, path: String) throws -> CheckpointMetadata {
        do { return try JSONDecoder().decode(CheckpointMetadata.self, from: Data(json.utf8)) } catch {
            throw SOLError.notACheckpoint(path: path, reason: "its training metadata is not from `sol train` (\(error))")
        }
    }
}
