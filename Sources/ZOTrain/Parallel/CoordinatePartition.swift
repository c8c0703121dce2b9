/// Splits an ordered list of queries into contiguous parts of nearly equal total cost.
///
/// Parts are contiguous so that a worker sees consecutive coordinates (same layer, same cached
/// features). Every query is answered from the same base point whichever part it falls in, so
/// results do not depend on the thread or rank count.
public enum CoordinatePartition {
    /// `parts` contiguous ranges covering `0..<costs.count`, balanced by the prefix sums of
    /// `costs` (DeepZero's forward parallelisation weights coordinates by per-layer cost).
    public static func split(costs: [Double], parts: Int) -> [Range<Int>] {
        precondition(parts >= 1)
        let n = costs.count
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + max(costs[i], 0) }
        let total = prefix[n]
        var bounds = [0]
        for p in 1..<parts {
            let target = total * Double(p) / Double(parts)
            // First index whose prefix reaches the target.
            var lo = bounds.last!, hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if prefix[mid] < target { lo = mid + 1 } else { hi = mid }
            }
            bounds.append(lo)
        }
        bounds.append(n)
        return (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }
    }

    /// `parts` contiguous ranges of `0..<count` of (nearly) equal length.
    public static func split(count: Int, parts: Int) -> [Range<Int>] {
        (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
    }
}
