/// The dataset layouts of other physics-ML tools that `sol export` writes and `sol import` reads
/// (docs/file-formats.md, "Exchange layouts").
public enum ExchangeFormat: String, CaseIterable, Sendable {
    /// The PBDL dataloader layout (`pbdl` package, TUM): one `.hdf5` file, group `sims` with
    /// datasets `sim0`, `sim1`, … of shape `[time, channel, x(, y)]`, metadata as attributes.
    case pbdl
    /// The Well layout (`the_well` package, PolymathicAI): a directory `data/<split>/` of HDF5
    /// files, one per parameter set, with `dimensions`, `boundary_conditions`, `scalars` and
    /// `t0_fields` / `t1_fields` / `t2_fields` groups of `[trajectory, time, x(, y)(, component)]` arrays.
    case well
}
