import Solver

/// How a scenario's fields on one grid appear in the exchange layouts (PBDL, The Well): the PDE
/// name, field names, the spatial axes in `x`-first order, the physical coordinates of the stored
/// values, the boundary condition of every domain end, and the index permutation between `sol`'s
/// `[T, C, H, W]` (y before x) and the `x`-first arrays both layouts use.
///
/// Both layouts put `x` first (PBDL `[time, channel, x, y]`, The Well `[trajectory, time, x, y,
/// component]`), so a frame `f[c, j, i]` of `sol` is `pbdl[c, i, j]` and `well[i, j, c]`.
/// One-dimensional scenarios (`H = 1`) drop the `y` axis.
public struct ExchangeLayout: Sendable, Equatable {
    /// Boundary condition types shared by both layouts (The Well's `bc_type` is the upper-case name).
    public enum Boundary: String, Sendable, Equatable {
        case periodic, wall, open
    }

    /// PDE name (PBDL `PDE`).
    public var pde: String
    /// Channel names in storage order, e.g. `["u"]` or `["vx", "vy"]` (PBDL `Fields`).
    public var channels: [String]
    /// PBDL `Fields Scheme`: one letter per channel, equal consecutive letters form a vector field.
    public var fieldsScheme: String
    /// The Well: the name of the order-1 (`t1_fields`) field whose components are the channels,
    /// or `nil` when every channel is a scalar (`t0_fields`) field named after the channel.
    public var vectorField: String?
    /// The `sol` grid `[H, W]`.
    public var grid: [Int]
    /// Spatial axis names, `x` first: `["x"]` or `["x", "y"]`.
    public var spatialDims: [String]
    /// Points per spatial axis, `x` first.
    public var resolution: [Int]
    /// Physical extent per spatial axis, `x` first.
    public var extent: [Double]
    /// Physical coordinates of the stored values along each spatial axis, `x` first.
    public var coordinates: [[Double]]
    /// Boundary condition at the lower and upper end of each spatial axis, `x` first.
    public var boundaries: [(lower: Boundary, upper: Boundary)]
    /// For staggered data: where each component lives relative to ``coordinates``; `nil` when
    /// every value sits at the listed coordinates.
    public var staggering: String?

    /// The layout of `scenario`'s fields on `grid` (its source or reference grid).
    public init(scenario: any Scenario, grid: [Int]) {
        let (h, w) = (grid[0], grid[1])
        let (ly, lx) = (scenario.domain[0], scenario.domain[1])
        let oneDimensional = h == 1
        self.grid = grid
        channels = scenario.channels
        spatialDims = oneDimensional ? ["x"] : ["x", "y"]
        resolution = oneDimensional ? [w] : [w, h]
        extent = oneDimensional ? [lx] : [lx, ly]
        vectorField = channels.count > 1 ? "velocity" : nil
        fieldsScheme = String(repeating: "V", count: channels.count)
        staggering = nil
        let nodes = { (n: Int, length: Double) in (0..<n).map { Double($0) * length / Double(n) } }
        let centres = { (n: Int, length: Double) in (0..<n).map { (Double($0) + 0.5) * length / Double(n) } }
        switch scenario {
        case is KarmanScenario:
            pde = "Navier-Stokes (incompressible wake flow behind a cylinder)"
            coordinates = [centres(w, lx), centres(h, ly)]
            boundaries = [(.wall, .wall), (.open, .open)]
            staggering = "MAC (staggered) grid: velocity_x[i, j] is the x-face at (x[i] - dx/2, y[j]), "
                + "velocity_y[i, j] the y-face at (x[i], y[j] - dy/2); x[i], y[j] are cell centres"
        case is KolmogorovScenario:
            pde = "Navier-Stokes (Kolmogorov flow)"
            coordinates = [nodes(w, lx), nodes(h, ly)]
            boundaries = [(.periodic, .periodic), (.periodic, .periodic)]
        case is BurgersScenario:
            pde = "Burgers"
            coordinates = [nodes(w, lx)]
            boundaries = [(.periodic, .periodic)]
        default:
            // A scenario added later: its name, grid points at i·L/n, and its coarse
            // ``Scenario/boundary`` (periodic, else open) until it gets a case here.
            pde = scenario.name
            coordinates = oneDimensional ? [nodes(w, lx)] : [nodes(w, lx), nodes(h, ly)]
            let end: Boundary = scenario.boundary == .periodic ? .periodic : .open
            boundaries = Array(repeating: (end, end), count: spatialDims.count)
        }
    }

    /// Equal when every described property is (the boundary tuples compared end by end).
    public static func == (a: ExchangeLayout, b: ExchangeLayout) -> Bool {
        a.pde == b.pde && a.channels == b.channels && a.grid == b.grid && a.coordinates == b.coordinates
            && a.boundaries.map(\.lower) == b.boundaries.map(\.lower) && a.boundaries.map(\.upper) == b.boundaries.map(\.upper)
            && a.staggering == b.staggering && a.vectorField == b.vectorField
    }

    /// Number of spatial axes (1 or 2).
    public var spatialRank: Int { spatialDims.count }

    /// `T` frames `[T, C, H, W]` (row-major scalars) in `x`-first order: `[T, C, W, H]` when
    /// `channelLast` is false (PBDL), `[T, W, H, C]` when it is true (The Well).
    public func exchangeOrder(_ frames: [Float], channelLast: Bool) -> [Float] {
        permute(frames, toExchange: true, channelLast: channelLast)
    }

    /// The inverse of ``exchangeOrder(_:channelLast:)``: `x`-first scalars back to `[T, C, H, W]`.
    public func solOrder(_ values: [Float], channelLast: Bool) -> [Float] {
        permute(values, toExchange: false, channelLast: channelLast)
    }

    private func permute(_ values: [Float], toExchange: Bool, channelLast: Bool) -> [Float] {
        let (c, h, w) = (channels.count, grid[0], grid[1])
        let frameSize = c * h * w
        guard frameSize > 0 else { return values }
        let t = values.count / frameSize
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for k in 0..<t {
                    for ch in 0..<c {
                        for j in 0..<h {
                            for i in 0..<w {
                                let sol = ((k * c + ch) * h + j) * w + i
                                let exchange = channelLast ? ((k * w + i) * h + j) * c + ch : ((k * c + ch) * w + i) * h + j
                                if toExchange { dst[exchange] = src[sol] } else { dst[sol] = src[exchange] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// PBDL's `Boundary Conditions` list, one entry per domain end in
    /// ``boundaryConditionsOrder`` (`x negative`, `x positive`, `y negative`, `y positive`).
    public var boundaryConditions: [String] { boundaries.flatMap { [$0.lower.rawValue, $0.upper.rawValue] } }

    /// PBDL's `Boundary Conditions Order`.
    public var boundaryConditionsOrder: [String] { spatialDims.flatMap { ["\($0) negative", "\($0) positive"] } }
}
