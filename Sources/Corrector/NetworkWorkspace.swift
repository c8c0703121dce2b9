/// Per-thread scratch memory for forward and backward passes: im2col matrices, gradient buffers
/// and an ``ActivationCache`` for the activations a pass computes. Buffers grow to the largest
/// size seen and are then reused, so repeated calls (the ZO hot loop) do not allocate.
///
/// Not thread-safe: give every thread its own workspace (they are cheap when unused).
public final class NetworkWorkspace: @unchecked Sendable {
    /// Activations written by passes that do not fill a caller's cache (resumed and perturbed passes).
    public let scratch = ActivationCache()
    var cols = FloatBuffer()
    var dcols = FloatBuffer()
    var gradientA = FloatBuffer()
    var gradientB = FloatBuffer()
    var skipGradient = FloatBuffer()
    var delta = FloatBuffer()
    /// Padded planes and accumulators of the direct convolutions (thin layers, channel deltas).
    var direct = DirectConvolution()
    /// Padded planes, accumulators and packed weights of the wide layers' blocked convolutions.
    var blocked = BlockedConvolution()

    /// Threads a forward pass splits its batch over (items are independent, so the result does not
    /// depend on it). 1 (default) inside the ZO query workers, which are parallel already; the
    /// callers of single large passes (evaluation, first-order training) set it.
    public var threads = 1
    /// Scratch of threads 1… of a split pass (thread 0 uses this workspace).
    private var helpers: [NetworkWorkspace] = []

    /// An empty workspace; buffers grow on first use.
    public init() {}

    /// This workspace and `count − 1` helpers, sized like it (forward buffers).
    func threadWorkspaces(_ count: Int) -> [NetworkWorkspace] {
        while helpers.count < count - 1 { helpers.append(NetworkWorkspace()) }
        for helper in helpers.prefix(count - 1) { helper.cols.reserve(cols.capacity) }
        return [self] + helpers.prefix(count - 1)
    }

    /// Sizes the buffers for `layers` on `batch × height × width` fields.
    func prepare(layers: [ConvolutionLayer], batch: Int, height: Int, width: Int, backward: Bool) {
        let hw = height * width
        // One im2col chunk (see Convolution.rowsPerChunk) of the largest layer.
        let columns = layers.map { l -> Int in
            l.kernelHeight * l.kernelWidth == 1 ? 0
                : l.columnLength * Convolution.rowsPerChunk(columnLength: l.columnLength, height: height, width: width) * width
        }.max() ?? 0
        cols.reserve(columns)
        if backward {
            dcols.reserve(columns)
            let widest = layers.map { max($0.inputChannels, $0.outputChannels) }.max() ?? 0
            gradientA.reserve(widest * batch * hw)
            gradientB.reserve(widest * batch * hw)
            skipGradient.reserve(widest * batch * hw)
        }
    }
}

/// A growable, uninitialised-on-growth float buffer owned by a workspace.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        capacity = 1
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: 0)
    }

    deinit { pointer.deallocate() }

    func reserve(_ n: Int) {
        guard n > capacity else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: n)
        pointer.initialize(repeating: 0, count: n)
        capacity = n
    }
}
