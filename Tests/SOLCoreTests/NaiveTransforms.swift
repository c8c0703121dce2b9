import Foundation

/// O(N²) reference transforms written from the definitions, in Float64.
enum Naive {
    /// Full complex DFT of real input along one axis: `X_k = Σ_j x_j e^{−2πi jk/n}`.
    static func dft(_ x: [Double]) -> [(re: Double, im: Double)] {
        let n = x.count
        return (0..<n).map { k in
            var re = 0.0, im = 0.0
            for j in 0..<n {
                let angle = -2 * Double.pi * Double(j * k % n) / Double(n)
                re += x[j] * cos(angle); im += x[j] * sin(angle)
            }
            return (re, im)
        }
    }

    /// Complex DFT of complex input.
    static func dft(_ x: [(re: Double, im: Double)], sign: Double = -1) -> [(re: Double, im: Double)] {
        let n = x.count
        return (0..<n).map { k in
            var re = 0.0, im = 0.0
            for j in 0..<n {
                let angle = sign * 2 * Double.pi * Double(j * k % n) / Double(n)
                re += x[j].re * cos(angle) - x[j].im * sin(angle)
                im += x[j].re * sin(angle) + x[j].im * cos(angle)
            }
            return (re, im)
        }
    }

    /// 2D DFT of a real `ny × nx` field (row-major), full spectrum.
    static func dft2(_ x: [Double], ny: Int, nx: Int) -> [(re: Double, im: Double)] {
        var rows: [(re: Double, im: Double)] = []
        for y in 0..<ny { rows += dft(Array(x[(y * nx)..<((y + 1) * nx)])) }
        var out = rows
        for kx in 0..<nx {
            let column = (0..<ny).map { rows[$0 * nx + kx] }
            let transformed = dft(column)
            for ky in 0..<ny { out[ky * nx + kx] = transformed[ky] }
        }
        return out
    }

    /// FFTW's unnormalised real-to-real transforms (kind by FFTW's enum value).
    static func r2r(_ x: [Double], kind: Int32) -> [Double] {
        let n = x.count, N = Double(n), pi = Double.pi
        return (0..<n).map { k in
            let K = Double(k)
            var s = 0.0
            switch kind {
            case 3: // REDFT00
                s = x[0] + (k % 2 == 0 ? 1 : -1) * x[n - 1]
                for j in 1..<(n - 1) { s += 2 * x[j] * cos(pi * Double(j) * K / (N - 1)) }
            case 5: // REDFT10
                for j in 0..<n { s += 2 * x[j] * cos(pi * (Double(j) + 0.5) * K / N) }
            case 4: // REDFT01
                s = x[0]
                for j in 1..<n { s += 2 * x[j] * cos(pi * Double(j) * (K + 0.5) / N) }
            case 6: // REDFT11
                for j in 0..<n { s += 2 * x[j] * cos(pi * (Double(j) + 0.5) * (K + 0.5) / N) }
            case 7: // RODFT00
                for j in 0..<n { s += 2 * x[j] * sin(pi * Double(j + 1) * (K + 1) / (N + 1)) }
            case 9: // RODFT10
                for j in 0..<n { s += 2 * x[j] * sin(pi * (Double(j) + 0.5) * (K + 1) / N) }
            case 8: // RODFT01
                s = (k % 2 == 0 ? 1 : -1) * x[n - 1]
                for j in 0..<(n - 1) { s += 2 * x[j] * sin(pi * Double(j + 1) * (K + 0.5) / N) }
            case 10: // RODFT11
                for j in 0..<n { s += 2 * x[j] * sin(pi * (Double(j) + 0.5) * (K + 0.5) / N) }
            default: fatalError("unknown kind \(kind)")
            }
            return s
        }
    }
}

/// Seeded uniform random values in [-1, 1).
func randomValues(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1.0p-52 - 1
    }
}

/// `‖a − b‖ / ‖b‖` for complex sequences given as pairs.
func relativeError(_ a: [(re: Double, im: Double)], _ b: [(re: Double, im: Double)]) -> Double {
    var diff = 0.0, norm = 0.0
    for (x, y) in zip(a, b) {
        diff += (x.re - y.re) * (x.re - y.re) + (x.im - y.im) * (x.im - y.im)
        norm += y.re * y.re + y.im * y.im
    }
    return (diff / norm).squareRoot()
}

func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var diff = 0.0, norm = 0.0
    for (x, y) in zip(a, b) { diff += (x - y) * (x - y); norm += y * y }
    return (diff / norm).squareRoot()
}
