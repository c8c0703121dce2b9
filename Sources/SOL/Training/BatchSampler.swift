/// Draws mini-batches of (simulation, start frame) pairs from the training set.
///
/// Batch `i` is a pure function of `(seed, i)`, so a resumed run draws exactly the batches an
/// uninterrupted run would, with no sampler state to checkpoint. An epoch is
/// `ceil(available windows / batch size)` iterations.
public struct BatchSampler: Sendable {
    /// Frames per simulation.
    public let frames: [Int]
    /// Consecutive frames a sample needs: start frame plus `unroll` targets.
    public let window: Int
    /// Windows per mini-batch.
    public let batchSize: Int
    /// Seed of the draws.
    public let seed: UInt64

    /// A sampler of windows of `unroll + 1` frames; throws if a simulation is shorter than that.
    public init(frames: [Int], unroll: Int, batchSize: Int, seed: UInt64) throws {
        let window = unroll + 1
        guard let shortest = frames.min(), shortest >= window else {
            throw SOLError.trajectoryTooShort(path: "training set", needed: window, available: frames.min() ?? 0)
        }
        self.frames = frames
        self.window = window
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Number of distinct (simulation, start) pairs.
    public var windowCount: Int { frames.reduce(0) { $0 + $1 - window + 1 } }

    /// Iterations per epoch.
    public var iterationsPerEpoch: Int { max(1, (windowCount + batchSize - 1) / batchSize) }

    /// The `batchSize` (simulation, start frame) pairs of iteration `iteration`: a random
    /// permutation of all windows per epoch, consumed in order.
    public func batch(_ iteration: Int) -> [(simulation: Int, start: Int)] {
        let perEpoch = iterationsPerEpoch
        let epoch = iteration / perEpoch
        var generator = SplitMix64(seed: seed).derived(UInt64(epoch))
        var order = Array(0..<windowCount)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        let offset = (iteration % perEpoch) * batchSize
        return (0..<batchSize).map { j in locate(order[(offset + j) % order.count]) }
    }

    private func locate(_ flat: Int) -> (simulation: Int, start: Int) {
        var rest = flat
        for (s, count) in frames.enumerated() {
            let windows = count - window + 1
            if rest < windows { return (s, rest) }
            rest -= windows
        }
        preconditionFailure("BatchSampler: window \(flat) out of range")
    }
}
