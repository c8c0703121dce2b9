import Foundation
import Solver

/// Shared helpers of the solver tests.
enum TestSupport {
    /// A tensor of standard normal samples.
    static func random(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape) { _ in rng.nextGaussian() }
    }

    /// Smooth random 1D states `[B, 1, 1, n]` (low modes only).
    static func smooth1D(batch: Int, n: Int, seed: UInt64, modes: Int = 3) -> Tensor<Double> {
        var rng = SplitMix64(seed: seed)
        var out = Tensor<Double>(shape: [batch, 1, 1, n])
        for b in 0..<batch {
            let terms = (1...modes).map { k in (Double(k), rng.nextGaussian() / Double(k), 2 * Double.pi * rng.nextUniform()) }
            for j in 0..<n {
                let x = 2 * Double.pi * Double(j) / Double(n)
                out.scalars[b * n + j] = terms.reduce(0) { $0 + $1.1 * sin($1.0 * x + $1.2) }
            }
        }
        return out
    }

    /// Convergence order `log(e1/e2)/log(h1/h2)` of consecutive errors at step sizes halving.
    static func orders(_ errors: [Double]) -> [Double] {
        zip(errors, errors.dropFirst()).map { log($0 / $1) / log(2) }
    }

    /// Central finite difference `(P(s + εv) − P(s − εv)) / 2ε` of one step.
    static func jvp<S: Simulator>(_ sim: S, at s: Tensor<Double>, direction v: Tensor<Double>, epsilon: Double) throws
        -> Tensor<Double> where S.Scalar == Double {
        var plus = s, minus = s
        plus.axpy(epsilon, v)
        minus.axpy(-epsilon, v)
        try sim.step(&plus)
        try sim.step(&minus)
        var d = plus - minus
        d *= 1 / (2 * epsilon)
        return d
    }
}
