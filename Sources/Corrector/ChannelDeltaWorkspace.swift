/// What channel-delta queries (``Network/forward(perturbingParameter:by:cache:deltas:workspace:into:)``)
/// keep per base point and per thread: `f(z_l)` of every hidden layer at the base point (with
/// ``FastActivation``, the function the deltas are differences of), which layers a query carries
/// as deltas, where residual blocks find the deltas of their skip inputs, and the scratch planes.
///
/// Call ``prepare(_:cache:)`` after every forward pass that fills the cache at a new base point
/// (queries check that it was). Not thread-safe: one per thread, like ``NetworkWorkspace``.
public final class ChannelDeltaWorkspace: @unchecked Sendable {
    private var cacheIdentity: ObjectIdentifier?
    private var cacheFills = -1
    /// Per layer k: whether a query on k propagates deltas (every layer from k+2 on is thin, a
    /// direct convolution) or continues as a channel update (wide layers: recomputing them in full
    /// costs the same GEMMs as convolving deltas, without the extra copy and difference).
    private(set) var propagatesDeltas: [Bool] = []
    /// Per layer: offset in ``skipDeltas`` of Δa of its input when a residual block adds it back.
    private(set) var skipDeltaOffsets: [Int?] = []
    /// Per layer with an activation: offset of its `f(z_l)` in ``fastActivations``.
    private(set) var fastOffsets: [Int] = []
    /// One allocation: the base-point `f(z_l)`, then a query's scratch planes (offsets below).
    private let storage = FloatBuffer()
    private var offsets = (changed: 0, preActivation: 0, inputDelta: 0, skipDeltas: 0)
    /// The one- and thin-channel delta convolutions.
    var direct = DirectConvolution()

    /// `f(z_l)` of every hidden layer at the base point, `[B, out_l, H, W]` each, at ``fastOffsets``.
    var fastActivations: UnsafeMutablePointer<Float> { storage.pointer }
    /// The new `z_k[:, o]`, then `Δa_{k+1}[:, o]`, of every item: `[B, H, W]`.
    var changed: UnsafeMutablePointer<Float> { storage.pointer + offsets.changed }
    /// The pre-activation being updated, `[B, C, H, W]` of the widest layer.
    var preActivation: UnsafeMutablePointer<Float> { storage.pointer + offsets.preActivation }
    /// The delta of a layer's input, `[B, C, H, W]` of the widest layer.
    var inputDelta: UnsafeMutablePointer<Float> { storage.pointer + offsets.inputDelta }
    /// Δa of the layer inputs residual blocks add back (skip sources), at ``skipDeltaOffsets``.
    var skipDeltas: UnsafeMutablePointer<Float> { storage.pointer + offsets.skipDeltas }

    /// An empty workspace; ``prepare(_:cache:)`` sizes and fills it.
    public init() {}

    /// Records the base point of `cache`, just filled by a forward pass of `network`: `f(z_l)` of
    /// every hidden layer, and the layout of the deltas (sized for the cache's batch and field).
    public func prepare(_ network: Network, cache: ActivationCache) {
        cache.checkUsable(for: network)
        let layers = network.layers
        let n = cache.batch * cache.height * cache.width
        propagatesDeltas = layers.indices.map { k in layers.dropFirst(k + 2).allSatisfy(Convolution.usesDirectConvolution) }
        let widest = layers.map { max($0.inputChannels, $0.outputChannels) }.max() ?? 0
        fastOffsets = []
        var total = 0
        for l in layers {
            fastOffsets.append(total)
            if l.activation != nil { total += l.outputChannels * n }
        }
        // Regions start 64 floats apart modulo 4 KiB when planes are whole pages, so that the
        // streams of one loop (z', f(z), Δa) do not alias in the store buffer (4K aliasing).
        let gap = 64
        offsets.changed = total + gap
        offsets.preActivation = offsets.changed + n + gap
        offsets.inputDelta = offsets.preActivation + widest * n + gap
        offsets.skipDeltas = offsets.inputDelta + widest * n + gap
        total = 0
        skipDeltaOffsets = [Int?](repeating: nil, count: layers.count)
        for source in Set(layers.compactMap(\.skipFrom)).sorted() {
            skipDeltaOffsets[source] = total
            total += layers[source].inputChannels * n
        }
        storage.reserve(offsets.skipDeltas + total)
        for (l, layer) in layers.enumerated() {
            guard let activation = layer.activation else { continue }
            FastActivation.apply(activation, cache.preActivationPointer(l), fastActivations + fastOffsets[l],
                                 count: layer.outputChannels * n)
        }
        cacheIdentity = ObjectIdentifier(cache)
        cacheFills = cache.fills
    }

    /// Traps unless ``prepare(_:cache:)`` recorded the current fill of `cache` (a programmer error).
    func checkPrepared(for cache: ActivationCache) {
        precondition(cacheIdentity == ObjectIdentifier(cache) && cacheFills == cache.fills,
                     "ChannelDeltaWorkspace: call prepare(_:cache:) after the forward pass that filled the cache")
    }
}
