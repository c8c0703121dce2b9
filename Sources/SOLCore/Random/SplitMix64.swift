import Foundation

/// A small, fast, seedable generator (SplitMix64, Steele et al. 2014). Every random choice in
/// the project draws from one of these, so results are reproducible from a seed whatever the
/// thread or rank count: parallel workers derive their own streams with ``derived(_:)``.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The internal state (advanced by `0x9E3779B97F4A7C15` per draw).
    public private(set) var state: UInt64

    /// A generator whose stream is determined by `seed` alone.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits (SplitMix64 output mixing of the advanced state).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for sub-task `index` (a simulation, a worker, a layer).
    public func derived(_ index: UInt64) -> SplitMix64 {
        var g = SplitMix64(seed: state ^ (index &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return SplitMix64(seed: g.next())
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal sample (Box–Muller; one of the pair is discarded for simplicity and
    /// reproducibility under reordering).
    public mutating func nextGaussian() -> Double {
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
