import Foundation
import Solver

extension PairDataset {
    /// A content fingerprint of everything training reads: the scenario and its configuration,
    /// the channels, and every training simulation's name, parameters and reference frames (bit
    /// for bit). Two files with the same fingerprint train identically; a regenerated file with
    /// another seed, resolution or length has another. 64-bit FNV-1a over the bytes, as 16 hex
    /// digits (a check against mistakes, not against forgery).
    public func trainingFingerprint() throws -> String {
        var hash = FNV1a64()
        hash.add(scenario.name)
        hash.add(scenario.configurationJSON)
        hash.add(channels.joined(separator: ","))
        for record in train {
            hash.add(record.name)
            hash.add(record.parameters.json)
            hash.add(UInt64(record.frames))
            try trajectory(record).scalars.withUnsafeBufferPointer { hash.add(UnsafeRawBufferPointer($0)) }
        }
        return hash.hex
    }
}

/// 64-bit FNV-1a (Fowler–Noll–Vo), fed strings, integers and raw bytes.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        value = h
    }

    mutating func add(_ string: String) {
        var s = string
        s.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        add(UInt64(string.utf8.count))
    }

    mutating func add(_ integer: UInt64) {
        withUnsafeBytes(of: integer.littleEndian) { add($0) }
    }

    var hex: String { String(format: "%016llx", value) }
}
