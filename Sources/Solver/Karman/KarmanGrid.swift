import Foundation

/// The staggered (MAC) grid of the wake flow, its cylinder and its boundary conditions.
///
/// Domain `[0, width] × [0, height]` (x across, y along the flow), `cellsX × cellsY` cells of size
/// `dx × dy`. Velocities live on faces: `vx` on the `cellsX + 1` vertical faces of each cell row,
/// `vy` on the `cellsY + 1` horizontal faces of each cell column.
///
/// State layout `[B, 2, H, W]` with `H = cellsY`, `W = cellsX`, channel 0 `vx`, channel 1 `vy`:
/// - `vx[j, i]` is the x-face on the LEFT of cell `(j, i)`, at `(i·dx, (j+½)·dy)`. Column `i = 0` is
///   the left wall (always 0 on output, ignored on input); the right wall face `i = W` is not stored
///   (always 0).
/// - `vy[j, i]` is the y-face BELOW cell `(j, i)`, at `((i+½)·dx, j·dy)`. Row `j = 0` is the inflow
///   face (always `inflowVelocity` on output, ignored on input); the outflow face `j = H` at the top
///   is not stored: it is recovered from continuity of the top cell row,
///   `vy[H, i] = vy[H−1, i] − (dy/dx)(vx[H−1, i+1] − vx[H−1, i])`, which is exact for every
///   projected state.
///
/// Boundary conditions (see docs/scenarios/karman.md): inflow `vy = U` at the bottom, free-slip side
/// walls (`vx = 0`, zero tangential gradient), open top (pressure 0, zero-gradient velocity), and a
/// solid cylinder: cells whose centre lies inside the circle are solid, and every face touching a
/// solid cell has zero velocity after the projection.
public struct KarmanGrid: Sendable, Hashable {
    /// Cells across the flow (`W`).
    public let cellsX: Int
    /// Cells along the flow (`H`).
    public let cellsY: Int
    /// Domain extent in x (100 in the original setup).
    public let width: Double
    /// Domain extent in y, the flow direction (200).
    public let height: Double
    /// Cylinder centre `[x, y]` (`[50, 50]`).
    public let obstacleCenter: [Double]
    /// Cylinder radius; 0 means no obstacle.
    public let obstacleRadius: Double
    /// Inflow speed `U` (`vy` on the inflow faces).
    public let inflowVelocity: Double
    /// Faces with `y < inflowHeight` get `vy = U` (and x-faces `vx = 0`) every step.
    public let inflowHeight: Double
    /// Solid cells, row-major `[H, W]`.
    public let solid: [Bool]
    /// x-faces `H × (W+1)` whose velocity is not changed by the pressure gradient: the walls and
    /// the faces touching a solid cell.
    let uFixed: [Bool]
    /// y-faces `(H+1) × W` not changed by the pressure gradient: the inflow face row and the faces
    /// touching a solid cell (the outflow row is open).
    let vFixed: [Bool]

    /// Cell width `width / cellsX`.
    public var dx: Double { width / Double(cellsX) }
    /// Cell height `height / cellsY`.
    public var dy: Double { height / Double(cellsY) }
    /// `[H, W]`.
    public var shape: [Int] { [cellsY, cellsX] }

    /// The smallest cylinder radius, in cells, the grid must resolve.
    public static let minimumRadiusInCells = 2.0

    /// A grid of the Solver-in-the-Loop wake flow: domain 100 × 200, cylinder of radius 10 at
    /// (50, 50), inflow `vy = 1` below `y = 5` (Um et al. 2020).
    public init(cellsX: Int, cellsY: Int, width: Double = 100, height: Double = 200,
                obstacleCenter: [Double] = [50, 50], obstacleRadius: Double = 10,
                inflowVelocity: Double = 1, inflowHeight: Double = 5) throws {
        guard cellsX >= 4, cellsY >= 4 else {
            throw Self.invalid("the grid needs at least 4 × 4 cells, got \(cellsX) × \(cellsY)")
        }
        guard width > 0, height > 0, width.isFinite, height.isFinite else {
            throw Self.invalid("domain extents must be positive, got \(width) × \(height)")
        }
        guard inflowVelocity.isFinite, inflowVelocity > 0, inflowHeight >= 0 else {
            throw Self.invalid("inflow velocity must be > 0 and inflow height ≥ 0")
        }
        self.cellsX = cellsX
        self.cellsY = cellsY
        self.width = width
        self.height = height
        self.obstacleCenter = obstacleCenter
        self.obstacleRadius = obstacleRadius
        self.inflowVelocity = inflowVelocity
        self.inflowHeight = inflowHeight
        let dx = width / Double(cellsX), dy = height / Double(cellsY)
        var solid = [Bool](repeating: false, count: cellsX * cellsY)
        if obstacleRadius > 0 {
            guard obstacleCenter.count == 2 else { throw Self.invalid("the obstacle centre needs (x, y)") }
            let cells = obstacleRadius / max(dx, dy)
            guard cells >= Self.minimumRadiusInCells else {
                throw Self.invalid("the cylinder radius spans \(String(format: "%.2f", cells)) cells of this \(cellsX) × \(cellsY) grid; "
                                   + "at least \(Self.minimumRadiusInCells) are needed: use a finer grid (a larger resolution)")
            }
            let (cx, cy) = (obstacleCenter[0], obstacleCenter[1])
            // Two clear cells between the cylinder and walls / outflow, and clear of the inflow rows.
            guard cx - obstacleRadius >= 2 * dx, cx + obstacleRadius <= width - 2 * dx,
                  cy + obstacleRadius <= height - 2 * dy,
                  cy - obstacleRadius >= max(inflowHeight, 0) + 2 * dy else {
                throw Self.invalid(
                    "the cylinder at (\(cx), \(cy)) with radius \(obstacleRadius) must stay two cells away from the walls, the outflow and the inflow rows (y < \(inflowHeight))")
            }
            for j in 0..<cellsY {
                for i in 0..<cellsX {
                    let x = (Double(i) + 0.5) * dx - cx, y = (Double(j) + 0.5) * dy - cy
                    solid[j * cellsX + i] = x * x + y * y < obstacleRadius * obstacleRadius
                }
            }
        }
        self.solid = solid
        var uFixed = [Bool](repeating: false, count: cellsY * (cellsX + 1))
        for j in 0..<cellsY {
            for i in 0...cellsX {
                uFixed[j * (cellsX + 1) + i] = i == 0 || i == cellsX || solid[j * cellsX + i - 1] || solid[j * cellsX + i]
            }
        }
        var vFixed = [Bool](repeating: false, count: (cellsY + 1) * cellsX)
        for j in 0..<cellsY {
            for i in 0..<cellsX {
                vFixed[j * cellsX + i] = j == 0 || solid[(j - 1) * cellsX + i] || solid[j * cellsX + i]
            }
        }
        self.uFixed = uFixed
        self.vFixed = vFixed
    }

    static func invalid(_ reason: String) -> SolverError {
        SolverError.invalidConfiguration(scenario: "karman", reason: reason)
    }

    /// The same domain and obstacle with `factor`× as many cells per axis.
    public func refined(by factor: Int) throws -> KarmanGrid {
        try KarmanGrid(cellsX: cellsX * factor, cellsY: cellsY * factor, width: width, height: height,
                       obstacleCenter: obstacleCenter, obstacleRadius: obstacleRadius,
                       inflowVelocity: inflowVelocity, inflowHeight: inflowHeight)
    }

    // MARK: Face indexing of the internal full-face buffer

    /// Internal buffer: `U` (vx, `H × (W+1)`) followed by `V` (vy, `(H+1) × W`).
    var uCount: Int { cellsY * (cellsX + 1) }
    var vCount: Int { (cellsY + 1) * cellsX }
    var faceCount: Int { uCount + vCount }
    @inline(__always) func u(_ j: Int, _ i: Int) -> Int { j * (cellsX + 1) + i }
    @inline(__always) func v(_ j: Int, _ i: Int) -> Int { uCount + j * cellsX + i }
    @inline(__always) func isSolid(_ j: Int, _ i: Int) -> Bool { solid[j * cellsX + i] }

    /// Whether the x-face `(j, i)` (1 ≤ i ≤ W−1) touches a solid cell.
    func uFaceSolid(_ j: Int, _ i: Int) -> Bool { isSolid(j, i - 1) || isSolid(j, i) }
    /// Whether the y-face `(j, i)` (1 ≤ j ≤ H−1) touches a solid cell.
    func vFaceSolid(_ j: Int, _ i: Int) -> Bool { isSolid(j - 1, i) || isSolid(j, i) }

    /// Number of cell rows whose x-faces are reset to `vx = 0` by the inflow condition
    /// (x-face centres `(j+½)·dy < inflowHeight`).
    var inflowURows: Int { min(cellsY, max(0, Int(((inflowHeight / dy) - 0.5).rounded(.up)))) }
    /// Number of y-face rows (from `j = 0`) reset to `vy = U` (`j·dy < inflowHeight`).
    var inflowVRows: Int { min(cellsY, max(1, Int((inflowHeight / dy).rounded(.up)))) }
}
