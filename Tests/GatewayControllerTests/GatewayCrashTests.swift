//! The operator binary killed with SIGKILL in the middle of a gateway
//! install — its PKI Secrets written, the workload not yet Ready (the
//! simulated StatefulSet controller paused to hold it there) — and started
//! again on the same queue database: the install completes to Available, the
//! PKI Secrets and the workload are the same objects (keys never generated
//! twice), and `Installed` is recorded exactly once. And killed between the
//! PKI Secret writes (the CA written, the server Secret's create held up by
//! the API server): restarted, the missing server and client certificates are
//! issued from that CA instead of leaving a partial group for a person.
import ClusterSimulators
import Foundation
import GatewayController
import GatewayPKI
import KubeClient
import KubeCore
import LocalAPIServer
import OpenShellAPI
import OperatorTestSupport
import Testing
import TestSupport

private let namespace = "gateway-crash"

/// A local cluster with the simulators and CRDs, and the real `openshell-operator` binary started
/// against it as often as a test likes, always on the same queue database
/// (`OperatorCluster.start`, `kill`), seen through the gateway scenario.
private typealias GatewayCrashCluster = OperatorCluster

private extension GatewayCrashCluster {
    func gateway() async -> KubeObject? {
        try? await client.get(OpenShellAPIGroup.gateways, namespace: namespace, name: "openshell")
    }

    func secret(_ name: String) async -> KubeObject? {
        try? await client.get(GatewayResources.secrets, namespace: namespace, name: name)
    }

    /// The Events about the gateway by reason, counting a series' repeats.
    func eventCounts() async -> [String: Int] {
        let items = (try? await client.list(EventV1.resource, namespace: namespace))?.items ?? []
        var counts: [String: Int] = [:]
        for event in items where event.json["regarding"]?["name"]?.stringValue == "openshell" {
            counts[event.json["reason"]?.stringValue ?? "", default: 0] += Int(event.json["series"]?["count"]?.intValue ?? 1)
        }
        return counts
    }

    /// `eventually`, and on a timeout the gateway's status and the operator logs' tails in the failure.
    func wait(timeout: Duration, sourceLocation: SourceLocation = #_sourceLocation, _ condition: @Sendable () async throws -> Bool) async throws {
        do {
            try await eventually(timeout: timeout, condition, sourceLocation: sourceLocation)
        } catch {
            var report = "gateway status: " + (await gateway()?.status.map { String(decoding: $0.serialized(), as: UTF8.self) } ?? "absent") + "\n"
            report += logTails(lines: 30) { $0.contains("gateway") }
            Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
            throw error
        }
    }

    static func with(_ body: @Sendable (GatewayCrashCluster) async throws -> Void) async throws {
        var options = SimulatorOptions()
        options.podReadyDelay = .milliseconds(100)
        options.podStopDelay = .milliseconds(100)
        try await withOperatorCluster(simulatorOptions: options, namespaces: [namespace], label: "gateway-crash-tests", body)
    }
}

@Suite("Gateway reconciler across SIGKILL", .serialized)
struct GatewayCrashTests {
    @Test("killed after the PKI Secrets are written, before the workload is Ready; restarted: Available, the same Secrets, one Installed Event")
    func killMidInstall() async throws {
        try await GatewayCrashCluster.with { cluster in
            let statefulSets = SimulatedController.statefulSet.rawValue
            // No gateway pod until the controller is resumed: the install stops short of Ready.
            cluster.test.server.faults.pause(controller: statefulSets)
            let first = try cluster.start(1)
            _ = try await cluster.client.create(OpenShellAPIGroup.gateways, namespace: namespace, KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
                "metadata": ["name": "openshell", "namespace": .string(namespace)], "spec": [:],
            ]))
            let names = [
                GatewayDefaults.certManagerCASecretName, GatewayDefaults.serverSecretName, GatewayDefaults.clientSecretName,
                "openshell-jwt-keys", "openshell-credential-storage-key-encryption-key",
            ]
            try await cluster.wait(timeout: .seconds(60)) {
                for name in names where await cluster.secret(name) == nil { return false }
                guard await cluster.eventCounts()[PKIEventReason.certificatesCreated] == 1 else { return false }
                return (try? await cluster.client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")) != nil
            }
            let before = await cluster.gateway()
            #expect(before?.conditions[type: "Available"]?.isTrue != true)
            #expect(before?.status?["runningVersion"] == nil)
            var written: [String: KubeObject] = [:]
            for name in names { written[name] = await cluster.secret(name) }
            let workload = try await cluster.client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell")
            await cluster.kill(first)
            cluster.test.server.faults.resume(controller: statefulSets)

            let second = try cluster.start(2)
            try await cluster.wait(timeout: .seconds(60)) {
                let owner = await cluster.gateway()
                return owner?.conditions[type: "Available"]?.isTrue == true
                    && owner?.status?["runningVersion"]?.stringValue == GatewayDefaults.openShellVersion
            }
            // The Secrets written before the kill are the ones the gateway runs with: same objects, same keys.
            for name in names {
                let now = try #require(await cluster.secret(name), "\(name)")
                #expect(now.uid == written[name]?.uid, "\(name) was replaced")
                #expect(now.json["data"] == written[name]?.json["data"], "\(name) was regenerated")
            }
            // The workload made before the kill was carried on, not replaced.
            #expect(try await cluster.client.get(GatewayResources.statefulSets, namespace: namespace, name: "openshell").uid == workload.uid)
            try await cluster.wait(timeout: .seconds(10)) { await cluster.eventCounts()[GatewayEventReason.installed] == 1 }
            let counts = await cluster.eventCounts()
            #expect(counts[PKIEventReason.certificatesCreated] == 1, "\(counts)")
            #expect(counts[PKIEventReason.signingKeyCreated] == 1, "\(counts)")
            #expect(await cluster.gateway()?.conditions[type: "Degraded"]?.isTrue == false)
            second.signal(SIGTERM)
            #expect(await second.waitForExit() == 0)
            // Nothing more was recorded after Available: still exactly one Installed.
            #expect(await cluster.eventCounts()[GatewayEventReason.installed] == 1)
        }
    }

    @Test("killed between its PKI Secret writes (the CA written, the server's create held up); restarted: server and client issued from that CA, never Degraded")
    func killBetweenPKIWrites() async throws {
        try await GatewayCrashCluster.with { cluster in
            let caName = GatewayDefaults.certManagerCASecretName
            // The server Secret's create hangs, then its connection is dropped unanswered: the kill
            // lands with the CA written and nothing after it (the writes go CA, server, client, JWT, KEK).
            cluster.test.server.faults.add(FaultRule(
                verb: "create", resource: "secrets", namespace: namespace, name: GatewayDefaults.serverSecretName,
                count: 1, latencyMilliseconds: 8_000, dropConnection: true))
            let first = try cluster.start(1)
            _ = try await cluster.client.create(OpenShellAPIGroup.gateways, namespace: namespace, KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway",
                "metadata": ["name": "openshell", "namespace": .string(namespace)], "spec": [:],
            ]))
            try await cluster.wait(timeout: .seconds(60)) { await cluster.secret(caName) != nil }
            let ca = try #require(await cluster.secret(caName))
            #expect(await cluster.secret(GatewayDefaults.serverSecretName) == nil)
            #expect(await cluster.secret(GatewayDefaults.clientSecretName) == nil)
            await cluster.kill(first)

            let second = try cluster.start(2)
            try await cluster.wait(timeout: .seconds(60)) {
                await cluster.gateway()?.conditions[type: "Available"]?.isTrue == true
            }
            // The CA written before the kill is kept, and the server and client certificates are its.
            let now = try #require(await cluster.secret(caName))
            #expect(now.uid == ca.uid)
            #expect(now.json["data"] == ca.json["data"], "the CA was regenerated")
            let authority = try GatewaySecretInspection.authority(now).get()
            for leaf in GatewayLeaf.allCases {
                let secret = try #require(await cluster.secret(leaf == .server ? GatewayDefaults.serverSecretName : GatewayDefaults.clientSecretName))
                #expect(throws: Never.self, "\(leaf)") { try GatewaySecretInspection.leaf(leaf, secret, authority: authority.certificate).get() }
            }
            let counts = await cluster.eventCounts()
            #expect(counts[PKIEventReason.certificateIssued] == 2, "\(counts)")
            #expect(counts[PKIDegradedReason.partialTLSSecrets] == nil, "\(counts)")
            #expect(await cluster.gateway()?.conditions[type: "Degraded"]?.isTrue == false)
            second.signal(SIGTERM)
            #expect(await second.waitForExit() == 0)
        }
    }
}
