import Foundation

/// What every MPI rank of a `sol train --mpi` job must agree on before training, and the state
/// they all start from. Ranks read their own dataset file (a cluster with node-local disks gives
/// each rank its own copy) but never their own checkpoint: rank 0 reads it and broadcasts the
/// parameters, normalisation, optimizer state and metadata, so every rank starts bit-identical.
///
/// ``check(configuration:fingerprint:)`` compares each rank's experiment options (everything but
/// the execution settings) and dataset fingerprint with rank 0's and gathers the differences, so
/// a mismatch ends every rank with the same message naming the rank, its host and what differs.
enum RankAgreement {
    /// Throws ``SOLError/ranksDisagree(details:)`` on every rank when any rank's options or data
    /// differ from rank 0's. Collective: every rank must call it.
    static func check(configuration: TrainingConfiguration, fingerprint: String) throws {
        guard MPI.size > 1 else { return }
        let reference = try MPI.broadcast(configuration.json())
        let referenceFingerprint = try MPI.broadcast(fingerprint)
        var differences: [String] = []
        if let data = reference.data(using: .utf8),
           let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
           let rootConfiguration = try? TrainingConfiguration.decode(object: object) {
            let keys = configuration.experimentDifferences(from: rootConfiguration)
            if !keys.isEmpty { differences.append("options \(keys.joined(separator: ", "))") }
        } else {
            differences.append("options (rank 0's configuration is unreadable here)")
        }
        if fingerprint != referenceFingerprint {
            differences.append("dataset fingerprint \(fingerprint) (rank 0: \(referenceFingerprint))")
        }
        let mine = differences.joined(separator: "; ")
        let all = try MPI.allGather(mine, capacity: 1024)
        let hosts = try MPI.allGather(MPI.hostName)
        let disagreeing = all.enumerated().filter { !$0.element.isEmpty }
        guard disagreeing.isEmpty else {
            throw SOLError.ranksDisagree(details: disagreeing.map { "rank \($0.offset) on \(hosts[$0.offset]): \($0.element)" }
                                                   + ["rank 0 runs on \(hosts[0])"])
        }
    }

    /// The training state every rank starts from, from rank 0.
    struct State {
        var parameters: [Float]
        var normalization: Normalization
        var optimizerState: [String: [Float]]
        var iteration: Int
        var resumed: Bool
        var metadata: CheckpointMetadata
    }

    /// Rank 0's `state` on every rank (other ranks pass what they have; it is replaced).
    /// Collective: every rank must call it.
    static func broadcast(_ state: State) throws -> State {
        guard MPI.size > 1 else { return state }
        var result = state
        func floats(_ values: [Float]) throws -> [Float] {
            var count = [Double(values.count)]
            try MPI.broadcast(&count)
            var buffer = MPI.rank == 0 ? values : [Float](repeating: 0, count: Int(count[0]))
            try MPI.broadcast(&buffer)
            return buffer
        }
        result.parameters = try floats(state.parameters)
        let n = state.normalization
        result.normalization = Normalization(inputMean: try floats(n.inputMean), inputScale: try floats(n.inputScale),
                                             outputMean: try floats(n.outputMean), outputScale: try floats(n.outputScale))
        let names = try MPI.broadcast(state.optimizerState.keys.sorted().joined(separator: ","))
        var optimizer: [String: [Float]] = [:]
        for name in names.split(separator: ",").map(String.init) {
            optimizer[name] = try floats(state.optimizerState[name] ?? [])
        }
        result.optimizerState = optimizer
        var scalars = [Double(state.iteration), state.resumed ? 1 : 0]
        try MPI.broadcast(&scalars)
        result.iteration = Int(scalars[0])
        result.resumed = scalars[1] != 0
        let json = try MPI.broadcast(try state.metadata.json())
        result.metadata = try CheckpointMetadata.decode(json, path: "rank 0's training state")
        return result
    }
}
