/// Adapts a plain function `f(θ)` to ``ZOObjective``: every query is one full call of `f`.
///
/// Coordinate queries perturb one entry of an internal copy of θ in place and restore it
/// (no copy of θ per query, as in MeZO); direction queries write θ + s·u into a scratch vector.
/// `f` must be deterministic and must not keep the array it is given; with a multi-thread
/// ``QueryPool`` the workers share `f`, so it must also be safe to call concurrently.
public final class ClosureObjective: ZOObjective {
    public let parameterCount: Int
    public private(set) var parameters: [Float]
    private let function: ([Float]) -> Double
    private var scratch: [Float]

    /// An objective evaluating `function` (Float64 loss) on d = `parameterCount` parameters.
    public init(parameterCount: Int, _ function: @escaping ([Float]) -> Double) {
        self.parameterCount = parameterCount
        self.parameters = Array(repeating: 0, count: parameterCount)
        self.scratch = parameters
        self.function = function
    }

    /// An objective evaluating a float32 loss; the estimator still differences in Float64.
    public convenience init(parameterCount: Int, float function: @escaping ([Float]) -> Float) {
        self.init(parameterCount: parameterCount) { Double(function($0)) }
    }

    public func prepare(at parameters: [Float]) -> Double {
        precondition(parameters.count == parameterCount, "ClosureObjective: expected \(parameterCount) parameters, got \(parameters.count)")
        self.parameters = parameters
        return function(self.parameters)
    }

    public func coordinateLosses(_ coordinates: ArraySlice<Int>, steps: [Float]) -> [Double] {
        var losses = [Double]()
        losses.reserveCapacity(coordinates.count * steps.count)
        for j in coordinates {
            let saved = parameters[j]
            for s in steps {
                parameters[j] = saved + s
                losses.append(function(parameters))
            }
            parameters[j] = saved
        }
        return losses
    }

    public func directionLosses(along direction: [Float], steps: [Float]) -> [Double] {
        precondition(direction.count == parameterCount)
        return steps.map { s in
            for i in 0..<parameterCount { scratch[i] = parameters[i] + s * direction[i] }
            return function(scratch)
        }
    }

    public func makeWorker() -> any ZOObjective {
        let copy = ClosureObjective(parameterCount: parameterCount, function)
        copy.parameters = parameters
        return copy
    }
}
