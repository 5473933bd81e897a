//! `ExecCredentialProvider`: credentials from a kubeconfig exec plugin
//! (client.authentication.k8s.io v1/v1beta1), cached until shortly before
//! they expire, with concurrent refreshes folded into one plugin run; and
//! `ExecPluginRunner`, which runs the plugin process without blocking the
//! cooperative thread pool.
import Foundation
import KubeCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs credential plugins. Injectable so the provider is testable without processes.
public struct ExecPluginRunner: Sendable {
    /// One plugin invocation.
    public struct Invocation: Sendable, Hashable {
        /// The program: a path, or a name looked up in `PATH` of `environment`.
        public var command: String
        public var arguments: [String]
        /// The complete environment of the plugin.
        public var environment: [String: String]
    }

    /// What the plugin did.
    public struct Output: Sendable, Hashable {
        public var exitCode: Int32
        public var stdout: Data
        public var stderr: Data
    }

    public var run: @Sendable (Invocation) async throws -> Output

    public init(run: @escaping @Sendable (Invocation) async throws -> Output) { self.run = run }

    /// Runs the plugin as a child process with stdin from `/dev/null`. The
    /// calling task suspends until the process exits; pipes are drained on
    /// dedicated threads so a chatty plugin cannot fill them and stall.
    public static let process = ExecPluginRunner { invocation in
        guard let executable = resolveExecutable(invocation.command, path: invocation.environment["PATH"]) else {
            throw ExecPluginError("exec: executable \(invocation.command) not found")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = invocation.arguments
        process.environment = invocation.environment
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let exitCode: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: ExecPluginError("exec: executable \(invocation.command) failed to start: \(error)"))
            }
            // The child holds its own copies; ours must close for the reads to end.
            try? stdout.fileHandleForWriting.close()
            try? stderr.fileHandleForWriting.close()
        }
        async let out = readToEnd(stdout.fileHandleForReading)
        async let err = readToEnd(stderr.fileHandleForReading)
        return Output(exitCode: exitCode, stdout: await out, stderr: await err)
    }

    /// Reads a pipe to its end on a dedicated thread (a blocking read must not
    /// occupy a cooperative thread).
    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let data = (try? handle.readToEnd()) ?? Data()
                try? handle.close()
                continuation.resume(returning: data)
            }
            thread.name = "kube-client-exec-read"
            thread.start()
        }
    }

    /// `command` itself when it contains `/`, else the first executable match in `path`.
    static func resolveExecutable(_ command: String, path: String?) -> String? {
        if command.contains("/") { return access(command, X_OK) == 0 ? command : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(command)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// Credentials from an exec plugin, as a bearer token and/or a client certificate.
///
/// The first request runs the plugin; its credential is reused until
/// `refreshMargin` before `expirationTimestamp` (at most half the
/// credential's lifetime early), or forever when it has no expiry. Requests
/// that need a credential while the plugin runs wait for that same run. A
/// 401 from the server (`invalidate()`) drops the cached credential so the
/// next request runs the plugin again, as client-go does. A failed run is
/// not cached: the next request tries again. Tokens are never logged.
public final class ExecCredentialProvider: BearerTokenProvider, ClientCertificateProvider, CustomStringConvertible {
    public let config: Kubeconfig.ExecConfig
    /// The kubeconfig user name, for messages.
    public let userName: String
    private let invocation: ExecPluginRunner.Invocation
    private let runner: ExecPluginRunner
    private let refreshMargin: Duration
    private let clock: any WallClock
    private let logger: Logger
    private let state = Mutex(State())

    private enum Step {
        case ready(ExecCredential)
        case wait(Task<ExecCredential, any Error>)
    }

    private struct State {
        var cached: (credential: ExecCredential, refreshAt: Date?)?
        var inFlight: Task<ExecCredential, any Error>?
        var runs = 0
    }

    /// - Parameters:
    ///   - config: the kubeconfig `exec` section (command resolved already).
    ///   - userName: the kubeconfig user, for messages.
    ///   - cluster: passed as `KUBERNETES_EXEC_INFO` `spec.cluster` when `config.provideClusterInfo`.
    ///   - environment: the environment the plugin inherits; `config.env` and
    ///     `KUBERNETES_EXEC_INFO` are added to it.
    ///   - refreshMargin: how long before expiry to refresh; defaults to 10 s.
    ///   - clock: the time source for expiry.
    ///   - runner: defaults to a child process.
    public init(
        config: Kubeconfig.ExecConfig, userName: String, cluster: ExecClusterInfo?, environment: [String: String],
        refreshMargin: Duration = .seconds(10), clock: any WallClock = SystemWallClock(),
        runner: ExecPluginRunner = .process, logger: Logger = Logger(label: "kube-client")
    ) {
        self.config = config
        self.userName = userName
        var env = environment
        for variable in config.env { env[variable.name] = variable.value }
        let info = ExecCredential.execInfo(apiVersion: config.apiVersion, cluster: config.provideClusterInfo ? cluster : nil)
        env["KUBERNETES_EXEC_INFO"] = info.jsonString()
        self.invocation = .init(command: config.command, arguments: config.args, environment: env)
        self.runner = runner
        self.refreshMargin = refreshMargin
        self.clock = clock
        self.logger = logger
    }

    public var description: String { "ExecCredentialProvider(user: \(userName), command: \(config.command))" }

    /// How many times the plugin has been started.
    public var runs: Int { state.withLock { $0.runs } }

    /// The token, or `""` (no `Authorization` header) when the plugin returned only a certificate.
    public func token() async throws -> String {
        try await credential().token ?? ""
    }

    public func clientCertificate() async throws -> ClientCertificate? {
        try await credential().clientCertificate
    }

    /// Drops the cached credential; the next request runs the plugin. While
    /// a run is in flight its result is fresh already and is kept.
    @discardableResult
    public func invalidate() -> Bool {
        state.withLock { state in
            if state.inFlight == nil { state.cached = nil }
            return true
        }
    }

    /// A valid credential, running the plugin when none is cached.
    public func credential() async throws -> ExecCredential {
        let step = state.withLock { state -> Step in
            let now = clock.now()
            if let cached = state.cached, cached.refreshAt.map({ now < $0 }) ?? true {
                return .ready(cached.credential)
            }
            if let running = state.inFlight { return .wait(running) }
            state.runs += 1
            // Unstructured on purpose: the run is shared by every waiter, so
            // one waiter's cancellation must not abort it.
            let running = Task { try await self.refresh() }
            state.inFlight = running
            return .wait(running)
        }
        switch step {
        case .ready(let credential): return credential
        case .wait(let running): return try await running.value
        }
    }

    /// Runs the plugin once and caches (or forgets) the outcome.
    private func refresh() async throws -> ExecCredential {
        do {
            let credential = try await runPlugin()
            let fetched = clock.now()
            state.withLock { state in
                state.inFlight = nil
                state.cached = (credential, credential.expirationTimestamp.map { refreshTime(expiry: $0, fetched: fetched) })
            }
            return credential
        } catch {
            state.withLock { $0.inFlight = nil }
            logger.warning("exec credential plugin failed", metadata: ["user": "\(userName)", "error": "\(error)"])
            throw error
        }
    }

    /// `refreshMargin` before expiry, but no earlier than half-way through the credential's life.
    private func refreshTime(expiry: Date, fetched: Date) -> Date {
        let lifetime = max(0, expiry.timeIntervalSince(fetched))
        return expiry.addingTimeInterval(-min(refreshMargin.timeInterval, lifetime / 2))
    }

    private func runPlugin() async throws -> ExecCredential {
        let output: ExecPluginRunner.Output
        do {
            output = try await runner.run(invocation)
        } catch let error as ExecPluginError {
            guard let hint = config.installHint, !hint.isEmpty else { throw error }
            throw ExecPluginError("\(error.message)\n\n\(hint)")
        }
        guard output.exitCode == 0 else {
            var message = "exec: executable \(config.command) failed with exit code \(output.exitCode)"
            let stderr = Self.truncated(output.stderr)
            if !stderr.isEmpty { message += ": \(stderr)" }
            throw ExecPluginError(message)
        }
        return try ExecCredential.parse(output.stdout, apiVersion: config.apiVersion)
    }

    /// The plugin's stderr for a message: trimmed and cut at 1 KiB.
    static func truncated(_ stderr: Data, limit: Int = 1024) -> String {
        let text = String(decoding: stderr.prefix(limit), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return stderr.count > limit ? text + " …(truncated)" : text
    }
}
