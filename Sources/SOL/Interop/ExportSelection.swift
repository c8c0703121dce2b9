/// Which trajectories `sol export` writes.
public enum ExportSelection: String, CaseIterable, Sendable {
    /// The high-fidelity reference on the reference grid (`factor`× the source grid), recomputed
    /// from the dataset's configuration and parameters; `T` of every exported frame is checked
    /// against the stored frame.
    case reference
    /// The stored frames: the reference downsampled by `T` onto the source grid.
    case sourcePairs = "source-pairs"
}
