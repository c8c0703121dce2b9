// swift-tools-version:6.0
// Solver-in-the-loop learning with zeroth-order training.
//
// Imports flow one way:
//   C system libraries -> SOLCore -> Solver, Corrector, ZOTrain (never each other) -> SOL -> SOLCLI
// (Solver also sees the plug-in ABI header, CSOLSolver: user solvers are loaded at run time.)
import PackageDescription

import Foundation

/// Numeric targets are always optimised: the tests integrate PDEs and train networks, and a
/// `-Onone` build of that code is 20–100× slower. Debug info stays on for debugging.
///
/// They are also compiled for the building machine's CPU (`-target-cpu native`, like
/// `-march=native`): the convolution and tanh loops then run 8 floats wide on AVX2 machines
/// instead of the 4-wide SSE2 of baseline x86-64 (benchmarks/README.md, "Vector width"); Swift
/// does not contract `a * b + c` into FMAs, so results are the same. SwiftPM always builds from
/// source, so the binary runs where it was built; set `SOL_PORTABLE=1` when building binaries to
/// copy to other machines, and do not reuse a `.build` directory from a newer CPU (the flag text
/// is the same everywhere, so SwiftPM would not rebuild it).
let portable = ProcessInfo.processInfo.environment["SOL_PORTABLE"].map { !$0.isEmpty && $0 != "0" } ?? false
let numeric: [SwiftSetting] = [.unsafeFlags(["-O", "-g"] + (portable ? [] : ["-target-cpu", "native"]))]

let package = Package(
    name: "SolverInTheLoop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sol", targets: ["SOLCLI"]),
        .library(name: "SOL", targets: ["SOL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // System libraries: module maps plus static-inline shims for C macros Swift cannot import.
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // The C ABI of source-solver plug-ins (include/sol_solver.h; loaded with dlopen, nothing linked).
        .systemLibrary(name: "CSOLSolver"),

        // Core: tensors, FFT plans, HDF5 store, BLAS and MPI wrappers. The only target that
        // touches the C libraries.
        .target(name: "SOLCore",
                dependencies: ["CFFTW", "CHDF5", "CBLAS", "CMPI",
                               .product(name: "Numerics", package: "swift-numerics")],
                swiftSettings: numeric),
        .target(name: "Solver", dependencies: ["SOLCore", "CSOLSolver"], swiftSettings: numeric),
        .target(name: "Corrector", dependencies: ["SOLCore"], swiftSettings: numeric),
        .target(name: "ZOTrain", dependencies: ["SOLCore"], swiftSettings: numeric),
        .target(name: "SOL", dependencies: ["SOLCore", "Solver", "Corrector", "ZOTrain"],
                swiftSettings: numeric),
        .executableTarget(name: "SOLCLI",
                          dependencies: ["SOL", .product(name: "ArgumentParser",
                                                         package: "swift-argument-parser")],
                          swiftSettings: numeric),

        // Benchmarks (`swift run -c release sol-bench`), recorded in benchmarks/README.md.
        .executableTarget(name: "sol-bench", dependencies: ["SOL"], path: "benchmarks/SOLBench",
                          swiftSettings: numeric + [.swiftLanguageMode(.v5)]),

        .testTarget(name: "SOLCoreTests", dependencies: ["SOLCore"], swiftSettings: numeric),
        .testTarget(name: "SolverTests", dependencies: ["Solver"], swiftSettings: numeric),
        .testTarget(name: "CorrectorTests", dependencies: ["Corrector"],
                    resources: [.copy("Golden")],  // numpy golden values + the script that made them
                    swiftSettings: numeric),
        .testTarget(name: "ZOTrainTests", dependencies: ["ZOTrain"], swiftSettings: numeric),
        .testTarget(name: "SOLTests", dependencies: ["SOL"], swiftSettings: numeric),
    ]
)
