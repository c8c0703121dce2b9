import Foundation

/// Checks that keep a command from destroying its own inputs or another run's outputs.
public enum OutputGuard {
    /// Throws ``SOLError/outputIsInput(option:path:)`` when `output` names the same file as one
    /// of `inputs` (the same path once resolved, or the same inode through a link).
    public static func refuseSameFile(output: String, inputs: [(option: String, path: String)]) throws {
        for (option, input) in inputs where sameFile(output, input) {
            throw SOLError.outputIsInput(option: option, path: output)
        }
    }

    /// Throws ``SOLError/outputIsDirectory(option:path:)`` when `output` is an existing directory.
    public static func refuseDirectory(_ output: String, option: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            throw SOLError.outputIsDirectory(option: option, path: output)
        }
    }

    /// Both checks for an output file: not a directory, not one of the inputs.
    public static func check(output: String, option: String, inputs: [(option: String, path: String)]) throws {
        try refuseDirectory(output, option: option)
        try refuseSameFile(output: output, inputs: inputs)
    }

    /// True when both paths name one file: equal after resolving symbolic links and `..`, or
    /// the same device and inode.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        let ra = URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
        let rb = URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
        if ra == rb { return true }
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
