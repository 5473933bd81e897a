//! `openshell-operator run --controllers`: the list is parsed strictly, and
//! the binary run with one controller starts only that controller's
//! informers and reconciles only its objects.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import Operator
import Testing
import TestSupport

@Suite("openshell-operator --controllers", .serialized)
struct ControllerSelectionTests {
    @Test("the list parses in order, without duplicates; an unknown or empty name is an error naming the known ones",
          arguments: [
            ("sandbox,gateway", "sandbox,gateway"), ("gateway", "gateway"), (" sandbox , sandbox", "sandbox"),
            ("gateway,sandbox", "gateway,sandbox"), ("sandboxes", "--controllers: unknown controller \"sandboxes\"; the controllers are sandbox, gateway"),
            ("", "--controllers lists no controller; name one or more of sandbox, gateway, separated by commas"),
            ("sandbox,", "--controllers lists no controller; name one or more of sandbox, gateway, separated by commas"),
          ])
    func parsing(text: String, expected: String) {
        let result = Result { () throws(ControllerSelectionError) in try ControllerSelection(parsing: text) }
        switch result {
        case .success(let selection): #expect(selection.description == expected)
        case .failure(let error): #expect(error.description == expected)
        }
    }

    @Test("the default runs both controllers")
    func defaultIsAll() {
        #expect(ControllerSelection.all.names == [.sandbox, .gateway])
    }

    @Test("run with one controller: only its informers list and watch, only its objects are reconciled",
          arguments: [OperatorControllerName.sandbox, .gateway])
    func onlyTheChosenControllerRuns(chosen: OperatorControllerName) async throws {
        try await TestServer.with { server in
            try await server.installCRD(
                AgentSandboxCRD.definition, resource: GroupVersionResource(group: "agents.x-k8s.io", version: "v1beta1", resource: "sandboxes"))
            for crd in OpenShellCRDs.all {
                let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
                try await server.installCRD(crd, resource: GroupVersionResource(group: "openshell.ai", version: "v1alpha1", resource: plural))
            }
            _ = try await server.namespace("team-a")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("controllers-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = try server.writeKubeconfig(in: directory)
            let child = try ChildProcess(
                executable: "openshell-operator",
                arguments: [
                    "run", "--kubeconfig", kubeconfig, "--database", directory.appendingPathComponent("queue.db").path,
                    "--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--no-leader-elect",
                    "--controllers", chosen.rawValue,
                ],
                logPath: directory.appendingPathComponent("operator.log").path)
            defer { child.signal(SIGKILL) }

            _ = try await server.client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox", "metadata": ["name": "demo"], "spec": [:],
            ]))
            _ = try await server.client.create(OpenShellAPIGroup.gateways, namespace: "team-a", KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway", "metadata": ["name": "openshell"], "spec": [:],
            ]))
            let sandboxStatus = { @Sendable in
                (try? await server.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo"))?.status
            }
            let gatewayStatus = { @Sendable in
                (try? await server.client.get(OpenShellAPIGroup.gateways, namespace: "team-a", name: "openshell"))?.status
            }
            // The chosen controller reconciles its object...
            try await eventually(timeout: .seconds(60)) {
                chosen == .sandbox ? await sandboxStatus() != nil : await gatewayStatus() != nil
            }
            // ... after its informers listed and watched; the other's, started
            // at the same moment had they been chosen, never called at all.
            let calls = { @Sendable in Set(server.server.requests.snapshot.keys.map { "\($0.verb) \($0.resource)" }) }
            // Watches only: the test's own client lists each CRD's resource while installing it.
            let sandboxes = ["watch openshellsandboxes.openshell.ai", "watch openshellpolicies.openshell.ai", "watch pods"]
            let gateways = ["watch openshellgateways.openshell.ai", "watch statefulsets.apps", "watch serviceaccounts"]
            let (started, absent) = chosen == .sandbox ? (sandboxes, gateways) : (gateways, sandboxes)
            try await eventually(timeout: .seconds(10)) { Set(started).isSubset(of: calls()) }
            for call in absent { #expect(!calls().contains(call), "\(call) made by a controller that was not chosen") }
            #expect(chosen == .sandbox ? await gatewayStatus() == nil : await sandboxStatus() == nil)
            #expect(child.isRunning, "\(child.output.suffix(1500))")
        }
    }

    @Test("an unknown controller stops the binary before it connects, with the message and a non-zero exit")
    func unknownControllerIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("controllers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildProcess(
            executable: "openshell-operator", arguments: ["run", "--controllers", "sandbox,policy"],
            logPath: directory.appendingPathComponent("out").path)
        #expect(await child.waitForExit() != 0)
        #expect(child.output.contains("--controllers: unknown controller \"policy\"; the controllers are sandbox, gateway"), "\(child.output)")
    }
}
