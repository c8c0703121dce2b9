/// Invalid wake-flow (`karman`) configurations and failures during a run. Raised before anything
/// runs (bad parameters) or with the simulation and step where a state stopped being finite.
public enum KarmanError: Error, CustomStringConvertible, Equatable {
    /// The Reynolds number must be finite and positive.
    case invalidReynoldsNumber(Double)
    /// The grid resolves the cylinder with too few cells.
    case obstacleUnderresolved(radiusInCells: Double, minimum: Double)
    /// The cylinder must stay clear of the walls, the inflow rows and the outflow.
    case obstacleOutsideDomain(String)
    /// The time step moves the inflow more than `limit` cells per step.
    case advectionCFL(courant: Double, limit: Double)
    /// Time step or grid extents that make no sense.
    case invalidGrid(String)
    /// The state tensor does not have the `[B, 2, H, W]` shape of this simulator.
    case shapeMismatch(expected: [Int], found: [Int])
    /// A state became NaN or infinite (`step` is nil when the simulator does not know it).
    case blowUp(simulation: Int, step: Int?)

    public var description: String {
        switch self {
        case let .invalidReynoldsNumber(re):
            return "karman: the Reynolds number must be finite and > 0, got \(re)"
        case let .obstacleUnderresolved(r, minimum):
            return "karman: the cylinder radius spans \(String(format: "%.2f", r)) cells; use at least \(minimum) (a finer grid)"
        case let .obstacleOutsideDomain(why):
            return "karman: obstacle placement: \(why)"
        case let .advectionCFL(c, limit):
            return "karman: dt · inflow speed / cell size = \(String(format: "%.3g", c)) exceeds the advection CFL limit \(limit); use a smaller dt or more sub-steps"
        case let .invalidGrid(why):
            return "karman: \(why)"
        case let .shapeMismatch(expected, found):
            return "karman: states must have shape [B, C, H, W] = \(expected), got \(found)"
        case let .blowUp(simulation, step):
            let at = step.map { " at step \($0)" } ?? ""
            return "karman: simulation \(simulation) blew up (NaN or infinite velocity)\(at); lower dt, or use a finer grid for this Reynolds number"
        }
    }
}
