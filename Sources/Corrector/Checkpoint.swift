import Foundation

/// A corrector checkpoint in HDF5: everything needed to resume training or to evaluate.
///
/// Layout (written atomically through `<path>.partial`, see ``HDF5File``):
///
///     /                    @format = "sol-corrector-checkpoint", @version = 1,
///                          @architecture (JSON of NetworkArchitecture), @description,
///                          @step, @training_configuration (JSON string), @parameter_count
///     /parameters          float32 [P], the flat parameter vector
///     /parameter_views     int64 [V, 2] (offset, count) of conv<k>.weight / conv<k>.bias, @names
///     /normalization/{input_mean, input_scale, output_mean, output_scale}   float32
///     /optimizer/<name>    float32 arrays (e.g. Adam's m and v), as given by the trainer
///
/// The optimizer state and the training configuration belong to the trainer (ZOTrain); they are
/// stored verbatim.
public struct Checkpoint: Sendable, Equatable {
    /// Value of the root `format` attribute.
    public static let format = "sol-corrector-checkpoint"
    /// Value of the root `version` attribute.
    public static let version = 1

    /// The corrector: architecture, parameters and normalisation.
    public var network: Network
    /// Optimizer state as named float arrays (Adam: `m`, `v`, `step`; SGD: `momentum`).
    public var optimizerState: [String: [Float]]
    /// Optimizer steps taken.
    public var step: Int
    /// The training configuration as a JSON string (owned by the trainer).
    public var trainingConfiguration: String

    /// A checkpoint of `network` with the trainer's optimizer state, step count and configuration JSON.
    public init(network: Network, optimizerState: [String: [Float]] = [:], step: Int = 0, trainingConfiguration: String = "{}") {
        self.network = network
        self.optimizerState = optimizerState
        self.step = step
        self.trainingConfiguration = trainingConfiguration
    }

    /// Writes the checkpoint atomically to `path` (replacing an existing file when `overwrite`).
    public func write(to path: String, overwrite: Bool = true) throws {
        let file = try HDF5File.create(path, overwrite: overwrite)
        let root = try file.root
        let arch = network.architecture
        try root.setAttribute("format", Self.format)
        try root.setAttribute("version", Self.version)
        try root.setAttribute("architecture", String(decoding: try JSONEncoder.sorted.encode(arch), as: UTF8.self))
        try root.setAttribute("description", arch.description)
        try root.setAttribute("step", step)
        try root.setAttribute("training_configuration", trainingConfiguration)
        try root.setAttribute("parameter_count", network.parameterCount)
        try root.write(Tensor(shape: [network.parameterCount], scalars: network.parameters), to: "parameters")
        let views = network.parameterViews
        let dataset = try root.write(views.flatMap { [Int64($0.offset), Int64($0.count)] }, shape: [views.count, 2], to: "parameter_views")
        try dataset.setAttribute("names", views.map(\.name).joined(separator: ","))
        let norm = try root.createGroup("normalization")
        let n = network.normalization
        for (name, values) in [("input_mean", n.inputMean), ("input_scale", n.inputScale),
                               ("output_mean", n.outputMean), ("output_scale", n.outputScale)] {
            try norm.write(Tensor(shape: [values.count], scalars: values), to: name)
        }
        let optimizer = try root.createGroup("optimizer")
        for name in optimizerState.keys.sorted() {
            let values = optimizerState[name]!
            try optimizer.write(Tensor(shape: [values.count], scalars: values), to: name)
        }
        try file.commit()
    }

    /// Reads a checkpoint. With `expecting`, the stored architecture must equal it; otherwise
    /// throws ``CorrectorError/architectureMismatch(path:differences:)`` listing every field
    /// that differs (stored value first).
    public static func read(from path: String, expecting expected: NetworkArchitecture? = nil) throws -> Checkpoint {
        let file = try HDF5File.open(path)
        let root = try file.root
        guard try root.hasAttribute("format"), try root.stringAttribute("format") == format else {
            throw CorrectorError.invalidCheckpoint(path: path, reason: "no '@format = \(format)' attribute (a dataset or another file?)")
        }
        let version = try root.intAttribute("version")
        guard version <= Self.version else {
            throw CorrectorError.invalidCheckpoint(path: path, reason: "format version \(version) is newer than this program's \(Self.version)")
        }
        let json = try root.stringAttribute("architecture")
        let arch: NetworkArchitecture
        do { arch = try JSONDecoder().decode(NetworkArchitecture.self, from: Data(json.utf8)) } catch {
            throw CorrectorError.invalidCheckpoint(path: path, reason: "unreadable architecture \(json): \(error)")
        }
        if let expected {
            let diff = arch.differences(from: expected)
            if !diff.isEmpty { throw CorrectorError.architectureMismatch(path: path, differences: diff.map { "checkpoint " + $0 + " expected" }) }
        }
        let parameters = try root.read("parameters", as: Float.self).scalars
        guard parameters.count == arch.parameterCount else {
            throw CorrectorError.invalidCheckpoint(path: path, reason: "\(parameters.count) parameters stored, the architecture \(arch) needs \(arch.parameterCount)")
        }
        let norm = try root.group("normalization")
        let normalization = Normalization(inputMean: try norm.read("input_mean", as: Float.self).scalars,
                                          inputScale: try norm.read("input_scale", as: Float.self).scalars,
                                          outputMean: try norm.read("output_mean", as: Float.self).scalars,
                                          outputScale: try norm.read("output_scale", as: Float.self).scalars)
        for (name, values) in [("parameters", parameters), ("normalization/input_mean", normalization.inputMean),
                               ("normalization/input_scale", normalization.inputScale),
                               ("normalization/output_mean", normalization.outputMean),
                               ("normalization/output_scale", normalization.outputScale)] {
            try requireFinite(values, name: name, path: path)
        }
        let network = try Network(architecture: arch, parameters: parameters, normalization: normalization)
        var state: [String: [Float]] = [:]
        let optimizer = try root.group("optimizer")
        for name in try optimizer.memberNames() {
            let values = try optimizer.read(name, as: Float.self).scalars
            try requireFinite(values, name: "optimizer/\(name)", path: path)
            state[name] = values
        }
        return Checkpoint(network: network, optimizerState: state, step: try root.intAttribute("step"),
                          trainingConfiguration: try root.stringAttribute("training_configuration"))
    }

    /// Throws ``CorrectorError/invalidCheckpoint(path:reason:)`` when `values` hold NaN or ±∞
    /// (a checkpoint of a diverged run, or a damaged file), naming the first bad entry.
    private static func requireFinite(_ values: [Float], name: String, path: String) throws {
        guard let bad = values.firstIndex(where: { !$0.isFinite }) else { return }
        let count = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        throw CorrectorError.invalidCheckpoint(path: path, reason: "/\(name) holds \(count) non-finite value(s), the first \(values[bad]) at index \(bad); the run that wrote it diverged or the file is damaged")
    }

    /// The architecture stored in a checkpoint, without reading the parameters.
    public static func architecture(at path: String) throws -> NetworkArchitecture {
        let file = try HDF5File.open(path)
        let root = try file.root
        let json = try root.stringAttribute("architecture")
        return try JSONDecoder().decode(NetworkArchitecture.self, from: Data(json.utf8))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
