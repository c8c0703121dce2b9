import Foundation
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
    /// `simulator(p, m, k)` returns a source simulator stepping `m` states that all have
    /// parameters `p` (one batch item's), for worker `k` of `workers`: each worker steps its own
    /// contiguous share of an item's chunks on its own simulators (and threads), so the result
    /// does not depend on `workers` (every coordinate's difference is computed alone).
    ///
    /// `share` splits the work across processes (MPI ranks): the batch's chunks, item after item,
    /// are cut into `share.count` contiguous parts and only part `share.index` is computed; every
    /// other entry of the result is zero, so summing the parts of all processes gives the whole
    /// VJP exactly (one non-zero term per entry), whatever the order of the sum.
    public func vjp(at states: Tensor<Float>, cotangent: Tensor<Float>, parameters: [SimulationParameters], workers: Int = 1,
                    share: (index: Int, count: Int) = (0, 1),
                    simulator: @Sendable (SimulationParameters, Int, Int) throws -> any Simulator<Float>) throws -> Tensor<Float> {
        precondition(states.shape == cotangent.shape && states.rank == 4 && states.shape[0] == parameters.count,
                     "FiniteDifferenceVJP: states \(states.shape), cotangent \(cotangent.shape), \(parameters.count) parameter sets")
        precondition(share.count >= 1 && (0..<share.count).contains(share.index), "FiniteDifferenceVJP: share \(share)")
        let batch = states.shape[0], n = states.shape[1] * states.shape[2] * states.shape[3]
        let itemShape = Array(states.shape.dropFirst())
        var result = [Float](repeating: 0, count: states.count)
        let itemChunks = (n + chunk - 1) / chunk, units = batch * itemChunks
        let mine = (units * share.index / share.count)..<(units * (share.index + 1) / share.count)
        for b in 0..<batch {
            // This process's chunks of item b.
            let first = max(mine.lowerBound, b * itemChunks) - b * itemChunks
            let end = min(mine.upperBound, (b + 1) * itemChunks) - b * itemChunks
            guard first < end else { continue }
            let s = Array(states.scalars[(b * n)..<((b + 1) * n)])
            let w = cotangent.scalars[(b * n)..<((b + 1) * n)].map(Double.init)
            let rms = (s.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(n, 1))).squareRoot()
            let h = mu * (rms > 0 ? rms : 1)
            // P(s) for forward differences: one state stepped alone.
            var base: [Double] = []
            if scheme == .forward {
                var one = Tensor<Float>(shape: [1] + itemShape, scalars: s)
                try simulator(parameters[b], 1, 0).step(&one)
                base = one.scalars.map(Double.init)
            }
            let chunks = end - first, parts = max(1, min(workers, chunks))
            let item = Item(state: s, cotangent: w, base: base, step: h, shape: itemShape, parameters: parameters[b])
            var failures = [Error?](repeating: nil, count: parts)
            result.withUnsafeMutableBufferPointer { out in
                let out = UnsafeSendablePointer(out.baseAddress! + b * n)
                failures.withUnsafeMutableBufferPointer { failed in
                    let failed = UnsafeSendablePointer(failed.baseAddress!)
                    @Sendable func work(_ k: Int) {
                        do {
                            for c in (first + chunks * k / parts)..<(first + chunks * (k + 1) / parts) {
                                try self.differences(item, coordinates: (c * self.chunk)..<min(n, (c + 1) * self.chunk), into: out.pointer) { m in
                                    try simulator(item.parameters, m, k)
                                }
                            }
                        } catch {
                            failed.pointer[k] = error
                        }
                    }
                    if parts == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: work) }
                }
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
        }
        return Tensor(shape: states.shape, scalars: result)
    }

    /// One batch item: its state, cotangent (Float64), `P(s)` for forward differences, the step.
    private struct Item: Sendable {
        let state: [Float]
        let cotangent: [Double]
        let base: [Double]
        let step: Double
        let shape: [Int]
        let parameters: SimulationParameters
    }

    /// The VJP entries of `coordinates` of one item, from one step call of their perturbed states.
    private func differences(_ item: Item, coordinates: Range<Int>, into out: UnsafeMutablePointer<Float>,
                             simulator: (Int) throws -> any Simulator<Float>) throws {
        let s = item.state, w = item.cotangent, n = s.count, m = coordinates.count
        let perCoordinate = scheme == .central ? 2 : 1
        var perturbed = Tensor<Float>(shape: [perCoordinate * m] + item.shape)
        var steps = [Double](repeating: 0, count: m)
        perturbed.withUnsafeMutableBufferPointer { p in
            for (k, i) in coordinates.enumerated() {
                let x = s[i]
                let plus = Float(Double(x) + item.step), minus = Float(Double(x) - item.step)
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
        try simulator(perCoordinate * m).step(&perturbed)
        perturbed.withUnsafeBufferPointer { p in
            for (k, i) in coordinates.enumerated() {
                let a = p.baseAddress! + perCoordinate * k * n
                var dot = 0.0
                if scheme == .central {
                    let c = a + n
                    for j in 0..<n { dot += w[j] * (Double(a[j]) - Double(c[j])) }
                } else {
                    for j in 0..<n { dot += w[j] * (Double(a[j]) - item.base[j]) }
                }
                out[i] = steps[k] != 0 ? Float(dot / steps[k]) : 0
            }
        }
    }
}
