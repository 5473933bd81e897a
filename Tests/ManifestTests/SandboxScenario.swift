//! The sandbox scenario the least-privilege tests run, written so that
//! together its steps make every call the sandbox and policy reconcilers can
//! make: a sandbox with a class (NetworkPolicy, policy rules), a policy and
//! a Secret goes Ready, is suspended and resumed, gets a new policy, a new
//! egress rule and then no NetworkPolicy, is refused a restart request it
//! cannot record (a Warning repeated as an Event series), and is deleted; a second sandbox waits for its Secret (its first status write
//! fails once, so the reconcile is retried) and starts when it appears.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import OpenShellAPI
import SandboxController

struct SandboxScenario: SteppedScenario {
    /// The admin client the scenario acts with.
    let client: RESTClient
    let namespace: String
    /// The server's fault injector: fails the waiting sandbox's first status write.
    let faults: FaultInjector
    /// How long each step may take.
    var stepTimeout: Duration = .seconds(30)
    /// Checked while waiting: true stops the scenario (`ScenarioStop.stopped`).
    var stop: @Sendable () -> Bool = { false }

    static let name = "rbac-demo"
    static let className = "rbac-test"
    static let ownedName = "\(name)-openshell"
    static let waitingName = "rbac-waiting"

    func run() async throws {
        let client = self.client
        let namespace = self.namespace
        let sandboxes = OpenShellAPIGroup.sandboxes
        try await setUp()

        try await step("create → Ready") {
            guard let owner = try? await client.get(sandboxes, namespace: namespace, name: Self.name),
                  owner.status?["phase"] == "Ready", owner.finalizers.contains(OpenShellLabels.sandboxFinalizer) else { return false }
            let networkPolicy = try? await client.get(SandboxResources.networkPolicies, namespace: namespace, name: Self.ownedName)
            let policy = try? await client.get(OpenShellAPIGroup.policies, namespace: namespace, name: "fs")
            return networkPolicy != nil && policy?.conditions[type: "Valid"]?.isTrue == true
        }

        try await step("a sandbox whose Secret is missing → SecretNotFound") {
            let owner = try? await client.get(sandboxes, namespace: namespace, name: Self.waitingName)
            return owner?.conditions[type: "Ready"]?.reason == "SecretNotFound"
        }
        _ = try await client.create(SandboxResources.secrets, namespace: namespace, KubeObject([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "late"], "stringData": ["API_KEY": "not-a-real-key"],
        ]))
        try await step("the Secret appears → Ready") { await phase(of: Self.waitingName) == "Ready" }

        _ = try await client.patch(sandboxes, namespace: namespace, name: Self.name, type: .merge, patch: ["spec": ["suspended": true]])
        try await step("suspend → Suspended") { await phase() == "Suspended" }

        _ = try await client.patch(sandboxes, namespace: namespace, name: Self.name, type: .merge, patch: ["spec": ["suspended": false]])
        try await step("resume → Ready") { await phase() == "Ready" }

        _ = try await client.patch(
            OpenShellAPIGroup.policies, namespace: namespace, name: "fs", type: .merge,
            patch: ["spec": ["filesystem": ["readOnly": ["/usr", "/etc"]]]])
        try await step("policy change → ConfigMap updated") {
            let map = try? await client.get(SandboxResources.configMaps, namespace: namespace, name: Self.ownedName)
            return map?.json["data"]?["policy.yaml"]?.stringValue?.contains("/etc") == true
        }

        _ = try await client.patch(
            OpenShellAPIGroup.sandboxClasses, name: Self.className, type: .merge,
            patch: ["spec": ["networkPolicy": ["egress": [Self.egress(port: 8443)]]]])
        try await step("class egress change → NetworkPolicy updated") {
            let policy = try? await client.get(SandboxResources.networkPolicies, namespace: namespace, name: Self.ownedName)
            return policy?.json["spec"]?["egress"]?.arrayValue?.first?["ports"]?.arrayValue?.first?["port"] == 8443
        }

        _ = try await client.patch(
            OpenShellAPIGroup.sandboxClasses, name: Self.className, type: .merge, patch: ["spec": ["networkPolicy": ["enabled": false]]])
        try await step("class without NetworkPolicy → NetworkPolicy deleted") {
            (try? await client.get(SandboxResources.networkPolicies, namespace: namespace, name: Self.ownedName)) == nil
        }
        try await step("Ready again") { await phase() == "Ready" }

        // A restart request the operator cannot record (longer than the status field allows) is
        // refused with a Warning on every reconcile while it stands. A reconcile caused by something
        // else (the referenced Secret changing) repeats it for the same version of the sandbox:
        // the Event becomes a series (a patch of that Event).
        _ = try await client.patch(sandboxes, namespace: namespace, name: Self.name, type: .merge, patch: [
            "metadata": ["annotations": [.init(OpenShellLabels.restartedAtAnnotation): .string(String(repeating: "9", count: 80))]],
        ])
        try await step("an unrecordable restart request → InvalidRestartRequest") { await warningCount() >= 1 }
        _ = try await client.patch(SandboxResources.secrets, namespace: namespace, name: "gh", type: .merge,
                                   patch: ["metadata": ["labels": ["touched": "1"]]])
        try await step("reconciled again for the Secret → the Warning repeated as a series") { await warningCount() >= 2 }
        _ = try await client.patch(sandboxes, namespace: namespace, name: Self.name, type: .merge, patch: [
            "metadata": ["annotations": [.init(OpenShellLabels.restartedAtAnnotation): .null]],
        ])

        _ = try await client.delete(sandboxes, namespace: namespace, name: Self.name)
        try await step("delete → the Sandbox and the finalizer gone") {
            let owner = try? await client.get(sandboxes, namespace: namespace, name: Self.name)
            let live = try? await client.get(SandboxResources.agentSandboxes, namespace: namespace, name: Self.name)
            return owner == nil && live == nil
        }
    }

    /// What the sandbox uses, created by the admin: a Secret, a policy-rules
    /// ConfigMap, a class asking for a NetworkPolicy, a policy, then the sandbox.
    private func setUp() async throws {
        _ = try await client.create(SandboxResources.secrets, namespace: namespace, KubeObject([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "gh"], "stringData": ["GITHUB_TOKEN": "not-a-real-token"],
        ]))
        _ = try await client.create(SandboxResources.configMaps, namespace: namespace, KubeObject([
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "rules", "labels": .object([OpenShellLabels.policyRulesLabel: "true"])],
            "data": ["sandbox-policy.rego": "package openshell\n"],
        ]))
        _ = try await client.create(OpenShellAPIGroup.sandboxClasses, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandboxClass", "metadata": ["name": .string(Self.className)],
            "spec": [
                "networkPolicy": ["enabled": true, "egress": [Self.egress(port: 443)]],
                "policyEngine": ["rulesConfigMapRef": ["namespace": .string(namespace), "name": "rules"]],
            ],
        ]))
        _ = try await client.create(OpenShellAPIGroup.policies, namespace: namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellPolicy", "metadata": ["name": "fs"],
            "spec": ["filesystem": ["readOnly": ["/usr"], "readWrite": ["/sandbox"]]],
        ]))
        _ = faults.add(FaultRule(verb: "update", resource: "openshellsandboxes", namespace: namespace, name: Self.waitingName, code: 500, count: 1))
        _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox", "metadata": ["name": .string(Self.waitingName)],
            "spec": ["image": "example.com/agent:1", "providers": [["name": "llm", "secretRef": ["name": "late"]]]],
        ]))
        _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox", "metadata": ["name": .string(Self.name)],
            "spec": [
                "className": .string(Self.className), "image": "example.com/agent:1", "policyRef": ["name": "fs"],
                "providers": [["name": "github", "secretRef": ["name": "gh"]]],
            ],
        ]))
    }

    private static func egress(port: Int64) -> JSONValue {
        ["to": [["ipBlock": ["cidr": "10.0.0.0/8"]]], "ports": [["protocol": "TCP", "port": .int(port)]]]
    }

    /// How often the `InvalidRestartRequest` Event about the sandbox was recorded, counting its series.
    private func warningCount() async -> Int {
        let events = (try? await client.list(EventV1.resource, namespace: namespace))?.items ?? []
        return events.filter { $0.json["reason"] == "InvalidRestartRequest" && $0.json["regarding"]?["name"]?.stringValue == Self.name }
            .map { Int($0.json["series"]?["count"]?.intValue ?? 1) }.max() ?? 0
    }

    private func phase(of name: String = Self.name) async -> String? {
        try? await client.get(OpenShellAPIGroup.sandboxes, namespace: namespace, name: name).status?["phase"]?.stringValue
    }

}
