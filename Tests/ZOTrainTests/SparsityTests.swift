import Foundation
import XCTest
import ZOTrain

final class SparsityTests: XCTestCase {
    let groups = [
        ParameterGroup(name: "conv1.weight", range: 0..<150, isPrunable: true),
        ParameterGroup(name: "conv1.bias", range: 150..<156, isPrunable: false),
        ParameterGroup(name: "conv2.weight", range: 156..<606, isPrunable: true),
        ParameterGroup(name: "conv2.bias", range: 606..<612, isPrunable: false),
        ParameterGroup(name: "out.weight", range: 612..<662, isPrunable: true),
        ParameterGroup(name: "out.bias", range: 662..<663, isPrunable: false),
    ]

    /// Every mask queries exactly round((1 − LPR)·n) coordinates of each layer, all biases, no
    /// duplicates; it stays for `redrawInterval` iterations and changes on re-draw.
    func testMasksHaveExactLayerDensityAndChangeOnRedraw() throws {
        let ratios = LayerPruningRatios(sparsity: 0.8, layers: [
            .init(name: "conv1.weight", count: 150, ratio: 0.6),
            .init(name: "conv2.weight", count: 450, ratio: 0.9),
            .init(name: "out.weight", count: 50, ratio: 0.5),
        ])
        var sampler = SparseCoordinateSampler(groups: groups, ratios: ratios, redrawInterval: 3, seed: 1)
        let expected = ["conv1.weight": 60, "conv1.bias": 6, "conv2.weight": 45, "conv2.bias": 6, "out.weight": 25, "out.bias": 1]
        var masks: [[Int]] = []
        for iteration in 0..<7 {
            let mask = sampler.coordinates(iteration: iteration)
            XCTAssertEqual(Set(mask).count, mask.count)
            XCTAssertEqual(mask, mask.sorted())
            for g in groups { XCTAssertEqual(mask.filter { g.range.contains($0) }.count, expected[g.name], g.name) }
            masks.append(mask)
        }
        XCTAssertEqual(sampler.queriedCount, 143)
        XCTAssertEqual(masks[0], masks[2])
        XCTAssertNotEqual(masks[2], masks[3])
        XCTAssertNotEqual(masks[3], masks[6])
        // Reproducible from the seed alone.
        var again = SparseCoordinateSampler(groups: groups, ratios: ratios, redrawInterval: 3, seed: 1)
        XCTAssertEqual(again.coordinates(iteration: 4), masks[4])
    }

    /// Sparse CGE queries exactly the mask (+ the base point) and leaves other entries zero.
    func testSparseCGEQueriesOnlyTheMask() throws {
        let d = 663
        var sampler = SparseCoordinateSampler(groups: groups, ratios: .uniform(0.9, groups: groups), redrawInterval: 1, seed: 2)
        let mask = sampler.coordinates(iteration: 0)
        var cge = CoordinateGradientEstimator(scheme: .forward, mu: 1e-3, coordinates: .sparse(sampler))
        let theta = Analytic.randomParameters(d, seed: 3)
        let e = try cge.estimate(at: theta, objective: ClosureObjective(parameterCount: d, Analytic.smooth))
        XCTAssertEqual(e.queries, 1 + mask.count)
        let nonzero = e.gradient.indices.filter { e.gradient[$0] != 0 }
        XCTAssertEqual(nonzero, mask)
    }

    /// Ratios survive a JSON round trip; loading them for another network fails with a message.
    func testPruningRatiosRoundTrip() throws {
        let ratios = LayerPruningRatios(sparsity: 0.9, layers: [
            .init(name: "conv1.weight", count: 150, ratio: 0.7), .init(name: "conv2.weight", count: 450, ratio: 0.95),
            .init(name: "out.weight", count: 50, ratio: 0.6)])
        let path = NSTemporaryDirectory() + "zotrain-lpr-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ratios.save(to: path)
        XCTAssertEqual(try LayerPruningRatios.load(from: path, matching: groups), ratios)
        XCTAssertThrowsError(try LayerPruningRatios.load(from: path, matching: Array(groups.prefix(2)))) { error in
            XCTAssertTrue("\(error)".contains("recompute"))
        }
    }

    /// Global pruning removes the largest scores; per-layer ratios add up to the target.
    func testGlobalPruningRatios() throws {
        var scores = [Float](repeating: 0, count: 663)
        for j in 0..<150 { scores[j] = 10 + Float(j) }  // conv1 weights: all largest → pruned first
        for j in 156..<606 { scores[j] = Float(j % 7) }
        for j in 612..<662 { scores[j] = -1 }  // out weights: smallest → all kept
        let ratios = LayerPruningRatios.globalPruning(scores: scores, groups: groups, sparsity: 0.5)
        XCTAssertEqual(ratios.layers[0].ratio, 1)
        XCTAssertEqual(ratios.layers[2].ratio, 0)
        let pruned = zip(ratios.layers, [150.0, 450, 50]).reduce(0.0) { $0 + $1.0.ratio * $1.1 }
        XCTAssertEqual(pruned, 325, accuracy: 0.5)
    }

    /// ZO-GraSP on a quadratic (Hg = A g exactly) keeps nearly the same weights as exact GraSP:
    /// the overlap of the kept sets beats random pruning (expected overlap = kept fraction).
    func testZOGraSPAgreesWithExactGraSPOnQuadratic() throws {
        let d = 60
        let (a, b) = Analytic.quadratic(d: d, seed: 21)
        let f: ([Float]) -> Double = { Analytic.quadraticLoss(a, b, $0) }
        let exactGradient: ([Float]) -> [Float] = { p in
            zip(Analytic.matvec(a, p.map(Double.init)), b).map { Float($0 + $1) }
        }
        let groups = [ParameterGroup(name: "w1", range: 0..<30, isPrunable: true),
                      ParameterGroup(name: "w2", range: 30..<60, isPrunable: true)]
        var overlaps: [Double] = []
        for seed in 0..<5 {
            let theta = Analytic.randomParameters(d, seed: 22 + UInt64(seed))
            let exact = ZOGraSP.scores(at: theta, step: 5e-3, gradient: exactGradient)
            let zo = try ZOGraSP(directions: 192, mu: 5e-3, seed: UInt64(seed)).scores(at: theta, using: QueryPool(ClosureObjective(parameterCount: d, f)))
            let keptExact = Set(LayerPruningRatios.keptCoordinates(scores: exact, groups: groups, sparsity: 0.8))
            let keptZO = Set(LayerPruningRatios.keptCoordinates(scores: zo, groups: groups, sparsity: 0.8))
            overlaps.append(Double(keptExact.intersection(keptZO).count) / Double(keptExact.count))
        }
        let mean = overlaps.reduce(0, +) / 5
        print("ZO-GraSP vs exact GraSP kept-set overlap on a quadratic (d = 60, q = 192, 80 % sparsity): \(overlaps), mean \(mean); random pruning: 0.2")
        // Random pruning overlaps 0.2 ± 0.05 (mean of 5); the q = 192 estimate of Hg is rough
        // (relative error ~ √(d/q) twice over), so demand a clear but not large margin.
        XCTAssertGreaterThan(mean, 0.5)
    }
}
