import ArgumentParser

/// The `sol` command line: generate low/high-fidelity pairs, train correctors, evaluate them.
@main
struct SOLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sol",
        abstract: "Solver-in-the-loop learning with zeroth-order training.",
        discussion: """
        Pipeline: `sol generate` writes low/high-fidelity simulation pairs (HDF5), `sol train` \
        trains a corrector (NON, FO-SOL, ZO-SOL, NOG-SOL), `sol eval` prints the MAE table. \
        `sol inspect FILE` shows what a dataset or checkpoint holds.
        """,
        version: "0.1.0",
        subcommands: [QuickstartCommand.self, Generate.self, Train.self, Evaluate.self, Diagnose.self, Inspect.self,
                      Export.self, Import.self]
    )
}
