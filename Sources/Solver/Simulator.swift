import SOLCore

/// A time stepper of a PDE on a fixed grid, advancing a batch of states by one step.
///
/// States are stored as a tensor `[B, C, H, W]` (1D scenarios use `H = 1`); `C` and the meaning
/// of the channels are given by ``channels``. This is the *only* interface ZO-SOL uses: the
/// solver is a black box that maps states to states.
public protocol Simulator: Sendable {
    associatedtype Scalar: TensorScalar
    /// Names of the state channels, e.g. `["u"]` or `["vx", "vy"]`.
    var channels: [String] { get }
    /// Spatial shape `[H, W]` of one state.
    var gridShape: [Int] { get }
    /// Advances every state of the batch by one time step, in place.
    func step(_ states: inout Tensor<Scalar>) throws
}

/// A simulator that also provides the discrete adjoint (vector-Jacobian product) of one step:
/// given states `s` and a cotangent `w` of `P(s)`, returns `J_P(s)ᵀ w`. Used by FO-SOL only.
public protocol DifferentiableSimulator: Simulator {
    func stepVJP(at states: Tensor<Scalar>, cotangent: Tensor<Scalar>) throws -> Tensor<Scalar>
}
@_exported import SOLCore
