//! The start-up check that the cluster serves agents.x-k8s.io/v1beta1
//! Sandbox: the pure answer for every CRD shape (the project's own, the
//! upstream 0.5.x CRD with v1alpha1 and webhook conversion, the upstream CRD
//! cut to v1beta1 only, v1alpha1 only, absent, not Established, being
//! deleted), the same answer for the upstream variants installed in a local
//! API server, and the readiness check following a CRD installed late.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import OpenShellAPI
@testable import SandboxController
import Testing
import TestSupport

private let upstreamCRDPath = "/work/shared/upstream/agent-sandbox/crds/agents.x-k8s.io_sandboxes.yaml"
private let upstreamAvailable = FileManager.default.fileExists(atPath: upstreamCRDPath)

/// The upstream CRD file, or a variant of it.
enum UpstreamCRDVariant: String, CaseIterable, Sendable {
    /// As released: v1beta1 (storage) and v1alpha1, webhook conversion.
    case asReleased
    /// After upstream dropped v1alpha1: v1beta1 only, no conversion block.
    case v1beta1Only
    /// An old install: v1alpha1 only.
    case v1alpha1Only

    func crd() throws -> KubeObject {
        let text = try String(contentsOfFile: upstreamCRDPath, encoding: .utf8)
        guard var crd = try JSONValue.parseYAMLDocuments(text).compactMap(KubeObject.init).first(where: { $0.kind == "CustomResourceDefinition" }) else {
            throw TestFailure("no CRD in \(upstreamCRDPath)")
        }
        var versions = crd.json["spec"]?["versions"]?.arrayValue ?? []
        switch self {
        case .asReleased: break
        case .v1beta1Only:
            versions.removeAll { $0["name"] == "v1alpha1" }
            crd.json["spec"]?["conversion"] = nil
        case .v1alpha1Only:
            versions.removeAll { $0["name"] == "v1beta1" }
            for index in versions.indices { versions[index]["storage"] = true }
            crd.json["spec"]?["conversion"] = nil
        }
        crd.json["spec"]?["versions"] = .array(versions)
        return crd
    }
}

private func established(_ crd: KubeObject) -> KubeObject {
    var crd = crd
    crd.json["status"] = ["conditions": [["type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "", "lastTransitionTime": "2026-12-06T00:00:00Z"]]]
    return crd
}

private let missingV1beta1 =
    "CustomResourceDefinition sandboxes.agents.x-k8s.io serves agents.x-k8s.io/v1alpha1 but not agents.x-k8s.io/v1beta1: upgrade Agent Sandbox to a release that serves v1beta1"

@Suite("Agent Sandbox API check")
struct AgentSandboxAPICheckTests {
    @Test("the pure answer for each CRD shape")
    func pureAnswer() throws {
        #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: nil)
            == "CustomResourceDefinition sandboxes.agents.x-k8s.io is not installed: install Agent Sandbox so that agents.x-k8s.io/v1beta1 Sandbox is served")
        let own = AgentSandboxCRD.definition
        #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: own) == "CustomResourceDefinition sandboxes.agents.x-k8s.io is not Established yet")
        #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: established(own)) == nil)
        #expect(AgentSandboxAPI.servedGroupVersions(of: established(own)) == ["agents.x-k8s.io/v1beta1"])
        var deleting = established(own)
        deleting.json["metadata"]?["deletionTimestamp"] = "2026-12-06T00:00:00Z"
        #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: deleting) == "CustomResourceDefinition sandboxes.agents.x-k8s.io is being deleted")
        #expect(AgentSandboxAPI.servedGroupVersions(of: deleting).isEmpty)
        var notServed = established(own)
        var versions = notServed.json["spec"]?["versions"]?.arrayValue ?? []
        versions[0]["served"] = false
        notServed.json["spec"]?["versions"] = .array(versions)
        #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: notServed)
            == "CustomResourceDefinition sandboxes.agents.x-k8s.io serves no version but not agents.x-k8s.io/v1beta1: upgrade Agent Sandbox to a release that serves v1beta1")
    }

    @Test("the upstream CRD variants, read as files", .enabled(if: upstreamAvailable), arguments: UpstreamCRDVariant.allCases)
    func upstreamFiles(_ variant: UpstreamCRDVariant) throws {
        let crd = established(try variant.crd())
        let expected: String? = variant == .v1alpha1Only ? missingV1beta1 : nil
        #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: crd) == expected)
    }

    @Test("the upstream CRD variants, installed in a local API server", .enabled(if: upstreamAvailable), arguments: UpstreamCRDVariant.allCases)
    func upstreamInstalled(_ variant: UpstreamCRDVariant) async throws {
        try await TestServer.with { test in
            let crd = try variant.crd()
            _ = try await test.client.create(SandboxResources.customResourceDefinitions, crd)
            try await eventually {
                let live = try? await test.client.get(SandboxResources.customResourceDefinitions, name: crd.name)
                return live?.conditions[type: "Established"]?.isTrue == true
            }
            let live = try await test.client.get(SandboxResources.customResourceDefinitions, name: crd.name)
            #expect(AgentSandboxAPI.sandboxReconcilerProblem(crd: live) == (variant == .v1alpha1Only ? missingV1beta1 : nil))
            if variant != .v1alpha1Only {
                // And v1beta1 Sandboxes are really served.
                _ = try await test.client.list(SandboxResources.agentSandboxes, namespace: "default")
            }
        }
    }

    @Test("the readiness check fails while the CRD is missing and passes once it is installed")
    func readinessFollowsTheCRD() async throws {
        try await TestServer.with { test in
            var logger = Logger(label: "agent-sandbox-api-check")
            logger.logLevel = .critical
            let informers = SharedInformers(client: test.client, logger: logger)
            let check = AgentSandboxAPICheck(crds: informers.informer(for: AgentSandboxAPICheck.informerConfiguration), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informers.run() }
                defer { group.cancelAll() }
                try await eventually {
                    do { try check.readinessCheck(); return false } catch {
                        return "\(error)" == "CustomResourceDefinition sandboxes.agents.x-k8s.io is not installed: install Agent Sandbox so that agents.x-k8s.io/v1beta1 Sandbox is served"
                    }
                }
                try await test.installCRD(AgentSandboxCRD.definition, resource: SandboxResources.agentSandboxes)
                try await eventually { (try? check.readinessCheck()) != nil }
                _ = try await test.client.delete(SandboxResources.customResourceDefinitions, name: AgentSandboxCRD.definition.name)
                try await eventually { (try? check.readinessCheck()) == nil }
            }
        }
    }
}
