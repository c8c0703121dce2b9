import Foundation

/// The direct pressure solve of the wake flow: the masked Poisson problem `L_m p = r` on the
/// cell-centred grid, with the cylinder, by a fast solve plus a capacitance-matrix correction.
///
/// `L` (no obstacle) is the 5-point Laplacian with Neumann walls in x, Neumann at the inflow and
/// Dirichlet `p = 0` at the open top in y. A DCT-II in x (FFTW real-to-real, batched over the rows)
/// diagonalises the x part, `λx = (2cos(π kx/W) − 2)/dx²`; each x-mode then solves a tridiagonal
/// system in y, by a Thomas sweep with pivots factored once (vectorised across the modes), and a
/// DCT-III returns to cells. (The y part is also diagonalised by a DCT-IV,
/// `λy = (2cos(π(ky+½)/H) − 2)/dy²`; FFTW's 2D DCT-IV × DCT-II costs ~7× the 1D batched DCT-II at
/// these sizes, so the tridiagonal sweep is used and the 2D transform solve is kept as the test
/// oracle ``eigenSolve(_:grid:)``.) All eigenvalues are negative: `L` is invertible.
///
/// The cylinder removes the `k` faces between fluid and solid cells (Neumann on the obstacle) and
/// pins one cell of each solid island (which is then decoupled from the fluid): a rank-`k` update
/// `L_m = L + U Σ Uᵀ`. Sherman–Morrison–Woodbury gives the exact inverse
/// `L_m⁻¹ r = L⁻¹ (r − U C⁻¹ Uᵀ L⁻¹ r)`, `C = Σ⁻¹ + Uᵀ L⁻¹ U` (k × k, inverted once at
/// construction; the "capacitance matrix method", Buzbee, Dorr, George & Golub 1971). One solve is
/// two fast solves and a k × k product: a linear, deterministic function of `r`, with no
/// iteration count or tolerance. Always Float64, also for Float32 states: a Float32 pressure with a
/// large smooth component leaves a divergence of ~1e-5 (relative) after the gradient is
/// subtracted, while the Float64 solve leaves only the final rounding of the velocities (~1e-7).
final class KarmanPressureSolver: @unchecked Sendable {
    typealias Scalar = Double
    let grid: KarmanGrid
    private let fast: FastSolver
    /// Low-rank update: removed faces `(a, b)` (cells, `d = e_b − e_a`) then pinned cells.
    let removedFaces: [(a: Int, b: Int)]
    let pinnedCells: [Int]
    /// `C⁻¹`, row-major `k × k`.
    private let capacitanceInverse: [Scalar]
    var rank: Int { removedFaces.count + pinnedCells.count }
    /// Interior faces touching a solid cell: x-faces (index into `U`) and y-faces (index into `V`).
    let solidU: [Int]
    let solidV: [Int]

    private static let cache = KarmanSolverCache()

    /// The process-wide solver of `grid` (the capacitance matrix is built once per grid).
    static func shared(grid: KarmanGrid) throws -> KarmanPressureSolver {
        try cache.solver(for: grid)
    }

    init(grid: KarmanGrid) throws {
        self.grid = grid
        let (h, w) = (grid.cellsY, grid.cellsX)
        fast = try FastSolver(grid: grid)
        // Faces between a fluid and a solid cell, and one pinned cell per solid island.
        var faces: [(a: Int, b: Int)] = [], pins: [Int] = []
        var cSigmaInverse: [Double] = []
        for j in 0..<h {
            for i in 0..<w {
                let c = j * w + i
                if i + 1 < w, grid.solid[c] != grid.solid[c + 1] {
                    faces.append((c, c + 1)); cSigmaInverse.append(grid.dx * grid.dx)
                }
                if j + 1 < h, grid.solid[c] != grid.solid[c + w] {
                    faces.append((c, c + w)); cSigmaInverse.append(grid.dy * grid.dy)
                }
            }
        }
        var seen = [Bool](repeating: false, count: h * w)
        for start in 0..<(h * w) where grid.solid[start] && !seen[start] {
            pins.append(start)
            var stack = [start]
            seen[start] = true
            while let c = stack.popLast() {
                let (j, i) = (c / w, c % w)
                for (nj, ni) in [(j - 1, i), (j + 1, i), (j, i - 1), (j, i + 1)]
                where nj >= 0 && nj < h && ni >= 0 && ni < w {
                    let n = nj * w + ni
                    if grid.solid[n] && !seen[n] { seen[n] = true; stack.append(n) }
                }
            }
            cSigmaInverse.append(-grid.dx * grid.dy)  // Σ = −1/(dx·dy): a pin to p = 0
        }
        removedFaces = faces
        pinnedCells = pins
        var solidU: [Int] = [], solidV: [Int] = []
        for j in 0..<h {
            for i in 1..<w where grid.solid[j * w + i - 1] || grid.solid[j * w + i] { solidU.append(j * (w + 1) + i) }
        }
        for j in 1..<h {
            for i in 0..<w where grid.solid[(j - 1) * w + i] || grid.solid[j * w + i] { solidV.append(j * w + i) }
        }
        self.solidU = solidU
        self.solidV = solidV
        capacitanceInverse = Self.capacitanceInverse(fast: fast, faces: faces, pins: pins, sigmaInverse: cSigmaInverse)
    }

    static func inverseEigenvalues(grid: KarmanGrid) -> [Double] {
        let (h, w) = (grid.cellsY, grid.cellsX)
        let normalisation = Double(2 * h * 2 * w)
        var result = [Double](repeating: 0, count: h * w)
        for ky in 0..<h {
            let ly = (2 * cos(Double.pi * (Double(ky) + 0.5) / Double(h)) - 2) / (grid.dy * grid.dy)
            for kx in 0..<w {
                let lx = (2 * cos(Double.pi * Double(kx) / Double(w)) - 2) / (grid.dx * grid.dx)
                result[ky * w + kx] = 1 / ((lx + ly) * normalisation)
            }
        }
        return result
    }

    /// `C = Σ⁻¹ + Uᵀ L⁻¹ U` in Float64, inverted by Gauss–Jordan with partial pivoting.
    private static func capacitanceInverse(fast: FastSolver, faces: [(a: Int, b: Int)], pins: [Int],
                                           sigmaInverse: [Double]) -> [Double] {
        let k = faces.count + pins.count
        guard k > 0 else { return [] }
        let n = fast.count
        var c = [Double](repeating: 0, count: k * k)
        var column = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: n)
        for m in 0..<k {
            for q in 0..<n { column[q] = 0 }
            if m < faces.count { column[faces[m].b] += 1; column[faces[m].a] -= 1 } else { column[pins[m - faces.count]] = 1 }
            fast.solve(column, into: &z)
            for r in 0..<k {
                let value = r < faces.count ? z[faces[r].b] - z[faces[r].a] : z[pins[r - faces.count]]
                c[r * k + m] = value
            }
            c[m * k + m] += sigmaInverse[m]
        }
        // Symmetrise (C is symmetric in exact arithmetic) and invert.
        for r in 0..<k { for m in (r + 1)..<k { let s = 0.5 * (c[r * k + m] + c[m * k + r]); c[r * k + m] = s; c[m * k + r] = s } }
        var inv = [Double](repeating: 0, count: k * k)
        for r in 0..<k { inv[r * k + r] = 1 }
        for col in 0..<k {
            var pivot = col
            for r in (col + 1)..<k where abs(c[r * k + col]) > abs(c[pivot * k + col]) { pivot = r }
            precondition(abs(c[pivot * k + col]) > 0, "KarmanPressureSolver: singular capacitance matrix")
            if pivot != col {
                for q in 0..<k { c.swapAt(pivot * k + q, col * k + q); inv.swapAt(pivot * k + q, col * k + q) }
            }
            let d = 1 / c[col * k + col]
            for q in 0..<k { c[col * k + q] *= d; inv[col * k + q] *= d }
            for r in 0..<k where r != col {
                let f = c[r * k + col]
                if f == 0 { continue }
                for q in 0..<k { c[r * k + q] -= f * c[col * k + q]; inv[r * k + q] -= f * inv[col * k + q] }
            }
        }
        return inv
    }

    /// The obstacle-free fast Poisson solve `p = L⁻¹ r`: DCT-II in x, tridiagonal in y, DCT-III.
    struct FastSolver: @unchecked Sendable {
        let h: Int, w: Int
        var count: Int { h * w }
        let forward: RealToRealTransform<Double>
        let backward: RealToRealTransform<Double>
        /// `dy² / (2W)`: the y-system is scaled by `dy²`, the DCT pair by `2W`.
        let rhsScale: Double
        /// Thomas pivots `1 / denominator[j][kx]` of the tridiagonal `(1, b_j(kx), 1)` systems.
        let inversePivots: [Double]

        init(grid: KarmanGrid) throws {
            (h, w) = (grid.cellsY, grid.cellsX)
            forward = try RealToRealTransform<Double>.shared(shape: [w], kinds: [.dct2], batch: h)
            backward = try forward.inverse
            rhsScale = grid.dy * grid.dy / Double(forward.normalization)
            var pivots = [Double](repeating: 0, count: h * w)
            let ratio = grid.dy * grid.dy / (grid.dx * grid.dx)
            for kx in 0..<w {
                let lx = (2 * cos(Double.pi * Double(kx) / Double(w)) - 2) * ratio
                var previous = 0.0  // 1 / denominator of the row above (0 before the first row)
                for j in 0..<h {
                    // Diagonal: −2 + λx dy², Neumann ghost at the bottom (+1), Dirichlet ghost at the top (−1).
                    var b = -2 + lx
                    if j == 0 { b += 1 }
                    if j == h - 1 { b -= 1 }
                    let denominator = b - previous
                    previous = 1 / denominator
                    pivots[j * w + kx] = previous
                }
            }
            inversePivots = pivots
        }

        /// `p = L⁻¹ r`; `spectrum` is scratch of `H·W`.
        func solve(_ r: UnsafePointer<Double>, _ p: UnsafeMutablePointer<Double>, spectrum s: UnsafeMutablePointer<Double>) {
            forward.execute(r, s)
            let (h, w, scale) = (self.h, self.w, rhsScale)
            inversePivots.withUnsafeBufferPointer { pv in
                let m = pv.baseAddress!
                // Forward sweep: d'_j = (d_j − d'_{j−1}) / denominator_j (rows are contiguous in kx).
                for kx in 0..<w { s[kx] = s[kx] * scale * m[kx] }
                for j in 1..<h {
                    let row = s + j * w, above = s + (j - 1) * w, mj = m + j * w
                    for kx in 0..<w { row[kx] = (row[kx] * scale - above[kx]) * mj[kx] }
                }
                // Back substitution: x_j = d'_j − x_{j+1} / denominator_j.
                for j in stride(from: h - 2, through: 0, by: -1) {
                    let row = s + j * w, below = s + (j + 1) * w, mj = m + j * w
                    for kx in 0..<w { row[kx] -= mj[kx] * below[kx] }
                }
            }
            backward.execute(s, p)
        }

        /// Array convenience (allocates).
        func solve(_ r: [Double], into p: inout [Double]) {
            var spectrum = [Double](repeating: 0, count: r.count)
            r.withUnsafeBufferPointer { rp in
                p.withUnsafeMutableBufferPointer { pp in
                    spectrum.withUnsafeMutableBufferPointer { sp in solve(rp.baseAddress!, pp.baseAddress!, spectrum: sp.baseAddress!) }
                }
            }
        }
    }

    /// The same obstacle-free solve by the 2D eigen-decomposition (DCT-IV in y, DCT-II in x): the
    /// test oracle of ``FastSolver``.
    static func eigenSolve(_ r: [Double], grid: KarmanGrid) throws -> [Double] {
        let t = try RealToRealTransform<Double>.shared(shape: [grid.cellsY, grid.cellsX], kinds: [.dct4, .dct2])
        let e = inverseEigenvalues(grid: grid)
        var spectrum = t(Tensor(shape: [grid.cellsY, grid.cellsX], scalars: r))
        for q in 0..<e.count { spectrum.scalars[q] *= e[q] }
        return try t.inverse(spectrum).scalars
    }

    /// Solves `L_m p = r` (`r`, `p`: `H·W` cells, row-major). `spectrum` and `correction` are scratch
    /// of the same size. `r` is preserved.
    func solve(_ r: UnsafePointer<Scalar>, _ p: UnsafeMutablePointer<Scalar>,
               spectrum: UnsafeMutablePointer<Scalar>, correction: UnsafeMutablePointer<Scalar>) {
        let n = grid.cellsX * grid.cellsY
        fastSolve(r, p, spectrum: spectrum)
        let k = rank
        if k == 0 { return }
        // g = Uᵀ p0, y = C⁻¹ g, r' = r − U y, p = L⁻¹ r'.
        let nf = removedFaces.count
        var g = [Scalar](repeating: 0, count: k), y = [Scalar](repeating: 0, count: k)
        for m in 0..<nf { g[m] = p[removedFaces[m].b] - p[removedFaces[m].a] }
        for m in 0..<pinnedCells.count { g[nf + m] = p[pinnedCells[m]] }
        capacitanceInverse.withUnsafeBufferPointer { cinv in
            for r in 0..<k {
                var s: Scalar = 0
                let row = cinv.baseAddress! + r * k
                for q in 0..<k { s += row[q] * g[q] }
                y[r] = s
            }
        }
        correction.update(from: r, count: n)
        for m in 0..<nf { correction[removedFaces[m].b] -= y[m]; correction[removedFaces[m].a] += y[m] }
        for m in 0..<pinnedCells.count { correction[pinnedCells[m]] -= y[nf + m] }
        fastSolve(correction, p, spectrum: spectrum)
    }

    private func fastSolve(_ r: UnsafePointer<Scalar>, _ p: UnsafeMutablePointer<Scalar>,
                           spectrum: UnsafeMutablePointer<Scalar>) {
        fast.solve(r, p, spectrum: spectrum)
    }
}

/// The process-wide cache of pressure solvers, one per grid.
final class KarmanSolverCache: @unchecked Sendable {
    private var solvers: [KarmanGrid: KarmanPressureSolver] = [:]
    private let lock = NSLock()

    func solver(for grid: KarmanGrid) throws -> KarmanPressureSolver {
        lock.lock()
        defer { lock.unlock() }
        if let s = solvers[grid] { return s }
        let s = try KarmanPressureSolver(grid: grid)
        solvers[grid] = s
        return s
    }
}
