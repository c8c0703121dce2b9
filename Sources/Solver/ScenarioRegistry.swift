import Foundation
import SOLCore

/// Every scenario, by name. Adding a scenario is one line in ``all``.
public enum ScenarioRegistry {
    /// The registered scenario types.
    public static let all: [any Scenario.Type] = [
        BurgersScenario.self,
        KolmogorovScenario.self,
        KarmanScenario.self,
    ]

    /// Registered names, in registration order.
    public static var names: [String] { all.map { $0.name } }

    /// The scenario type named `name`.
    public static func type(named name: String) throws -> any Scenario.Type {
        guard let type = all.first(where: { $0.name == name }) else {
            throw SolverError.unknownScenario(name: name, available: names)
        }
        return type
    }

    /// The default configuration of scenario `name`.
    public static func scenario(named name: String) throws -> any Scenario {
        try type(named: name).init()
    }

    /// Re-creates a scenario from the metadata of a dataset file (root attributes `scenario`
    /// and `config`).
    public static func scenario(named name: String, configurationJSON json: String) throws -> any Scenario {
        try type(named: name).decode(configurationJSON: json)
    }
}
