import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A user's solver running as another process that speaks the sol-solver protocol (version 1,
/// docs/own-solver.md) on its standard input and output.
///
/// The command runs under `/bin/sh -c "exec COMMAND"`, so it may hold arguments and relative
/// paths. Messages, all started by one text line:
///
///     sol → solver   sol-solver 1 {"grid": [1, 32], "channels": ["u"], "dtype": "float32", …}
///     solver → sol   ok                       (or: error MESSAGE)
///     sol → solver   step B C H W [{"viscosity": 0.01}, …]   + B·C·H·W little-endian float32
///     solver → sol   ok B C H W               + B·C·H·W little-endian float32 (or: error MESSAGE)
///
/// and end-of-file on its standard input when sol is done (the solver then exits). Every reply
/// must arrive within ``timeout`` seconds. Any failure — the process exited or was killed, did not
/// answer in time, answered something else than the protocol, or a wrong shape — throws
/// ``SolverError/externalSolver(solver:reason:)`` saying what it did (with the last line it wrote to
/// standard error), and ends the process: after a failure the byte stream cannot be trusted.
///
/// Pipes are close-on-exec, so a solver started by one worker thread never holds the pipes of
/// another (each sees end-of-file when its own worker closes them).
final class SolverProcess: @unchecked Sendable {
    /// The command as the user gave it (`python3 my_solver.py`).
    let command: String
    /// How errors name it: role and command (`source solver "python3 my_solver.py"`).
    let label: String
    /// Seconds a reply may take.
    let timeout: Double
    private let pid: pid_t
    private var input: Int32
    private var output: Int32
    private let errors: StandardErrorTail
    private var buffered: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var status: Int32?
    /// Why the process is unusable (set by the first failure).
    private var failure: String?
    private let lock = NSLock()

    /// The protocol version this build speaks.
    static let protocolVersion = 1

    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
    private static let spawning = NSLock()

    /// Starts `command`, sends the handshake `sol-solver 1 JSON` and waits for its `ok`; errors
    /// name it `label`.
    init(command: String, label: String, timeout: Double, handshake json: String) throws {
        _ = Self.ignoreBrokenPipes
        self.command = command
        self.label = label
        self.timeout = timeout
        // Pipes are made close-on-exec under one lock with the spawn, so no other worker's solver
        // inherits them (sol starts no other processes).
        Self.spawning.lock()
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1], errChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0, pipe(&errChild) == 0 else {
            Self.spawning.unlock()
            throw SolverError.externalSolver(solver: label, reason: "cannot be started: no pipe (\(String(cString: strerror(errno))))")
        }
        for fd in toChild + fromChild + errChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errChild[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("exec " + command), nil]
        defer { for a in argv { free(a) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
        close(toChild[0]); close(fromChild[1]); close(errChild[1])
        Self.spawning.unlock()
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0]); close(errChild[0])
            throw SolverError.externalSolver(solver: label, reason: "cannot be started: /bin/sh: \(String(cString: strerror(spawned)))")
        }
        pid = child
        input = toChild[1]
        output = fromChild[0]
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
        errors = StandardErrorTail(descriptor: errChild[0])
        lock.lock(); defer { lock.unlock() }
        do {
            let deadline = Date(timeIntervalSinceNow: timeout)
            try send(Array("sol-solver \(Self.protocolVersion) \(json)\n".utf8), deadline: deadline, doing: "the handshake")
            let reply = try readLine(deadline: deadline, doing: "the handshake")
            if reply.hasPrefix("error") {
                throw fail("refused the handshake: \(Self.message(of: reply))")
            }
            guard reply == "ok" || reply.hasPrefix("ok ") else {
                throw fail("answered the handshake with \(Self.quoted(reply)) instead of `ok`: it does not speak the sol-solver protocol "
                           + "version \(Self.protocolVersion) (print logs to standard error, never to standard output)")
            }
        } catch {
            terminate()
            throw error
        }
    }

    deinit {
        lock.lock(); defer { lock.unlock() }
        terminate()
    }

    /// Sends `header` and `payload` (a `step` request) and reads the reply into `reply`; returns
    /// the shape the solver announced (checked against `expected` by the caller's terms: a wrong
    /// shape ends the process, since its payload cannot be read).
    func exchange(header: String, payload: UnsafeRawBufferPointer, expected shape: [Int],
                  reply: UnsafeMutableRawBufferPointer) throws {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw SolverError.externalSolver(solver: label, reason: failure) }
        let deadline = Date(timeIntervalSinceNow: timeout)
        var message = Array(header.utf8)
        message.append(10)
        message.append(contentsOf: payload)
        try send(message, deadline: deadline, doing: "a step")
        let line = try readLine(deadline: deadline, doing: "a step")
        if line.hasPrefix("error") {
            throw SolverError.externalSolver(solver: label, reason: "reported an error: \(Self.message(of: line))")
        }
        let words = line.split(separator: " ")
        guard words.first == "ok" else {
            throw fail("answered \(Self.quoted(line)) where the sol-solver protocol expects `ok B C H W` or `error MESSAGE` "
                       + "(print logs to standard error, never to standard output)")
        }
        let announced = words.dropFirst().map { Int($0) }
        guard announced.count == shape.count, announced.allSatisfy({ $0 != nil }) else {
            throw fail("answered \(Self.quoted(line)) where the sol-solver protocol expects `ok \(shape.map(String.init).joined(separator: " "))`")
        }
        let found = announced.compactMap { $0 }
        guard found == shape else {
            throw fail("answered states of shape \(found) for a batch of shape \(shape)")
        }
        try readPayload(into: reply, deadline: deadline, doing: "a step")
    }

    /// Records the failure, ends the process and returns the error to throw.
    private func fail(_ reason: String) -> SolverError {
        failure = reason
        terminate()
        return SolverError.externalSolver(solver: label, reason: reason)
    }

    /// The failure when the process closed its output or a pipe broke: how it ended.
    private func ended(doing what: String) -> SolverError {
        let waited = Date(timeIntervalSinceNow: 2)
        while reap() == nil && Date() < waited { usleep(5_000) }
        let how: String
        switch reap() {
        case let code?:
            if code & 0x7f == 0 {
                how = "exited with status \((code >> 8) & 0xff)"
            } else {
                how = "was killed by signal \(code & 0x7f) (\(String(cString: strsignal(code & 0x7f))))"
            }
        case nil:
            how = "closed its standard output"
        }
        let atStart = what == "the handshake" ? " at start-up, before answering the handshake" : " during \(what)"
        return fail(how + atStart + errors.lastWords)
    }

    /// The wait status once the process has ended (nil while it runs).
    private func reap() -> Int32? {
        if let status { return status }
        var code: Int32 = 0
        let r = waitpid(pid, &code, WNOHANG)
        if r == pid { status = code; return code }
        if r < 0 { status = 0; return 0 }  // already reaped elsewhere
        return nil
    }

    /// Closes the pipes and ends the process: end-of-file first (a well-behaved solver exits),
    /// then SIGTERM, then SIGKILL.
    private func terminate() {
        if input >= 0 { close(input); input = -1 }
        if output >= 0 { close(output); output = -1 }
        for (signal, grace) in [(Int32(0), 0.5), (SIGTERM, 1.0), (SIGKILL, 5.0)] {
            if reap() != nil { return }
            if signal != 0 { kill(pid, signal) }
            let until = Date(timeIntervalSinceNow: grace)
            while reap() == nil && Date() < until { usleep(2_000) }
        }
    }

    /// Writes all of `bytes` before `deadline`.
    private func send(_ bytes: [UInt8], deadline: Date, doing what: String) throws {
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(input, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n; continue }
                if n < 0 && errno == EPIPE { throw ended(doing: what) }
                if n < 0 && errno != EAGAIN && errno != EINTR {
                    throw fail("cannot be written to (\(String(cString: strerror(errno))))")
                }
                try wait(for: Int16(POLLOUT), descriptor: input, deadline: deadline, doing: what)
            }
        }
    }

    /// Waits until `descriptor` is ready for `events`, or throws the timeout.
    private func wait(for events: Int16, descriptor: Int32, deadline: Date, doing what: String) throws {
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                throw fail("did not answer \(what) within \(Self.seconds(timeout)) (--solver-timeout); it was terminated")
            }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let r = poll(&entry, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw fail("cannot be waited for (\(String(cString: strerror(errno))))") }
        }
    }

    /// Reads more bytes into ``buffered``; throws when the process closed its output.
    private func fill(deadline: Date, doing what: String) throws {
        while true {
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
            if n > 0 { buffered.append(contentsOf: chunk[0..<n]); return }
            if n == 0 { throw ended(doing: what) }
            if errno != EAGAIN && errno != EINTR { throw fail("cannot be read from (\(String(cString: strerror(errno))))") }
            try wait(for: Int16(POLLIN), descriptor: output, deadline: deadline, doing: what)
        }
    }

    /// One reply line (without its newline); a line longer than 4 KiB is garbage.
    private func readLine(deadline: Date, doing what: String) throws -> String {
        while true {
            if let end = buffered.firstIndex(of: 10) {
                let line = String(decoding: buffered[..<end], as: UTF8.self)
                buffered.removeSubrange(...end)
                return line.hasSuffix("\r") ? String(line.dropLast()) : line
            }
            if buffered.count > 4096 {
                throw fail("answered \(Self.quoted(String(decoding: buffered.prefix(40), as: UTF8.self))) (\(buffered.count) bytes "
                           + "without a newline) where the sol-solver protocol expects a reply line (print logs to standard error)")
            }
            try fill(deadline: deadline, doing: what)
        }
    }

    /// Reads exactly `destination.count` payload bytes.
    private func readPayload(into destination: UnsafeMutableRawBufferPointer, deadline: Date, doing what: String) throws {
        var offset = 0
        while offset < destination.count {
            if buffered.isEmpty { try fill(deadline: deadline, doing: what) }
            let n = min(buffered.count, destination.count - offset)
            buffered.withUnsafeBytes { destination.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: n) }
            buffered.removeFirst(n)
            offset += n
        }
    }

    /// The message of an `error MESSAGE` line.
    private static func message(of line: String) -> String {
        let text = line.dropFirst("error".count).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "(no message)" : text
    }

    /// A reply shown in a message: quoted, printable, at most 60 characters.
    static func quoted(_ text: String) -> String {
        let printable = String(text.unicodeScalars.map { $0.value >= 32 && $0.value < 127 ? Character($0) : "?" })
        return "\"" + (printable.count > 60 ? String(printable.prefix(60)) + "…" : printable) + "\""
    }

    private static func seconds(_ t: Double) -> String {
        t == t.rounded() ? "\(Int(t)) s" : String(format: "%g s", t)
    }
}

/// Keeps the last few kilobytes a solver wrote to its standard error (read by a background
/// thread until end-of-file), for error messages.
final class StandardErrorTail: @unchecked Sendable {
    private let lock = NSLock()
    private var tail: [UInt8] = []

    /// Starts reading `descriptor` (closed at end-of-file).
    init(descriptor: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if n > 0 {
                    lock.withLock {
                        tail.append(contentsOf: chunk[0..<n])
                        if tail.count > 8192 { tail.removeFirst(tail.count - 8192) }
                    }
                } else if n == 0 || errno != EINTR {
                    break
                }
            }
            close(descriptor)
        }
        thread.start()
    }

    /// `` (its last line on standard error: "…")`` or nothing.
    var lastWords: String {
        usleep(20_000)  // let the reader catch up with a process that just ended
        let text = lock.withLock { String(decoding: tail, as: UTF8.self) }
        guard let last = text.split(whereSeparator: \.isNewline).last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            return ""
        }
        return " (its last line on standard error: \(SolverProcess.quoted(String(last))))"
    }
}
