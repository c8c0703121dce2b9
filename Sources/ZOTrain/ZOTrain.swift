// Zeroth-order gradient estimation engine (DeepZero, Chen et al., ICLR 2024, arXiv 2310.02025):
// objectives queried at perturbed parameters, CGE and RGE estimators, ZO-GraSP pruning ratios,
// sparse coordinate masks, a deterministic parallel query pool (threads and MPI ranks),
// optimizers and learning-rate schedules. The estimator only produces a gradient; any optimizer
// consumes it.
import SOLCore
import Corrector
@_exported import SOLCore
