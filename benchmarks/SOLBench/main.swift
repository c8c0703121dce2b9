import Foundation
import SOL

/// Every suite, by name. Each module's benchmarks live in their own file of this folder.
let allSuites: [BenchmarkSuite] = [
    coreSuite,
    solverSuite,
    karmanSuite,
    correctorSuite,
    convolutionSuite,
    zoSuite,
    rolloutSuite,
]

let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
let names = arguments.filter { !$0.hasPrefix("--") }
// `mpi` runs under mpirun and only when named (its harness is rank-synchronous).
let unknown = names.filter { name in name != "mpi" && !allSuites.contains { $0.name == name } }
if !unknown.isEmpty {
    FileHandle.standardError.write(Data("unknown suite(s) \(unknown); available: \(allSuites.map(\.name) + ["mpi"])\n".utf8))
    exit(2)
}
BLAS.setThreads(1)
if names.contains("mpi") {
    do { try MPIBenchmarks.run(quick: quick) } catch {
        FileHandle.standardError.write(Data("mpi benchmark failed: \(error)\n".utf8))
        exit(1)
    }
}
let selected = names.isEmpty ? allSuites : allSuites.filter { names.contains($0.name) }
if !selected.isEmpty { Harness.run(selected, quick: quick) }
