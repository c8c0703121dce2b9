import Foundation
import XCTest
@testable import SOLCore

final class FFTTests: XCTestCase {
    /// Half spectrum of a batch of 2D (or 1D) naive DFTs, in FFTW's r2c layout.
    private func naiveHalfSpectrum(_ x: [Double], batch: Int, ny: Int, nx: Int) -> [(re: Double, im: Double)] {
        var out: [(re: Double, im: Double)] = []
        let half = nx / 2 + 1
        for b in 0..<batch {
            let field = Array(x[(b * ny * nx)..<((b + 1) * ny * nx)])
            let full = Naive.dft2(field, ny: ny, nx: nx)
            for y in 0..<ny { for k in 0..<half { out.append(full[y * nx + k]) } }
        }
        return out
    }

    private func checkRealFFT<S: FFTScalar>(_: S.Type, shape: [Int], batch: Int, tolerance: Double) throws {
        let ny = shape.count == 2 ? shape[0] : 1, nx = shape[shape.count - 1]
        let x = randomValues(batch * ny * nx, seed: UInt64(ny * 1000 + nx + batch))
        let fft = try RealFFT<S>.shared(shape: shape, batch: batch)
        let input = Tensor<S>(shape: [batch] + shape, scalars: x.map { S($0) })
        let spectrum = fft.forward(input)
        let got = spectrum.map { (re: Double($0.real), im: Double($0.imaginary)) }
        let expected = naiveHalfSpectrum(x, batch: batch, ny: ny, nx: nx)
        XCTAssertEqual(got.count, expected.count)
        XCTAssertLessThan(relativeError(got, expected), tolerance, "\(S.self) r2c \(shape) × \(batch)")

        // Inverse: unnormalised, so inverse(forward(x)) = N x.
        let back = fft.inverse(spectrum, shape: [batch] + shape)
        let n = Double(ny * nx)
        XCTAssertLessThan(relativeError(back.scalars.map { Double($0) / n }, x), tolerance, "\(S.self) c2r \(shape)")
        // The convenience inverse must not destroy its argument.
        XCTAssertEqual(fft.forward(input), spectrum)
    }

    func testRealFFT1DMatchesNaiveDFT() throws {
        for n in [1, 2, 7, 16, 30, 64] {
            try checkRealFFT(Double.self, shape: [n], batch: 1, tolerance: 1e-10)
            try checkRealFFT(Float.self, shape: [n], batch: 1, tolerance: 1e-4)
        }
    }

    func testRealFFT2DMatchesNaiveDFT() throws {
        for (ny, nx) in [(4, 6), (8, 8), (5, 12), (16, 9)] {
            try checkRealFFT(Double.self, shape: [ny, nx], batch: 1, tolerance: 1e-10)
            try checkRealFFT(Float.self, shape: [ny, nx], batch: 1, tolerance: 1e-4)
        }
    }

    func testBatchedFFTMatchesNaiveDFT() throws {
        try checkRealFFT(Double.self, shape: [32], batch: 5, tolerance: 1e-10)
        try checkRealFFT(Double.self, shape: [6, 10], batch: 3, tolerance: 1e-10)
        try checkRealFFT(Float.self, shape: [6, 10], batch: 4, tolerance: 1e-4)
    }

    func testBatchedFFTEqualsSingleTransformsBitForBit() throws {
        let x = randomValues(3 * 8 * 12, seed: 7)
        let batched = try RealFFT<Double>.shared(shape: [8, 12], batch: 3)
        let single = try RealFFT<Double>.shared(shape: [8, 12], batch: 1)
        let all = batched.forward(Tensor(shape: [3, 8, 12], scalars: x))
        for b in 0..<3 {
            let one = single.forward(Tensor(shape: [8, 12], scalars: Array(x[(b * 96)..<((b + 1) * 96)])))
            XCTAssertEqual(Array(all[(b * single.complexCount)..<((b + 1) * single.complexCount)]), one)
        }
    }

    func testUnalignedPointersUseTheUnalignedPlan() throws {
        // A transform of the second of two length-5 fields starts 40 bytes in: 8-byte aligned only.
        let x = randomValues(10, seed: 3)
        let fft = try RealFFT<Double>.shared(shape: [5])
        var out = [Complex<Double>](repeating: .zero, count: fft.complexCount)
        x.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in fft.forward(p.baseAddress! + 5, o.baseAddress!) } }
        let expected = Naive.dft(Array(x[5...]))
        XCTAssertLessThan(relativeError(out.map { (re: $0.real, im: $0.imaginary) }, Array(expected.prefix(3))), 1e-12)
    }

    func testRealToRealKindsMatchNaiveDefinitions() throws {
        for kind in RealToRealKind.allCases {
            for n in [2, 5, 8, 13] {
                let x = randomValues(n, seed: UInt64(n) * 31 + UInt64(kind.rawValue))
                let expected = Naive.r2r(x, kind: kind.rawValue)
                let d = try RealToRealTransform<Double>.shared(shape: [n], kinds: [kind])(Tensor(shape: [n], scalars: x))
                XCTAssertLessThan(relativeError(d.scalars, expected), 1e-10, "\(kind) n=\(n)")
                let f = try RealToRealTransform<Float>.shared(shape: [n], kinds: [kind])(Tensor(shape: [n], scalars: x.map { Float($0) }))
                XCTAssertLessThan(relativeError(f.scalars.map { Double($0) }, expected), 1e-4, "\(kind) n=\(n) float")
            }
        }
    }

    func testTwoDimensionalBatchedDCTMatchesSeparableNaive() throws {
        let (ny, nx, batch) = (6, 9, 2)
        let x = randomValues(batch * ny * nx, seed: 11)
        let t = try RealToRealTransform<Double>.shared(shape: [ny, nx], kinds: [.dct2, .dst2], batch: batch)
        let got = t(Tensor(shape: [batch, ny, nx], scalars: x))
        var expected: [Double] = []
        for b in 0..<batch {
            var rows = [Double]()
            for y in 0..<ny { rows += Naive.r2r(Array(x[(b * ny * nx + y * nx)..<(b * ny * nx + (y + 1) * nx)]), kind: 9) }
            var field = rows
            for k in 0..<nx {
                let column = Naive.r2r((0..<ny).map { rows[$0 * nx + k] }, kind: 5)
                for y in 0..<ny { field[y * nx + k] = column[y] }
            }
            expected += field
        }
        XCTAssertLessThan(relativeError(got.scalars, expected), 1e-10)
    }

    func testRealToRealInverseAndNormalization() throws {
        for kind in RealToRealKind.allCases {
            let shape = [7, 6]
            let x = Tensor<Double>(shape: shape, scalars: randomValues(42, seed: UInt64(kind.rawValue)))
            let t = try RealToRealTransform<Double>.shared(shape: shape, kinds: [kind, kind])
            let back = try t.inverse(t(x))
            XCTAssertLessThan(back.scalars.indices.map { abs(back.scalars[$0] / Double(t.normalization) - x.scalars[$0]) }.max()!, 1e-12, "\(kind)")
        }
    }

    func testPlansAreCachedAndReused() throws {
        let a = try RealFFT<Float>.shared(shape: [24, 24], batch: 2)
        let b = try RealFFT<Float>.shared(shape: [24, 24], batch: 2)
        XCTAssertTrue(a === b)
        let other = try RealFFT<Float>.shared(shape: [24, 24], batch: 3)
        XCTAssertFalse(a === other)
        let double = try RealFFT<Double>.shared(shape: [24, 24], batch: 2)
        XCTAssertFalse(double as AnyObject === a as AnyObject)
    }

    /// Sizes beyond memory or FFTW's 32-bit extents are an error, not a trap.
    func testImpossiblePlansThrow() {
        XCTAssertThrowsError(try RealFFT<Double>(shape: [4_000_000_000, 4_000_000_000])) { error in
            XCTAssertTrue("\(error)".contains("cannot plan the real FFT"), "\(error)")
        }
        XCTAssertThrowsError(try RealFFT<Float>(shape: [1 << 20, 1 << 20], batch: 1 << 30)) { error in
            XCTAssertTrue("\(error)".contains("exceed the address space"), "\(error)")
        }
        XCTAssertThrowsError(try RealToRealTransform<Double>(shape: [1 << 20, 1 << 20], kinds: [.dct2, .dct2])) { error in
            XCTAssertTrue("\(error)".contains("cannot allocate"), "\(error)")
        }
    }

    func testPlanningFromManyThreadsAtOnce() throws {
        // Plans created concurrently (bypassing the cache so that FFTW's planner really runs in
        // parallel), each then checked against the naive DFT.
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var indices: [Int] = []
            func add(_ i: Int) { lock.withLock { indices.append(i) } }
        }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            let n = 8 + i
            guard let fft = try? RealFFT<Double>(shape: [n], batch: 1 + i % 3),
                  let dct = try? RealToRealTransform<Float>(shape: [n, 4], kinds: [.dct2, .dct2]),
                  let single = try? RealFFT<Double>(shape: [n]) else { failures.add(i); return }
            let x = randomValues(n, seed: UInt64(i))
            let got = single.forward(Tensor(shape: [n], scalars: x)).map { (re: $0.real, im: $0.imaginary) }
            let expected = Array(Naive.dft(x).prefix(n / 2 + 1))
            if relativeError(got, expected) > 1e-10 || fft.complexCount != n / 2 + 1 || dct.count != 4 * n {
                failures.add(i)
            }
        }
        XCTAssertEqual(failures.indices, [])
    }
}
