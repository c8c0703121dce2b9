import Foundation
import XCTest
@testable import SOL
import Solver
import ZOTrain

final class GradientDiagnosticTests: XCTestCase {
    /// On an unrolled burgers problem: dense central CGE agrees with FO-SOL (cosine > 0.99, norm
    /// ratio ≈ 1), the cosines are symmetric quantities computed in double precision (cos(a, a) = 1),
    /// and NOG-SOL differs from FO-SOL (the solver's Jacobian is dropped) but points the same way.
    func testUnrolledDiagnosticAgreesForZOAndReportsNOG() throws {
        let batches = [try RolloutFixtures.batch(unroll: 3, seed: 1), try RolloutFixtures.batch(unroll: 3, seed: 2)]
        let network = try RolloutFixtures.network(for: batches[0])
        let report = try GradientDiagnostic.compare(network: network, scenario: RolloutFixtures.scenario, batches: batches,
                                                    lossFunction: RolloutFixtures.lossFunction(network),
                                                    options: .dense(.central, mu: 1e-3),
                                                    threads: 2, label: "init")
        XCTAssertEqual(report.rows.count, 2)
        XCTAssertEqual(report.unroll, 3)
        for row in report.rows {
            XCTAssertGreaterThan(row.cosineZOvsFO, 0.99, "cos(ZO, FO) = \(row.cosineZOvsFO)")
            XCTAssertEqual(row.normRatioZO, 1, accuracy: 0.05)
            XCTAssertEqual(row.queries, 2 * network.parameterCount + 1)
            XCTAssertLessThan(row.cosineNOGvsFO, 0.999_999, "NOG should differ from FO when unrolled")
            XCTAssertGreaterThan(row.cosineNOGvsFO, 0)
            XCTAssertTrue(row.normRatioNOG.isFinite && row.normRatioNOG > 0)
            // cos(NOG, ZO) ≈ cos(NOG, FO) since ZO ≈ FO.
            XCTAssertEqual(row.cosineNOGvsZO, row.cosineNOGvsFO, accuracy: 0.02)
        }
        let mean = report.mean
        XCTAssertEqual(mean.cosineZOvsFO, (report.rows[0].cosineZOvsFO + report.rows[1].cosineZOvsFO) / 2, accuracy: 1e-12)
        XCTAssertEqual(mean.batch, -1)
        let table = GradientDiagnostic.markdown([report])
        XCTAssertTrue(table.contains("cos(NOG,FO)") && table.contains("**mean**"))
        let json = GradientDiagnostic.json([report])
        XCTAssertTrue(json.contains("cosineNOGvsFO"))
    }

    /// With one unrolled step there is no solver Jacobian to chain: NOG equals FO exactly.
    func testNOGEqualsFOAtUnrollOne() throws {
        let batch = try RolloutFixtures.batch(unroll: 1)
        let network = try RolloutFixtures.network(for: batch)
        let report = try GradientDiagnostic.compare(network: network, scenario: RolloutFixtures.scenario, batches: [batch],
                                                    lossFunction: RolloutFixtures.lossFunction(network), threads: 1, label: "init")
        let row = try XCTUnwrap(report.rows.first)
        XCTAssertEqual(row.cosineNOGvsFO, 1, accuracy: 1e-12)
        XCTAssertEqual(row.normRatioNOG, 1, accuracy: 1e-12)
        XCTAssertGreaterThan(row.cosineZOvsFO, 0.99)
    }

    func testCosineAndNorm() throws {
        XCTAssertEqual(GradientDiagnostic.cosine([1, 0], [0, 2]), 0, accuracy: 1e-15)
        XCTAssertEqual(GradientDiagnostic.cosine([1, 1], [-2, -2]), -1, accuracy: 1e-15)
        XCTAssertEqual(GradientDiagnostic.norm([3, 4]), 5, accuracy: 1e-15)
    }

    /// The state-space estimate (`--estimator vjp`) in the diagnostic: FO-SOL's direction and
    /// length, at the cost of 2 × 16 perturbed states per item and VJP.
    func testStateSpaceVJPEstimateIsFOSOL() throws {
        var centralVJP = TrainingConfiguration.ZOOptions.dense(.vjp, mu: 1e-2)
        centralVJP.vjpScheme = .central
        let batches = [try RolloutFixtures.batch(unroll: 3, seed: 1)]
        let network = try RolloutFixtures.network(for: batches[0])
        let report = try GradientDiagnostic.compare(network: network, scenario: RolloutFixtures.scenario, batches: batches,
                                                    lossFunction: RolloutFixtures.lossFunction(network),
                                                    options: centralVJP, threads: 1, label: "init")
        let row = try XCTUnwrap(report.rows.first)
        XCTAssertGreaterThan(row.cosineZOvsFO, 0.999)
        XCTAssertEqual(row.normRatioZO, 1, accuracy: 1e-2)
        XCTAssertEqual(row.queries, 2 * 16 * 2 * 2)
        XCTAssertTrue(report.estimator.contains("state-space VJP"), report.estimator)
    }

    /// The guided estimate in the diagnostic: the guide's scale is fitted over the batches in
    /// order (0 at the first), the unguided sparse CGE and c are reported beside it, and where
    /// NOG-SOL points like FO-SOL (burgers) guidance lifts the cosine far above sparse CGE's.
    func testGuidedEstimateReportsItsScaleAndTheUnguidedCosine() throws {
        let batches = try (1...4).map { try RolloutFixtures.batch(unroll: 3, seed: UInt64($0)) }
        let network = try RolloutFixtures.network(for: batches[0])
        var options = TrainingConfiguration.ZOOptions.dense(.guided, mu: 1e-3)
        options.sparsity = 0.9
        let report = try GradientDiagnostic.compare(network: network, scenario: RolloutFixtures.scenario, batches: batches,
                                                    lossFunction: RolloutFixtures.lossFunction(network), options: options,
                                                    threads: 2, label: "init")
        XCTAssertEqual(report.rows.first?.guideScale, 0, "no earlier batch to fit the scale on")
        for row in report.rows.dropFirst() {
            let c = try XCTUnwrap(row.guideScale), unguided = try XCTUnwrap(row.cosineUnguidedvsFO)
            XCTAssertGreaterThan(c, 0)
            XCTAssertGreaterThan(row.cosineNOGvsFO, 0.9, "burgers: NOG-SOL points like FO-SOL")
            XCTAssertLessThan(unguided, 0.8, "sparse CGE at 10 %")
            XCTAssertGreaterThan(row.cosineZOvsFO, unguided + 0.1, "batch \(row.batch): guided \(row.cosineZOvsFO), unguided \(unguided)")
        }
        XCTAssertNotNil(report.mean.guideScale)
        let table = GradientDiagnostic.markdown([report])
        XCTAssertTrue(table.contains("cos(unguided,FO) | c |"), table)
        XCTAssertTrue(report.estimator.contains("guided by NOG-SOL"), report.estimator)
    }
}
