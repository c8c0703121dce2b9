import Foundation
import SOL
import Corrector

/// Corrector forward and forward+backward on a 32 × 64 field (H = 64, W = 32, the Solver-in-the-Loop
/// source grid), batch 1 and 16, for the presets; plus the feature-reuse queries the ZO engine
/// makes (resume at the last layer, single-coordinate channel update). GFLOP/s counts 2 flops
/// per multiply-add of the convolutions (forward), 3× that for forward + backward.
let correctorSuite = BenchmarkSuite(name: "corrector") {
    var benchmarks: [Benchmark] = []
    let (h, w) = (64, 32)
    for preset in NetworkArchitecture.Preset.allCases {
        let arch = NetworkArchitecture.preset(preset, inputChannels: 3, outputChannels: 2, activation: .tanh, padding: .zero)
        let net = try! Network(architecture: arch, seed: 1)
        for batch in [1, 16] {
            var rng = SplitMix64(seed: 2)
            let x = Tensor<Float>(shape: [batch, 3, h, w], scalars: (0..<(batch * 3 * h * w)).map { _ in Float(rng.nextUniform() - 0.5) })
            let g = Tensor<Float>(repeating: 1e-3, shape: [batch, 2, h, w])
            let flops = arch.forwardFlops(height: h, width: w) * Double(batch)
            let ws = NetworkWorkspace(), cache = ActivationCache()
            var y = Tensor<Float>(shape: [1])
            var grad = [Float](repeating: 0, count: net.parameterCount)
            let name = "\(preset) (\(arch.parameterCount / 1000)k) B=\(batch)"
            benchmarks.append(Benchmark(name: "\(name) forward", flops: flops, items: Double(batch), unit: "fields") {
                try! net.forward(x, into: &y, workspace: ws)
            })
            benchmarks.append(Benchmark(name: "\(name) forward+backward", flops: 3 * flops, items: Double(batch), unit: "fields") {
                try! net.forward(x, into: &y, cache: cache, workspace: ws)
                net.backward(outputGradient: g, cache: cache, workspace: ws, parameterGradient: &grad, inputGradient: true)
            })
            if batch == 16 {
                // One forward split over 2 threads (NetworkWorkspace.threads; bit-identical).
                let ws2 = NetworkWorkspace()
                ws2.threads = 2
                benchmarks.append(Benchmark(name: "\(name) forward, 2 threads", flops: flops, items: Double(batch), unit: "fields") {
                    try! net.forward(x, into: &y, workspace: ws2)
                })
            }
            if batch == 1 {
                // ZO queries with feature reuse (cache filled once): resume at the output layer, and the
                // channel update of a weight in the middle layer.
                _ = try! net.forward(x, cache: cache, workspace: ws)
                let last = net.layers.count - 1
                benchmarks.append(Benchmark(name: "\(name) query: resume at last layer", items: 1, unit: "queries") {
                    net.forward(resumingAt: last, cache: cache, workspace: ws, into: &y)
                })
                let mid = net.view(layer: net.layers.count / 2, .weight).offset + 7
                benchmarks.append(Benchmark(name: "\(name) query: channel update, layer \(net.layers.count / 2)", items: 1, unit: "queries") {
                    net.forward(perturbingParameter: mid, by: 1e-3, cache: cache, workspace: ws, into: &y)
                })
                benchmarks.append(Benchmark(name: "\(name) query: resume at layer \(net.layers.count / 2)", items: 1, unit: "queries") {
                    net.forward(resumingAt: net.layers.count / 2, cache: cache, workspace: ws, into: &y)
                })
            }
        }
    }
    return benchmarks
}

/// One convolution layer of the presets at a time (issue 12's per-layer table): the path
/// ``Convolution/forward(_:parameters:input:output:batch:height:width:cols:kernels:direct:blocked:)``
/// takes (register-blocked for the wide layers, direct for the thin output layer) against
/// im2col + OpenBLAS sgemm on the same layer, 32 × 64 field (H = 32, W = 64, the wake flow's
/// source grid), batch 1 and 3. GFLOP/s counts 2 flops per multiply-add.
/// `CONV_BENCH_FILTER=substring` keeps only the rows whose name contains it.
let convolutionSuite = BenchmarkSuite(name: "convolution") {
    let filter = ProcessInfo.processInfo.environment["CONV_BENCH_FILTER"]
    var benchmarks: [Benchmark] = []
    let (h, w) = (32, 64), hw = 32 * 64
    for (cin, cout) in [(3, 8), (8, 8), (8, 2), (3, 32), (32, 32), (32, 2)] {
        let layer = NetworkArchitecture(inputChannels: cin, outputChannels: cout, hiddenChannels: [], kernelSize: 5,
                                        padding: .zero).layers[0]
        var rng = SplitMix64(seed: 3)
        let parameters = (0..<(layer.weightCount + cout)).map { _ in Float(rng.nextUniform() - 0.5) }
        for batch in [1, 3] {
            let x = (0..<(batch * cin * hw)).map { _ in Float(rng.nextUniform() - 0.5) }
            let flops = 2 * Double(layer.weightCount * hw * batch)
            var z = [Float](repeating: 0, count: batch * cout * hw)
            var cols = [Float](repeating: 0, count: layer.columnLength * hw)
            var direct = DirectConvolution(), blocked = BlockedConvolution()
            let path = Convolution.usesDirectConvolution(layer) ? "direct" : "blocked"
            let name = "conv \(cin)→\(cout) 5×5 B=\(batch)"
            benchmarks.append(Benchmark(name: "\(name) \(path)", flops: flops, items: Double(batch), unit: "fields") {
                parameters.withUnsafeBufferPointer { p in x.withUnsafeBufferPointer { xp in
                    z.withUnsafeMutableBufferPointer { zp in cols.withUnsafeMutableBufferPointer { cp in
                        Convolution.forward(layer, parameters: p.baseAddress!, input: xp.baseAddress!, output: zp.baseAddress!,
                                            batch: batch, height: h, width: w, cols: cp.baseAddress!, direct: &direct, blocked: &blocked)
                    } }
                } }
            })
            benchmarks.append(Benchmark(name: "\(name) im2col + sgemm", flops: flops, items: Double(batch), unit: "fields") {
                parameters.withUnsafeBufferPointer { p in x.withUnsafeBufferPointer { xp in
                    z.withUnsafeMutableBufferPointer { zp in cols.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<batch {
                            let y = zp.baseAddress! + b * cout * hw
                            for o in 0..<cout { (y + o * hw).update(repeating: p[layer.weightCount + o], count: hw) }
                            Convolution.im2col(xp.baseAddress! + b * cin * hw, cp.baseAddress!, channels: cin, kernelHeight: 5,
                                               kernelWidth: 5, height: h, width: w, padding: .zero)
                            BLAS.sgemm(m: cout, n: hw, k: layer.columnLength, a: p.baseAddress!, lda: layer.columnLength,
                                       b: cp.baseAddress!, ldb: hw, beta: 1, c: y, ldc: hw)
                        }
                    } }
                } }
            })
        }
    }
    return benchmarks.filter { b in filter.map { b.name.contains($0) } ?? true }
}
