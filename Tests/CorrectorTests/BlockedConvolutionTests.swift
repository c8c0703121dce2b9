import XCTest
@testable import Corrector

/// The register-blocked kernel of the wide layers: against im2col + sgemm bit for bit (the path
/// it replaced, so results computed before it reproduce), independent of the batch, and against
/// a float64 loop on the shapes where blocks, channel groups and rows have remainders.
final class BlockedConvolutionTests: XCTestCase {
    /// `z = conv(x) + bias` by ``Convolution/forward(_:parameters:input:output:batch:height:width:cols:kernels:direct:blocked:)``
    /// with the given kernels (`.im2col`: im2col + OpenBLAS sgemm in row chunks).
    private func forward(_ layer: ConvolutionLayer, kernels: ConvolutionKernels, parameters: [Float], input: [Float],
                         batch: Int, height h: Int, width w: Int) -> [Float] {
        var z = [Float](repeating: 0, count: batch * layer.outputChannels * h * w)
        var cols = [Float](repeating: 0, count: layer.columnLength * h * w)
        var direct = DirectConvolution(), blocked = BlockedConvolution()
        parameters.withUnsafeBufferPointer { p in input.withUnsafeBufferPointer { x in
            z.withUnsafeMutableBufferPointer { zp in cols.withUnsafeMutableBufferPointer { cp in
                Convolution.forward(layer, parameters: p.baseAddress!, input: x.baseAddress!, output: zp.baseAddress!,
                                    batch: batch, height: h, width: w, cols: cp.baseAddress!, kernels: kernels,
                                    direct: &direct, blocked: &blocked)
            } }
        } }
        return z
    }

    private func gemmForward(_ layer: ConvolutionLayer, parameters: [Float], input: [Float],
                             batch: Int, height h: Int, width w: Int) -> [Float] {
        forward(layer, kernels: .im2col, parameters: parameters, input: input, batch: batch, height: h, width: w)
    }

    private func blockedForward(_ layer: ConvolutionLayer, parameters: [Float], input: [Float],
                                batch: Int, height h: Int, width w: Int) -> [Float] {
        XCTAssertTrue(Convolution.usesBlockedConvolution(layer))
        return forward(layer, kernels: .blocked, parameters: parameters, input: input, batch: batch, height: h, width: w)
    }

    private func layer(_ cin: Int, _ cout: Int, kernel: Int, padding: PaddingMode) -> ConvolutionLayer {
        NetworkArchitecture(inputChannels: cin, outputChannels: cout, hiddenChannels: [], kernelSize: kernel,
                            padding: padding).layers[0]
    }

    /// The corrector's shapes (`tiny`: 3 → 8 → 8; `small`: 3 → 32 → 32 on the wake flow's 32 × 64
    /// grid) and remainders of blocks, channel groups and rows: both paths round a sum of k + 1
    /// terms recursively, so they differ by at most 2·(k + 1)·u·Σ|terms| (u = 2⁻²⁴; Σ|terms| is the
    /// convolution of |W| and |x|). They are not bit-identical: OpenBLAS's micro-kernels split
    /// some sums differently by tile and thread count.
    func testAgreesWithIm2colGEMM() {
        var rnd = TestRandom(7)
        let cases: [(cin: Int, cout: Int, kernel: Int, h: Int, w: Int, padding: PaddingMode)] = [
            (3, 8, 5, 32, 64, .zero), (8, 8, 5, 32, 64, .zero), (3, 32, 5, 32, 64, .periodic), (32, 32, 5, 32, 64, .replicate),
            (6, 7, 3, 13, 9, .periodic), (5, 6, 5, 4, 3, .zero), (2, 9, 7, 11, 30, .replicate),
        ]
        for c in cases {
            let l = layer(c.cin, c.cout, kernel: c.kernel, padding: c.padding)
            let parameters = rnd.floats(l.weightCount + c.cout), x = rnd.floats(2 * c.cin * c.h * c.w)
            let gemm = gemmForward(l, parameters: parameters, input: x, batch: 2, height: c.h, width: c.w)
            let blocked = blockedForward(l, parameters: parameters, input: x, batch: 2, height: c.h, width: c.w)
            let magnitude = blockedForward(l, parameters: parameters.map(abs), input: x.map(abs), batch: 2, height: c.h, width: c.w)
            let bound = 2 * Double(l.columnLength + 1) * 0x1p-24
            let worst = zip(zip(gemm, blocked), magnitude).map { abs(Double($0.0) - Double($0.1)) / (bound * Double($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1, "\(c): differences reach \(worst) × the summation bound")
        }
    }

    /// A batch of 3 gives each item the bits it gets alone, and a float64 loop agrees within the
    /// bound of recursive float32 summation, `|error| ≤ n·u·Σ|terms|` (n = 126 roundings, u = 2⁻²⁴).
    func testBatchInvarianceAndFloat64Reference() {
        var rnd = TestRandom(8)
        for padding in PaddingMode.allCases {
            let (cin, cout, h, w) = (5, 10, 7, 11)
            let l = layer(cin, cout, kernel: 5, padding: padding)
            let parameters = rnd.floats(l.weightCount + cout), x = rnd.floats(3 * cin * h * w)
            let batched = blockedForward(l, parameters: parameters, input: x, batch: 3, height: h, width: w)
            for b in 0..<3 {
                let single = blockedForward(l, parameters: parameters, input: Array(x[(b * cin * h * w)..<((b + 1) * cin * h * w)]),
                                            batch: 1, height: h, width: w)
                XCTAssertEqual(single.map(\.bitPattern), batched[(b * cout * h * w)..<((b + 1) * cout * h * w)].map(\.bitPattern),
                               "\(padding) item \(b)")
                for o in 0..<cout {
                    for y in 0..<h {
                        for xx in 0..<w {
                            var ref = Double(parameters[l.weightCount + o]), magnitude = abs(ref)
                            for c in 0..<cin {
                                for i in 0..<5 {
                                    for j in 0..<5 {
                                        let sy = padding.sourceIndex(y + i - 2, extent: h), sx = padding.sourceIndex(xx + j - 2, extent: w)
                                        guard sy >= 0, sx >= 0 else { continue }
                                        let term = Double(parameters[o * l.columnLength + (c * 5 + i) * 5 + j])
                                            * Double(x[((b * cin + c) * h + sy) * w + sx])
                                        ref += term
                                        magnitude += abs(term)
                                    }
                                }
                            }
                            XCTAssertEqual(Double(single[(o * h + y) * w + xx]), ref,
                                           accuracy: Double(cin * 25 + 1) * 0x1p-24 * magnitude)
                        }
                    }
                }
            }
        }
    }
}

extension BlockedConvolutionTests {
    /// A network's `convolution` switches its kernels (other last bits, the same function to
    /// float32 rounding); an architecture stored without the key (checkpoints written before it
    /// existed) reads as `.im2col`, and resuming or loading it against `.blocked` names the difference.
    func testKernelChoiceOfANetwork() throws {
        var rnd = TestRandom(9)
        let blocked = NetworkArchitecture.preset(.small, padding: .replicate)
        var classic = blocked
        classic.convolution = .im2col
        let parameters = rnd.floats(blocked.parameterCount, -0.1, 0.1)
        let x = rnd.tensor([2, 3, 16, 24])
        let yb = try Network(architecture: blocked, parameters: parameters).forward(x)
        let yc = try Network(architecture: classic, parameters: parameters).forward(x)
        XCTAssertGreaterThan(zip(yb.scalars, yc.scalars).filter { $0.0 != $0.1 }.count, 0, "the two kernels should differ in some last bits")
        let scale = yc.scalars.map(abs).max() ?? 1
        XCTAssertLessThan(zip(yb.scalars, yc.scalars).map { abs($0.0 - $0.1) }.max() ?? 0, 1e-5 * scale)
        let json = try JSONEncoder().encode(blocked)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(object["convolution"] as? String, "blocked")
        object.removeValue(forKey: "convolution")
        let old = try JSONDecoder().decode(NetworkArchitecture.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(old.convolution, .im2col)
        XCTAssertEqual(old.differences(from: blocked), ["convolution: im2col vs blocked"])
    }
}

extension BlockedConvolutionTests {
    /// A forward pass split over 2 or 3 threads (``NetworkWorkspace/threads``) gives every item
    /// the bits of one thread, for both kernels, a residual network and a resumed pass.
    func testThreadsSplitTheBatchBitForBit() throws {
        var rnd = TestRandom(10)
        for convolution in ConvolutionKernels.allCases {
            let arch = NetworkArchitecture(inputChannels: 3, outputChannels: 2, hiddenChannels: [6, 6, 6], kernelSize: 3,
                                           padding: .periodic, residual: true, convolution: convolution)
            let net = try Network(architecture: arch, parameters: rnd.floats(arch.parameterCount, -0.3, 0.3))
            for batch in [1, 3, 5] {
                let x = rnd.tensor([batch, 3, 9, 13])
                let serialCache = ActivationCache()
                let serial = try net.forward(x, cache: serialCache, workspace: NetworkWorkspace())
                let resumedSerial = net.forward(resumingAt: 2, cache: serialCache, workspace: NetworkWorkspace())
                for threads in [2, 3] {
                    let ws = NetworkWorkspace()
                    ws.threads = threads
                    let cache = ActivationCache()
                    let split = try net.forward(x, cache: cache, workspace: ws)
                    XCTAssertEqual(split.scalars.map(\.bitPattern), serial.scalars.map(\.bitPattern), "\(convolution) B=\(batch) threads \(threads)")
                    let resumed = net.forward(resumingAt: 2, cache: cache, workspace: ws)
                    XCTAssertEqual(resumed.scalars.map(\.bitPattern), resumedSerial.scalars.map(\.bitPattern), "resumed, \(convolution) B=\(batch)")
                }
            }
        }
    }
}
