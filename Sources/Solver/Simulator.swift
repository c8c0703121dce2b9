import SOLCore

/// A time stepper of a PDE on a fixed grid, advancing a batch of states by one step.
///
/// States are stored as a tensor `[B, C, H, W]` (1D scenarios use `H = 1`); `C` and the meaning
/// of the channels are given by ``channels``. This is the *only* interface ZO-SOL uses: the
/// solver is a black box that maps states to states.
///
/// An instance is built for a list of per-state physical parameters (``parameters``, one entry
/// per batch item; a training batch mixes simulations with different viscosity or Reynolds
/// number), so ``batchSize`` is fixed at construction and `step` requires `B == batchSize`.
/// Instances are cheap to build (FFT plans are cached per process); build one per batch
/// composition. Instances own preallocated workspaces: calls on one instance are serialised by a
/// lock, so use one instance per thread to step in parallel.
///
/// `step` must be a smooth, deterministic function of its input, bit for bit (docs/background.md: a ZO
/// finite difference divides a tiny change of the loss by μ).
public protocol Simulator<Scalar>: Sendable {
    /// Precision of the states (`Float` for datasets and training, `Double` for checks).
    associatedtype Scalar: TensorScalar
    /// Names of the state channels, e.g. `["u"]` or `["vx", "vy"]`.
    var channels: [String] { get }
    /// Spatial shape `[H, W]` of one state (`[1, N]` in 1D).
    var gridShape: [Int] { get }
    /// Number of states advanced per call (`parameters.count`).
    var batchSize: Int { get }
    /// Physical parameters of every batch item, in batch order.
    var parameters: [SimulationParameters] { get }
    /// Physical time advanced by one call of ``step(_:)``.
    var dt: Double { get }
    /// Advances every state of the batch `[batchSize, C, H, W]` by one time step, in place.
    func step(_ states: inout Tensor<Scalar>) throws
}

/// A simulator that also provides the discrete adjoint (vector-Jacobian product) of one step:
/// given states `s` and a cotangent `w` of `P(s)` (both `[batchSize, C, H, W]`), returns
/// `J_P(s)ᵀ w` for the whole batch (each item's Jacobian is block-diagonal in the batch). Used by
/// FO-SOL only; ZO-SOL only ever calls ``Simulator/step(_:)``.
///
/// The adjoint is the exact transpose of the discrete step (verified by the dot-product test
/// `⟨J v, w⟩ = ⟨v, Jᵀ w⟩`), not a discretisation of the continuous adjoint PDE.
public protocol DifferentiableSimulator<Scalar>: Simulator {
    /// `J_P(s)ᵀ w`: the cotangent `w` of one ``Simulator/step(_:)``'s output at `states`, pulled back
    /// to its input (`[B, C, H, W]` in and out).
    func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar>
}

extension Simulator {
    /// Throws ``SolverError/shapeMismatch(expected:found:)`` unless `states` is `[batchSize, C, H, W]`.
    public func checkShape(_ states: Tensor<Scalar>) throws {
        let expected = [batchSize, channels.count] + gridShape
        guard states.shape == expected else { throw SolverError.shapeMismatch(expected: expected, found: states.shape) }
    }

    /// Applies ``step(_:)`` `count` times.
    public func advance(_ states: inout Tensor<Scalar>, steps count: Int) throws {
        for _ in 0..<count { try step(&states) }
    }
}
