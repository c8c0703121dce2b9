/// The self-advection scheme of the wake-flow step (``KarmanSimulator``).
///
/// - ``semiLagrangian``: the original benchmark's scheme (Um et al. 2020, PhiFlow's
///   `advect.semi_lagrangian`): every face value is the bilinear interpolant at the departure
///   point `x − dt·v(x)`. First order; its numerical diffusion (~`|v| dx / 2` per unit time) is
///   larger than `ν` at high Re on the benchmark grids. The source solver always uses it (it is
///   what the Solver-in-the-Loop numbers use, and it has the discrete adjoint FO-SOL needs).
/// - ``macCormack``: the MacCormack / BFECC correction of Selle et al. (J. Sci. Comput. 35, 2008)
///   as PhiFlow's `advect.mac_cormack` offers it: a backward semi-Lagrangian step `φ̂`, a forward
///   one back from `φ̂` (`φ̃`, same face velocity), the corrected `φ̂ + ½(φ − φ̃)`, clamped to the
///   range of the four values the backward interpolation used (the limiter that keeps it stable
///   and free of new extrema). Second order where the flow is smooth; for the reference solver
///   (`sol generate --advection maccormack`). It has no adjoint.
public enum KarmanAdvection: String, Codable, Sendable, CaseIterable {
    case semiLagrangian = "semi-lagrangian"
    case macCormack = "maccormack"
}
