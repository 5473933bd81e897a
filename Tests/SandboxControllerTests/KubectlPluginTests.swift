//! The kubectl plugin (`kubectl-openshell`) run as its real binary against a
//! local API server over HTTPS: the sandbox table, describe, suspend, resume,
//! extend and restart with the operator running, doctor passing against it,
//! and the messages for a cluster without the CRDs, without an operator, with
//! an admission webhook on openshell.ai, and for a user who may not read.
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

/// The sandbox `name` in team-a, once it is Ready.
private func readySandbox(_ test: TestServer, _ name: String) async throws {
    _ = try await test.client.create(OpenShellAPIGroup.sandboxes, namespace: "team-a", KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
        "metadata": ["name": .string(name), "namespace": "team-a"], "spec": ["lifetime": ["ttl": "2h"]],
    ]))
    try await eventually(timeout: .seconds(30)) {
        let owner = try? await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: name)
        return owner?.conditions[type: "Ready"]?.isTrue == true
    }
}

/// The notes of the Events about the OpenShellSandbox `name`, as "Reason: note".
private func sandboxEvents(_ test: TestServer, _ name: String) async -> [String] {
    let list = try? await test.client.list(EventV1.resource, namespace: "team-a")
    return (list?.items ?? []).filter { $0.json["regarding"]?["name"]?.stringValue == name && $0.json["regarding"]?["kind"] == "OpenShellSandbox" }
        .map { "\($0.json["reason"]?.stringValue ?? ""): \($0.json["note"]?.stringValue ?? "")" }
}

/// The rows of a `doctor` report for `check`, as "RESULT DETAIL" (the column padding dropped).
private func doctorRows(_ output: String, _ check: String) -> [String] {
    output.split(separator: "\n").compactMap { line in
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count == 3, words[0] == check else { return nil }
        return "\(words[1]) \(words[2].drop { $0 == " " })"
    }
}

/// A server with the simulators, the CRDs, namespaces team-a and openshell-system, and the
/// operator (sandbox controller, leader election in openshell-system) running; `body` gets
/// the server, a kubeconfig for team-a and a scratch directory.
private func withOperator(_ body: @Sendable (TestServer, String, URL) async throws -> Void) async throws {
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
        _ = try await test.namespace("openshell-system")
        let kubeconfig = try test.writeKubeconfig(in: directory, namespace: "team-a")
        let process = OperatorProcess(
            configuration: OperatorConfiguration(
                kubeconfig: kubeconfig, databasePath: directory.appendingPathComponent("queue.db").path,
                metricsAddress: nil, probeAddress: nil, leaderElection: LeaderElectionSettings(namespace: "openshell-system")),
            setups: [SandboxControllerSetup()], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in simulators { group.addTask { try await service.run() } }
            group.addTask { try await process.run() }
            defer { group.cancelAll() }
            try await body(test, kubeconfig, directory)
        }
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

    @Test("restart: one new pod, the Events say it was requested, the value is recorded; a suspended sandbox is refused")
    func restart() async throws {
        try await withOperator { test, kubeconfig, directory in
            try await readySandbox(test, "demo")
            let before = try await test.client.get(SandboxResources.pods, namespace: "team-a", name: "demo")

            let restarted = try await plugin(["restart", "demo", "--kubeconfig", kubeconfig], in: directory)
            #expect(restarted.status == 0, "\(restarted.output)")
            #expect(restarted.output == "openshellsandbox.openshell.ai/demo restarted\n")
            let requested = try #require(
                try await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo").annotations[OpenShellLabels.restartedAtAnnotation])
            #expect(KubeTime.parse(requested).map { abs($0.timeIntervalSinceNow) < 60 } == true, "\(requested)")

            try await eventually(timeout: .seconds(30)) {
                let owner = try? await test.client.get(OpenShellAPIGroup.sandboxes, namespace: "team-a", name: "demo")
                let pod = try? await test.client.get(SandboxResources.pods, namespace: "team-a", name: "demo")
                return owner?.status?["observedRestartedAt"]?.stringValue == requested && owner?.conditions[type: "Ready"]?.isTrue == true
                    && pod != nil && pod?.uid != before.uid
            }
            try await eventually(timeout: .seconds(10)) {
                let events = await sandboxEvents(test, "demo")
                return events.contains("Restarting: Restarting the sandbox as requested (openshell.ai/restartedAt: \(requested)); the workspace is kept")
                    && events.contains("Restarted: Starting a new pod as requested (openshell.ai/restartedAt: \(requested))")
            }
            let described = try await plugin(["describe", "demo", "--kubeconfig", kubeconfig], in: directory)
            #expect(described.output.contains("Restart:     requested \(requested) (done)"), "\(described.output)")
            // Once: the new pod stays.
            let after = try await test.client.get(SandboxResources.pods, namespace: "team-a", name: "demo")
            let events = await sandboxEvents(test, "demo")
            #expect(events.filter { $0.hasPrefix("Restarting:") }.count == 1, "\(events)")
            #expect(events.filter { $0.hasPrefix("Restarted:") }.count == 1, "\(events)")
            #expect(try await test.client.get(SandboxResources.pods, namespace: "team-a", name: "demo").uid == after.uid)

            _ = try await plugin(["suspend", "demo", "--kubeconfig", kubeconfig], in: directory)
            let refused = try await plugin(["restart", "demo", "--kubeconfig", kubeconfig], in: directory)
            #expect(refused.status != 0)
            #expect(refused.output.contains(
                "openshellsandbox demo is suspended, so there is no pod to restart; `kubectl openshell resume demo` starts a new one"), "\(refused.output)")
            let missing = try await plugin(["restart", "nope", "--kubeconfig", kubeconfig], in: directory)
            #expect(missing.status != 0)
            #expect(missing.output.contains("reading OpenShellSandbox team-a/nope: "), "\(missing.output)")
        }
    }

    @Test("doctor passes against a running operator: every check ok, the missing Deployment a warning, exit 0")
    func doctorPasses() async throws {
        try await withOperator { test, kubeconfig, directory in
            try await eventually(timeout: .seconds(30)) {
                let lease = try? await test.client.get(Lease.resource, namespace: "openshell-system", name: "openshell-operator-leader")
                return lease?.spec?["holderIdentity"]?.stringValue?.isEmpty == false
            }
            let doctor = try await plugin(["doctor", "--kubeconfig", kubeconfig], in: directory)
            #expect(doctor.status == 0, "\(doctor.output)")
            let rows = doctor.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(rows.first == ["CHECK", "RESULT", "DETAIL"], "\(doctor.output)")
            let results = Dictionary(rows.dropFirst().map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
            for check in ["crd/openshellsandboxes.openshell.ai", "crd/openshellgateways.openshell.ai", "api/sandboxes.agents.x-k8s.io",
                          "rbac", "webhooks", "clock", "operator"] {
                #expect(results[check] == "ok", "\(check): \(doctor.output)")
            }
            #expect(results["operator/ready"] == "warn", "\(doctor.output)")
            #expect(doctor.output.contains("no Deployment openshell-operator in openshell-system"), "\(doctor.output)")
        }
    }

    @Test("doctor: a failing check says what to do and the exit is 1 (CRDs missing, a webhook on openshell.ai, RBAC, no operator)")
    func doctorFailures() async throws {
        try await TestServer.with(authorizationMode: .rbac) { test in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let admin = try test.writeKubeconfig(in: directory)

            let bare = try await plugin(["doctor", "--kubeconfig", admin], in: directory)
            #expect(bare.status == 1, "\(bare.output)")
            #expect(doctorRows(bare.output, "crd/openshellsandboxes.openshell.ai") == [
                "FAIL not installed: apply this release's CRDs (openshell-operator crds | kubectl apply --server-side -f -)"], "\(bare.output)")
            #expect(doctorRows(bare.output, "operator") == [
                "FAIL lease/openshell-operator-leader missing: no operator holds the leader Lease in openshell-system (is it running, with --leader-elect?)"],
                "\(bare.output)")
            #expect(bare.output.hasSuffix("6 checks failed\n"), "\(bare.output)")

            try await installCRDs(test)
            // The local API server has no admission webhooks; a CRD of the same group and
            // resource stands in for the API so that doctor reads a configuration from it.
            try await test.installCRD(
                KubeObject([
                    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": ["name": "validatingwebhookconfigurations.admissionregistration.k8s.io"],
                    "spec": [
                        "group": "admissionregistration.k8s.io", "scope": "Cluster",
                        "names": ["plural": "validatingwebhookconfigurations", "singular": "validatingwebhookconfiguration",
                                  "kind": "ValidatingWebhookConfiguration", "listKind": "ValidatingWebhookConfigurationList"],
                        "versions": [["name": "v1", "served": true, "storage": true,
                                      "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]],
                    ],
                ]),
                resource: GroupVersionResource(group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations"))
            _ = try await test.client.create(
                GroupVersionResource(group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations"),
                KubeObject([
                    "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": ["name": "policy-engine"],
                    "webhooks": [[
                        "name": "check.example.com",
                        "rules": [["apiGroups": ["*"], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"], "resources": ["*"]]],
                    ], [
                        "name": "pods.example.com",
                        "rules": [["apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]]],
                    ]],
                ]))
            let webhook = try await plugin(["doctor", "--kubeconfig", admin], in: directory)
            #expect(webhook.status == 1, "\(webhook.output)")
            #expect(doctorRows(webhook.output, "crd/openshellsandboxes.openshell.ai") == ["ok serves v1alpha1; stored v1alpha1"], "\(webhook.output)")
            #expect(doctorRows(webhook.output, "webhooks") == [
                "FAIL ValidatingWebhookConfiguration policy-engine (webhook check.example.com) intercepts CREATE,UPDATE on openshell.ai *: "
                + "the operator is built without admission webhooks (the CRDs validate with CEL), and a webhook that is down or slow blocks "
                + "its finalizer and status writes; exclude openshell.ai from the webhook's rules"], "\(webhook.output)")
            #expect(!webhook.output.contains("pods.example.com"), "\(webhook.output)")

            let stranger = try test.writeKubeconfig(in: directory, user: "mallory", groups: [])
            let denied = try await plugin(["doctor", "--kubeconfig", stranger], in: directory)
            #expect(denied.status == 1, "\(denied.output)")
            #expect(doctorRows(denied.output, "rbac").contains(
                "FAIL you may not patch openshellsandboxes.openshell.ai in namespace default (needed by suspend, resume, extend, restart): "
                + "ask for a Role or ClusterRole that grants it"), "\(denied.output)")
            #expect(doctorRows(denied.output, "rbac").count == 12, "\(denied.output)")
        }
    }
}
