import Foundation
import ZOTrain

/// What a training checkpoint records besides the network and optimizer state (stored as the
/// checkpoint's training-configuration JSON): the method, the data it was trained on, the full
/// configuration and the ZO-SOL pruning ratios, so `sol eval` can check compatibility and
/// `sol train --resume` can continue exactly.
public struct CheckpointMetadata: Codable, Equatable, Sendable {
    /// The training method.
    public var method: TrainingMethodKind
    /// Name of the scenario trained on.
    public var scenario: String
    /// State channels trained on.
    public var channels: [String]
    /// The parameter the corrector is conditioned on (`viscosity`, `re`).
    public var conditioningParameter: String
    /// Path of the training dataset.
    public var dataset: String
    /// Every training option.
    public var configuration: TrainingConfiguration
    /// ZO-SOL's layer-wise pruning ratios (nil for first-order methods).
    public var pruningRatios: LayerPruningRatios?
    /// Wall time and loss evaluations spent so far (for reports).
    public var elapsedSeconds: Double
    /// Loss evaluations of ZO-SOL so far.
    public var queries: Int

    /// Compact, key-sorted JSON (the checkpoint's `training_configuration` attribute).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Decodes the JSON of ``json()``; throws ``SOLError/notACheckpoint(path:reason:)`` naming `path`.
    public static func decode(_ json: String, path: String) throws -> CheckpointMetadata {
        do { return try JSONDecoder().decode(CheckpointMetadata.self, from: Data(json.utf8)) } catch {
            throw SOLError.notACheckpoint(path: path, reason: "its training metadata is not from `sol train` (\(error))")
        }
    }
}
