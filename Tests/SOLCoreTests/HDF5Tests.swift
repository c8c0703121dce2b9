import Foundation
import XCTest
@testable import SOLCore

final class HDF5Tests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sol-hdf5-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    /// Runs `body` with file descriptor 2 redirected to a file and returns what was written.
    private func capturingStandardError(_ body: () throws -> Void) rethrows -> String {
        let capture = path("stderr.txt")
        _ = FileManager.default.createFile(atPath: capture, contents: nil)
        let saved = dup(2)
        let fd = open(capture, O_WRONLY)
        dup2(fd, 2)
        defer { dup2(saved, 2); close(saved); close(fd) }
        try body()
        fflush(nil)
        return (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
    }

    func testRoundTripOfEveryTypeAndRank() throws {
        let file = try HDF5File.create(path("types.h5"))
        let root = try file.root
        for rank in 1...4 {
            let shape = Array([3, 4, 5, 2].prefix(rank))
            let count = shape.reduce(1, *)
            try root.write(Tensor<Float>(shape: shape, scalars: (0..<count).map { Float($0) * 0.5 - 1 }), to: "f32_\(rank)")
            try root.write(Tensor<Double>(shape: shape, scalars: (0..<count).map { Double($0) / 3 }), to: "f64_\(rank)",
                           options: .compressed)
            try root.write((0..<count).map { Int32($0 - 7) }, shape: shape, to: "i32_\(rank)")
            try root.write((0..<count).map { Int64($0) << 33 }, shape: shape, to: "grp/i64_\(rank)")
        }
        try file.commit()

        let reopened = try HDF5File.open(path("types.h5"))
        let r = try reopened.root
        for rank in 1...4 {
            let shape = Array([3, 4, 5, 2].prefix(rank))
            let count = shape.reduce(1, *)
            let f = try r.read("f32_\(rank)", as: Float.self)
            XCTAssertEqual(f, Tensor(shape: shape, scalars: (0..<count).map { Float($0) * 0.5 - 1 }))
            XCTAssertEqual(try r.dataset("f32_\(rank)").elementType(), "float32")
            XCTAssertEqual(try r.read("f64_\(rank)", as: Double.self).scalars, (0..<count).map { Double($0) / 3 })
            XCTAssertEqual(try r.dataset("f64_\(rank)").elementType(), "float64")
            XCTAssertEqual(try r.dataset("i32_\(rank)").readAll(as: Int32.self), (0..<count).map { Int32($0 - 7) })
            XCTAssertEqual(try r.group("grp").dataset("i64_\(rank)").readAll(as: Int64.self), (0..<count).map { Int64($0) << 33 })
            XCTAssertEqual(try r.dataset("i32_\(rank)").shape(), shape)
        }
        // Stored float32 converts on read to float64.
        XCTAssertEqual(try r.read("f32_2", as: Double.self).scalars.prefix(3), [-1, -0.5, 0])
        XCTAssertEqual(try r.memberNames().filter { $0.hasPrefix("f32") }, ["f32_1", "f32_2", "f32_3", "f32_4"])
    }

    func testAttributesOfEveryKind() throws {
        let file = try HDF5File.create(path("attrs.h5"))
        let root = try file.root
        try root.setAttribute("scenario", "kármán ✓")
        try root.setAttribute("steps", 500)
        try root.setAttribute("dt", 0.25)
        try root.setAttribute("grid", [64, 32])
        try root.setAttribute("domain", [100.0, 200.0])
        let d = try root.write(Tensor<Float>(shape: [2], scalars: [1, 2]), to: "x")
        try d.setAttribute("units", "m/s")
        try root.setAttribute("steps", 600)  // replaces
        try file.commit()

        let r = try HDF5File.open(path("attrs.h5")).root
        XCTAssertEqual(try r.stringAttribute("scenario"), "kármán ✓")
        XCTAssertEqual(try r.intAttribute("steps"), 600)
        XCTAssertEqual(try r.doubleAttribute("dt"), 0.25)
        XCTAssertEqual(try r.intsAttribute("grid"), [64, 32])
        XCTAssertEqual(try r.doublesAttribute("domain"), [100, 200])
        XCTAssertEqual(try r.dataset("x").stringAttribute("units"), "m/s")
        XCTAssertEqual(Set(try r.attributeNames()), ["scenario", "steps", "dt", "grid", "domain"])
        XCTAssertThrowsError(try r.intAttribute("scenario")) { error in
            XCTAssertTrue("\(error)".contains("scenario"), "\(error)")
        }
        XCTAssertThrowsError(try r.doubleAttribute("nope")) { error in
            XCTAssertEqual(error as? CoreError, .missing(kind: "attribute", name: "/@nope", file: path("attrs.h5")))
        }
    }

    func testSlabReadsWritesAndAppends() throws {
        let file = try HDF5File.create(path("slabs.h5"))
        let root = try file.root
        let frame = { (t: Int) in Tensor<Float>(shape: [2, 3, 4]) { i in Float(t * 100 + i[0] * 12 + i[1] * 4 + i[2]) } }
        let stream = try root.createDataset("traj", of: Float.self, shape: [0, 2, 3, 4],
                                            options: HDF5DatasetOptions(gzipLevel: 3, extendible: true))
        for t in 0..<5 { try stream.append(frame(t)) }
        try stream.append(Tensor(stacking: [frame(5), frame(6)]))
        XCTAssertEqual(try stream.shape(), [7, 2, 3, 4])
        let fixed = try root.createDataset("fixed", of: Double.self, shape: [4, 3])
        try fixed.writeItems(Tensor<Double>(shape: [3], scalars: [1, 2, 3]), at: 2)
        XCTAssertThrowsError(try fixed.append(Tensor<Double>(shape: [3], scalars: [1, 2, 3])))
        XCTAssertThrowsError(try fixed.writeItems(Tensor<Double>(shape: [2], scalars: [1, 2]), at: 0))
        try file.commit()

        let r = try HDF5File.open(path("slabs.h5")).root
        let traj = try r.dataset("traj")
        XCTAssertEqual(try traj.readItem(3, as: Float.self), frame(3))
        XCTAssertEqual(try traj.readItems(5..<7, as: Float.self), Tensor(stacking: [frame(5), frame(6)]))
        XCTAssertEqual(try r.read("traj", as: Float.self), Tensor(stacking: (0..<7).map(frame)))
        XCTAssertEqual(try r.read("fixed", as: Double.self).scalars, [0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0])
        XCTAssertThrowsError(try traj.readItems(6..<8, as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("traj"), "\(error)")
        }
    }

    func testNewFilesAppearOnlyOnCommit() throws {
        let final = path("atomic.h5")
        do {
            let file = try HDF5File.create(final)
            try file.root.write(Tensor<Float>(shape: [3], scalars: [1, 2, 3]), to: "x")
            XCTAssertFalse(FileManager.default.fileExists(atPath: final))
            XCTAssertTrue(FileManager.default.fileExists(atPath: final + HDF5File.partialSuffix))
            // Released without commit (an error path): nothing under the final name, no partial left.
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
        XCTAssertFalse(FileManager.default.fileExists(atPath: final + HDF5File.partialSuffix))

        let file = try HDF5File.create(final)
        try file.root.write(Tensor<Float>(shape: [1], scalars: [4]), to: "x")
        try file.commit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: final))
        XCTAssertThrowsError(try HDF5File.create(final)) { error in
            XCTAssertEqual(error as? CoreError, .fileExists(path: final))
        }
        let replaced = try HDF5File.create(final, overwrite: true)
        try replaced.root.write(Tensor<Float>(shape: [1], scalars: [5]), to: "x")
        try replaced.commit()
        XCTAssertEqual(try HDF5File.open(final).root.read("x", as: Float.self).scalars, [5])
    }

    func testResumableFileKeepsItsPartialContents() throws {
        let final = path("resume.h5")
        do {
            let file = try HDF5File.create(final, resumable: true)
            XCTAssertFalse(file.isResumed)
            try file.root.write(Tensor<Float>(shape: [2], scalars: [1, 2]), to: "sim_000")
            try file.flush()
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: final + HDF5File.partialSuffix))
        let resumed = try HDF5File.create(final, resumable: true)
        XCTAssertTrue(resumed.isResumed)
        XCTAssertTrue(try resumed.root.contains("sim_000"))
        try resumed.root.write(Tensor<Float>(shape: [2], scalars: [3, 4]), to: "sim_001")
        try resumed.commit()
        XCTAssertEqual(try HDF5File.open(final).root.memberNames(), ["sim_000", "sim_001"])
    }

    func testBadFilesThrowClearErrorsWithoutStackDumps() throws {
        // A valid file to truncate.
        let good = path("good.h5")
        let file = try HDF5File.create(good)
        try file.root.write(Tensor<Float>(repeating: 1, shape: [64, 64]), to: "x", options: .compressed)
        try file.commit()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = path("truncated.h5")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let text = path("notes.h5")
        try "just some text, not HDF5\n".write(toFile: text, atomically: true, encoding: .utf8)

        var errors: [Error] = []
        let printed = capturingStandardError {
            for candidate in [path("missing.h5"), text, truncated] {
                do {
                    let f = try HDF5File.open(candidate)
                    _ = try f.root.read("x", as: Float.self)
                    XCTFail("\(candidate) opened and read")
                } catch { errors.append(error) }
            }
        }
        XCTAssertEqual(printed, "", "HDF5 printed to stderr")
        XCTAssertEqual(errors.count, 3)
        XCTAssertEqual(errors[0] as? CoreError, .fileNotFound(path: path("missing.h5")))
        XCTAssertEqual(errors[1] as? CoreError, .notHDF5(path: text))
        guard case let .damagedHDF5(name, details)? = errors[2] as? CoreError else {
            return XCTFail("truncated file: unexpected \(errors[2])")
        }
        XCTAssertEqual(name, truncated)
        XCTAssertFalse(details.isEmpty, "the HDF5 error stack should be carried in the error")
        XCTAssertEqual("\(errors[2])", "\(truncated) is truncated or damaged (not a complete HDF5 file)")
        XCTAssertTrue((errors[2] as? CoreError)?.detailedDescription.contains("superblock") ?? false)
    }

    func testMissingObjectsNameFileAndPath() throws {
        let file = try HDF5File.create(path("m.h5"))
        try file.root.createGroup("a/b")
        try file.commit()
        let r = try HDF5File.open(path("m.h5")).root
        XCTAssertThrowsError(try r.group("a").dataset("velocity")) { error in
            XCTAssertEqual("\(error)", "\(path("m.h5")) has no dataset '/a/velocity'")
        }
        XCTAssertTrue(try r.group("a").contains("b"))
        XCTAssertFalse(try r.group("a").isDataset("b"))
    }

    /// Writes a small file for the h5py interoperability check of the test command
    /// (`scripts/check_h5py.py`), when `SOL_INTEROP_DIR` names a directory.
    func testWriteInteropFixture() throws {
        guard let dir = ProcessInfo.processInfo.environment["SOL_INTEROP_DIR"] else {
            throw XCTSkip("SOL_INTEROP_DIR not set; the h5py check runs from `make test`")
        }
        let file = try HDF5File.create(dir + "/fixture.h5", overwrite: true)
        let root = try file.root
        try root.setAttribute("scenario", "fixture")
        try root.setAttribute("steps", 3)
        try root.setAttribute("dt", 0.125)
        try root.setAttribute("grid", [2, 3])
        let traj = Tensor<Float>(shape: [3, 2, 2, 3]) { i in Float(i[0] * 100 + i[1] * 10 + i[2] * 3 + i[3]) / 8 }
        let d = try root.write(traj, to: "train/sim_000/velocity", options: .compressed)
        try d.setAttribute("layout", "T,C,H,W")
        try root.write(Tensor<Double>(shape: [2], scalars: [0.01, 0.04]), to: "train/viscosity")
        try root.write([Int64(7), -1], shape: [2], to: "seeds")
        try root.setAttribute("field_names", ["u", "kármán"])
        try root.setAttribute("none", [String]())
        try root.setAttribute("flag", true)
        try root.setAttribute("flags", [true, false])
        try root.createDataset("mask", of: Bool.self, shape: [3]).write([true, false, true])
        try root.createDataset("scalar", of: Float.self, shape: []).write([Float(0.25)])
        try file.commit()
    }

    /// String arrays (also empty), booleans in h5py's enum layout and scalar datasets: the kinds
    /// of metadata The Well and PBDL files need.
    func testStringArraysBooleansAndScalarDatasets() throws {
        let file = try HDF5File.create(path("kinds.h5"))
        let root = try file.root
        try root.setAttribute("names", ["x", "y ✓"])
        try root.setAttribute("empty", [String]())
        try root.setAttribute("flag", false)
        try root.setAttribute("flags", [true, false, true])
        try root.createDataset("mask", of: Bool.self, shape: [4]).write([false, true, true, false])
        try root.createDataset("value", of: Float.self, shape: []).write([Float(1.5)])
        try file.commit()

        let r = try HDF5File.open(path("kinds.h5")).root
        XCTAssertEqual(try r.stringsAttribute("names"), ["x", "y ✓"])
        XCTAssertEqual(try r.attribute("empty"), .strings([]))
        XCTAssertEqual(try r.attribute("flag"), .bool(false))
        XCTAssertEqual(try r.attribute("flags"), .bools([true, false, true]))
        XCTAssertEqual(try r.dataset("mask").readAll(as: Bool.self), [false, true, true, false])
        XCTAssertEqual(try r.dataset("mask").elementType(), "bool")
        XCTAssertEqual(try r.dataset("value").shape(), [])
        XCTAssertEqual(try r.dataset("value").readAll(as: Double.self), [1.5])
        XCTAssertThrowsError(try r.stringsAttribute("flag")) { XCTAssertTrue("\($0)".contains("flag"), "\($0)") }
    }
}
