// The solver module: Simulator protocols, the scenarios and the downsampling between grids.
@_exported import SOLCore
