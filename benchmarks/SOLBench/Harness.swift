import Foundation

/// A tiny benchmark harness: runs a closure repeatedly and reports the median wall time.
///
/// Benchmarks live here, never in timed unit tests. Run them in release mode:
///
///     swift run -c release sol-bench [suite ...] [--quick]
///
/// and record the printed table, the machine and the command in `benchmarks/README.md`.
struct Benchmark {
    var name: String
    /// Floating-point operations per call, if known (for GFLOP/s).
    var flops: Double? = nil
    /// Items processed per call (states, queries, …) and their unit, for a rate column.
    var items: Double? = nil
    var unit: String = "items"
    var body: () -> Void
}

/// A named group of benchmarks, e.g. `solver`, `corrector`, `zo`.
struct BenchmarkSuite {
    var name: String
    var make: () -> [Benchmark]
}

enum Harness {
    /// Median of the per-call time over `samples` batches, each long enough (≥ `minimumTime`)
    /// to dwarf the clock resolution.
    static func measure(_ benchmark: Benchmark, samples: Int, minimumTime: Double) -> Double {
        benchmark.body()  // warm-up: plans, workspaces, caches
        var calls = 1
        while true {
            let t = time(calls, benchmark.body)
            if t >= minimumTime || calls >= 1 << 20 { break }
            calls *= 2
        }
        var times: [Double] = []
        for _ in 0..<samples { times.append(time(calls, benchmark.body) / Double(calls)) }
        times.sort()
        return times[times.count / 2]
    }

    private static func time(_ calls: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<calls { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    static func run(_ suites: [BenchmarkSuite], quick: Bool) {
        let samples = quick ? 3 : 9
        let minimumTime = quick ? 0.02 : 0.1
        for suite in suites {
            print("## \(suite.name)\n")
            print("| benchmark | median | rate | GFLOP/s |")
            print("| --- | ---: | ---: | ---: |")
            for b in suite.make() {
                let t = measure(b, samples: samples, minimumTime: minimumTime)
                let rate = b.items.map { String(format: "%.4g %@/s", $0 / t, b.unit) } ?? ""
                let gflops = b.flops.map { String(format: "%.1f", $0 / t / 1e9) } ?? ""
                print("| \(b.name) | \(format(t)) | \(rate) | \(gflops) |")
                fflush(nil)
            }
            print("")
        }
    }

    static func format(_ seconds: Double) -> String {
        if seconds < 1e-3 { return String(format: "%.2f µs", seconds * 1e6) }
        if seconds < 1 { return String(format: "%.3f ms", seconds * 1e3) }
        return String(format: "%.3f s", seconds)
    }
}
