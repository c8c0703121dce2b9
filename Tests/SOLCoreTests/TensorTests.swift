import XCTest
@testable import SOLCore

final class TensorTests: XCTestCase {
    func testIndexingIsRowMajor() {
        let t = Tensor<Float>(shape: [2, 3, 4]) { i in Float(i[0] * 100 + i[1] * 10 + i[2]) }
        XCTAssertEqual(t.strides, [12, 4, 1])
        XCTAssertEqual(t[1, 2, 3], 123)
        XCTAssertEqual(t.scalars[t.offset([1, 0, 2])], 102)
        XCTAssertEqual(t[item: 1][2, 1], 121)
        XCTAssertEqual(t.items(1..<2).shape, [1, 3, 4])
        XCTAssertEqual(Tensor(stacking: [t[item: 0], t[item: 1]]), t)
    }

    func testValueSemanticsCopyOnWrite() {
        var a = Tensor<Double>(repeating: 1, shape: [4])
        let b = a
        a[2] = 5
        XCTAssertEqual(b.scalars, [1, 1, 1, 1])
        XCTAssertEqual(a.scalars, [1, 1, 5, 1])
    }

    func testArithmeticAndReductions() {
        let a = Tensor<Float>(shape: [3], scalars: [1, -2, 3])
        let b = Tensor<Float>(shape: [3], scalars: [0.5, 0.5, 0.5])
        XCTAssertEqual((a + b).scalars, [1.5, -1.5, 3.5])
        XCTAssertEqual((a - b).scalars, [0.5, -2.5, 2.5])
        XCTAssertEqual((a * b).scalars, [0.5, -1, 1.5])
        XCTAssertEqual((2 * a).scalars, [2, -4, 6])
        XCTAssertEqual(a.sum(), 2)
        XCTAssertEqual(a.dot(b), 1)
        XCTAssertEqual(a.maxAbs(), 3)
        XCTAssertEqual(a.norm(), 14.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(a.meanAbsoluteDifference(b), (0.5 + 2.5 + 2.5) / 3, accuracy: 1e-7)
        XCTAssertEqual(a.meanSquaredDifference(b), (0.25 + 6.25 + 6.25) / 3, accuracy: 1e-6)
        var c = a
        c[1] = .nan
        XCTAssertFalse(c.isFinite)
        XCTAssertEqual(c.firstNonFiniteIndex, 1)
        XCTAssertTrue(c.maxAbs().isNaN)
    }

    func testApproximateEqualityIsRelativeToTheNorm() {
        let a = Tensor<Double>(shape: [4], scalars: [1000, 0, 1e-12, -3])
        var b = a
        b[1] = 1e-9  // absolute error tiny compared to ‖a‖ although element-wise relative error is infinite
        XCTAssertTrue(a.isApproximatelyEqual(to: b, relativeTolerance: 1e-10))
        b[0] = 1000.1
        XCTAssertFalse(a.isApproximatelyEqual(to: b, relativeTolerance: 1e-6))
        XCTAssertTrue(a.isApproximatelyEqual(to: b, relativeTolerance: 1e-3))
        let zero = Tensor<Double>(shape: [2])
        XCTAssertTrue(zero.isApproximatelyEqual(to: zero))
        XCTAssertTrue(zero.isApproximatelyEqual(to: Tensor(shape: [2], scalars: [1e-9, 0]), absoluteTolerance: 1e-8))
        XCTAssertFalse(zero.isApproximatelyEqual(to: Tensor(shape: [3])))
    }

    func testSplitMixIsReproducibleAndDerivedStreamsDiffer() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
        var c = a.derived(1), d = a.derived(2)
        XCTAssertNotEqual(c.next(), d.next())
        var g = SplitMix64(seed: 1)
        let samples = (0..<20000).map { _ in g.nextGaussian() }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }

    func testBLASGemmMatchesNaiveProduct() {
        let (m, n, k) = (5, 4, 3)
        let a = (0..<(m * k)).map { Float($0) / 7 }, b = (0..<(k * n)).map { Float($0 % 5) - 2 }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        for i in 0..<m { for j in 0..<n {
            let expected = (0..<k).reduce(Float(0)) { $0 + a[i * k + $1] * b[$1 * n + j] }
            XCTAssertEqual(c[i * n + j], expected, accuracy: 1e-5)
        } }
    }
}
