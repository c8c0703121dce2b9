import Foundation
import XCTest
@testable import Solver

/// ``FiniteDifferenceVJP`` (ZO-SOL `--estimator vjp`) against the solvers' exact discrete adjoints:
/// built only from `step` calls on perturbed states, it must give the same vector-Jacobian
/// product, with an error that behaves like a difference quotient of float32 states.
final class FiniteDifferenceVJPTests: XCTestCase {
    /// A developed source state of `scenario` (initial state, downsampled, stepped `steps` times),
    /// a random cotangent, the exact VJP and finite-difference VJPs at two steps μ.
    private func compare(_ scenario: any Scenario, steps: Int, mus: [Double], chunk: Int = 64)
        throws -> (exact: Tensor<Float>, estimates: [Tensor<Float>]) {
        let parameters = scenario.defaultParameters(train: 2, test: 0, seed: 5).train
        let exact = try scenario.makeDifferentiableSource(parameters, as: Float.self)
        var states = try scenario.downsample(try scenario.initialStates(parameters, as: Float.self))
        for _ in 0..<steps { try exact.step(&states) }
        var rng = SplitMix64(seed: 11)
        let cotangent = Tensor<Float>(shape: states.shape) { _ in Float(rng.nextGaussian()) }
        let reference = try exact.stepVJP(at: states, cotangent: cotangent)
        let estimates = try mus.map { mu in
            try FiniteDifferenceVJP(scheme: .central, mu: mu, chunk: chunk).vjp(at: states, cotangent: cotangent, parameters: parameters) { p, m, _ in
                try scenario.makeSource(Array(repeating: p, count: m), as: Float.self)
            }
        }
        return (reference, estimates)
    }

    private func cosine(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Double {
        let dot = zip(a.scalars, b.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        return dot / (norm(a) * norm(b))
    }

    private func norm(_ a: Tensor<Float>) -> Double { a.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    private func relativeError(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Double {
        zip(a.scalars, b.scalars).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }.squareRoot() / norm(b)
    }

    /// Checks cos > 0.9999 and the relative error at both μ; returns the errors.
    private func check(_ name: String, _ result: (exact: Tensor<Float>, estimates: [Tensor<Float>]), mus: [Double],
                       bounds: [Double], file: StaticString = #filePath, line: UInt = #line) -> [Double] {
        var errors: [Double] = []
        for (k, estimate) in result.estimates.enumerated() {
            let c = cosine(estimate, result.exact), e = relativeError(estimate, result.exact)
            print(String(format: "%@: μ = %g: cos %.8f, relative error %.2e", name, mus[k], c, e))
            XCTAssertGreaterThan(c, 0.9999, "\(name) μ = \(mus[k])", file: file, line: line)
            XCTAssertLessThan(e, bounds[k], "\(name) μ = \(mus[k])", file: file, line: line)
            errors.append(e)
        }
        return errors
    }

    /// The spectral solvers are smooth (quadratic nonlinearities): the O(h²) truncation of central
    /// differences is far below float32 round-off of `P(s ± h e_i)` divided by h (~1e-7·|P|/h), so
    /// the error must fall like 1/h: ten times smaller at μ = 1e-2 than at μ = 1e-3 (measured:
    /// burgers 4.4e-4 → 4.0e-5, kolmogorov 2.6e-3 → 2.5e-4).
    private func checkRoundOffScaling(_ name: String, _ errors: [Double], file: StaticString = #filePath, line: UInt = #line) {
        let ratio = errors[0] / errors[1]
        XCTAssertTrue(ratio > 5 && ratio < 20, "\(name): error ratio \(ratio) for a 10× step is not round-off's 1/h",
                      file: file, line: line)
    }

    func testBurgersFiniteDifferenceVJPMatchesTheAdjoint() throws {
        let mus = [1e-3, 1e-2]
        let errors = check("burgers", try compare(BurgersScenario(), steps: 5, mus: mus), mus: mus, bounds: [1e-2, 1e-3])
        checkRoundOffScaling("burgers", errors)
    }

    /// Kolmogorov on a 16 × 16 source grid (512 state numbers).
    func testKolmogorovFiniteDifferenceVJPMatchesTheAdjoint() throws {
        let scenario = try KolmogorovScenario().with(resolution: 16, factor: 2, dt: nil)
        let mus = [1e-3, 1e-2]
        let errors = check("kolmogorov", try compare(scenario, steps: 3, mus: mus, chunk: 128), mus: mus, bounds: [1e-2, 1e-3])
        checkRoundOffScaling("kolmogorov", errors)
    }

    /// The wake flow on a 20 × 40 source grid (3,200 state numbers; the coarsest that resolves the
    /// cylinder): semi-Lagrangian advection interpolates bilinearly,
    /// so `P` is piecewise smooth; a coordinate whose ± step moves a departure point across a
    /// cell edge sees a one-sided slope. The steps are small enough that this stays rare.
    func testKarmanFiniteDifferenceVJPMatchesTheAdjoint() throws {
        let scenario = try KarmanScenario().with(resolution: 20, factor: 2, dt: nil)
        let mus = [1e-3, 1e-2]
        _ = check("karman", try compare(scenario, steps: 3, mus: mus, chunk: 512), mus: mus, bounds: [5e-3, 2e-3])
    }

    /// The result does not depend on how many perturbed states one step call carries nor on how
    /// many workers step them, and forward differences (half the states) agree with central ones
    /// to first order.
    func testChunkSizeDoesNotChangeTheResultAndForwardDifferencesAgree() throws {
        let scenario = BurgersScenario()
        let parameters = scenario.defaultParameters(train: 2, test: 0, seed: 5).train
        let sim = try scenario.makeSource(parameters, as: Float.self)
        var states = try scenario.downsample(try scenario.initialStates(parameters, as: Float.self))
        try sim.step(&states)
        var rng = SplitMix64(seed: 3)
        let w = Tensor<Float>(shape: states.shape) { _ in Float(rng.nextGaussian()) }
        func estimate(_ scheme: FiniteDifferenceVJP.Scheme, chunk: Int, workers: Int = 1,
                      share: (index: Int, count: Int) = (0, 1)) throws -> Tensor<Float> {
            try FiniteDifferenceVJP(scheme: scheme, mu: 1e-2, chunk: chunk).vjp(at: states, cotangent: w, parameters: parameters,
                                                                                 workers: workers, share: share) { p, m, _ in
                try scenario.makeSource(Array(repeating: p, count: m), as: Float.self)
            }
        }
        let whole = try estimate(.central, chunk: 1_000)
        XCTAssertEqual(try estimate(.central, chunk: 7).scalars, whole.scalars)
        XCTAssertEqual(try estimate(.central, chunk: 1).scalars, whole.scalars)
        XCTAssertEqual(try estimate(.central, chunk: 3, workers: 2).scalars, whole.scalars, "2 workers")
        XCTAssertEqual(try estimate(.central, chunk: 3, workers: 3).scalars, whole.scalars, "3 workers")
        let forward = try estimate(.forward, chunk: 5)
        XCTAssertGreaterThan(cosine(forward, whole), 0.999)
        // Shares of MPI ranks (cut inside an item's chunks: 2 items × 7 chunks of 5 into 3 parts)
        // hold disjoint entries whose sum, in any order, is the whole VJP bit for bit.
        for scheme in [FiniteDifferenceVJP.Scheme.central, .forward] {
            let reference = try estimate(scheme, chunk: 5)
            let parts = try (0..<3).map { try estimate(scheme, chunk: 5, share: (index: $0, count: 3)).scalars }
            for (i, value) in reference.scalars.enumerated() {
                let terms = parts.map { $0[i] }
                XCTAssertEqual(terms.filter { $0 != 0 }.count, value == 0 ? 0 : 1, "entry \(i): one share holds it")
                XCTAssertEqual(terms[2] + terms[0] + terms[1], value, "entry \(i), \(scheme)")
            }
            XCTAssertTrue(parts.allSatisfy { part in part.contains { $0 != 0 } }, "every share computes something")
        }
        XCTAssertEqual(FiniteDifferenceVJP(scheme: .forward).steppedStates(count: 32, batch: 2), 66)
        XCTAssertEqual(FiniteDifferenceVJP(scheme: .central).steppedStates(count: 32, batch: 2), 128)
    }
}
