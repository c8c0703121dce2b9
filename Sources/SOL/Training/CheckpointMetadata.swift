import Corrector
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
    /// Content fingerprint of what training reads from the dataset (``PairDataset/trainingFingerprint()``);
    /// nil in checkpoints written before it was recorded.
    public var datasetFingerprint: String?
    /// Every training option.
    public var configuration: TrainingConfiguration
    /// ZO-SOL's layer-wise pruning ratios (nil for first-order methods).
    public var pruningRatios: LayerPruningRatios?
    /// What the gradient estimator carries between iterations (guided CGE's scale fit; nil
    /// for the others), as of the checkpoint's iteration.
    public var estimatorState: [Double]? = nil
    /// Wall time and loss evaluations spent so far (for reports).
    public var elapsedSeconds: Double
    /// Loss evaluations of ZO-SOL so far (ZO-GraSP's scoring included).
    public var queries: Int
    /// Loss of the last batch trained (nil before the first iteration).
    public var finalLoss: Double?
    /// The user's source solver of the latest run (fresh or resumed) when it was not the
    /// scenario's own (`command: python3 s.py`, `library: libs.so`); nil for the in-process
    /// solver. A record, not a resume check: a solver fixed after a failure may have another name.
    public var sourceSolver: String?

    /// Compact, key-sorted JSON (the checkpoint's `training_configuration` attribute).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(self), as: UTF8.self) } catch {
            throw SOLError.invalidOption(name: "config", reason: "the training metadata cannot be written as JSON (\(error))")
        }
    }

    /// Decodes the JSON of ``json()``; options missing from older checkpoints take their
    /// defaults, except `convolution`: a checkpoint written before the choice existed was trained
    /// with the `im2col` kernels (as its architecture says), so it resumes with them.
    /// Throws ``SOLError/notACheckpoint(path:reason:)`` naming `path`.
    public static func decode(_ json: String, path: String) throws -> CheckpointMetadata {
        func fail(_ reason: String) -> SOLError {
            SOLError.notACheckpoint(path: path, reason: "its training metadata is not from `sol train` (\(reason))")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        do {
            var stored = object["configuration"] as? [String: Any] ?? [:]
            if stored["convolution"] == nil { stored["convolution"] = ConvolutionKernels.im2col.rawValue }
            object["configuration"] = JSONMerge.object(try TrainingConfiguration.decode(object: stored),
                                                       nullable: TrainingConfiguration.nullableKeys)
            let data = try JSONSerialization.data(withJSONObject: object)
            return try JSONDecoder().decode(CheckpointMetadata.self, from: data)
        } catch {
            throw fail("\(error)")
        }
    }
}
