import CMPI
import Foundation

/// The MPI world communicator, for splitting ZO queries across ranks on several machines.
///
/// Programs run under `mpirun` call ``initialize()`` once; without `mpirun`, a program sees a
/// world of one rank and never needs MPI (``isLaunchedByMPI`` tells). Every collective is
/// deterministic: reductions are sums in a fixed rank order performed by MPI.
public enum MPI {
    /// True when the process was started by `mpirun`/`mpiexec` (Open MPI sets these variables).
    public static var isLaunchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMI_SIZE"] != nil
    }

    private nonisolated(unsafe) static var initialized = false

    /// Initialises MPI (funneled threading: only the main thread calls MPI). Idempotent.
    public static func initialize() throws {
        guard !initialized else { return }
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, sol_mpi_thread_funneled(), &provided)
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Init_thread", code: code) }
        initialized = true
    }

    /// Finalises MPI if it was initialised.
    public static func finalize() {
        guard initialized else { return }
        MPI_Finalize()
        initialized = false
    }

    /// This process's rank in the world (0 without MPI).
    public static var rank: Int {
        guard initialized else { return 0 }
        var r: Int32 = 0
        MPI_Comm_rank(sol_mpi_comm_world(), &r)
        return Int(r)
    }

    /// Number of ranks in the world (1 without MPI).
    public static var size: Int {
        guard initialized else { return 1 }
        var s: Int32 = 0
        MPI_Comm_size(sol_mpi_comm_world(), &s)
        return Int(s)
    }

    /// In-place element-wise sum of `values` over all ranks (no-op on one rank).
    public static func allReduceSum(_ values: inout [Double]) throws {
        guard initialized, size > 1 else { return }
        let code = values.withUnsafeMutableBufferPointer {
            MPI_Allreduce(sol_mpi_in_place(), $0.baseAddress, Int32($0.count), sol_mpi_double(), sol_mpi_sum(), sol_mpi_comm_world())
        }
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Allreduce", code: code) }
    }

    /// In-place element-wise sum of float32 `values` over all ranks.
    public static func allReduceSum(_ values: inout [Float]) throws {
        guard initialized, size > 1 else { return }
        let code = values.withUnsafeMutableBufferPointer {
            MPI_Allreduce(sol_mpi_in_place(), $0.baseAddress, Int32($0.count), sol_mpi_float(), sol_mpi_sum(), sol_mpi_comm_world())
        }
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Allreduce", code: code) }
    }

    /// Broadcasts float32 `values` from `root` to every rank.
    public static func broadcast(_ values: inout [Float], root: Int = 0) throws {
        guard initialized, size > 1 else { return }
        let code = values.withUnsafeMutableBufferPointer {
            MPI_Bcast($0.baseAddress, Int32($0.count), sol_mpi_float(), Int32(root), sol_mpi_comm_world())
        }
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Bcast", code: code) }
    }

    /// Broadcasts float64 `values` from `root` to every rank (all ranks pass arrays of one length).
    public static func broadcast(_ values: inout [Double], root: Int = 0) throws {
        guard initialized, size > 1 else { return }
        let code = values.withUnsafeMutableBufferPointer {
            MPI_Bcast($0.baseAddress, Int32($0.count), sol_mpi_double(), Int32(root), sol_mpi_comm_world())
        }
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Bcast", code: code) }
    }

    /// Broadcasts a byte string of any length from `root`: every rank returns root's bytes
    /// (`bytes` is ignored on the other ranks).
    public static func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        guard initialized, size > 1 else { return bytes }
        var count = [Double(bytes.count)]
        try broadcast(&count, root: root)
        var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        let code = buffer.withUnsafeMutableBufferPointer {
            MPI_Bcast($0.baseAddress, Int32($0.count), sol_mpi_byte(), Int32(root), sol_mpi_comm_world())
        }
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Bcast", code: code) }
        return buffer
    }

    /// Broadcasts a string from `root` (UTF-8).
    public static func broadcast(_ string: String, root: Int = 0) throws -> String {
        String(decoding: try broadcast(bytes: Array(string.utf8), root: root), as: UTF8.self)
    }

    /// Every rank's string, in rank order, on every rank (each truncated to `capacity` bytes).
    public static func allGather(_ string: String, capacity: Int = 256) throws -> [String] {
        guard initialized, size > 1 else { return [string] }
        var mine = Array(string.utf8.prefix(capacity))
        mine += [UInt8](repeating: 0, count: capacity - mine.count)
        var all = [UInt8](repeating: 0, count: capacity * size)
        let code = all.withUnsafeMutableBufferPointer { out in
            mine.withUnsafeMutableBufferPointer {
                MPI_Allgather($0.baseAddress, Int32(capacity), sol_mpi_byte(), out.baseAddress, Int32(capacity), sol_mpi_byte(),
                              sol_mpi_comm_world())
            }
        }
        guard code == sol_mpi_success() else { throw CoreError.mpi(operation: "MPI_Allgather", code: code) }
        return (0..<size).map { r in
            String(decoding: all[(r * capacity)..<((r + 1) * capacity)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The name of the machine this rank runs on.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Ends every rank of the job at once with `code` (MPI_Abort): the collective failure path
    /// when one rank fails and the others may be waiting in a collective call.
    public static func abort(code: Int32) -> Never {
        if initialized { MPI_Abort(sol_mpi_comm_world(), code) }
        exit(code)
    }

    /// Blocks until every rank arrives.
    public static func barrier() {
        guard initialized, size > 1 else { return }
        MPI_Barrier(sol_mpi_comm_world())
    }
}
