import SOLCore

/// Vector-Jacobian products of a black-box step `P` by coordinate-wise finite differences of the
/// STATE (not of the network's parameters):
///
///     (J_P(s)ᵀ w)_i ≈ w · (P(s + h₊ e_i) − P(s − h₋ e_i)) / (h₊ + h₋)      (central)
///     (J_P(s)ᵀ w)_i ≈ w · (P(s + h₊ e_i) − P(s)) / h₊                       (forward)
///
/// for every coordinate i of every batch item, computed only from ``Simulator/step(_:)`` calls on
/// batches of perturbed copies of one item's state (`chunk` copies per call, all with that item's
/// parameters). The step is `μ · rms(s_b)` for item b (`μ` if the state is zero); `h₊`, `h₋` are
/// the steps float32 actually represents (`Float(s_i + h) − s_i`), so rounding of the perturbation
/// does not bias the quotient. The result's cost is `2 n` (central) or `n + 1` (forward) states
/// stepped per item, n = C·H·W: it depends on the state's size, not on any network's.
///
/// Sums are accumulated in Float64; the result does not depend on `chunk` (each coordinate's
/// difference is computed alone, from states stepped independently).
public struct FiniteDifferenceVJP: Sendable, Equatable {
    /// Central (2 states per coordinate, error O(h²)) or forward (1, error O(h)) differences.
    public enum Scheme: String, Sendable, Equatable, Codable {
        case central, forward
    }

    /// The difference scheme.
    public var scheme: Scheme
    /// The step relative to the root mean square of each item's state.
    public var mu: Double
    /// Perturbed states per ``Simulator/step(_:)`` call.
    public var chunk: Int

    /// A finite-difference VJP; `chunk` bounds the memory of one step call (`chunk · n` floats,
    /// twice that for central differences).
    public init(scheme: Scheme = .central, mu: Double = 1e-3, chunk: Int = 256) {
        self.scheme = scheme
        self.mu = mu
        self.chunk = max(1, chunk)
    }

    /// States stepped for one VJP of a batch of `batch` states of `count` numbers each.
    public func steppedStates(count: Int, batch: Int) -> Int {
        batch * (scheme == .central ? 2 * count : count + 1)
    }

    /// `J_P(s)ᵀ w` for every item of `states` (`[B, C, H, W]`), `cotangent` of the same shape.
    /// `simulator(p, m)` returns a source simulator stepping `m` states that all have parameters
    /// `p` (one batch item's); it is called with at most two distinct `m` per item.
    public func vjp(at states: Tensor<Float>, cotangent: Tensor<Float>, parameters: [SimulationParameters],
                    simulator: (SimulationParameters, Int) throws -> any Simulator<Float>) throws -> Tensor<Float> {
        precondition(states.shape == cotangent.shape && states.rank == 4 && states.shape[0] == parameters.count,
                     "FiniteDifferenceVJP: states \(states.shape), cotangent \(cotangent.shape), \(parameters.count) parameter sets")
        let batch = states.shape[0], n = states.shape[1] * states.shape[2] * states.shape[3]
        let itemShape = Array(states.shape.dropFirst())
        var result = Tensor<Float>(shape: states.shape)
        let perCoordinate = scheme == .central ? 2 : 1
        for b in 0..<batch {
            let s = Array(states.scalars[(b * n)..<((b + 1) * n)])
            let w = cotangent.scalars[(b * n)..<((b + 1) * n)].map(Double.init)
            let rms = (s.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(n, 1))).squareRoot()
            let h = mu * (rms > 0 ? rms : 1)
            // P(s) for forward differences: one state stepped alone.
            var base: [Double] = []
            if scheme == .forward {
                var one = Tensor<Float>(shape: [1] + itemShape, scalars: s)
                try simulator(parameters[b], 1).step(&one)
                base = one.scalars.map(Double.init)
            }
            var start = 0
            while start < n {
                let m = min(chunk, n - start)
                var perturbed = Tensor<Float>(shape: [perCoordinate * m] + itemShape)
                var steps = [Double](repeating: 0, count: m)
                perturbed.withUnsafeMutableBufferPointer { p in
                    for k in 0..<m {
                        let i = start + k, x = s[i]
                        let plus = Float(Double(x) + h), minus = Float(Double(x) - h)
                        let row = perCoordinate * k
                        for r in 0..<perCoordinate {
                            let dst = p.baseAddress! + (row + r) * n
                            s.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: n) }
                        }
                        p[row * n + i] = plus
                        if scheme == .central {
                            p[(row + 1) * n + i] = minus
                            steps[k] = Double(plus) - Double(minus)
                        } else {
                            steps[k] = Double(plus) - Double(x)
                        }
                    }
                }
                try simulator(parameters[b], perCoordinate * m).step(&perturbed)
                perturbed.withUnsafeBufferPointer { p in
                    for k in 0..<m {
                        let row = perCoordinate * k
                        var dot = 0.0
                        if scheme == .central {
                            let a = p.baseAddress! + row * n, c = a + n
                            for j in 0..<n { dot += w[j] * (Double(a[j]) - Double(c[j])) }
                        } else {
                            let a = p.baseAddress! + row * n
                            for j in 0..<n { dot += w[j] * (Double(a[j]) - base[j]) }
                        }
                        result.scalars[b * n + start + k] = steps[k] != 0 ? Float(dot / steps[k]) : 0
                    }
                }
                start += m
            }
        }
        return result
    }
}
