import XCTest
import Corrector

final class CheckpointTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "corrector-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testRoundTripRestoresIdenticalOutputs() throws {
        var rnd = TestRandom(31)
        let arch = NetworkArchitecture.preset(.medium, inputChannels: 3, outputChannels: 2, activation: .leakyReLU(slope: 0.2), padding: .replicate)
        let net = try Network(architecture: arch, initializer: .kaimingNormal(gain: 1.4), seed: 9,
                              normalization: GradientTests.randomNormalization(arch, &rnd))
        let state = ["adam.m": rnd.floats(net.parameterCount), "adam.v": rnd.floats(net.parameterCount, 0, 1), "lr": [1e-4],
                     "empty": []]
        let config = #"{"method":"zo-sol","unroll":4,"mu":0.005}"#
        let path = directory + "/run.h5"
        try Checkpoint(network: net, optimizerState: state, step: 1234, trainingConfiguration: config).write(to: path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
        let loaded = try Checkpoint.read(from: path, expecting: arch)
        XCTAssertEqual(loaded.network, net)
        XCTAssertEqual(loaded.optimizerState, state)
        XCTAssertEqual(loaded.step, 1234)
        XCTAssertEqual(loaded.trainingConfiguration, config)
        XCTAssertEqual(try Checkpoint.architecture(at: path), arch)
        let x = rnd.tensor([2, 3, 8, 6])
        XCTAssertTrue(try loaded.network.forward(x) == net.forward(x))
        // Overwrite in place (atomic replace), then refuse without overwrite.
        try Checkpoint(network: net, step: 1235).write(to: path)
        XCTAssertEqual(try Checkpoint.read(from: path).step, 1235)
        XCTAssertThrowsError(try Checkpoint(network: net).write(to: path, overwrite: false))
    }

    func testCheckpointOfAnotherArchitectureSaysWhatDiffers() throws {
        let path = directory + "/tiny.h5"
        try Checkpoint(network: try Network(architecture: .tiny, seed: 1)).write(to: path)
        let other = NetworkArchitecture.preset(.tiny, inputChannels: 4, activation: .gelu)
        XCTAssertThrowsError(try Checkpoint.read(from: path, expecting: other)) { error in
            guard case let CorrectorError.architectureMismatch(p, differences) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertEqual(differences, ["checkpoint input channels: 3 vs 4 expected", "checkpoint activation: tanh vs gelu expected"])
            XCTAssertTrue("\(error)".contains("input channels: 3 vs 4"))
        }
    }

    func testFileThatIsNotACheckpointIsRejected() throws {
        let path = directory + "/data.h5"
        let file = try HDF5File.create(path)
        try file.root.write(Tensor<Float>(shape: [3], scalars: [1, 2, 3]), to: "velocity")
        try file.commit()
        XCTAssertThrowsError(try Checkpoint.read(from: path)) { error in
            guard case CorrectorError.invalidCheckpoint = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("format"))
        }
        XCTAssertThrowsError(try Checkpoint.read(from: directory + "/missing.h5")) { error in
            XCTAssertEqual(error as? CoreError, .fileNotFound(path: directory + "/missing.h5"))
        }
    }
}
