// Solver-in-the-loop training methods, rollouts and evaluation. `import SOL` brings every
// library of the project: the core, the solvers, the corrector and the ZO engine.
@_exported import Corrector
@_exported import SOLCore
@_exported import Solver
@_exported import ZOTrain
