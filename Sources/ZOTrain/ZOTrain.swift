// Zeroth-order gradient estimation engine (DeepZero, Chen et al., ICLR 2024, arXiv 2310.02025):
// objectives queried at perturbed parameters, CGE and RGE estimators, ZO-GraSP pruning ratios,
// sparse coordinate masks, a deterministic parallel query pool (threads and MPI ranks),
// optimizers and learning-rate schedules. The estimator only produces a gradient; any optimizer
// consumes it.
//
// Model-agnostic: the engine depends on the core only. An objective is any `ZOObjective`; a model
// describes its parameters with `ParameterGroup`s (SOLCore). Network-specific feature reuse lives
// with the network (Corrector), and the objectives that join the two live in SOL.
@_exported import SOLCore
