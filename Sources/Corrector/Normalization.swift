/// Input and output statistics stored with a network: the network sees
/// `x̂[c] = (x[c] − inputMean[c]) / inputScale[c]` and its raw output `ŷ` becomes
/// `y[c] = ŷ[c] · outputScale[c] + outputMean[c]`.
///
/// Solver-in-the-Loop (Um et al. 2020) divides u, v and Re by their standard deviations (no
/// centring): ``fitted(inputs:targets:centered:)`` with `centered: false`.
public struct Normalization: Codable, Hashable, Sendable {
    /// Per input channel, subtracted before the first layer.
    public var inputMean: [Float]
    /// Per input channel, divides the centred input.
    public var inputScale: [Float]
    /// Per output channel, added to the scaled raw output.
    public var outputMean: [Float]
    /// Per output channel, multiplies the raw output.
    public var outputScale: [Float]

    /// Statistics given explicitly (one value per channel in each array).
    public init(inputMean: [Float], inputScale: [Float], outputMean: [Float], outputScale: [Float]) {
        self.inputMean = inputMean
        self.inputScale = inputScale
        self.outputMean = outputMean
        self.outputScale = outputScale
    }

    /// No rescaling.
    public static func identity(inputChannels: Int, outputChannels: Int) -> Normalization {
        Normalization(inputMean: .init(repeating: 0, count: inputChannels), inputScale: .init(repeating: 1, count: inputChannels),
                      outputMean: .init(repeating: 0, count: outputChannels), outputScale: .init(repeating: 1, count: outputChannels))
    }

    /// Per-channel statistics of `[B, C, H, W]` samples: the mean (or 0 unless `centered`) and the
    /// standard deviation about it (root mean square when not centred); scales below `1e-12` (a
    /// constant channel) become 1.
    public static func fitted(inputs: Tensor<Float>, targets: Tensor<Float>, centered: Bool = false) -> Normalization {
        let (im, isd) = statistics(inputs, centered: centered)
        let (om, osd) = statistics(targets, centered: centered)
        return Normalization(inputMean: im, inputScale: isd, outputMean: om, outputScale: osd)
    }

    static func statistics(_ t: Tensor<Float>, centered: Bool) -> ([Float], [Float]) {
        precondition(t.rank == 4, "statistics expect [B, C, H, W]")
        let (b, c, n) = (t.shape[0], t.shape[1], t.shape[2] * t.shape[3])
        var means = [Float](repeating: 0, count: c), scales = [Float](repeating: 1, count: c)
        for ch in 0..<c {
            var s = 0.0, s2 = 0.0
            for i in 0..<b {
                let base = (i * c + ch) * n
                for j in 0..<n { let v = Double(t.scalars[base + j]); s += v; s2 += v * v }
            }
            let count = Double(b * n)
            let mean = centered ? s / count : 0
            let variance = max(0, s2 / count - mean * mean)
            means[ch] = Float(mean)
            scales[ch] = variance > 1e-24 ? Float(variance.squareRoot()) : 1
        }
        return (means, scales)
    }

    var isIdentity: Bool {
        inputMean.allSatisfy { $0 == 0 } && inputScale.allSatisfy { $0 == 1 }
            && outputMean.allSatisfy { $0 == 0 } && outputScale.allSatisfy { $0 == 1 }
    }
}
