import SOLCore

/// The physical parameters of one simulation: named numbers (`viscosity`, `re`, `forcing`, …)
/// and the seed of its random initial condition.
///
/// Each scenario documents its parameter names and which one is the corrector's conditioning
/// input (``Scenario/conditioningParameter``): `viscosity` for `burgers` and `kolmogorov`.
public struct SimulationParameters: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Named physical parameters.
    public var values: [String: Double]
    /// Seed of the random initial condition.
    public var seed: UInt64

    /// Named parameter values (e.g. `["viscosity": 0.01]`) and the seed of the initial condition.
    public init(_ values: [String: Double], seed: UInt64 = 0) {
        self.values = values
        self.seed = seed
    }

    /// The value of a parameter, if present.
    public subscript(name: String) -> Double? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The value of a required parameter of `scenario`.
    public func value(_ name: String, scenario: String) throws -> Double {
        guard let v = values[name] else { throw SolverError.missingParameter(scenario: scenario, name: name) }
        return v
    }

    /// Parameter names, sorted.
    public var names: [String] { values.keys.sorted() }

    /// Canonical JSON: `{"seed":3,"values":{"viscosity":0.01}}` (sorted keys).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Decodes ``json``.
    public init(json: String) throws {
        self = try JSONDecoder().decode(SimulationParameters.self, from: Data(json.utf8))
    }

    public var description: String {
        (names.map { "\($0)=\(values[$0]!)" } + ["seed=\(seed)"]).joined(separator: " ")
    }
}

import Foundation
