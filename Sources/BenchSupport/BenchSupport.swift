//! What the benchmark commands share: an in-process local API server with an
//! admin client over HTTPS, bulk object creation, timing, resident memory and
//! the report rows that print each figure beside its goal. Not shipped.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging

/// A local API server in this process and an admin client for it.
public struct BenchServer: Sendable {
    public let server: LocalAPIServer
    public let client: RESTClient
    public let credentials: ClusterCredentials
    public let url: String

    /// Runs `body` against a fresh server (HTTPS, client-certificate admin), then stops it.
    /// - Parameter maxIdleConnections: the admin client's pool, sized for the concurrency used.
    public static func with<T: Sendable>(
        maxIdleConnections: Int = 64, logger: Logger, _ body: @Sendable (BenchServer) async throws -> T
    ) async throws -> T {
        let credentials = try ClusterCredentials.generate()
        let server = LocalAPIServer(configuration: .init(credentials: credentials), logger: logger)
        return try await withRunningService(server, logger: logger) {
            let url = await server.httpsURL()
            let admin = try credentials.clientCredentials(user: "admin", groups: ["system:masters"])
            let client = try RESTClient(
                configuration: ClientConfiguration(
                    server: url,
                    tls: TLSOptions(
                        caCertificatesPEM: Data(credentials.authority.certificate.pem.utf8),
                        clientCertificatePEM: Data(admin.certificate.pem.utf8),
                        clientKeyPEM: Data(admin.key.pemPKCS8.utf8)),
                    maxIdleConnections: maxIdleConnections),
                logger: logger)
            let bench = BenchServer(server: server, client: client, credentials: credentials, url: url)
            try await bench.waitForDefaultNamespace()
            return try await body(bench)
        }
    }

    /// A kubeconfig for `user` (a member of `system:masters`; the admin by default), written into
    /// `directory` as `<user>.kubeconfig`; returns its path. A user of its own lets the server's
    /// request log tell that client's requests apart.
    public func writeKubeconfig(in directory: URL, user: String = "admin") throws -> String {
        let identity = try credentials.clientCredentials(user: user, groups: ["system:masters"])
        let text = KubeconfigFile.render(
            server: url, caPEM: credentials.authority.certificate.pem, user: user,
            credential: .clientCertificate(certificatePEM: identity.certificate.pem, keyPEM: identity.key.pemPKCS8))
        let path = directory.appendingPathComponent("\(user).kubeconfig").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func waitForDefaultNamespace() async throws {
        for _ in 0..<500 {
            if (try? await client.get(.init(group: "", version: "v1", resource: "namespaces"), name: "default")) != nil { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchFailure("the local API server did not start")
    }
}

/// Creates `count` objects of `resource` in `namespace` with `concurrency` writers.
public func createObjects(
    _ client: RESTClient, _ resource: GroupVersionResource, namespace: String, count: Int, concurrency: Int,
    _ make: @escaping @Sendable (Int) -> KubeObject
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var index = worker
                while index < count {
                    _ = try await client.create(resource, namespace: namespace, make(index))
                    index += concurrency
                }
            }
        }
        try await group.waitForAll()
    }
}

/// Seconds `body` took.
/// Runs `body` with a new empty directory under the system's temporary directory (named
/// `<prefix>-<UUID>`), removed afterwards whatever happens.
public func withScratchDirectory<T>(prefix: String = "operator-bench", _ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

public func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return (ContinuousClock.now - start).timeInterval
}

/// The resident set size of a process (`self` or a pid) in MiB, from /proc.
public func residentMemoryMB(of process: String = "self") -> Double {
    processMemoryMB("VmRSS", of: process)
}

/// A memory field of /proc/<process>/status (`VmRSS`, `VmHWM` — the peak
/// resident size —, `RssAnon`, …) in MiB; 0 when absent.
public func processMemoryMB(_ field: String, of process: String = "self") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

/// Prints a line of the report at once, also when stdout is a pipe.
public func report(_ line: String) {
    print(line)
    fflush(nil)
}

/// One report line: the figure, its goal, and whether it was met. Columns
/// line up for names up to 50 characters; longer ones push the row right.
public func reportRow(_ name: String, _ value: String, goal: String, met: Bool? = nil) -> String {
    let verdict = met.map { $0 ? "met" : "MISSED" } ?? ""
    return "  " + name.padding(toLength: max(50, name.count + 1), withPad: " ", startingAt: 0)
        + value.padding(toLength: max(24, value.count + 1), withPad: " ", startingAt: 0)
        + "goal " + goal.padding(toLength: 10, withPad: " ", startingAt: 0) + verdict
}

/// A benchmark could not run.
public struct BenchFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
