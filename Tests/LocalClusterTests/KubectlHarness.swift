//! Runs the real `kubectl` against an embedded local cluster (API server and
//! simulated controllers) started for one test.
import Foundation
import KubeCore
import LocalAPIServer
import LocalCluster
import Logging
import Testing

/// Whether the machine has kubectl; the scenarios need the real binary.
let kubectlPath: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

struct KubectlResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

struct KubectlCluster: Sendable {
    let cluster: LocalCluster
    let kubeconfig: String

    /// Starts a cluster with fast simulated controllers, runs `body`, stops the cluster.
    static func with<T: Sendable>(crdPaths: [URL] = [], _ body: @Sendable (KubectlCluster) async throws -> T) async throws -> T {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        var configuration = LocalCluster.Configuration(stateDirectory: state)
        configuration.crdPaths = crdPaths
        configuration.simulators.podReadyDelay = .milliseconds(100)
        configuration.simulators.podStopDelay = .milliseconds(100)
        var logger = Logger(label: "kubectl-scenarios")
        logger.logLevel = .warning
        let cluster = try LocalCluster(configuration: configuration, logger: logger)
        return try await withRunningService(cluster, logger: logger) {
            let kubeconfig = cluster.kubeconfigPath.path
            let harness = KubectlCluster(cluster: cluster, kubeconfig: kubeconfig)
            try await harness.waitUntilReady()
            return try await body(harness)
        }
    }

    func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: kubeconfig),
               (try? await kubectl("get", "crd", "sandboxes.agents.x-k8s.io"))?.status == 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw KubectlFailure("the local cluster did not become ready")
    }

    /// Runs kubectl with this cluster's kubeconfig.
    func kubectl(_ arguments: String..., stdin: String? = nil) async throws -> KubectlResult {
        try await run(arguments, stdin: stdin)
    }

    /// Runs kubectl and fails the test unless it exits 0; returns stdout.
    @discardableResult
    func ok(_ arguments: String..., stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await run(arguments, stdin: stdin)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Polls a kubectl command until its stdout satisfies `condition`.
    func eventually(_ arguments: String..., timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation,
                    _ condition: @Sendable (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let result = try await run(arguments, stdin: nil)
            last = result.stdout + result.stderr
            if result.status == 0, condition(result.stdout) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("kubectl \(arguments.joined(separator: " ")) never matched; last output: \(last)", sourceLocation: sourceLocation)
    }

    /// Runs a kubectl command that does not end by itself (`get -w`), stopping it after `duration`
    /// while `during` runs, and returns what it printed.
    func streaming(_ arguments: [String], for duration: Duration, during: @Sendable () async throws -> Void) async throws -> String {
        async let result = run(arguments, stdin: nil, terminateAfter: duration)
        try await Task.sleep(for: .milliseconds(500))
        try await during()
        return try await result.stdout
    }

    private func run(_ arguments: [String], stdin: String?, terminateAfter: Duration? = nil) async throws -> KubectlResult {
        try await runKubectl(kubeconfig: kubeconfig, arguments, stdin: stdin, terminateAfter: terminateAfter)
    }
}

/// Runs kubectl with a kubeconfig; stops it after `terminateAfter` when given (for `get -w`).
func runKubectl(kubeconfig: String, _ arguments: [String], stdin: String? = nil, terminateAfter: Duration? = nil) async throws -> KubectlResult {
    guard let kubectlPath else { throw KubectlFailure("kubectl is not installed") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: kubectlPath)
    process.arguments = ["--kubeconfig", kubeconfig] + arguments
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let terminator = terminateAfter.map { delay in
        Task {
            try await Task.sleep(for: delay)
            process.terminate()
        }
    }
    defer { terminator?.cancel() }
    // Read both pipes to the end before waiting, so a large output cannot block the child.
    // These calls block, so they run on their own threads, never on the cooperative pool
    // the in-process server needs to answer kubectl.
    async let stdoutData = blocking { out.fileHandleForReading.readDataToEndOfFile() }
    async let stderrData = blocking { err.fileHandleForReading.readDataToEndOfFile() }
    let (o, e) = await (stdoutData, stderrData)
    await blocking { process.waitUntilExit() }
    return KubectlResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
}

/// Runs a blocking call on a dispatch thread and awaits its result.
func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}

struct KubectlFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
