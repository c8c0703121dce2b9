import Corrector
import Foundation
import Solver
import ZOTrain

/// Does the solver's Jacobian matter for this problem? Compares, on a few training mini-batches,
/// the gradients of the unrolled rollout loss `L(θ)` obtained by
/// - FO-SOL: exact reverse mode through corrector and solver (the reference),
/// - NOG-SOL: reverse mode through the corrector only (solver Jacobian treated as zero),
/// - ZO-SOL: the configured estimate through the black-box solver (coordinate-wise in the
///   parameters, or `vjp`: exact backprop through the corrector with the solver's VJPs from
///   differences of its state),
///
/// by their cosines `cos(a, b) = ⟨a, b⟩ / (‖a‖ ‖b‖)` and norm ratios `‖a‖ / ‖g_FO‖`.
/// A NOG cosine near 1 means that dropping the solver's Jacobian keeps the descent direction
/// (Adam largely ignores the scale); a low one means the solver's sensitivities matter and
/// NOG-SOL trains on a biased direction (List et al. 2024). With one unrolled step the two are
/// identical by construction. A sparse ZO estimate has cosine ≈ √(queried fraction) even when
/// every queried coordinate is exact.
public enum GradientDiagnostic {
    /// The comparison on one mini-batch.
    public struct Row: Codable, Equatable, Sendable {
        /// Mini-batch index (−1 for a mean row).
        public var batch: Int
        /// The unrolled rollout loss of the batch.
        public var loss: Double
        /// ‖g_FO‖.
        public var normFO: Double
        /// ‖g_NOG‖.
        public var normNOG: Double
        /// ‖g_ZO‖.
        public var normZO: Double
        /// cos(NOG, FO)
        public var cosineNOGvsFO: Double
        /// cos(ZO, FO)
        public var cosineZOvsFO: Double
        /// cos(NOG, ZO)
        public var cosineNOGvsZO: Double
        /// ‖NOG‖ / ‖FO‖
        public var normRatioNOG: Double
        /// ‖ZO‖ / ‖FO‖
        public var normRatioZO: Double
        /// Loss evaluations the ZO estimate spent (perturbed solver states for `vjp`).
        public var queries: Int
        /// `guided`: cos(sparse CGE before guidance, FO) and the guide's scale c (nil otherwise).
        public var cosineUnguidedvsFO: Double? = nil
        /// `guided`: the scale c of NOG-SOL's gradient in the estimate (fitted on earlier batches).
        public var guideScale: Double? = nil
    }

    /// The rows of one set of weights (`init` or `trained`).
    public struct Report: Codable, Equatable, Sendable {
        /// Which weights: `init` or a model's label and file.
        public var label: String
        /// Unrolled solver steps of the loss.
        public var unroll: Int
        /// The ZO estimator, described.
        public var estimator: String
        /// One row per mini-batch.
        public var rows: [Row]

        /// Mean of each column over the batches (batch = −1).
        public var mean: Row {
            func m(_ f: (Row) -> Double) -> Double { rows.map(f).reduce(0, +) / Double(max(rows.count, 1)) }
            func optional(_ f: (Row) -> Double?) -> Double? {
                let values = rows.compactMap(f)
                return values.count == rows.count && !values.isEmpty ? values.reduce(0, +) / Double(values.count) : nil
            }
            return Row(batch: -1, loss: m(\.loss), normFO: m(\.normFO), normNOG: m(\.normNOG), normZO: m(\.normZO),
                       cosineNOGvsFO: m(\.cosineNOGvsFO), cosineZOvsFO: m(\.cosineZOvsFO), cosineNOGvsZO: m(\.cosineNOGvsZO),
                       normRatioNOG: m(\.normRatioNOG), normRatioZO: m(\.normRatioZO),
                       queries: rows.map(\.queries).reduce(0, +) / max(rows.count, 1),
                       cosineUnguidedvsFO: optional(\.cosineUnguidedvsFO), guideScale: optional(\.guideScale))
        }
    }

    /// Compares the three gradients at `network`'s weights on each batch.
    /// - Parameters:
    ///   - options: the ZO estimate, set up as ZO-SOL training sets it up (dense central CGE,
    ///     μ = 1e-3 by default).
    ///   - seed: seed of the sparse masks and random directions.
    ///   - threads: worker threads for the ZO queries (the result does not depend on it).
    public static func compare(network: Network, scenario: any Scenario, batches: [RolloutBatch],
                               lossFunction: RolloutLoss, options: TrainingConfiguration.ZOOptions = .dense(),
                               seed: UInt64 = 0, threads: Int = 1, label: String) throws -> Report {
        guard let firstBatch = batches.first else { throw SOLError.invalidOption(name: "batches", reason: "must be ≥ 1, got 0") }
        let engine = RolloutEngine(scenario: scenario)
        var zo: any TrainingMethod = options.estimator == .vjp
            ? StateVJPMethod(source: scenario, lossFunction: lossFunction, differences: options.stateDifferences,
                             threads: threads)
            : try ZerothOrderMethod(network: network, source: scenario, lossFunction: lossFunction,
                                    initialBatch: firstBatch, options: options, seed: seed, threads: threads)
        var rows: [Row] = []
        for (i, batch) in batches.enumerated() {
            let fo = try engine.lossAndGradient(network, batch: batch, lossFunction: lossFunction, flow: .throughSolver)
            let nog = try engine.lossAndGradient(network, batch: batch, lossFunction: lossFunction, flow: .correctorOnly)
            let z = try zo.step(network, batch: batch, iteration: i)
            let (nFO, nNOG, nZO) = (norm(fo.gradient), norm(nog.gradient), norm(z.gradient))
            let guidance = (zo as? ZerothOrderMethod)?.lastGuidance
            rows.append(Row(batch: i, loss: fo.loss, normFO: nFO, normNOG: nNOG, normZO: nZO,
                            cosineNOGvsFO: cosine(nog.gradient, fo.gradient), cosineZOvsFO: cosine(z.gradient, fo.gradient),
                            cosineNOGvsZO: cosine(nog.gradient, z.gradient),
                            normRatioNOG: nNOG / nFO, normRatioZO: nZO / nFO, queries: z.queries,
                            cosineUnguidedvsFO: guidance.map { cosine($0.unguided, fo.gradient) }, guideScale: guidance?.scale))
        }
        return Report(label: label, unroll: firstBatch.unroll, estimator: options.summary, rows: rows)
    }

    /// `⟨a, b⟩ / (‖a‖ ‖b‖)` in double precision (NaN if either is zero).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "GradientDiagnostic.cosine: lengths differ")
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let (x, y) = (Double(a[i]), Double(b[i]))
            ab += x * y; aa += x * x; bb += y * y
        }
        return ab / (aa * bb).squareRoot()
    }

    /// Euclidean norm in double precision.
    public static func norm(_ a: [Float]) -> Double { a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    /// A markdown table of several reports (one row per batch and a mean row per report).
    public static func markdown(_ reports: [Report]) -> String {
        // Guided estimates add two columns: the sparse CGE before guidance and the guide's scale.
        let guided = reports.contains { $0.rows.contains { $0.guideScale != nil } }
        var lines = ["| weights | batch | loss | ‖FO‖ | cos(NOG,FO) | ‖NOG‖/‖FO‖ | cos(ZO,FO) | ‖ZO‖/‖FO‖ | cos(NOG,ZO) | ZO queries |"
                        + (guided ? " cos(unguided,FO) | c |" : ""),
                     "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + (guided ? " ---: | ---: |" : "")]
        func f(_ x: Double) -> String { String(format: "%.4g", x) }
        func f(_ x: Double?) -> String { x.map { f($0) } ?? "" }
        for report in reports {
            for row in report.rows + [report.mean] {
                lines.append("| \(report.label) | \(row.batch < 0 ? "**mean**" : String(row.batch)) | \(f(row.loss)) | \(f(row.normFO)) | "
                             + "\(f(row.cosineNOGvsFO)) | \(f(row.normRatioNOG)) | \(f(row.cosineZOvsFO)) | \(f(row.normRatioZO)) | "
                             + "\(f(row.cosineNOGvsZO)) | \(row.queries) |"
                             + (guided ? " \(f(row.cosineUnguidedvsFO)) | \(f(row.guideScale)) |" : ""))
            }
        }
        if let first = reports.first {
            lines.append("")
            lines.append("unroll \(first.unroll); ZO estimator: \(first.estimator)")
        }
        return lines.joined(separator: "\n")
    }

    /// The reports as pretty JSON (with each report's mean row).
    public static func json(_ reports: [Report]) -> String {
        struct Output: Encodable { var report: Report; var mean: Row }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(reports.map { Output(report: $0, mean: $0.mean) })).map { String(decoding: $0, as: UTF8.self) } ?? "[]"

    }
}

extension GradientDiagnostic {
    /// The diagnostic on a dataset: `batches` training mini-batches (seeded as the trainer draws
    /// them), at the initial weights of `preset` and, if given, at each trained model's weights.
    /// - Parameters:
    ///   - sparsity: 0 = dense CGE; otherwise sparse CGE with ZO-GraSP ratios.
    ///   - estimator: the ZO estimate: `central` (default), `forward`, `rge` or `vjp`.
    ///   - vjpScheme: `vjp`'s differences of the solver's state: forward (default) or central.
    ///   - guidedScheme: `guided`'s differences of the sampled coordinates: central (default) or forward.
    public static func run(dataset: PairDataset, models: [TrainedModel], preset: NetworkArchitecture.Preset = .tiny, batches: Int = 4,
                           unroll: Int = 4, batchSize: Int = 3, mu: Double = 1e-3, sparsity: Double = 0, estimator: EstimatorKind = .central,
                           vjpScheme: FiniteDifferenceVJP.Scheme = .forward, guidedScheme: DifferenceScheme = .central,
                           threads: Int = 2, seed: UInt64 = 0, includeInitialisation: Bool = true,
                           convolution: ConvolutionKernels = .blocked) throws -> [Report] {
        guard !dataset.train.isEmpty else { throw SOLError.notADataset(path: dataset.path, reason: "it has no training simulations") }
        let sampler = try BatchSampler(frames: dataset.train.map(\.frames), unroll: unroll, batchSize: batchSize, seed: seed)
        let rolloutBatches = try (0..<batches).map {
            try RolloutBatch(dataset: dataset, records: dataset.train, windows: sampler.batch($0), unroll: unroll)
        }
        var networks: [(String, Network)] = []
        if includeInitialisation {
            let architecture = try CorrectorSetup.architecture(preset: preset, dataset: dataset, convolution: convolution)
            let normalization = try CorrectorSetup.normalization(dataset: dataset, seed: seed)
            networks.append(("init", try Network(architecture: architecture, seed: seed, normalization: normalization)))
        }
        for model in models { networks.append(("\(model.label) (\((model.path as NSString).lastPathComponent))", model.network)) }
        var options = TrainingConfiguration.ZOOptions.dense(estimator, mu: mu)
        options.sparsity = sparsity
        options.vjpScheme = vjpScheme
        options.guidedScheme = guidedScheme
        return try networks.map { label, network in
            let lossFunction = RolloutLoss(channelScales: Array(network.normalization.inputScale.prefix(dataset.channels.count)))
            return try compare(network: network, scenario: dataset.scenario, batches: rolloutBatches, lossFunction: lossFunction,
                               options: options, seed: seed, threads: threads, label: label)
        }
    }
}
