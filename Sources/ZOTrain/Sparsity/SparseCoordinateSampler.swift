/// Random per-layer coordinate masks for sparse CGE (DeepZero §4, "sparse gradient").
///
/// Each prunable group with a layer-wise pruning ratio r queries exactly round((1 − r)·n) of
/// its n coordinates, drawn uniformly without replacement; groups without a ratio (biases,
/// layers not pruned) are queried in full. The model stays dense: only the gradient is sparse.
/// The mask is re-drawn every `redrawInterval` iterations (DeepZero: every few epochs; the
/// Burgers study found rare re-draws leave weights never updated, so re-draw often when the
/// budget allows). Mask number m = iteration / redrawInterval is drawn from
/// `SplitMix64(seed).derived(m).derived(group)`: reproducible and thread-count independent.
public struct SparseCoordinateSampler: Sendable {
    /// The parameter groups masks are drawn in.
    public let groups: [ParameterGroup]
    /// Queried fraction per group (1 for groups queried in full).
    public let densities: [Double]
    /// Iterations between mask re-draws (1 = a new mask every iteration).
    public var redrawInterval: Int
    /// Seed of the masks (with the mask number).
    public var seed: UInt64
    /// Coordinates every prunable group queries at least (0: a ratio of 1 leaves a layer out).
    public let minimumPerGroup: Int
    private var cachedMask: Int = -1
    private var cached: [Int] = []

    /// Masks over `groups` with the densities `1 − ratio` of `ratios` (groups without a ratio, e.g.
    /// biases, in full), re-drawn every `redrawInterval` (≥ 1) iterations; every group queries at
    /// least `minimumPerGroup` of its coordinates (guided CGE needs every coordinate to have a
    /// chance, ZO-GraSP may give a small layer the ratio 1).
    public init(groups: [ParameterGroup], ratios: LayerPruningRatios, redrawInterval: Int, seed: UInt64 = 0, minimumPerGroup: Int = 0) {
        precondition(redrawInterval >= 1)
        self.groups = groups
        self.densities = groups.map { g in g.isPrunable ? (ratios.density(of: g.name) ?? 1) : 1 }
        self.redrawInterval = redrawInterval
        self.seed = seed
        self.minimumPerGroup = max(0, minimumPerGroup)
    }

    /// Number of coordinates every mask holds.
    public var queriedCount: Int {
        zip(groups, densities).reduce(0) { $0 + quota($1.0.count, $1.1) }
    }

    /// Coordinates a mask takes from a group of `n` with density `density`.
    func quota(_ n: Int, _ density: Double) -> Int { min(n, max(minimumPerGroup, Int((Double(n) * density).rounded()))) }

    /// The probability that a mask holds each coordinate (`parameterCount` entries): k/n in a
    /// group that queries k of its n coordinates (uniform without replacement), 1 in groups
    /// queried in full, 0 outside every group.
    public func inclusionProbabilities(parameterCount: Int) -> [Double] {
        var p = [Double](repeating: 0, count: parameterCount)
        for (group, density) in zip(groups, densities) where group.count > 0 {
            let value = Double(quota(group.count, density)) / Double(group.count)
            for j in group.range where j < parameterCount { p[j] = value }
        }
        return p
    }

    /// The sorted coordinates queried at `iteration` (re-drawn when a new interval starts).
    public mutating func coordinates(iteration: Int) -> [Int] {
        let m = iteration / redrawInterval
        if m != cachedMask {
            cached = mask(number: m)
            cachedMask = m
        }
        return cached
    }

    /// Mask number `m`, sorted.
    public func mask(number m: Int) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(queriedCount)
        let root = SplitMix64(seed: seed).derived(UInt64(m))
        for (g, group) in groups.enumerated() {
            let n = group.count, k = quota(n, densities[g])
            if k == n { result.append(contentsOf: group.range); continue }
            var rng = root.derived(UInt64(g))
            var pool = Array(group.range)
            for i in 0..<k {  // partial Fisher–Yates
                let r = i + Int(rng.next() % UInt64(n - i))
                pool.swapAt(i, r)
            }
            result.append(contentsOf: pool[0..<k].sorted())
        }
        return result
    }
}
