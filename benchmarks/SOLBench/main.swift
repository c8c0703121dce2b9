import Foundation
import SOL

/// Every suite, by name. Each module's benchmarks live in their own file of this folder.
let allSuites: [BenchmarkSuite] = [
    coreSuite,
    solverSuite,
    karmanSuite,
    correctorSuite,
    zoSuite,
]

let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
let names = arguments.filter { !$0.hasPrefix("--") }
let unknown = names.filter { name in !allSuites.contains { $0.name == name } }
if !unknown.isEmpty {
    FileHandle.standardError.write(Data("unknown suite(s) \(unknown); available: \(allSuites.map(\.name))\n".utf8))
    exit(2)
}
BLAS.setThreads(1)
Harness.run(names.isEmpty ? allSuites : allSuites.filter { names.contains($0.name) }, quick: quick)
