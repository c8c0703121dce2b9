import ArgumentParser
import Foundation
import SOL

extension ExchangeFormat: ExpressibleByArgument {}
extension ExportSelection: ExpressibleByArgument {}

/// `sol export`: a dataset in the PBDL dataloader or The Well layout (docs/file-formats.md).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a dataset's trajectories in the PBDL or The Well layout, for those tools' loaders.",
        discussion: """
        --format pbdl writes one .hdf5 file (group sims, datasets sim0, sim1, … [time, channel, x, y]) that \
        pbdl.dataset.Dataset(NAME, local_datasets_dir=DIR) reads; --format well writes a directory \
        OUT/data/train/, OUT/data/test/ with one file per simulation that \
        the_well.data.WellDataset(path=OUT, well_split_name="train") reads. \
        --which reference (the default) recomputes the high-fidelity reference on the reference grid and \
        checks it against the stored frames; --which source-pairs writes the stored frames (the \
        reference downsampled to the source grid).
        """)

    @Option(help: "Target layout: \(ExchangeFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ExchangeFormat

    @Option(help: "A dataset written by `sol generate` or `sol import`.")
    var data: String

    @Option(help: "Output: a .hdf5 file (pbdl) or a directory (well).")
    var out: String

    @Option(help: "Trajectories: reference (reference grid, recomputed) or source-pairs (the stored source-grid frames).")
    var which: ExportSelection = .reference

    @Flag(help: "Replace an existing output.")
    var overwrite = false

    func validate() throws {
        if FileManager.default.fileExists(atPath: out) && !overwrite {
            throw ValidationError("\(out) already exists; pass --overwrite to replace it")
        }
    }

    func run() throws {
        // The Well's output is a directory by design; PBDL's is one file.
        if format == .pbdl { try OutputGuard.refuseDirectory(out, option: "--out") }
        try OutputGuard.refuseSameFile(output: out, inputs: [("--data", data)])
        let dataset = try PairDataset(path: data)
        let exporter = DatasetExporter(dataset: dataset, format: format, selection: which)
        let progress = Progress(total: exporter.progressTotal, label: "export \(format.rawValue)", unit: "frames")
        let summary = try exporter.export(to: out, overwrite: overwrite, progress: progress)
        progress.finish()
        let grid = summary.grid.reversed().filter { $0 > 1 }.map(String.init).joined(separator: "×")
        print("wrote \(summary.path): \(format.rawValue) layout, \(summary.simulations) simulations × \(summary.frames) frames, "
              + "\(which.rawValue) on \(grid) (x×y), \(summary.files.count) file(s)")
        if let check = summary.replay {
            if check.identical == check.frames {
                print("recomputed reference: T of every frame equals the stored frame bit for bit (\(check.frames) frames)")
            } else {
                print("recomputed reference: \(check.identical) of \(check.frames) downsampled frames equal the stored ones bit for bit; "
                      + "largest difference \(check.maxDeviation)")
            }
        }
    }
}
