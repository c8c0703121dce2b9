import Foundation

/// The direct pressure solve of the wake flow: the masked Poisson problem `L_m p = r` on the
/// cell-centred grid, with the cylinder, by a fast DCT solve plus a capacitance-matrix correction.
///
/// `L` (no obstacle) is the 5-point Laplacian with Neumann walls in x (DCT-II), Neumann at the
/// inflow and Dirichlet `p = 0` at the open top in y (DCT-IV):
/// `λ(kx, ky) = (2cos(π kx/W) − 2)/dx² + (2cos(π(ky+½)/H) − 2)/dy²`, all negative, so `L` is
/// invertible and `L⁻¹ = DCT⁻¹ Λ⁻¹ DCT` costs two 2D real-to-real transforms (FFTW).
///
/// The cylinder removes the `k` faces between fluid and solid cells (Neumann on the obstacle) and
/// pins one cell of each solid island (which is then decoupled from the fluid): a rank-`k` update
/// `L_m = L + U Σ Uᵀ`. Sherman–Morrison–Woodbury gives the exact inverse
/// `L_m⁻¹ r = L⁻¹ (r − U C⁻¹ Uᵀ L⁻¹ r)`, `C = Σ⁻¹ + Uᵀ L⁻¹ U` (k × k, inverted once in Float64 at
/// construction). Always Float64, also for Float32 states: a Float32 pressure with a large smooth
/// component leaves a divergence of ~1e-5 (relative) after the gradient is subtracted, while the
/// Float64 solve leaves only the final rounding of the velocities (~1e-7). One solve = two fast solves + a k × k product: a linear, deterministic function of
/// `r`, with no iteration count or tolerance (the "capacitance matrix method", Buzbee, Dorr,
/// George & Golub 1971).
final class KarmanPressureSolver: @unchecked Sendable {
    typealias Scalar = Double
    let grid: KarmanGrid
    private let forward: RealToRealTransform<Scalar>
    private let backward: RealToRealTransform<Scalar>
    /// `1 / (λ · normalisation)` per mode.
    private let inverseEigenvalues: [Scalar]
    /// Low-rank update: removed faces `(a, b)` (cells, `d = e_b − e_a`) then pinned cells.
    let removedFaces: [(a: Int, b: Int)]
    let pinnedCells: [Int]
    /// `C⁻¹`, row-major `k × k`.
    private let capacitanceInverse: [Scalar]
    /// `L⁻¹ U` (k columns of `H·W`), kept when `k` is small enough that `p0 − (L⁻¹U) y` is cheaper
    /// than the second fast solve (`k < 4 log₂(HW)`); nil otherwise.
    private let responses: [Scalar]?
    var rank: Int { removedFaces.count + pinnedCells.count }
    /// Interior faces touching a solid cell: x-faces (index into `U`) and y-faces (index into `V`).
    let solidU: [Int]
    let solidV: [Int]

    private static let cache = KarmanSolverCache()

    /// The process-wide solver of `grid` (the capacitance matrix is built once per grid).
    static func shared(grid: KarmanGrid) -> KarmanPressureSolver {
        cache.solver(for: grid)
    }

    init(grid: KarmanGrid) {
        self.grid = grid
        let (h, w) = (grid.cellsY, grid.cellsX)
        forward = RealToRealTransform<Scalar>.shared(shape: [h, w], kinds: [.dct4, .dct2])
        backward = forward.inverse
        inverseEigenvalues = Self.inverseEigenvalues(grid: grid).map { Scalar($0) }
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
        let n = h * w
        let keep = Double(faces.count + pins.count) < 4 * log2(Double(n))
        var z: [Double]? = keep ? [] : nil
        capacitanceInverse = Self.capacitanceInverse(grid: grid, faces: faces, pins: pins, sigmaInverse: cSigmaInverse,
                                                     responses: &z)
        responses = z
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
    private static func capacitanceInverse(grid: KarmanGrid, faces: [(a: Int, b: Int)], pins: [Int],
                                           sigmaInverse: [Double], responses: inout [Double]?) -> [Double] {
        let k = faces.count + pins.count
        guard k > 0 else { return [] }
        let fast = FastSolver(grid: grid)
        let n = grid.cellsX * grid.cellsY
        var c = [Double](repeating: 0, count: k * k)
        var column = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: n)
        for m in 0..<k {
            for q in 0..<n { column[q] = 0 }
            if m < faces.count { column[faces[m].b] += 1; column[faces[m].a] -= 1 } else { column[pins[m - faces.count]] = 1 }
            fast.solve(column, into: &z)
            responses?.append(contentsOf: z)
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

    /// The obstacle-free fast Poisson solve `p = L⁻¹ r` (two real-to-real transforms).
    struct FastSolver {
        let forward: RealToRealTransform<Scalar>
        let backward: RealToRealTransform<Scalar>
        let inverseEigenvalues: [Scalar]
        init(grid: KarmanGrid) {
            forward = RealToRealTransform<Scalar>.shared(shape: [grid.cellsY, grid.cellsX], kinds: [.dct4, .dct2])
            backward = forward.inverse
            inverseEigenvalues = KarmanPressureSolver.inverseEigenvalues(grid: grid).map { Scalar($0) }
        }
        func solve(_ r: [Scalar], into p: inout [Scalar]) {
            var spectrum = [Scalar](repeating: 0, count: r.count)
            r.withUnsafeBufferPointer { rp in spectrum.withUnsafeMutableBufferPointer { sp in forward.execute(rp.baseAddress!, sp.baseAddress!) } }
            for q in 0..<spectrum.count { spectrum[q] *= inverseEigenvalues[q] }
            spectrum.withUnsafeBufferPointer { sp in p.withUnsafeMutableBufferPointer { pp in backward.execute(sp.baseAddress!, pp.baseAddress!) } }
        }
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
        if let z = responses {
            // p = p0 − (L⁻¹U) y with the stored responses (cheaper than a transform pair when k is small).
            z.withUnsafeBufferPointer { z in
                for m in 0..<k {
                    let ym = y[m], column = z.baseAddress! + m * n
                    for q in 0..<n { p[q] -= ym * column[q] }
                }
            }
            return
        }
        correction.update(from: r, count: n)
        for m in 0..<nf { correction[removedFaces[m].b] -= y[m]; correction[removedFaces[m].a] += y[m] }
        for m in 0..<pinnedCells.count { correction[pinnedCells[m]] -= y[nf + m] }
        fastSolve(correction, p, spectrum: spectrum)
    }

    private func fastSolve(_ r: UnsafePointer<Scalar>, _ p: UnsafeMutablePointer<Scalar>,
                           spectrum: UnsafeMutablePointer<Scalar>) {
        forward.execute(r, spectrum)
        inverseEigenvalues.withUnsafeBufferPointer { e in
            for q in 0..<e.count { spectrum[q] *= e[q] }
        }
        backward.execute(spectrum, p)
    }
}

/// The process-wide cache of pressure solvers, one per grid.
final class KarmanSolverCache: @unchecked Sendable {
    private var solvers: [KarmanGrid: KarmanPressureSolver] = [:]
    private let lock = NSLock()

    func solver(for grid: KarmanGrid) -> KarmanPressureSolver {
        lock.lock()
        defer { lock.unlock() }
        if let s = solvers[grid] { return s }
        let s = KarmanPressureSolver(grid: grid)
        solvers[grid] = s
        return s
    }
}
