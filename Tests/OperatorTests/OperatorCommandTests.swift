//! The `openshell-operator` binary itself: `--version`, a run against the
//! local API server (probes, metrics, leadership, clean exit on SIGTERM) and a
//! clear error for a kubeconfig it cannot read.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import OperatorTestSupport
import Testing
import TestSupport

@Suite("openshell-operator command", .serialized)
struct OperatorCommandTests {
    @Test("--version prints the operator's release and the pinned OpenShell and Agent Sandbox releases")
    func version() async throws {
        let directory = try temporaryDirectory()
        let child = try ChildProcess(executable: "openshell-operator", arguments: ["--version"], logPath: directory + "/out")
        #expect(await child.waitForExit() == 0)
        let lines = child.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("openshell-operator ") == true)
        #expect(lines.contains { $0.hasPrefix("openshell v") })
        #expect(lines.contains { $0.hasPrefix("agent-sandbox v") })
    }

    @Test("run: ready once caches sync, leads, serves metrics, and exits 0 on SIGTERM after releasing the Lease")
    func runAndShutDown() async throws {
        try await TestServer.with { server in
            // The sandbox controllers' caches sync once their resources are served.
            try await server.installOperatorCRDs()
            let directory = try temporaryDirectory()
            let kubeconfig = try server.writeKubeconfig(in: URL(fileURLWithPath: directory))
            let metricsPort = try freeTCPPort()
            let probePort = try freeTCPPort()
            let child = try ChildProcess(
                executable: "openshell-operator",
                arguments: [
                    "run", "--kubeconfig", kubeconfig, "--database", directory + "/queue.db",
                    "--metrics-bind-address", "127.0.0.1:\(metricsPort)", "--health-probe-bind-address", "127.0.0.1:\(probePort)",
                    "--leader-election-namespace", "default", "--log-format", "json",
                ],
                logPath: directory + "/operator.log")
            let probes = try RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(probePort)"), retryPolicy: .none)
            try await eventually(timeout: .seconds(30)) {
                (try? await probes.request(method: .get, path: "/readyz", accept: "text/plain"))?.status == 200
            }
            // Ready does not wait for leadership (a standby is ready too); the Lease follows.
            try await eventually(timeout: .seconds(30)) {
                let lease = try? await server.client.get(
                    GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases"),
                    namespace: "default", name: "openshell-operator-leader")
                return lease?.json["spec"]?["holderIdentity"]?.stringValue?.isEmpty == false
            }

            let metrics = try RESTClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(metricsPort)"), retryPolicy: .none)
            let exposition = String(decoding: try await metrics.request(method: .get, path: "/metrics", accept: "text/plain").body, as: UTF8.self)
            #expect(exposition.contains("leader_election_master_status{name=\"openshell-operator-leader\"} 1"))
            #expect(exposition.contains("rest_client_requests_total{"))

            child.signal(SIGTERM)
            #expect(await child.waitForExit() == 0, "exit after SIGTERM: \(child.output.suffix(1500))")
            let released = try await server.client.get(
                GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases"),
                namespace: "default", name: "openshell-operator-leader")
            #expect(released.json["spec"]?["holderIdentity"]?.stringValue ?? "" == "", "the Lease was released")
            // JSON logs: every line is one JSON object.
            let logLines = child.output.split(separator: "\n")
            #expect(!logLines.isEmpty)
            #expect(logLines.allSatisfy { (try? JSONValue.parse(Data($0.utf8)))?.objectValue != nil })
        }
    }

    @Test("a kubeconfig that does not exist is a clear error naming it, and a non-zero exit")
    func missingKubeconfig() async throws {
        let directory = try temporaryDirectory()
        let child = try ChildProcess(
            executable: "openshell-operator",
            arguments: ["run", "--kubeconfig", directory + "/nope", "--database", directory + "/queue.db", "--metrics-bind-address", "0", "--health-probe-bind-address", "0"],
            logPath: directory + "/out")
        #expect(await child.waitForExit() != 0)
        #expect(child.output.contains(directory + "/nope"), "the error names the file: \(child.output)")
    }

    private func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("operator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}
