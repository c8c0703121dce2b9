// Zeroth-order gradient estimation engine: CGE, RGE, ZO-GraSP, sparse masks, parallel queries.
import SOLCore
import Corrector
@_exported import SOLCore
