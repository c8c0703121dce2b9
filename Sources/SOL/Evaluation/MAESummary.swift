import Foundation

/// The evaluation result of one method: MAE per test simulation, their mean ± standard deviation,
/// and the error over time.
///
/// MAE of one simulation = mean over steps k = 1…K, cells and velocity components of
/// `|s̃(k) − T r(k)|`, where `s̃` is the method's rollout from the simulation's first test frame and
/// `T r` the downsampled reference (Um et al. 2020; DeepZero Table 5 uses the same measure).
public struct MethodEvaluation: Codable, Equatable, Sendable {
    /// `SRC`, `NON`, `FO-SOL`, `ZO-SOL`, `NOG-SOL` (suffixed when a method appears twice).
    public var name: String
    /// Checkpoint path, or nil for SRC.
    public var model: String?
    /// MAE of each test simulation.
    public var perSimulation: [Double]
    /// `[simulation][step]`: MAE of each simulation at steps 1…K.
    public var errorBySimulationAndStep: [[Double]]

    /// An evaluation from the per-step errors; the per-simulation MAEs are their means over steps.
    public init(name: String, model: String?, errorBySimulationAndStep: [[Double]]) {
        self.name = name
        self.model = model
        self.errorBySimulationAndStep = errorBySimulationAndStep
        self.perSimulation = errorBySimulationAndStep.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
    }

    /// Mean of the per-simulation MAEs.
    public var mean: Double { perSimulation.isEmpty ? .nan : perSimulation.reduce(0, +) / Double(perSimulation.count) }

    /// Population standard deviation of the per-simulation MAEs (as in the papers' "mean ± std"
    /// over test simulations).
    public var standardDeviation: Double {
        guard !perSimulation.isEmpty else { return .nan }
        let m = mean
        return (perSimulation.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(perSimulation.count)).squareRoot()
    }

    /// Mean over simulations of the MAE at each step.
    public var errorOverTime: [Double] {
        guard let steps = errorBySimulationAndStep.first?.count else { return [] }
        return (0..<steps).map { k in
            errorBySimulationAndStep.map { $0[k] }.reduce(0, +) / Double(errorBySimulationAndStep.count)
        }
    }
}

/// The MAE table of `sol eval`: SRC first, then every model, on the same test simulations.
public struct MAETable: Sendable {
    /// Path of the evaluated dataset.
    public var dataset: String
    /// Rollout length `K`.
    public var steps: Int
    /// Names of the test simulations, in column order.
    public var simulations: [String]
    /// SRC first, then every model.
    public var methods: [MethodEvaluation]

    /// A table of the given evaluations.
    public init(dataset: String, steps: Int, simulations: [String], methods: [MethodEvaluation]) {
        self.dataset = dataset
        self.steps = steps
        self.simulations = simulations
        self.methods = methods
    }

    /// Fraction of the SRC → reference-method gap that `method` closes:
    /// `(MAE_SRC − MAE_method) / (MAE_SRC − MAE_reference)` (DeepZero reports 57.5 % for ZO-SOL
    /// against FO-SOL on its wake flow).
    public func gapClosed(by method: String, relativeTo reference: String = "FO-SOL") -> Double? {
        guard let src = methods.first(where: { $0.name == "SRC" })?.mean,
              let m = methods.first(where: { $0.name == method })?.mean,
              let r = methods.first(where: { $0.name == reference })?.mean, src != r else { return nil }
        return (src - m) / (src - r)
    }

    /// The ZO-SOL rows (`ZO-SOL`, `ZO-SOL (guided)`, `ZO-SOL-2`, …), in table order.
    var zeroOrderRows: [String] { methods.map(\.name).filter { $0.hasPrefix(TrainingMethodKind.zoSOL.label) } }

    /// Output formats of `sol eval --format`.
    public enum Format: String, CaseIterable, Sendable { case markdown, csv, json }

    /// The table as Markdown, CSV or JSON (what `sol eval --format` prints).
    public func rendered(as format: Format) -> String {
        switch format {
        case .markdown: return markdown()
        case .csv: return csv()
        case .json: return json()
        }
    }

    /// A Markdown table: method, MAE mean ± std, one column per test simulation.
    public func markdown() -> String {
        var lines = ["MAE over \(steps) steps on \(simulations.count) test simulation(s) of \(dataset)", ""]
        lines.append("| method | MAE (mean ± std) | " + simulations.joined(separator: " | ") + " |")
        lines.append("| --- | --- | " + simulations.map { _ in "---:" }.joined(separator: " | ") + " |")
        for m in methods {
            let cells = m.perSimulation.map { Self.number($0) }.joined(separator: " | ")
            lines.append("| \(m.name) | \(Self.number(m.mean)) ± \(Self.number(m.standardDeviation)) | \(cells) |")
        }
        let closing = zeroOrderRows.compactMap { name in gapClosed(by: name).map { (name, $0) } }
        if !closing.isEmpty { lines.append("") }
        for (name, gap) in closing {
            lines.append(String(format: "%@ closes %.1f %% of the SRC → FO-SOL gap.", name, 100 * gap))
        }
        return lines.joined(separator: "\n")
    }

    /// `method,mae_mean,mae_std,sim_000,…`, one line per method.
    public func csv() -> String {
        var lines = ["method,mae_mean,mae_std," + simulations.joined(separator: ",")]
        for m in methods {
            lines.append(([m.name, "\(m.mean)", "\(m.standardDeviation)"] + m.perSimulation.map { "\($0)" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// JSON in the format documented in docs/file-formats.md.
    public func json() -> String {
        struct Method: Encodable {
            var name: String, model: String?, mae_mean: Double, mae_std: Double
            var per_simulation: [Double], error_over_time: [Double]
        }
        struct Document: Encodable {
            var dataset: String, steps: Int, simulations: [String], methods: [Method]
            var zo_gap_closed: Double?
        }
        let document = Document(dataset: dataset, steps: steps, simulations: simulations,
                                methods: methods.map {
                                    Method(name: $0.name, model: $0.model, mae_mean: $0.mean, mae_std: $0.standardDeviation,
                                           per_simulation: $0.perSimulation, error_over_time: $0.errorOverTime)
                                }, zo_gap_closed: zeroOrderRows.first.flatMap { gapClosed(by: $0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A rollout that blew up has an infinite or NaN error: JSON has no literal for it.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(document)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func number(_ x: Double) -> String { String(format: "%.4f", x) }
}
