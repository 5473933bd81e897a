//! The kubectl plugin (`kubectl-openshell`) run as its real binary against a
//! local API server over HTTPS: the sandbox table, describe, suspend, resume
//! and extend with the operator running, and its messages for a cluster
//! without the CRDs, without an operator, and for a user who may not read.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import OpenShellAPI
import Operator
import SandboxController
import Testing
import TestSupport

/// Runs the plugin with `arguments` and returns its exit status and output.
private func plugin(_ arguments: [String], in directory: URL) async throws -> (status: Int32, output: String) {
    let log = directory.appendingPathComponent("plugin-\(UUID().uuidString).log").path
    let process = try ChildProcess(executable: "kubectl-openshell", arguments: arguments, logPath: log)
    let status = await process.waitForExit()
    return (status, process.output)
}

private func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

private func installCRDs(_ test: TestServer) async throws {
    try await test.installCRD(AgentSandboxCRD.definition, resource: SandboxResources.agentSandboxes)
    for crd in OpenShellCRDs.all {
        let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
        try await test.installCRD(crd, resource: GroupVersionResource(group: OpenShellAPIGroup.group, version: OpenShellAPIGroup.version, resource: plural))
    }
}

@Suite("kubectl openshell plugin", .serialized)
struct KubectlPluginTests {
    @Test("sandboxes, describe, suspend, resume and extend against a running operator")
    func commandsAgainstTheOperator() async throws {
        try await TestServer.with { test in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            var options = SimulatorOptions()
            options.podReadyDelay = .milliseconds(50)
            options.podStopDelay = .milliseconds(50)
            var logger = Logger(label: "plugin-tests")
            logger.logLevel = .error
            let simulators = ClusterSimulators.services(core: test.server.core, faults: test.server.faults, options: options, logger: logger)
            try await installCRDs(test)
            _ = try await test.namespace("team-a")
            let kubeconfig = try test.writeKubeconfig(in: directory, namespace: "team-a")
            let process = OperatorProcess(
                configuration: OperatorConfiguration(
                    kubeconfig: kubeconfig, databasePath: directory.appendingPathComponent("queue.db").path,
                    metricsAddress: nil, probeAddress: nil, leaderElection: nil),
                setups: [SandboxControllerSetup()], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in simulators { group.addTask { try await service.run() } }
                group.addTask { try await process.run() }
                defer { group.cancelAll() }
                _ = try await test.client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", KubeObject([
                    "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
                    "metadata": ["name": "demo", "namespace": "team-a"], "spec": ["lifetime": ["ttl": "2h"]],
                ]))
                try await eventually(timeout: .seconds(30)) {
                    let owner = try? await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo")
                    return owner?.conditions[type: "Ready"]?.isTrue == true
                }

                let table = try await plugin(["sandboxes", "--kubeconfig", kubeconfig], in: directory)
                #expect(table.status == 0, "\(table.output)")
                let lines = table.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
                #expect(lines.first == ["NAME", "PHASE", "READY", "EXPIRES", "IN", "RESTARTS", "AGE"], "\(table.output)")
                #expect(lines.dropFirst().first?.prefix(3) == ["demo", "Ready", "True"], "\(table.output)")
                // Two hours less the few seconds the test took.
                #expect(lines.dropFirst().first?[3].hasPrefix("1h59m") == true || lines.dropFirst().first?[3] == "119m", "\(table.output)")

                let sandbox = try await test.client.get(SandboxResources.agentSandboxes, namespace: "team-a", name: "demo")
                let described = try await plugin(["describe", "demo", "--kubeconfig", kubeconfig], in: directory)
                #expect(described.status == 0, "\(described.output)")
                #expect(described.output.contains("Phase:       Ready"), "\(described.output)")
                #expect(described.output.contains("demo  uid \(sandbox.uid)  operatingMode Running"), "\(described.output)")
                #expect(described.output.contains("phase Running"), "\(described.output)")
                try await eventually(timeout: .seconds(10)) {
                    (try? await plugin(["describe", "demo", "--kubeconfig", kubeconfig], in: directory))?.output.contains("Normal   Created   Created Sandbox demo") == true
                }

                let suspended = try await plugin(["suspend", "demo", "--kubeconfig", kubeconfig], in: directory)
                #expect(suspended.output == "openshellsandbox.openshell.ai/demo suspended\n")
                try await eventually(timeout: .seconds(30)) {
                    (try? await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo"))?.status?["phase"] == "Suspended"
                }
                let resumed = try await plugin(["resume", "demo", "--kubeconfig", kubeconfig], in: directory)
                #expect(resumed.status == 0)
                try await eventually(timeout: .seconds(30)) {
                    (try? await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo"))?.status?["phase"] == "Ready"
                }

                let extended = try await plugin(["extend", "demo", "--ttl", "5h", "--kubeconfig", kubeconfig], in: directory)
                #expect(extended.status == 0, "\(extended.output)")
                let lifetime = try await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo").spec?["lifetime"]
                #expect(lifetime?["ttl"] == nil)
                let expiresAt = try #require(lifetime?["expiresAt"]?.stringValue.flatMap(KubeTime.parse))
                #expect(abs(expiresAt.timeIntervalSinceNow - 5 * 3600) < 120)
                let bad = try await plugin(["extend", "demo", "--ttl", "soon", "--kubeconfig", kubeconfig], in: directory)
                #expect(bad.status != 0)
                #expect(bad.output.contains("--ttl must be a positive Go duration such as 90m or 8h, not \"soon\""), "\(bad.output)")
            }
        }
    }

    @Test("a cluster without the CRDs or without an operator, and a user who may not read: one line that says what to do")
    func errorMessages() async throws {
        try await TestServer.with(authorizationMode: .rbac) { test in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let admin = try test.writeKubeconfig(in: directory)

            let missing = try await plugin(["sandboxes", "--kubeconfig", admin], in: directory)
            #expect(missing.status != 0)
            #expect(missing.output.contains(
                "listing OpenShellSandboxes: the OpenShellSandbox API is not served by this cluster; install the openshell-operator CRDs (kubectl apply -f crds/)"),
                "\(missing.output)")

            try await installCRDs(test)
            let status = try await plugin(["status", "--kubeconfig", admin], in: directory)
            #expect(status.status == 1, "\(status.output)")
            #expect(status.output.contains("crd/openshellsandboxes.openshell.ai        installed   serves v1alpha1"), "\(status.output)")
            #expect(status.output.contains("crd/sandboxes.agents.x-k8s.io              served      agents.x-k8s.io/v1beta1"), "\(status.output)")
            #expect(status.output.contains(
                "lease/openshell-operator-leader            missing     no operator holds the leader Lease in openshell-system (is it running, with --leader-elect?)"),
                "\(status.output)")

            let stranger = try test.writeKubeconfig(in: directory, user: "mallory", groups: [])
            let forbidden = try await plugin(["sandboxes", "--kubeconfig", stranger], in: directory)
            #expect(forbidden.status != 0)
            #expect(forbidden.output.contains("listing OpenShellSandboxes: forbidden: "), "\(forbidden.output)")
            #expect(forbidden.output.contains("\"mallory\" cannot list resource \"openshellsandboxes\""), "\(forbidden.output)")
        }
    }
}
