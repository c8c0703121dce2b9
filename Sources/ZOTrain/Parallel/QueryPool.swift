import Dispatch
import Foundation

/// Evaluates an objective's queries on several threads (and MPI ranks), deterministically.
///
/// Each thread owns a worker copy of the objective (``ZOObjective/makeWorker()``) with its own
/// parameters and workspaces. A coordinate set is split into contiguous parts balanced by
/// ``ZOObjective/queryCost(ofCoordinate:)``; every query is computed by exactly one worker from
/// the same base point, and results are written to fixed slots, so losses — and the gradients
/// built from them — are bit-identical for any number of threads or ranks.
///
/// With `distributed: true` (programs started by `mpirun` after `MPI.initialize()`), the set is
/// first split across ranks; each rank fills its slots and an all-reduce sums the
/// zero-elsewhere loss vectors (exact: each slot has a single non-zero contribution). Every rank
/// must call the same methods with the same arguments in the same order.
///
/// A query that throws (an external solver that crashed or timed out) ends the call: the other
/// threads finish their parts, and the error of the lowest-numbered failing thread is rethrown.
public final class QueryPool {
    /// Worker threads on this process.
    public let threads: Int
    /// Whether queries are split across MPI ranks.
    public let distributed: Bool
    /// Queries answered by this process since creation (all threads, base points included).
    public private(set) var queryCount = 0
    private var workers: [any ZOObjective]

    /// A pool over `objective` (used as worker 0) with `threads` workers.
    public init(_ objective: any ZOObjective, threads: Int = 1, distributed: Bool = false) {
        precondition(threads >= 1, "QueryPool: threads must be ≥ 1")
        self.threads = threads
        self.distributed = distributed
        workers = [objective]
        for _ in 1..<max(threads, 1) { workers.append(objective.makeWorker()) }
    }

    /// The objective queried by worker 0 (the caller's).
    public var objective: any ZOObjective { workers[0] }
    /// Parameters of the objective.
    public var parameterCount: Int { workers[0].parameterCount }

    private var rank: Int { distributed ? MPI.rank : 0 }
    private var ranks: Int { distributed ? MPI.size : 1 }

    /// Sets the base point θ on every worker (in parallel) and returns f(θ) from worker 0.
    public func prepare(at parameters: [Float]) throws -> Double {
        let box = UnsafeSendable(workers)
        var base = [Double](repeating: 0, count: threads)
        try base.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            try run(threads) { t in out.value[t] = try box.value[t].prepare(at: parameters) }
        }
        queryCount += 1
        return base[0]
    }

    /// Losses at θ + s·e_j for every listed coordinate and step (coordinate-major), computed in
    /// parallel. Requires ``prepare(at:)`` first.
    ///
    /// The work is split by *query* (coordinate × step), so when workers outnumber coordinates
    /// the ± queries of one coordinate go to different workers. Parts are balanced by the cost of
    /// each coordinate's queries: the objective's model (``ZOObjective/queryCost(ofCoordinate:)``)
    /// until the first call has measured, per cost class (per layer), how long a query really
    /// takes; later calls balance by those measurements, agreed by every rank (summed over ranks,
    /// then rank 0's values broadcast, so every rank cuts the same parts). Which worker answers a
    /// query never changes its loss: results stay bit-identical.
    public func coordinateLosses(_ coordinates: [Int], steps: [Float]) throws -> [Double] {
        let m = steps.count
        var losses = [Double](repeating: 0, count: coordinates.count * m)
        guard !coordinates.isEmpty, m > 0 else { return losses }
        let main = workers[0]
        let modelCosts = coordinates.map { main.queryCost(ofCoordinate: $0) }
        let measuring = measuredCosts == nil
        let costs = modelCosts.map { measuredCosts?[$0] ?? $0 }
        var unitCosts = [Double](repeating: 0, count: coordinates.count * m)
        for (c, cost) in costs.enumerated() { for k in 0..<m { unitCosts[c * m + k] = cost } }
        let rankRange = CoordinatePartition.split(costs: unitCosts, parts: ranks)[rank]
        let parts = CoordinatePartition.split(costs: Array(unitCosts[rankRange]), parts: threads)
            .map { ($0.lowerBound + rankRange.lowerBound)..<($0.upperBound + rankRange.lowerBound) }
        let classes = Array(Set(modelCosts)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var timings = [[Double]](repeating: [Double](repeating: 0, count: 2 * classes.count), count: threads)
        let box = UnsafeSendable(workers)
        try losses.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            try timings.withUnsafeMutableBufferPointer { timing in
                let timing = UnsafeSendable(timing)
                try run(threads) { t in
                    let part = parts[t]
                    guard !part.isEmpty else { return }
                    let worker = box.value[t]
                    // Runs of units of one coordinate; whole coordinates in the middle go in one call.
                    var u = part.lowerBound
                    while u < part.upperBound {
                        let c = u / m
                        let first = u - c * m
                        var end = min(part.upperBound, (c + 1) * m)
                        var last = c + 1
                        if first == 0 && !measuring {
                            // Extend over following whole coordinates.
                            let whole = (part.upperBound / m) - c
                            if whole > 1 { last = c + whole; end = last * m }
                        }
                        let subset = first == 0 && end - u == (last - c) * m ? steps : Array(steps[first..<(end - c * m)])
                        let start = measuring ? DispatchTime.now().uptimeNanoseconds : 0
                        let values = try worker.coordinateLosses(coordinates[c..<last], steps: subset)
                        if measuring, let k = classIndex[modelCosts[c]] {
                            timing.value[t][2 * k] += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                            timing.value[t][2 * k + 1] += Double(end - u)
                        }
                        for (i, v) in values.enumerated() { out.value[u + i] = v }
                        u = end
                    }
                }
            }
        }
        queryCount += rankRange.count
        if ranks > 1 { try MPI.allReduceSum(&losses) }
        if measuring { try learnCosts(classes: classes, timings: timings) }
        return losses
    }

    /// Seconds per query of each cost class, measured by the first ``coordinateLosses(_:steps:)``
    /// call (nil before it). Keyed by the model's cost value.
    public private(set) var measuredCosts: [Double: Double]?

    /// Turns the first call's timings into per-class costs, identical on every rank.
    private func learnCosts(classes: [Double], timings: [[Double]]) throws {
        var totals = [Double](repeating: 0, count: 2 * classes.count)
        for row in timings { for i in totals.indices { totals[i] += row[i] } }
        if ranks > 1 {
            try MPI.allReduceSum(&totals)
            try MPI.broadcast(&totals)  // one set of values on every rank, whatever the reduction order
        }
        var learned: [Double: Double] = [:]
        let perModelUnit = zip(classes.indices, classes).compactMap { k, model -> Double? in
            totals[2 * k + 1] > 0 && model > 0 ? totals[2 * k] / totals[2 * k + 1] / model : nil
        }
        let fallback = perModelUnit.isEmpty ? 1 : perModelUnit.reduce(0, +) / Double(perModelUnit.count)
        for (k, model) in classes.enumerated() {
            learned[model] = totals[2 * k + 1] > 0 ? totals[2 * k] / totals[2 * k + 1] : model * fallback
        }
        measuredCosts = learned
    }

    /// Losses at θ + s·u_k for directions k = 0..<count (direction-major), where
    /// `direction(k, &u)` fills u deterministically from k (it runs on worker threads).
    public func directionLosses(count: Int, steps: [Float],
                                direction: @escaping @Sendable (Int, inout [Float]) -> Void) throws -> [Double] {
        let m = steps.count, d = parameterCount
        var losses = [Double](repeating: 0, count: count * m)
        let rankRange = CoordinatePartition.split(count: count, parts: ranks)[rank]
        let parts = CoordinatePartition.split(count: rankRange.count, parts: threads)
            .map { ($0.lowerBound + rankRange.lowerBound)..<($0.upperBound + rankRange.lowerBound) }
        let box = UnsafeSendable(workers)
        try losses.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            try run(threads) { t in
                var u = [Float](repeating: 0, count: d)
                for k in parts[t] {
                    direction(k, &u)
                    let values = try box.value[t].directionLosses(along: u, steps: steps)
                    for (i, v) in values.enumerated() { out.value[k * m + i] = v }
                }
            }
        }
        queryCount += rankRange.count * m
        if ranks > 1 { try MPI.allReduceSum(&losses) }
        return losses
    }

    /// Runs `body(t)` for t in 0..<n, on n threads when n > 1; rethrows the error of the
    /// lowest-numbered thread that failed, after every thread has returned.
    private func run(_ n: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        if n == 1 { try body(0); return }
        var errors = [(any Error)?](repeating: nil, count: n)
        errors.withUnsafeMutableBufferPointer { slots in
            let slots = UnsafeSendable(slots)
            DispatchQueue.concurrentPerform(iterations: n) { t in
                do { try body(t) } catch { slots.value[t] = error }
            }
        }
        if let first = errors.lazy.compactMap({ $0 }).first { throw first }
    }
}

/// Hands a non-Sendable value to worker threads that use disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
