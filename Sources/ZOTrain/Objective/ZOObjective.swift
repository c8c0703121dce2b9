/// A loss that a zeroth-order estimator queries at perturbed parameters.
///
/// The estimator first calls ``prepare(at:)`` with the base point θ, which returns f(θ) and may
/// cache whatever later queries reuse (a network caches its activations). Then it asks, as many
/// times as it likes, for the losses at
///
///   θ + s·e_j  (``coordinateLosses(_:steps:)``, CGE)   or   θ + s·u  (``directionLosses(along:steps:)``, RGE)
///
/// for a *set* of coordinates j or one direction u and a few step sizes s (one step `μ` for
/// forward differences, `μ, −μ` for central ones), so that an objective can evaluate many
/// perturbations together and share work. Implementations perturb their own copy of θ in place
/// and restore it exactly: after any query ``parameters`` is bit-identical to the prepared θ.
/// Losses are returned (and should be accumulated) in Float64: a finite difference divides a
/// tiny loss change by μ, and a float32 sum would drown it in round-off.
///
/// Queries may throw: an objective whose loss runs an external solver reports that solver's
/// failure (a crash, a timeout) as the error it is, instead of a NaN loss that would only surface
/// later as "the gradient is not finite". Pure functions simply do not throw.
///
/// An objective is used by one thread at a time. Parallel evaluation (``QueryPool``) asks for
/// independent copies with ``makeWorker()``; each keeps its own parameters and workspaces.
///
/// The solver-in-the-loop trainer implements this protocol with a loss through n unrolled
/// solver + corrector steps: only its first corrector call can reuse cached features, and
/// ``queryCost(ofCoordinate:)`` tells the pool how expensive each coordinate's query is.
public protocol ZOObjective: AnyObject {
    /// Number of parameters d.
    var parameterCount: Int { get }
    /// The current base point θ (the argument of the last ``prepare(at:)``).
    var parameters: [Float] { get }
    /// Sets the base point θ, caches what later queries reuse and returns f(θ).
    func prepare(at parameters: [Float]) throws -> Double
    /// Losses f(θ + s·e_j) for every coordinate j in `coordinates` and every s in `steps`,
    /// coordinate-major: result[i · steps.count + k] belongs to (coordinates[i], steps[k]).
    /// The perturbed value is the float32 sum `θ_j + s`.
    func coordinateLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) throws -> [Double]
    /// Losses f(θ + s·u) for every s in `steps` (perturbed values are float32 `θ_i + s·u_i`).
    func directionLosses(along direction: [Float], steps: [Float]) throws -> [Double]
    /// An independent copy (own parameters and workspaces) for another thread.
    func makeWorker() -> any ZOObjective
    /// Relative cost of one query perturbing coordinate j (1 by default). A network with feature
    /// reuse returns less for later layers; the pool balances threads with it.
    func queryCost(ofCoordinate j: Int) -> Double
}

extension ZOObjective {
    public func queryCost(ofCoordinate j: Int) -> Double { 1 }
}
