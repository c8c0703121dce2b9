import Foundation

/// Layer-wise pruning ratios (LPRs): for each prunable layer, the fraction of its weights that
/// global pruning removed (DeepZero §4: ZO-GraSP at initialisation decides *how sparse* each
/// layer is; sparse CGE then queries a random `1 − LPR` fraction of each layer).
///
/// Stored as JSON (`{"sparsity": 0.9, "layers": [{"name": ..., "count": ..., "ratio": ...}]}`),
/// computed once and reused across runs.
public struct LayerPruningRatios: Codable, Sendable, Equatable {
    /// The pruning ratio of one prunable layer.
    public struct Layer: Codable, Sendable, Equatable {
        /// Name of the parameter group, e.g. `"conv1.weight"`.
        public var name: String
        /// Number of weights in the layer (checked against the network when loading).
        public var count: Int
        /// Fraction pruned, in [0, 1]; the queried density is 1 − ratio.
        public var ratio: Double

        /// A layer entry (`ratio` in [0, 1]).
        public init(name: String, count: Int, ratio: Double) {
            self.name = name
            self.count = count
            self.ratio = ratio
        }
    }

    /// The global target sparsity the ratios were computed for.
    public var sparsity: Double
    /// One entry per prunable layer, in network order.
    public var layers: [Layer]

    /// Ratios given explicitly.
    public init(sparsity: Double, layers: [Layer]) {
        self.sparsity = sparsity
        self.layers = layers
    }

    /// The same ratio in every prunable group (uniform sparsity; no ZO-GraSP).
    public static func uniform(_ sparsity: Double, groups: [ParameterGroup]) -> LayerPruningRatios {
        LayerPruningRatios(sparsity: sparsity, layers: groups.filter(\.isPrunable).map {
            Layer(name: $0.name, count: $0.count, ratio: sparsity)
        })
    }

    /// Ratios for global pruning: in the prunable groups, remove the `sparsity` fraction of
    /// weights with the largest `scores` (GraSP's convention: a large −θ ⊙ Hg means removing
    /// the weight reduces gradient flow least) and report the fraction removed per layer.
    public static func globalPruning(scores: [Float], groups: [ParameterGroup], sparsity: Double) -> LayerPruningRatios {
        let kept = keptCoordinates(scores: scores, groups: groups, sparsity: sparsity)
        var isKept = [Bool](repeating: false, count: scores.count)
        for j in kept { isKept[j] = true }
        return LayerPruningRatios(sparsity: sparsity, layers: groups.filter(\.isPrunable).map { g in
            let keptInLayer = g.range.reduce(0) { $0 + (isKept[$1] ? 1 : 0) }
            return Layer(name: g.name, count: g.count, ratio: 1 - Double(keptInLayer) / Double(max(g.count, 1)))
        })
    }

    /// The prunable coordinates global pruning keeps: the `(1 − sparsity)·N` smallest scores
    /// (ties broken by index), sorted.
    public static func keptCoordinates(scores: [Float], groups: [ParameterGroup], sparsity: Double) -> [Int] {
        let prunable = groups.filter(\.isPrunable).flatMap { Array($0.range) }
        let keep = Int((Double(prunable.count) * (1 - sparsity)).rounded())
        let order = prunable.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return order.prefix(keep).sorted()
    }

    /// Density (fraction queried) of the group called `name`, nil if it has no ratio.
    public func density(of name: String) -> Double? {
        layers.first { $0.name == name }.map { 1 - $0.ratio }
    }

    /// Writes the ratios as JSON, atomically.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    /// Reads ratios written by ``save(to:)``; with `groups`, checks they match the network.
    public static func load(from path: String, matching groups: [ParameterGroup]? = nil) throws -> LayerPruningRatios {
        guard let data = FileManager.default.contents(atPath: path) else { throw CoreError.fileNotFound(path: path) }
        let ratios: LayerPruningRatios
        do { ratios = try JSONDecoder().decode(LayerPruningRatios.self, from: data) } catch {
            throw ZOTrainError.invalidRatioFile(path: path, reason: "\(error)")
        }
        if let groups {
            let expected = groups.filter(\.isPrunable).map { "\($0.name)(\($0.count))" }
            let found = ratios.layers.map { "\($0.name)(\($0.count))" }
            guard expected == found else {
                throw ZOTrainError.layoutMismatch(path: path, expected: expected.joined(separator: ", "), found: found.joined(separator: ", "))
            }
        }
        return ratios
    }
}
