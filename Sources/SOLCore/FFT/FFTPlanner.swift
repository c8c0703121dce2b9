import CFFTW
import Foundation

/// Process-wide FFTW set-up: thread-safe planning and the number of threads FFTW itself uses.
///
/// FFTW's planner is not thread-safe by default; ``prepare()`` (called by every plan constructor)
/// installs `fftw_make_planner_thread_safe()` for both precisions once. Execution of an existing
/// plan on new arrays is always thread-safe in FFTW.
public enum FFTPlanner {
    private static let once: Void = {
        fftw_make_planner_thread_safe()
        fftwf_make_planner_thread_safe()
        _ = fftw_init_threads()
        _ = fftwf_init_threads()
        fftw_plan_with_nthreads(1)
        fftwf_plan_with_nthreads(1)
    }()

    /// Makes FFTW's planner thread-safe. Idempotent and cheap after the first call.
    public static func prepare() { _ = once }

    /// Threads FFTW uses inside one transform of plans created afterwards (default 1). Keep 1
    /// when parallelising over states, threads or MPI ranks yourself.
    public static func setThreads(_ n: Int) {
        prepare()
        fftw_plan_with_nthreads(Int32(max(1, n)))
        fftwf_plan_with_nthreads(Int32(max(1, n)))
        FFTPlanCache.shared.removeAll()
    }
}

/// Planner rigour. `estimate` plans instantly; `measure` times candidate algorithms once per
/// shape (worth it for shapes that are executed millions of times).
public enum FFTRigor: Hashable, Sendable {
    case estimate, measure

    var flags: UInt32 {
        switch self {
        case .estimate: return sol_fftw_estimate()
        case .measure: return sol_fftw_measure()
        }
    }
}

/// The process-wide cache of FFT plans, keyed by precision, kind, shape, batch count and rigour.
/// Plans are created once, under a lock, and shared by all threads.
public final class FFTPlanCache: @unchecked Sendable {
    /// The process-wide cache every ``RealFFT`` and ``RealToRealTransform`` plan comes from.
    public static let shared = FFTPlanCache()

    struct Key: Hashable {
        var scalar: ObjectIdentifier
        var kind: String
        var shape: [Int]
        var batch: Int
        var rigor: FFTRigor
    }

    private let lock = NSLock()
    private var plans: [Key: AnyObject] = [:]

    /// Number of cached plans (for tests and diagnostics).
    public var count: Int { lock.withLock { plans.count } }

    /// Drops every cached plan (plans in use stay alive until released).
    public func removeAll() { lock.withLock { plans.removeAll() } }

    func plan<P: AnyObject>(_ key: Key, make: () throws -> P) throws -> P {
        try lock.withLock {
            if let existing = plans[key] as? P { return existing }
            let made = try make()
            plans[key] = made
            return made
        }
    }
}

/// Owner of one FFTW plan handle, destroyed with the owner.
final class FFTWPlanHandle<Scalar: FFTScalar>: @unchecked Sendable {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { Scalar._destroy(raw) }
}

/// Plans one transform twice, for 16-byte-aligned arrays (SIMD codelets) and for any alignment,
/// and picks the right one at execution time, so callers may pass pointers into the middle of
/// a larger buffer.
struct AlignedPlanPair<Scalar: FFTScalar> {
    let aligned: FFTWPlanHandle<Scalar>
    let unaligned: FFTWPlanHandle<Scalar>

    /// Throws ``CoreError/fftPlan(description:reason:)`` when FFTW cannot allocate the scratch
    /// arrays or create the plan (sizes beyond memory or FFTW's 32-bit extents).
    init(description: @autoclosure () -> String, inputBytes: Int, outputBytes: Int, rigor: FFTRigor,
         make: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UInt32) -> OpaquePointer?) throws {
        FFTPlanner.prepare()
        // Planning with FFTW_MEASURE overwrites its arrays, so plan on scratch buffers.
        guard let input = Scalar._malloc(max(inputBytes, 16)) else {
            throw CoreError.fftPlan(description: description(), reason: "cannot allocate \(inputBytes) bytes")
        }
        defer { Scalar._free(input) }
        guard let output = Scalar._malloc(max(outputBytes, 16)) else {
            throw CoreError.fftPlan(description: description(), reason: "cannot allocate \(outputBytes) bytes")
        }
        defer { Scalar._free(output) }
        guard let a = make(input, output, rigor.flags) else {
            throw CoreError.fftPlan(description: description(), reason: "FFTW could not create the plan")
        }
        let aligned = FFTWPlanHandle<Scalar>(a)
        guard let u = make(input, output, rigor.flags | sol_fftw_unaligned()) else {
            throw CoreError.fftPlan(description: description(), reason: "FFTW could not create the plan")
        }
        self.aligned = aligned
        unaligned = FFTWPlanHandle(u)
    }

    func choose(_ input: UnsafeMutableRawPointer, _ output: UnsafeMutableRawPointer) -> OpaquePointer {
        Scalar._alignment(of: input) == 0 && Scalar._alignment(of: output) == 0 ? aligned.raw : unaligned.raw
    }
}
