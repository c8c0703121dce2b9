import ArgumentParser
import SOL
import SOLCore

/// `sol inspect FILE`: the groups, datasets (shape, type) and attributes of an HDF5 file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a dataset or checkpoint file holds.")

    @Argument(help: "An HDF5 file written by sol (dataset, checkpoint or rollouts).")
    var file: String

    @Option(parsing: .unconditional, help: "Descend at most this many group levels.")
    var depth: Int = 3

    func validate() throws {
        guard depth >= 0 else { throw ValidationError("--depth must be ≥ 0") }
    }

    func run() throws {
        let h5 = try HDF5File.open(file)
        print(file)
        try describe(try h5.root, indent: "  ", level: 0)
    }

    /// Seeds are UInt64 stored as the int64 with the same bits: shown unsigned, as given.
    static func format(_ value: HDF5AttributeValue, named name: String) -> String {
        if name == "seed", case let .int(bits) = value { return String(UInt64(bitPattern: bits)) }
        return "\(value)"
    }

    private func describe(_ group: HDF5Group, indent: String, level: Int) throws {
        for name in try group.attributeNames() {
            print("\(indent)@\(name) = \(Self.format(try group.attribute(name), named: name))")
        }
        for name in try group.memberNames() {
            if try group.isDataset(name) {
                let dataset = try group.dataset(name)
                print("\(indent)\(name): \(try dataset.elementType()) \(try dataset.shape())")
                for attribute in try dataset.attributeNames() {
                    print("\(indent)  @\(attribute) = \(try dataset.attribute(attribute))")
                }
            } else if level < depth {
                print("\(indent)\(name)/")
                try describe(try group.group(name), indent: indent + "  ", level: level + 1)
            } else {
                print("\(indent)\(name)/ …")
            }
        }
    }
}
