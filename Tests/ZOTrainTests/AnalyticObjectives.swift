import Foundation
import ZOTrain

/// Smooth test functions with known gradients, evaluated in Float64 from float32 parameters.
enum Analytic {
    /// f(θ) = Σ_i [exp(θ_i / 2) + θ_i³ / 3 + c_i θ_i] + ½ Σ_i θ_i θ_{i+1}: non-zero second and
    /// third derivatives on every coordinate, so forward and central biases are both visible.
    static func smooth(_ theta: [Float]) -> Double {
        var f = 0.0
        for i in theta.indices {
            let x = Double(theta[i])
            f += exp(x / 2) + x * x * x / 3 + 0.1 * Double(i % 5) * x
            if i + 1 < theta.count { f += 0.5 * x * Double(theta[i + 1]) }
        }
        return f
    }

    static func smoothGradient(_ theta: [Float]) -> [Double] {
        theta.indices.map { i in
            let x = Double(theta[i])
            var g = exp(x / 2) / 2 + x * x + 0.1 * Double(i % 5)
            if i + 1 < theta.count { g += 0.5 * Double(theta[i + 1]) }
            if i > 0 { g += 0.5 * Double(theta[i - 1]) }
            return g
        }
    }

    /// A symmetric positive definite matrix A (d × d, row-major) and vector b, seeded.
    static func quadratic(d: Int, seed: UInt64) -> (a: [Double], b: [Double]) {
        var rng = SplitMix64(seed: seed)
        let m = (0..<(d * d)).map { _ in rng.nextGaussian() / Double(d).squareRoot() }
        var a = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d {
            var s = i == j ? 0.5 : 0
            for k in 0..<d { s += m[i * d + k] * m[j * d + k] }
            a[i * d + j] = s
        } }
        let b = (0..<d).map { _ in rng.nextGaussian() }
        return (a, b)
    }

    /// ½ xᵀ A x + bᵀ x in Float64.
    static func quadraticLoss(_ a: [Double], _ b: [Double], _ p: [Float]) -> Double {
        let x = p.map(Double.init)
        let ax = matvec(a, x)
        var f = 0.0
        for i in x.indices { f += 0.5 * x[i] * ax[i] + b[i] * x[i] }
        return f
    }

    static func matvec(_ a: [Double], _ x: [Double]) -> [Double] {
        let d = x.count
        return (0..<d).map { i in (0..<d).reduce(0.0) { $0 + a[i * d + $1] * x[$1] } }
    }

    static func randomParameters(_ d: Int, seed: UInt64, scale: Double = 0.5) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<d).map { _ in Float(scale * rng.nextGaussian()) }
    }

    static func relativeError(_ estimate: [Float], _ exact: [Double]) -> Double {
        var num = 0.0, den = 0.0
        for i in exact.indices { num += pow(Double(estimate[i]) - exact[i], 2); den += exact[i] * exact[i] }
        return (num / den).squareRoot()
    }

    static func cosine(_ x: [Float], _ y: [Float]) -> Double {
        var xy = 0.0, xx = 0.0, yy = 0.0
        for i in x.indices { xy += Double(x[i]) * Double(y[i]); xx += Double(x[i] * x[i]); yy += Double(y[i] * y[i]) }
        return xy / (xx * yy).squareRoot()
    }

    /// Slope of log(error) against log(μ) by least squares.
    static func slope(_ mus: [Double], _ errors: [Double]) -> Double {
        let x = mus.map(log), y = errors.map(log)
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for i in x.indices { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx) }
        return sxy / sxx
    }
}
