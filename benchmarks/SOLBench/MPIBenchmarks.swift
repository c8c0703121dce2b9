import Foundation
import SOL

/// The collective a distributed ZO-SOL iteration pays: the all-reduce of its query losses
/// (`QueryPool.coordinateLosses`, one double per query), for the query counts of the networks
/// in docs/zo-sol.md's scaling model. Run under `mpirun` (one rank is valid but measures nothing):
///
///     mpirun -np 2 .build/release/sol-bench mpi
///     mpirun -np 2 --mca btl self,tcp .build/release/sol-bench mpi   # through the TCP stack
///
/// Every rank runs the same fixed number of calls (the adaptive harness would let ranks pick
/// different counts and deadlock); a barrier starts each sample, and rank 0 prints the median
/// time per call over the samples.
enum MPIBenchmarks {
    /// Query counts per iteration: karman `tiny` at sparsity 0.99 and 0.9, the 55 k `small` net
    /// at 0.99 and 0.9, and a dense `small` net.
    static let sizes = [89, 557, 1_200, 11_000, 110_000]

    static func run(quick: Bool) throws {
        try MPI.initialize()
        defer { MPI.finalize() }
        let ranks = MPI.size, rank = MPI.rank
        let samples = quick ? 3 : 9
        if rank == 0 {
            print("## mpi (\(ranks) rank\(ranks == 1 ? "" : "s"))\n")
            print("| benchmark | median | rate | GFLOP/s |")
            print("| --- | ---: | ---: | ---: |")
        }
        for n in sizes {
            var values = (0..<n).map { Double($0 % 13) + Double(rank) }
            let calls = n > 10_000 ? 50 : 500
            for _ in 0..<10 { try MPI.allReduceSum(&values) }  // warm-up: connections, buffers
            var times: [Double] = []
            for _ in 0..<samples {
                MPI.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<calls { try MPI.allReduceSum(&values) }
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(calls))
            }
            times.sort()
            if rank == 0 {
                let t = times[times.count / 2]
                print("| allreduce sum \(n) doubles (\(n * 8 / 1000) KB) | \(Harness.format(t)) | "
                      + String(format: "%.4g MB/s", Double(n * 8) / t / 1e6) + " | |")
                fflush(nil)
            }
        }
        if rank == 0 { print("") }
    }
}
