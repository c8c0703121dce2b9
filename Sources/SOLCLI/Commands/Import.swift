import ArgumentParser
import Foundation
import SOL
import Solver

/// `sol import`: PBDL or The Well data as a `sol-pairs` dataset (docs/file-formats.md).
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn reference trajectories in the PBDL or The Well layout into a sol dataset.",
        discussion: """
        The data must match the scenario: its channels, frames dt apart, every parameter the scenario \
        needs, and the scenario's reference grid (frames are downsampled to the source grid, as `sol \
        generate` does) or its source grid (kept as they are). Files written by `sol export` carry the \
        scenario configuration; otherwise the scenario's default is used, adjusted by --resolution, \
        --factor and --dt. Simulations marked sol_split=test, or in data/test or data/valid of The \
        Well, become test simulations.
        """)

    @Option(help: "Input layout: \(ExchangeFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ExchangeFormat

    @Argument(help: "A PBDL .hdf5 file, or a The Well .hdf5 file or directory.")
    var file: String

    @Option(help: "Scenario the data belongs to: \(ScenarioRegistry.names.joined(separator: ", ")).")
    var scenario: String

    @Option(help: "Output dataset (.h5).")
    var out: String

    @Option(parsing: .unconditional, help: "Source grid resolution of the scenario (default: the file's or the scenario's).")
    var resolution: Int?

    @Option(parsing: .unconditional, help: "Reference resolution = factor × source resolution (default: the file's or the scenario's).")
    var factor: Int?

    @Option(parsing: .unconditional, help: "Time between frames (default: the file's or the scenario's).")
    var dt: Double?

    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    func validate() throws {
        try ScenarioOverrides.validate(scenario: scenario, resolution: resolution, factor: factor, dt: dt, out: out, overwrite: overwrite)
    }

    func run() throws {
        try OutputGuard.check(output: out, option: "--out", inputs: [("FILE", file)])
        let importer = try DatasetImporter(format: format, input: file, scenarioName: scenario,
                                           resolution: resolution, factor: factor, dt: dt)
        let summary = try importer.importDataset(to: out, overwrite: overwrite)
        print("wrote \(summary.path): \(scenario), \(summary.train) train + \(summary.test) test simulations × \(summary.frames) frames"
              + (summary.downsampled ? ", downsampled from the reference grid" : ", on the source grid"))
    }
}
