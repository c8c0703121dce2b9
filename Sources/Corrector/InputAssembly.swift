/// Builds the network input from solver fields and per-sample constants: channels
/// `[field channels…, constant channels…]`, each constant broadcast over the grid (e.g. the
/// normalised Reynolds number of Solver-in-the-Loop, Um et al. 2020).
public enum InputAssembly {
    /// `fields` `[B, Cf, H, W]` and `constants[b]` (the same count `Cc` for every item) →
    /// `[B, Cf + Cc, H, W]`.
    public static func assemble(fields: Tensor<Float>, constants: [[Float]]) -> Tensor<Float> {
        var out = Tensor<Float>(shape: [0], scalars: [])
        assemble(fields: fields, constants: constants, into: &out)
        return out
    }

    /// ``assemble(fields:constants:)`` into `output` (storage reused when its size fits).
    public static func assemble(fields: Tensor<Float>, constants: [[Float]], into output: inout Tensor<Float>) {
        precondition(fields.rank == 4, "fields must be [B, C, H, W], got \(fields.shape)")
        let (b, cf, h, w) = (fields.shape[0], fields.shape[1], fields.shape[2], fields.shape[3])
        precondition(constants.count == b, "one list of constants per batch item: \(constants.count) for \(b)")
        let cc = constants.first?.count ?? 0
        precondition(constants.allSatisfy { $0.count == cc }, "every batch item needs the same number of constants")
        let shape = [b, cf + cc, h, w], hw = h * w
        if output.shape != shape { output = Tensor(shape: shape) }
        fields.withUnsafeBufferPointer { f in
            output.withUnsafeMutableBufferPointer { o in
                for i in 0..<b {
                    let dst = o.baseAddress! + i * (cf + cc) * hw
                    dst.update(from: f.baseAddress! + i * cf * hw, count: cf * hw)
                    for c in 0..<cc { (dst + (cf + c) * hw).update(repeating: constants[i][c], count: hw) }
                }
            }
        }
    }

    /// The same constants for every batch item.
    public static func assemble(fields: Tensor<Float>, constants: [Float]) -> Tensor<Float> {
        assemble(fields: fields, constants: Array(repeating: constants, count: fields.shape[0]))
    }
}
