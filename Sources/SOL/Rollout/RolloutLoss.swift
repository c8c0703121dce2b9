/// The solver-in-the-loop loss of one unrolled step, in normalised units:
///
///     ℓ(s, r) = 1/N Σ_{b,c,y,x} ((s − r) / σ_c)²,       L = 1/n Σ_{i=1..n} ℓ(s̃(t+i), T r(t+i))
///
/// with `σ_c` the corrector's stored input scale of state channel `c` (the standard deviation of
/// the velocity components, Um et al. 2020), so the loss does not depend on the flow's units.
/// Accumulated in Float64 (a ZO finite difference divides a tiny change of it by μ).
public struct RolloutLoss: Sendable {
    /// `1 / σ_c²` per state channel.
    public let inverseVariance: [Double]

    /// `σ_c` per state channel (the corrector's input scales).
    public init(channelScales: [Float]) {
        inverseVariance = channelScales.map { 1 / (Double($0) * Double($0)) }
    }

    /// `ℓ(s, r)`.
    public func value(_ s: Tensor<Float>, _ r: Tensor<Float>) -> Double {
        precondition(s.shape == r.shape && s.shape.count == 4 && s.shape[1] == inverseVariance.count,
                     "RolloutLoss: shapes \(s.shape) and \(r.shape) must be [B, \(inverseVariance.count), H, W]")
        let (b, c, plane) = (s.shape[0], s.shape[1], s.shape[2] * s.shape[3])
        return s.withUnsafeBufferPointer { sp in
            r.withUnsafeBufferPointer { rp in
                var total = 0.0
                for i in 0..<b {
                    for ch in 0..<c {
                        var partial = 0.0
                        let off = (i * c + ch) * plane
                        for j in off..<(off + plane) { let d = Double(sp[j]) - Double(rp[j]); partial += d * d }
                        total += partial * inverseVariance[ch]
                    }
                }
                return total / Double(s.count)
            }
        }
    }

    /// `weight · ∂ℓ/∂s = weight · 2 (s − r) / (σ_c² N)`, added to `gradient`.
    public func addGradient(_ s: Tensor<Float>, _ r: Tensor<Float>, weight: Double, to gradient: inout Tensor<Float>) {
        let (b, c, plane) = (s.shape[0], s.shape[1], s.shape[2] * s.shape[3])
        let n = Double(s.count)
        s.withUnsafeBufferPointer { sp in
            r.withUnsafeBufferPointer { rp in
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in 0..<b {
                        for ch in 0..<c {
                            let factor = Float(2 * weight * inverseVariance[ch] / n)
                            let off = (i * c + ch) * plane
                            for j in off..<(off + plane) { g[j] += factor * (sp[j] - rp[j]) }
                        }
                    }
                }
            }
        }
    }
}
