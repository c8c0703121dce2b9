// Corrector networks: layers, forward with cached activations, backward, checkpoints.
//
// Files, in dependency order:
//   CorrectorError            the module's one error enum
//   Activation, PaddingMode   element-wise nonlinearities; how a convolution sees past the edge
//   NetworkArchitecture       the Codable description stored in checkpoints (+ presets)
//   ConvolutionLayer          one resolved conv layer of an architecture (the unit of feature reuse)
//   ParameterView             named slices of the flat parameter vector
//   Normalization             stored input/output statistics
//   Network                   architecture + ONE flat [Float] parameter vector (+ Initialization),
//                             its parameter groups for the ZO engine (ParameterGroup, SOLCore)
//   Convolution               im2col / col2im / direct kernels on raw pointers (+ OpenBLAS sgemm)
//   ActivationCache           every layer's input and pre-activation (read-only during reuse)
//   NetworkWorkspace          per-thread scratch, reused so that the hot loop does not allocate
//   Network+Forward           full forward, resume at layer k, single-coordinate perturbation
//   FastActivation            the activations whose differences channel deltas carry
//   ChannelDeltaWorkspace     per-thread base-point tables and scratch of channel-delta queries
//   Network+ChannelDelta      a single-coordinate perturbation carried to the output as deltas
//   Network+Backward          vector-Jacobian products w.r.t. parameters and input
//   InputAssembly             velocity channels + constant channels (e.g. normalised Re)
//   Checkpoint                HDF5 checkpoints (architecture, parameters, statistics, optimizer)
@_exported import SOLCore
