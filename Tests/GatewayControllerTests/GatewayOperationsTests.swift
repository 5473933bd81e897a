//! Day-2 operations of the gateway reconciler end to end, against the local
//! API server with the simulated StatefulSet and Deployment controllers,
//! kubelet and garbage collector, and the operator (gateway controller only)
//! in-process: automatic rollback of a broken upgrade, certificate renewal
//! rolling the pods, the Deployment workload with an external database, and
//! the Kubernetes version read from the server's `/version`.
import ClusterSimulators
import Foundation
import GatewayController
import GatewayPKI
import KubeClient
import KubeCore
import LocalAPIServer
import OpenShellAPI
import Operator
import OperatorTestSupport
import Testing
import TestSupport

private let namespace = "gateway-ops"

/// A cluster with the simulators and CRDs, and the operator running the gateway controller in-process.
private struct OperationsCluster: Sendable {
    let test: TestServer
    var client: RESTClient { test.client }

    static func with(
        kubernetesMinor: Int = 32, brokenImages: Set<String> = [], _ body: @Sendable (OperationsCluster) async throws -> Void
    ) async throws {
        var serverOptions = APIServerOptions()
        serverOptions.kubernetesVersion = (1, kubernetesMinor, 0)
        try await withOperator(
            setups: [GatewayControllerSetup()], serverOptions: serverOptions, simulatorOptions: .fast(brokenImages: brokenImages),
            namespaces: [namespace], label: "gateway-operations-tests"
        ) { test in
            try await body(OperationsCluster(test: test))
        }
    }

    func create(_ spec: JSONObject) async throws {
        _ = try await client.create(OpenShellAPIGroup.gateways, namespace: namespace, KubeObject([
            "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
            "metadata": ["name": "openshell", "namespace": .string(namespace)], "spec": .object(spec),
        ]))
    }

    func patchSpec(_ spec: JSONObject) async throws {
        _ = try await client.patch(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell", type: .merge, patch: ["spec": .object(spec)])
    }

    func gateway() async -> KubeObject? {
        try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell")
    }

    func condition(_ type: String) async -> Condition? { await gateway()?.conditions[type: type] }

    func get(_ resource: GroupVersionResource, _ name: String) async -> KubeObject? {
        try? await client.get(resource, namespace: namespace, name: name)
    }

    /// The Events about the gateway, by reason, counting a series' repeats.
    func eventCounts() async -> [String: Int] {
        let items = (try? await client.list(EventV1.resource, namespace: namespace))?.items ?? []
        var counts: [String: Int] = [:]
        for event in items where event.json["regarding"]?["name"]?.stringValue == "openshell" {
            let reason = event.json["reason"]?.stringValue ?? ""
            counts[reason, default: 0] += Int(event.json["series"]?["count"]?.intValue ?? 1)
        }
        return counts
    }

    func podImages() async -> [String] {
        let pods = (try? await client.list(.pods, namespace: namespace))?.items ?? []
        return pods.compactMap { $0.spec?["containers"]?.arrayValue?.first?["image"]?.stringValue }
    }

    /// `eventually`, and on a timeout the gateway's status in the failure.
    func wait(timeout: Duration, sourceLocation: SourceLocation = #_sourceLocation, _ condition: @Sendable () async throws -> Bool) async throws {
        do {
            try await eventually(timeout: timeout, condition, sourceLocation: sourceLocation)
        } catch {
            let status = await gateway()?.status.map { String(decoding: $0.serialized(), as: UTF8.self) } ?? "absent"
            Issue.record(Comment(rawValue: "gateway status: \(status)\nevents: \(await eventCounts())\npod images: \(await podImages())"),
                         sourceLocation: sourceLocation)
            throw error
        }
    }
}

private let good = "0.0.110"
private let broken = "0.0.111"

@Suite("Gateway day-2 operations against the local cluster", .serialized)
struct GatewayOperationsTests {
    @Test("a broken upgrade with automaticRollback: Degraded, rolled back, Available on the old version; a new spec clears it")
    func automaticRollback() async throws {
        try await OperationsCluster.with(brokenImages: ["ghcr.io/nvidia/openshell/gateway:\(broken)"]) { cluster in
            try await cluster.create(["version": .string(good), "upgrade": ["progressDeadlineSeconds": 30, "automaticRollback": true]])
            try await cluster.wait(timeout: .seconds(60)) {
                let owner = await cluster.gateway()
                return owner?.status?["lastKnownGoodVersion"]?.stringValue == good && owner?.conditions[type: "Available"]?.isTrue == true
            }

            try await cluster.patchSpec(["version": .string(broken)])
            try await cluster.wait(timeout: .seconds(30)) { await cluster.condition("Available")?.isTrue == false }
            try await cluster.wait(timeout: .seconds(90)) { await cluster.condition("Degraded")?.reason == GatewayEventReason.rolledBack }
            try await cluster.wait(timeout: .seconds(60)) {
                let owner = await cluster.gateway()
                return owner?.conditions[type: "Available"]?.isTrue == true && owner?.conditions[type: "RolloutComplete"]?.isTrue == true
                    && owner?.conditions[type: "Progressing"]?.reason == GatewayEventReason.rolledBack
            }
            let owner = try #require(await cluster.gateway())
            #expect(owner.status?["runningVersion"]?.stringValue == good)
            #expect(owner.status?[path: ["rollback", "from"]]?.stringValue == broken)
            #expect(owner.status?[path: ["rollback", "to"]]?.stringValue == good)
            #expect(owner.status?[path: ["rollback", "generation"]]?.intValue == owner.generation)
            let degraded = try #require(owner.conditions[type: "Degraded"])
            #expect(degraded.isTrue && degraded.message.contains(broken) && degraded.message.contains(good), "\(degraded.message)")
            #expect(await cluster.podImages() == ["ghcr.io/nvidia/openshell/gateway:\(good)"])
            let set = try #require(await cluster.get(GatewayResources.statefulSets, "openshell"))
            #expect(set.labels["app.kubernetes.io/version"] == good)
            try await cluster.wait(timeout: .seconds(10)) {
                let counts = await cluster.eventCounts()
                return counts[GatewayEventReason.rolledBack] == 1 && counts[GatewayEventReason.rollbackComplete] == 1
                    && counts[GatewayEventReason.rolloutStuck] == 1
            }
            // The broken pod blocked the StatefulSet; the operator deleted it so the old template could roll out.
            #expect(await cluster.eventCounts()[GatewayEventReason.stalledPodDeleted] ?? 0 >= 1)
            #expect(await cluster.eventCounts()[GatewayEventReason.upgradeComplete] == nil)

            // A new generation of the spec: the record is cleared and the spec rolled out as asked.
            try await cluster.patchSpec(["version": .string(good)])
            try await cluster.wait(timeout: .seconds(30)) {
                let owner = await cluster.gateway()
                return owner?.status?["rollback"] == nil && owner?.conditions[type: "Degraded"]?.isTrue == false
                    && owner?.conditions[type: "Degraded"]?.observedGeneration == owner?.generation
            }
            #expect(await cluster.condition("Available")?.isTrue == true)
        }
    }

    @Test("built-in PKI with a short lifetime: the server certificate is renewed from the same CA, an Event, the pods rolled")
    func certificateRenewal() async throws {
        try await OperationsCluster.with { cluster in
            // Issued for 60s and renewed 45s before expiry: the first renewal is due 15s after the install.
            try await cluster.create(["tls": ["duration": "60s", "renewBefore": "45s"]])
            try await cluster.wait(timeout: .seconds(60)) { await cluster.condition("Available")?.isTrue == true }
            let ca = try #require(await cluster.get(GatewayResources.secrets, GatewayDefaults.certManagerCASecretName))
            let server = try #require(await cluster.get(GatewayResources.secrets, GatewayDefaults.serverSecretName))
            let set = try #require(await cluster.get(GatewayResources.statefulSets, "openshell"))
            let checksum = set.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]]?.stringValue
            let pod = try #require(await cluster.get(.pods, "openshell-0"))
            let authority = try GatewaySecretInspection.authority(ca).get()
            let first = try GatewaySecretInspection.leaf(.server, server, authority: authority.certificate).get()

            try await cluster.wait(timeout: .seconds(60)) {
                await cluster.get(GatewayResources.secrets, GatewayDefaults.serverSecretName)?.json["data"]?["tls.crt"] != server.json["data"]?["tls.crt"]
            }
            let renewed = try #require(await cluster.get(GatewayResources.secrets, GatewayDefaults.serverSecretName))
            #expect(renewed.uid == server.uid)
            // Issued by the same CA (verified against it), with a new serial; the CA Secret is untouched.
            let second = try GatewaySecretInspection.leaf(.server, renewed, authority: authority.certificate).get()
            #expect(second.certificate.serialNumber != first.certificate.serialNumber)
            #expect(renewed.json["data"]?["ca.crt"] == server.json["data"]?["ca.crt"])
            let caAfter = try #require(await cluster.get(GatewayResources.secrets, GatewayDefaults.certManagerCASecretName))
            #expect(caAfter.uid == ca.uid && caAfter.json["data"] == ca.json["data"])
            try await cluster.wait(timeout: .seconds(10)) { await cluster.eventCounts()[PKIEventReason.certificateRenewed] ?? 0 >= 1 }

            // The pod template's checksum follows the certificate, so the pods roll.
            try await cluster.wait(timeout: .seconds(30)) {
                let now = await cluster.get(GatewayResources.statefulSets, "openshell")
                return now?.spec?[path: ["template", "metadata", "annotations", GatewayLabels.configChecksum]]?.stringValue != checksum
            }
            try await cluster.wait(timeout: .seconds(60)) {
                guard let rolled = await cluster.get(.pods, "openshell-0") else { return false }
                return rolled.uid != pod.uid && rolled.metadata["annotations"]?[GatewayLabels.configChecksum]?.stringValue != checksum
            }
            // Renewals come every 15s here; between them TLSReady is True.
            try await cluster.wait(timeout: .seconds(30)) { await cluster.condition("TLSReady")?.isTrue == true }
        }
    }

    @Test("workload Deployment with an external database and 2 replicas: a Deployment (no StatefulSet), Available with 2 ready")
    func deploymentWorkload() async throws {
        try await OperationsCluster.with { cluster in
            _ = try await cluster.client.create(GatewayResources.secrets, namespace: namespace, KubeObject([
                "apiVersion": "v1", "kind": "Secret",
                "metadata": ["name": "openshell-db", "namespace": .string(namespace)],
                "stringData": ["uri": "postgres://openshell:secret@db.example.com:5432/openshell"],
            ]))
            try await cluster.create(["workload": ["kind": "Deployment", "replicas": 2, "externalDatabaseSecretRef": ["name": "openshell-db"]]])
            try await cluster.wait(timeout: .seconds(60)) {
                let owner = await cluster.gateway()
                return owner?.conditions[type: "Available"]?.isTrue == true && owner?.status?["readyReplicas"]?.intValue == 2
                    && owner?.conditions[type: "RolloutComplete"]?.isTrue == true
            }
            let deployment = try #require(await cluster.get(GatewayResources.deployments, "openshell"))
            #expect(deployment.spec?["replicas"]?.intValue == 2)
            #expect(deployment.status?["readyReplicas"]?.intValue == 2)
            #expect(deployment.controllerReference?.name == "openshell")
            #expect(await cluster.get(GatewayResources.statefulSets, "openshell") == nil)
            let env = deployment.spec?[path: ["template", "spec", "containers"]]?.arrayValue?.first?["env"]?.arrayValue ?? []
            #expect(env.contains { $0[path: ["valueFrom", "secretKeyRef", "name"]]?.stringValue == "openshell-db" })
            #expect(await cluster.podImages().count == 2)
            #expect(await cluster.gateway()?.status?["runningVersion"]?.stringValue == GatewayDefaults.openShellVersion)
        }
    }

    @Test("the Kubernetes version comes from the server's /version: the supervisor sideload default follows it",
          arguments: [(32, "init-container"), (35, "image-volume")])
    func kubernetesVersionFromServer(minor: Int, sideload: String) async throws {
        try await OperationsCluster.with(kubernetesMinor: minor) { cluster in
            try await cluster.create([:])
            try await cluster.wait(timeout: .seconds(60)) { await cluster.get(GatewayResources.configMaps, "openshell-config") != nil }
            let config = await cluster.get(GatewayResources.configMaps, "openshell-config")?.json["data"]?[GatewayLayout.configKey]?.stringValue ?? ""
            #expect(config.contains("supervisor_sideload_method = \"\(sideload)\""), "\(config)")
        }
    }
}
