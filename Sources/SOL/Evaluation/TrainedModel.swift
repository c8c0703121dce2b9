import Corrector
import Foundation

/// A trained corrector read from a `sol train` checkpoint, checked against a dataset.
public struct TrainedModel: Sendable {
    /// The checkpoint path.
    public var path: String
    /// The trained corrector.
    public var network: Network
    /// How it was trained (method, scenario, configuration).
    public var metadata: CheckpointMetadata

    /// Reads the checkpoint and checks it fits `dataset` (scenario, channels, grid).
    public init(path: String, dataset: PairDataset) throws {
        let checkpoint = try Checkpoint.read(from: path)
        let metadata = try CheckpointMetadata.decode(checkpoint.trainingConfiguration, path: path)
        guard metadata.scenario == dataset.scenario.name else {
            throw SOLError.modelDatasetMismatch(model: path, dataset: dataset.path,
                                                reason: "the model was trained on \(metadata.scenario), the dataset is \(dataset.scenario.name)")
        }
        guard metadata.channels == dataset.channels,
              checkpoint.network.architecture.outputChannels == dataset.channels.count,
              checkpoint.network.architecture.inputChannels == dataset.channels.count + 1 else {
            throw SOLError.modelDatasetMismatch(model: path, dataset: dataset.path,
                                                reason: "the model expects channels \(metadata.channels) (+ \(metadata.conditioningParameter)), "
                                                    + "the dataset has \(dataset.channels)")
        }
        self.path = path
        self.network = checkpoint.network
        self.metadata = metadata
    }

    /// The table label: the method in upper case (`ZO-SOL`), with the estimator when ZO-SOL
    /// used another than the default central CGE (`ZO-SOL (guided)`, `ZO-SOL (vjp)`).
    public var label: String {
        let estimator = metadata.configuration.zo.estimator
        guard metadata.method == .zoSOL, estimator != .central else { return metadata.method.label }
        return "\(metadata.method.label) (\(estimator.rawValue))"
    }
}
