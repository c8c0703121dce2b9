/// Every layer's input `a_k` (`a_0` is the NORMALISED network input) and pre-activation `z_k`
/// (`z_{L−1}` is the normalised output) of one forward pass on a batch, kept so that
/// - a forward pass can restart at layer `k` from `a_k` (feature reuse: perturbing a parameter of
///   layer `k` leaves `a_0 … a_k` unchanged), bit-identical to a full pass;
/// - the backward pass can form the vector-Jacobian products.
///
/// Filled by ``Network/forward(_:cache:workspace:)``; READ-ONLY for ``Network/forward(resumingAt:cache:workspace:)``,
/// ``Network/forward(perturbingParameter:by:cache:workspace:)`` and backward, which write into the
/// workspace instead — so several threads may share one cache while it is not being refilled.
/// Storage is one allocation, reused when the next fill has the same network and geometry.
public final class ActivationCache: @unchecked Sendable {
    /// Batch size of the cached pass.
    public private(set) var batch = 0
    /// Field height `H` of the cached pass.
    public private(set) var height = 0
    /// Field width `W` of the cached pass.
    public private(set) var width = 0
    /// The layers the cache was filled for (empty before the first fill).
    public private(set) var layers: [ConvolutionLayer] = []
    /// True once a forward pass has filled the cache.
    public internal(set) var isFilled = false {
        didSet { if isFilled { fills &+= 1 } }
    }
    /// Forward passes that filled the cache (tables derived from one fill check it is still current).
    private(set) var fills = 0
    private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0
    private var inputOffsets: [Int] = []
    private var preActivationOffsets: [Int] = []

    /// An empty cache; the first forward pass given it allocates and fills it.
    public init() {}

    deinit { storage?.deallocate() }

    /// Number of layers cached.
    public var layerCount: Int { layers.count }

    /// Sizes the storage for `layers` on `[batch, ·, height, width]`; keeps the storage when it fits.
    func prepare(layers: [ConvolutionLayer], batch: Int, height: Int, width: Int) {
        if self.layers == layers && self.batch == batch && self.height == height && self.width == width { return }
        isFilled = false
        let n = batch * height * width
        var offset = 0
        inputOffsets = []; preActivationOffsets = []
        for l in layers {
            inputOffsets.append(offset); offset += l.inputChannels * n
            preActivationOffsets.append(offset); offset += l.outputChannels * n
        }
        if offset > capacity {
            storage?.deallocate()
            storage = .allocate(capacity: offset)
            storage!.initialize(repeating: 0, count: offset)
            capacity = offset
        }
        self.layers = layers
        self.batch = batch; self.height = height; self.width = width
    }

    /// `a_k`, `[batch, in_k, height, width]` (`k = 0`: the normalised input).
    public func inputPointer(_ k: Int) -> UnsafeMutablePointer<Float> { storage! + inputOffsets[k] }
    /// `z_k`, `[batch, out_k, height, width]`.
    public func preActivationPointer(_ k: Int) -> UnsafeMutablePointer<Float> { storage! + preActivationOffsets[k] }

    /// A copy of `a_k`.
    public func layerInput(_ k: Int) -> Tensor<Float> {
        let shape = [batch, layers[k].inputChannels, height, width]
        return Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: inputPointer(k), count: shape.reduce(1, *))))
    }

    /// A copy of `z_k`.
    public func preActivation(_ k: Int) -> Tensor<Float> {
        let shape = [batch, layers[k].outputChannels, height, width]
        return Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: preActivationPointer(k), count: shape.reduce(1, *))))
    }

    func checkUsable(for network: Network) {
        precondition(isFilled, "the activation cache is empty: run forward(_:cache:workspace:) first")
        precondition(layers == network.layers, "the activation cache was filled by another network architecture")
    }
}
