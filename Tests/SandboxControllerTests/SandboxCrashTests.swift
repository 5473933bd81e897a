//! The operator binary killed with SIGKILL in the middle of sandbox work and
//! started again on the same queue database: every sandbox ends Ready with
//! exactly one Sandbox, no Sandbox is created twice, and deletions started
//! before the kill are finished after it (no orphan, no stuck finalizer).
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import Logging
import OpenShellAPI
import SandboxController
import Testing
import TestSupport

@Suite("Sandbox reconciler across SIGKILL", .serialized)
struct SandboxCrashTests {
    @Test("killed while creating and while deleting, restarted: nothing duplicated, nothing orphaned, nothing lost")
    func killAndRestart() async throws {
        try await TestServer.with { test in
            var options = SimulatorOptions()
            options.podReadyDelay = .milliseconds(200)
            options.podStopDelay = .milliseconds(200)
            var logger = Logger(label: "sandbox-crash-tests")
            logger.logLevel = .error
            let simulators = ClusterSimulators.services(core: test.server.core, faults: test.server.faults, options: options, logger: logger)
            try await test.installCRD(AgentSandboxCRD.definition, resource: SandboxResources.agentSandboxes)
            for crd in OpenShellCRDs.all {
                let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
                try await test.installCRD(crd, resource: GroupVersionResource(group: OpenShellAPIGroup.group, version: OpenShellAPIGroup.version, resource: plural))
            }
            _ = try await test.namespace("team-a")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oss-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = try test.writeKubeconfig(in: directory)
            let start = { (run: Int) in
                try ChildProcess(
                    executable: "openshell-operator",
                    arguments: [
                        "run", "--kubeconfig", kubeconfig, "--database", directory.appendingPathComponent("queue.db").path,
                        "--no-leader-elect", "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                    ],
                    logPath: directory.appendingPathComponent("operator-\(run).log").path)
            }
            let client = test.client
            let names = (1...8).map { "crash-\($0)" }
            @Sendable func phases() async -> [String] {
                let list = try? await client.list(OpenShellAPIGroup.sandboxes, namespace: "team-a")
                return list?.items.compactMap { $0.status?["phase"]?.stringValue } ?? []
            }

            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in simulators { group.addTask { try await service.run() } }
                defer { group.cancelAll() }

                // Kill 1: while sandboxes are being created.
                let first = try start(1)
                for name in names {
                    _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", KubeObject([
                        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
                        "metadata": ["name": .string(name), "namespace": "team-a"], "spec": [:],
                    ]))
                }
                try await eventually(timeout: .seconds(30)) {
                    (try? await client.list(SandboxResources.agentSandboxes, namespace: "team-a"))?.items.isEmpty == false
                }
                first.signal(SIGKILL)
                _ = await first.waitForExit()
                let beforeRestart = try await client.list(SandboxResources.agentSandboxes, namespace: "team-a").items

                let second = try start(2)
                try await eventually(timeout: .seconds(60)) { await phases().filter { $0 == "Ready" }.count == names.count }
                let sandboxes = try await client.list(SandboxResources.agentSandboxes, namespace: "team-a").items
                #expect(sandboxes.map(\.name).sorted() == names.sorted())
                // Those created before the kill are the same objects, not deleted and made again.
                for old in beforeRestart {
                    #expect(sandboxes.first { $0.name == old.name }?.uid == old.uid, "\(old.name) was replaced")
                }
                let owners = try await client.list(OpenShellAPIGroup.sandboxes, namespace: "team-a").items
                for owner in owners {
                    let sandbox = sandboxes.first { $0.name == owner.name }
                    #expect(sandbox?.controllerReference?.uid == owner.uid, "\(owner.name)")
                }
                // No Sandbox was created twice: at most one Created Event per sandbox.
                let events = try await client.list(GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events"), namespace: "team-a").items
                for name in names {
                    let created = events.filter { $0.json["reason"] == "Created" && $0.json["regarding"]?["name"]?.stringValue == name }
                    #expect(created.count <= 1, "\(name) has \(created.count) Created Events")
                }

                // Kill 2: while they are being deleted.
                for name in names { _ = try await client.delete(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: name) }
                try await eventually(timeout: .seconds(30)) { await phases().contains("Deleting") }
                second.signal(SIGKILL)
                _ = await second.waitForExit()

                let third = try start(3)
                try await eventually(timeout: .seconds(60)) {
                    (try? await client.list(OpenShellAPIGroup.sandboxes, namespace: "team-a"))?.items.isEmpty == true
                }
                #expect(try await client.list(SandboxResources.agentSandboxes, namespace: "team-a").items.isEmpty)
                #expect(try await client.list(SandboxResources.pods, namespace: "team-a").items.isEmpty)
                third.signal(SIGTERM)
                #expect(await third.waitForExit() == 0)
            }
        }
    }
}
