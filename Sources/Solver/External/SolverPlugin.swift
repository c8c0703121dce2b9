import CSOLSolver
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A user's solver as a shared library implementing the C ABI of `include/sol_solver.h`
/// (`sol_solver_abi_version`, `_create`, `_step`, `_error`, `_destroy`), loaded with `dlopen`.
///
/// Loading checks every symbol and the ABI version, so a wrong library fails at start with a
/// message naming it. Instances (``SolverPluginSimulator``) are created per batch composition;
/// `create` and `destroy` calls are serialised process-wide (the header promises it, so a
/// plug-in may plan FFTs there without a lock). The library stays loaded while any instance or
/// solver holds it.
final class SolverPlugin: @unchecked Sendable {
    typealias Create = @convention(c) (UnsafePointer<sol_solver_config>?, UnsafeMutablePointer<CChar>?, Int32) -> UnsafeMutableRawPointer?
    typealias Step = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Float>?, Int32) -> Int32
    typealias ErrorMessage = @convention(c) (UnsafeMutableRawPointer?) -> UnsafePointer<CChar>?
    typealias Destroy = @convention(c) (UnsafeMutableRawPointer?) -> Void
    typealias Version = @convention(c) () -> Int32

    /// The library path as the user gave it.
    let path: String
    /// How errors name it: role and path (`source solver ./libs.so`).
    let label: String
    private let handle: UnsafeMutableRawPointer
    let create: Create
    let step: Step
    let errorMessage: ErrorMessage
    let destroy: Destroy
    /// Serialises `create` and `destroy` across every plug-in instance of the process.
    static let lifecycle = NSLock()

    /// Loads `path` and resolves the ABI; throws ``SolverError/externalSolver(solver:reason:)``
    /// naming it `label`.
    init(path: String, label: String) throws {
        self.path = path
        self.label = label
        guard FileManager.default.fileExists(atPath: path) else {
            throw SolverError.externalSolver(solver: label, reason: "cannot be loaded: no such file")
        }
        // A bare file name would make dlopen search the library path instead of this file.
        let target = path.contains("/") ? path : "./" + path
        guard let handle = dlopen(target, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw SolverError.externalSolver(solver: label, reason: "cannot be loaded: \(why)")
        }
        self.handle = handle
        func symbol<T>(_ name: String, as: T.Type) throws -> T {
            guard let pointer = dlsym(handle, name) else {
                dlclose(handle)
                throw SolverError.externalSolver(solver: label, reason: "is not a sol solver plug-in: it has no function \(name) "
                                                 + "(implement the ABI of include/sol_solver.h)")
            }
            return unsafeBitCast(pointer, to: T.self)
        }
        let version = try symbol("sol_solver_abi_version", as: Version.self)
        create = try symbol("sol_solver_create", as: Create.self)
        step = try symbol("sol_solver_step", as: Step.self)
        errorMessage = try symbol("sol_solver_error", as: ErrorMessage.self)
        destroy = try symbol("sol_solver_destroy", as: Destroy.self)
        let found = Int(version())
        guard found == Int(SOL_SOLVER_ABI_VERSION) else {
            dlclose(handle)
            throw SolverError.externalSolver(solver: label, reason: "was built for plug-in ABI version \(found), this sol speaks "
                                             + "version \(SOL_SOLVER_ABI_VERSION); rebuild it against include/sol_solver.h")
        }
    }

    deinit { dlclose(handle) }
}

/// One instance of a plug-in for one batch composition: ``Simulator/step(_:)`` calls
/// `sol_solver_step` on the whole batch in place.
final class SolverPluginSimulator: Simulator, @unchecked Sendable {
    let plugin: SolverPlugin
    let channels: [String]
    let gridShape: [Int]
    let parameters: [SimulationParameters]
    let dt: Double
    var batchSize: Int { parameters.count }
    private let instance: UnsafeMutableRawPointer
    private let lock = NSLock()

    /// Creates an instance with `sol_solver_create` for `parameters` (values of `names`, in order).
    init(plugin: SolverPlugin, description: any SourceSolver, parameters: [SimulationParameters], names: [String],
         scenario: String, configurationJSON: String, role: String) throws {
        self.plugin = plugin
        let (channels, grid, dt) = (description.channels, description.sourceGrid, description.dt)
        self.channels = channels
        gridShape = grid
        self.parameters = parameters
        self.dt = dt
        var values: [Double] = []
        for p in parameters {
            for name in names {
                guard let v = p[name] else {
                    throw SolverError.externalSolver(solver: plugin.label, reason: "cannot be created: parameter '\(name)' is missing")
                }
                values.append(v)
            }
        }
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var error = [CChar](repeating: 0, count: 1024)
        let made: UnsafeMutableRawPointer? = cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { namePointers in
            values.withUnsafeBufferPointer { valuePointer in
                scenario.withCString { scenarioName in
                    configurationJSON.withCString { json in role.withCString { role in
                        var config = sol_solver_config(
                            abi_version: SOL_SOLVER_ABI_VERSION, batch: Int32(parameters.count),
                            channels: Int32(channels.count), height: Int32(grid[0]), width: Int32(grid[1]), dt: dt,
                            parameter_count: Int32(names.count), parameter_names: namePointers.baseAddress,
                            parameters: valuePointer.baseAddress, scenario: scenarioName, config_json: json, role: role)
                        return SolverPlugin.lifecycle.withLock {
                            error.withUnsafeMutableBufferPointer { plugin.create(&config, $0.baseAddress, Int32($0.count)) }
                        }
                    } }
                }
            }
        }
        guard let made else {
            let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw SolverError.externalSolver(solver: plugin.label, reason: "could not create an instance: "
                                             + (message.isEmpty ? "sol_solver_create returned NULL" : message))
        }
        instance = made
    }

    deinit {
        let (plugin, instance) = (self.plugin, self.instance)
        SolverPlugin.lifecycle.withLock { plugin.destroy(instance) }
    }

    func step(_ states: inout Tensor<Float>) throws {
        try checkShape(states)
        let inputFinite = states.isFinite
        let status = lock.withLock {
            states.withUnsafeMutableBufferPointer { plugin.step(instance, $0.baseAddress, Int32(parameters.count)) }
        }
        guard status == 0 else {
            let message = plugin.errorMessage(instance).map { String(cString: $0) } ?? ""
            throw SolverError.externalSolver(solver: plugin.label, reason: "reported an error (sol_solver_step returned \(status)): "
                                             + (message.isEmpty ? "no message" : message))
        }
        try ExternalStates.checkFinite(states, inputWasFinite: inputFinite, solver: plugin.label)
    }
}

/// Checks on what an external solver returned.
enum ExternalStates {
    /// Throws when finite states came back with NaN or infinite values, naming the first item.
    static func checkFinite(_ states: Tensor<Float>, inputWasFinite: Bool, solver: String) throws {
        guard inputWasFinite, !states.isFinite else { return }
        let perItem = states.count / max(states.shape[0], 1)
        let first = states.withUnsafeBufferPointer { $0.firstIndex { !$0.isFinite } } ?? 0
        let value = states.withUnsafeBufferPointer { $0[first] }
        throw SolverError.externalSolver(solver: solver, reason: "returned \(value) (not finite) at batch item \(first / max(perItem, 1)), "
                                         + "index \(first % max(perItem, 1)), for finite states (a blow-up, or a bug in the solver)")
    }
}
