// Corrector networks: layers, forward with cached activations, backward, checkpoints.
import SOLCore
@_exported import SOLCore
