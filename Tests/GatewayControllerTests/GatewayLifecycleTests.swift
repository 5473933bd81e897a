//! The gateway reconciler end to end: a local API server with the simulated
//! StatefulSet controller, kubelet and garbage collector, the openshell.ai
//! CRDs (and the Agent Sandbox CRD unless a test withholds it), and the
//! operator process running the gateway controller through the real client.
import ClusterSimulators
import Foundation
import GatewayController
import KubeClient
import KubeCore
import LocalAPIServer
import OpenShellAPI
import Operator
import OperatorTestSupport
import Testing
import TestSupport

private let namespace = "openshell-system"

/// A server with simulators and CRDs, and the operator (gateway controller only) running against it.
private func withOperator(
    installAgentSandbox: Bool = true, brokenImages: Set<String> = [], _ body: @Sendable (TestServer) async throws -> Void
) async throws {
    try await OperatorTestSupport.withOperator(
        setups: [GatewayControllerSetup()], simulatorOptions: .fast(brokenImages: brokenImages), agentSandbox: installAgentSandbox,
        namespaces: [namespace], label: "gateway-tests", body)
}

private func gateway(_ name: String = "openshell", spec: JSONObject = [:]) -> KubeObject {
    KubeObject([
        "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
        "metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": .object(spec),
    ])
}

private func fetch(_ client: RESTClient, _ name: String = "openshell") async -> KubeObject? {
    try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: name)
}

private func condition(_ client: RESTClient, _ type: String, _ name: String = "openshell") async -> Condition? {
    await fetch(client, name)?.conditions[type: type]
}

/// The reasons of the Events recorded about the gateway `name`.
private func eventReasons(_ client: RESTClient, _ name: String = "openshell") async -> [String] {
    let list = try? await client.list(EventV1.resource, namespace: namespace)
    return (list?.items ?? []).filter { $0.json["regarding"]?["name"]?.stringValue == name }.compactMap { $0.json["reason"]?.stringValue }
}

private func exists(_ client: RESTClient, _ resource: GroupVersionResource, _ ns: String?, _ name: String) async -> Bool {
    (try? await client.get(resource, namespace: ns, name: name)) != nil
}

@Suite("Gateway lifecycle against the local cluster", .serialized)
struct GatewayLifecycleTests {
    @Test("install → Available: children owned, PKI Secrets created, KEK unowned, status filled, Installed Event")
    func install() async throws {
        try await withOperator { test in
            let client = test.client
            let created = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway())
            try await eventually(timeout: .seconds(60)) { await condition(client, "Available")?.isTrue == true }
            try await eventually(timeout: .seconds(30)) { await fetch(client)?.status?["runningVersion"]?.stringValue != nil }
            let owner = try #require(await fetch(client))
            #expect(owner.finalizers.contains(GatewayFinalizer.name))
            #expect(owner.status?["runningVersion"]?.stringValue == GatewayDefaults.openShellVersion)
            #expect(owner.status?["endpoint"]?.stringValue == "https://openshell.\(namespace).svc.cluster.local:8080")
            #expect(owner.status?["readyReplicas"]?.intValue == 1)
            #expect(owner.status?["lastKnownGoodVersion"]?.stringValue == GatewayDefaults.openShellVersion)
            for type in [GatewayConditionType.configValid, GatewayConditionType.agentSandboxAvailable, GatewayConditionType.tlsReady] {
                #expect(owner.conditions[type: type]?.isTrue == true, "\(type)")
                #expect(owner.conditions[type: type]?.observedGeneration == owner.generation)
            }
            #expect(owner.conditions[type: GatewayConditionType.degraded]?.isTrue == false)

            for (resource, name) in [
                (GatewayResources.statefulSets, "openshell"), (GatewayResources.services, "openshell"),
                (GatewayResources.configMaps, "openshell-config"), (GatewayResources.serviceAccounts, "openshell"),
                (GatewayResources.secrets, "openshell-server-tls"), (GatewayResources.secrets, "openshell-client-tls"),
                (GatewayResources.secrets, "openshell-ca-tls"), (GatewayResources.secrets, "openshell-jwt-keys"),
            ] {
                let child = try await client.get(resource, namespace: namespace, name: name)
                #expect(child.controllerReference?.uid == created.uid, "\(resource.resource)/\(name)")
            }
            let kek = try await client.get(GatewayResources.secrets, namespace: namespace, name: "openshell-credential-storage-key-encryption-key")
            #expect(kek.ownerReferences.isEmpty)
            let clusterRole = try await client.get(GatewayResources.clusterRoles, name: "openshell:\(namespace):openshell:node-reader")
            #expect(clusterRole.labels[GatewayLabels.gatewayName] == "openshell")
            #expect(await exists(client, GatewayResources.clusterRoleBindings, nil, "openshell:\(namespace):openshell:node-reader"))
            let pod = try await client.get(.pods, namespace: namespace, name: "openshell-0")
            #expect(pod.status?["phase"]?.stringValue == "Running")
            // Created once and not re-patched: server defaults are not mistaken for drift.
            let set = try await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
            #expect(set.generation == 1)
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains("Installed") }
            let reasons = await eventReasons(client)
            #expect(reasons.contains("CertificatesCreated"))
            #expect(!reasons.contains("DriftCorrected"))
        }
    }

    @Test("a config change changes the checksum annotation and rolls the pods")
    func configChangeRollsPods() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway())
            try await eventually(timeout: .seconds(60)) { await condition(client, "Available")?.isTrue == true }
            let set = try await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
            let checksum = set.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]]?.stringValue
            let pod = try await client.get(.pods, namespace: namespace, name: "openshell-0")

            _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell", type: .merge, patch: ["spec": ["logLevel": "debug"]])
            try await eventually(timeout: .seconds(30)) {
                let map = try? await client.get(GatewayResources.configMaps, namespace: namespace, name: "openshell-config")
                return map?.json["data"]?[GatewayLayout.configKey]?.stringValue?.contains("debug") == true
            }
            try await eventually(timeout: .seconds(30)) {
                let now = try? await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
                return now?.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]]?.stringValue != checksum
            }
            try await eventually(timeout: .seconds(60)) {
                guard let rolled = try? await client.get(.pods, namespace: namespace, name: "openshell-0") else { return false }
                return rolled.uid != pod.uid && rolled.metadata["annotations"]?[GatewayLabels.configChecksum]?.stringValue != checksum
            }
            try await eventually(timeout: .seconds(60)) {
                let owner = await fetch(client)
                return owner?.conditions[type: "RolloutComplete"]?.isTrue == true && owner?.conditions[type: "Available"]?.isTrue == true
                    && owner?.conditions[type: "RolloutComplete"]?.observedGeneration == owner?.generation
            }
        }
    }

    @Test("a hand-edited child is put back, with a DriftCorrected Event")
    func driftCorrected() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway())
            try await eventually(timeout: .seconds(60)) { await condition(client, "Available")?.isTrue == true }
            let before = try await client.get(GatewayResources.configMaps, namespace: namespace, name: "openshell-config")
            let text = try #require(before.json["data"]?[GatewayLayout.configKey]?.stringValue)
            _ = try await client.patch(
                GatewayResources.configMaps, namespace: namespace, name: "openshell-config", type: .merge,
                patch: ["data": [GatewayLayout.configKey: "edited = true\n"]])
            try await eventually(timeout: .seconds(30)) {
                let map = try? await client.get(GatewayResources.configMaps, namespace: namespace, name: "openshell-config")
                return map?.json["data"]?[GatewayLayout.configKey]?.stringValue == text
            }
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains("DriftCorrected") }
        }
    }

    @Test("Agent Sandbox CRD absent → AgentSandboxAvailable=False and nothing applied; installed → Available")
    func agentSandboxPreflight() async throws {
        try await withOperator(installAgentSandbox: false) { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway())
            try await eventually(timeout: .seconds(30)) { await condition(client, "AgentSandboxAvailable")?.status == "False" }
            let owner = try #require(await fetch(client))
            #expect(owner.conditions[type: "Degraded"]?.reason == GatewayEventReason.agentSandboxMissing)
            #expect(!(await exists(client, GatewayResources.statefulSets, namespace, "openshell")))
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains("AgentSandboxMissing") }

            try await test.installAgentSandboxCRD()
            try await eventually(timeout: .seconds(60)) { await condition(client, "Available")?.isTrue == true }
            #expect(await condition(client, "AgentSandboxAvailable")?.isTrue == true)
            #expect(await condition(client, "Degraded")?.isTrue == false)
        }
    }

    @Test("delete → children collected, cluster-scoped RBAC removed by the finalizer, KEK Secret kept")
    func deleteCleansUp() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway())
            try await eventually(timeout: .seconds(60)) { await condition(client, "Available")?.isTrue == true }
            let clusterName = "openshell:\(namespace):openshell:node-reader"
            _ = try await client.delete(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell")
            try await eventually(timeout: .seconds(30)) { await fetch(client) == nil }
            #expect(!(await exists(client, GatewayResources.clusterRoles, nil, clusterName)))
            #expect(!(await exists(client, GatewayResources.clusterRoleBindings, nil, clusterName)))
            try await eventually(timeout: .seconds(30)) {
                let gone = [
                    await exists(client, GatewayResources.statefulSets, namespace, "openshell"),
                    await exists(client, GatewayResources.configMaps, namespace, "openshell-config"),
                    await exists(client, GatewayResources.secrets, namespace, "openshell-server-tls"),
                ]
                return !gone.contains(true)
            }
            #expect(await exists(client, GatewayResources.secrets, namespace, "openshell-credential-storage-key-encryption-key"))
        }
    }

    @Test("a version upgrade is tracked to Available: UpgradeStarted, UpgradeComplete, lastUpgrade, runningVersion")
    func upgrade() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: ["version": "0.0.110"]))
            try await eventually(timeout: .seconds(60)) { await fetch(client)?.status?["runningVersion"]?.stringValue == "0.0.110" }
            _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell", type: .merge, patch: ["spec": ["version": "0.0.111"]])
            try await eventually(timeout: .seconds(60)) { await fetch(client)?.status?["runningVersion"]?.stringValue == "0.0.111" }
            let owner = try #require(await fetch(client))
            #expect(owner.status?[path: ["lastUpgrade", "from"]]?.stringValue == "0.0.110")
            #expect(owner.status?[path: ["lastUpgrade", "to"]]?.stringValue == "0.0.111")
            #expect(owner.status?["lastKnownGoodVersion"]?.stringValue == "0.0.111")
            #expect(owner.conditions[type: "Available"]?.isTrue == true)
            let pod = try await client.get(.pods, namespace: namespace, name: "openshell-0")
            let image = pod.spec?["containers"]?.arrayValue?.first?["image"]?.stringValue
            #expect(image?.hasSuffix(":0.0.111") == true)
            try await eventually(timeout: .seconds(10)) {
                let reasons = await eventReasons(client)
                return reasons.contains("UpgradeStarted") && reasons.contains("UpgradeComplete")
            }
        }
    }

    @Test("a downgrade without the allow annotation is refused: Degraded, Event, the workload untouched")
    func downgradeRefused() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway())
            try await eventually(timeout: .seconds(60)) { await fetch(client)?.status?["runningVersion"]?.stringValue == GatewayDefaults.openShellVersion }
            let before = try await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
            _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell", type: .merge, patch: ["spec": ["version": "0.0.100"]])
            try await eventually(timeout: .seconds(30)) { await condition(client, "Degraded")?.reason == GatewayEventReason.downgradeRefused }
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains("DowngradeRefused") }
            let after = try await client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
            #expect(after.generation == before.generation)
            #expect(await fetch(client)?.status?["runningVersion"]?.stringValue == GatewayDefaults.openShellVersion)
        }
    }

    @Test("a broken image never gets Ready: after the progress deadline Degraded=RolloutStuck with a Warning Event")
    func brokenImage() async throws {
        let broken = "example.com/broken/gateway:1"
        try await withOperator(brokenImages: [broken]) { test in
            let client = test.client
            _ = try await client.create(
                OpenShellAPIGroup.gateways, namespace: namespace,
                gateway(spec: ["images": ["gateway": .string(broken)], "upgrade": ["progressDeadlineSeconds": 30]]))
            try await eventually(timeout: .seconds(20)) { await condition(client, "Progressing")?.isTrue == true }
            #expect(await condition(client, "Available")?.isTrue == false)
            try await eventually(timeout: .seconds(90)) { await condition(client, "Degraded")?.reason == GatewayEventReason.rolloutStuck }
            #expect(await condition(client, "RolloutComplete")?.isTrue == false)
            try await eventually(timeout: .seconds(10)) { await eventReasons(client).contains("RolloutStuck") }
        }
    }

    @Test("children in the sandbox namespace carry owner labels, not ownerReferences, and the finalizer removes them")
    func crossNamespaceChildren() async throws {
        try await withOperator { test in
            let client = test.client
            _ = try await test.namespace("sandboxes")
            _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, gateway(spec: ["sandboxes": ["namespace": "sandboxes"]]))
            try await eventually(timeout: .seconds(60)) { await condition(client, "Available")?.isTrue == true }
            let role = try await client.get(GatewayResources.roles, namespace: "sandboxes", name: "openshell-sandbox")
            #expect(role.ownerReferences.isEmpty)
            #expect(role.labels[GatewayLabels.gatewayNamespace] == namespace)
            #expect(await exists(client, GatewayResources.roleBindings, "sandboxes", "openshell-sandbox"))
            #expect(await exists(client, GatewayResources.serviceAccounts, "sandboxes", "openshell-sandbox"))
            #expect(await exists(client, GatewayResources.networkPolicies, "sandboxes", "openshell-sandbox-ssh"))

            // A hand edit there is put back too (mapped by the owner labels).
            _ = try await client.patch(GatewayResources.roles, namespace: "sandboxes", name: "openshell-sandbox", type: .merge, patch: ["rules": []])
            try await eventually(timeout: .seconds(30)) {
                let now = try? await client.get(GatewayResources.roles, namespace: "sandboxes", name: "openshell-sandbox")
                return now?.json["rules"]?.arrayValue?.isEmpty == false
            }

            _ = try await client.delete(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell")
            try await eventually(timeout: .seconds(30)) { await fetch(client) == nil }
            #expect(!(await exists(client, GatewayResources.roles, "sandboxes", "openshell-sandbox")))
            #expect(!(await exists(client, GatewayResources.roleBindings, "sandboxes", "openshell-sandbox")))
            #expect(!(await exists(client, GatewayResources.serviceAccounts, "sandboxes", "openshell-sandbox")))
            #expect(!(await exists(client, GatewayResources.networkPolicies, "sandboxes", "openshell-sandbox-ssh")))
        }
    }
}
