import SOL

/// FFT and GEMM throughput of the core wrappers (the machine's reference numbers).
let coreSuite = BenchmarkSuite(name: "core") {
    var benchmarks: [Benchmark] = []
    // FFTW_MEASURE plans (timed once per process) and the FFTW_ESTIMATE plans the solvers use
    // (deterministic: the same algorithm in every process).
    for rigor in [FFTRigor.measure, .estimate] {
        for n in [64, 128, 256] {
            let fft = try! RealFFT<Float>.shared(shape: [n, n], rigor: rigor)
            let x = Tensor<Float>(shape: [n, n], scalars: (0..<(n * n)).map { Float($0 % 7) })
            var spectrum = [Complex<Float>](repeating: .zero, count: fft.complexCount)
            benchmarks.append(Benchmark(name: "rfft2 float \(n)²\(rigor == .estimate ? " (estimate)" : "")",
                                        flops: 2.5 * Double(n * n) * log2(Double(n * n))) {
                x.withUnsafeBufferPointer { i in spectrum.withUnsafeMutableBufferPointer { o in fft.forward(i.baseAddress!, o.baseAddress!) } }
            })
            if rigor == .estimate {
                // The inverse (c2r, destroys its input: refilled from a copy each call) and a
                // 2-field batch, as the solvers call them.
                let source = spectrum
                var work = spectrum, y = x.scalars
                benchmarks.append(Benchmark(name: "irfft2 float \(n)² (estimate, incl. input copy)",
                                            flops: 2.5 * Double(n * n) * log2(Double(n * n))) {
                    work.withUnsafeMutableBufferPointer { w in
                        source.withUnsafeBufferPointer { w.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
                        y.withUnsafeMutableBufferPointer { fft.inverse(w.baseAddress!, $0.baseAddress!) }
                    }
                })
                let batched = try! RealFFT<Float>.shared(shape: [n, n], batch: 2, rigor: rigor)
                let x2 = x.scalars + x.scalars
                var spectrum2 = [Complex<Float>](repeating: .zero, count: 2 * fft.complexCount)
                benchmarks.append(Benchmark(name: "rfft2 float \(n)² (estimate) batch 2",
                                            flops: 2 * 2.5 * Double(n * n) * log2(Double(n * n))) {
                    x2.withUnsafeBufferPointer { i in spectrum2.withUnsafeMutableBufferPointer { o in batched.forward(i.baseAddress!, o.baseAddress!) } }
                })
            }
        }
    }
    let n = 256
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    benchmarks.append(Benchmark(name: "sgemm \(n)³ (1 thread)", flops: 2 * Double(n * n * n)) {
        BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
    })
    return benchmarks
}

import Foundation
