/// The training methods of the solver-in-the-loop comparison (rows of every MAE table).
public enum TrainingMethodKind: String, Codable, CaseIterable, Sendable {
    /// Supervised, non-interactive: one step, exact backprop through the corrector only.
    case non = "non"
    /// Unrolled, exact gradients through corrector and solver (the solver's discrete adjoint).
    case foSOL = "fo-sol"
    /// Unrolled, gradient estimated by sparse coordinate-wise finite differences (black-box solver).
    case zoSOL = "zo-sol"
    /// Unrolled, backprop through the corrector only; the solver's Jacobian treated as zero.
    case nogSOL = "nog-sol"

    /// Name used in tables: `NON`, `FO-SOL`, `ZO-SOL`, `NOG-SOL`.
    public var label: String { rawValue.uppercased() }
}
