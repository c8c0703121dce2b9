// Solver-in-the-loop training methods, rollouts and evaluation.
import SOLCore
import Solver
import Corrector
import ZOTrain
@_exported import SOLCore
