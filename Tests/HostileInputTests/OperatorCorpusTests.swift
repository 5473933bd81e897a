//! The corpus cases only the operator can judge (class violations, missing
//! classes, policies and Secrets, Secrets in other namespaces, policies that
//! pass the schema but not the policy rules), all created at once against a
//! local cluster with the sandbox reconciler running in-process. Each must
//! end with its condition and a Warning Event naming the field, with no
//! Sandbox, ConfigMap or NetworkPolicy created; then a valid sandbox still
//! becomes Ready, so the operator survived the lot.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import OpenShellAPI
import Operator
import OperatorTestSupport
import SandboxController
import Testing
import TestSupport

/// The namespace the operator-judged sandboxes are created in.
let hostileNamespace = "hostile"
private let eventsResource = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")

/// A server with simulators and CRDs, the namespaces `hostile` and `other`, and the operator running against it.
private func withOperator(_ body: @Sendable (TestServer) async throws -> Void) async throws {
    try await OperatorTestSupport.withOperator(
        setups: [SandboxControllerSetup()], namespaces: [hostileNamespace, "other"], label: "hostile-input-tests", body)
}

/// The resource of a fixture object.
private func fixtureResource(_ object: KubeObject) -> GroupVersionResource {
    switch object.kind {
    case "Secret": SandboxResources.secrets
    case "ConfigMap": SandboxResources.configMaps
    default: resource(of: object.kind)
    }
}

@Suite("Hostile input: what the sandbox reconciler refuses", .serialized)
struct OperatorCorpusTests {
    @Test("every operator-judged case gets its condition and a Warning Event naming the field, creates nothing, and the operator keeps working")
    func operatorJudged() async throws {
        let cases = Corpus.operatorJudged
        #expect(!cases.isEmpty)
        try await withOperator { test in
            let client = test.client
            for fixture in try Corpus.fixtures() {
                let namespace = fixture.namespace.isEmpty ? (fixture.kind == "OpenShellSandboxClass" ? nil : hostileNamespace) : fixture.namespace
                _ = try await client.create(fixtureResource(fixture), namespace: namespace, fixture)
            }
            var admitted: [HostileCase] = []
            for hostile in cases {
                var object = hostile.object
                object.json["metadata"]?["namespace"] = .string(hostileNamespace)
                do {
                    _ = try await client.create(
                        OpenShellAPIGroup.sandboxes, namespace: hostileNamespace, object,
                        options: WriteOptions(fieldValidation: FieldValidation(rawValue: hostile.fieldValidation)))
                    admitted.append(hostile)
                } catch {
                    Issue.record("\(hostile.id): the server refused an operator-judged case: \(error)")
                }
            }

            // Wait until the reconciler has judged every case (any Valid=False or a waiting Ready reason).
            let pending = admitted
            try await eventually(timeout: .seconds(40)) {
                let list = try await client.list(OpenShellAPIGroup.sandboxes, namespace: hostileNamespace)
                let byName = Dictionary(list.items.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                return pending.allSatisfy { hostile in
                    guard let owner = byName[hostile.object.name] else { return false }
                    let ready = owner.conditions[type: "Ready"]
                    return owner.conditions[type: "Valid"] != nil && ready != nil && ready?.reason != "Pending"
                        && owner.status?["observedGeneration"]?.intValue == owner.generation
                }
            }
            // The Events are sent in the background; wait until each judged case has its Warning.
            // (Not fatal: a case without its Event is reported by name below.)
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                let events = try await client.list(eventsResource, namespace: hostileNamespace).items
                let warned = Set(events.filter { $0.json["type"] == "Warning" }.compactMap { $0.json["regarding"]?["name"]?.stringValue })
                if pending.allSatisfy({ warned.contains($0.object.name) || $0.knownBug != nil }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let events = try await client.list(eventsResource, namespace: hostileNamespace).items

            for hostile in admitted {
                let name = hostile.object.name
                let owner = try await client.get(OpenShellAPIGroup.sandboxes, namespace: hostileNamespace, name: name)
                let sandbox = try? await client.get(SandboxResources.agentSandboxes, namespace: hostileNamespace, name: name)
                let configMap = try? await client.get(SandboxResources.configMaps, namespace: hostileNamespace, name: "\(name)-openshell")
                let networkPolicy = try? await client.get(SandboxResources.networkPolicies, namespace: hostileNamespace, name: "\(name)-openshell")
                let warnings = events.filter {
                    $0.json["regarding"]?["name"]?.stringValue == name && $0.json["type"] == "Warning"
                }
                let check = {
                    let condition = owner.conditions[type: hostile.condition]
                    #expect(condition?.status == hostile.status, "\(hostile.id): \(condition.map { "\($0)" } ?? "no \(hostile.condition)")")
                    #expect(condition?.reason == hostile.reason, "\(hostile.id): \(condition.map { "\($0.reason): \($0.message)" } ?? "none")")
                    #expect(condition?.message.contains(hostile.field) == true, "\(hostile.id): \(condition?.message ?? "")")
                    if let message = hostile.message {
                        #expect(condition?.message.contains(message) == true, "\(hostile.id): \(message) in \(condition?.message ?? "")")
                    }
                    let event = warnings.first { $0.json["reason"]?.stringValue == hostile.reason }
                    #expect(event != nil, "\(hostile.id): no Warning Event \(hostile.reason) in \(warnings.map { $0.json["reason"] ?? "" })")
                    #expect(event?.json["note"]?.stringValue?.contains(hostile.field) == true, "\(hostile.id): \(event?.json["note"] ?? "")")
                    // Zero partial objects.
                    #expect(sandbox == nil, "\(hostile.id): a Sandbox was created")
                    #expect(configMap == nil, "\(hostile.id): a ConfigMap was created")
                    #expect(networkPolicy == nil, "\(hostile.id): a NetworkPolicy was created")
                }
                if let bug = hostile.knownBug {
                    withKnownIssue(Comment(rawValue: "\(hostile.id): \(bug)")) { check() }
                } else {
                    check()
                }
            }

            // The operator is still running: a valid sandbox created after the corpus becomes Ready.
            let valid = KubeObject([
                "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
                "metadata": ["name": "survivor", "namespace": .string(hostileNamespace)], "spec": ["image": "example.com/agent:1"],
            ])
            _ = try await client.create(OpenShellAPIGroup.sandboxes, namespace: hostileNamespace, valid)
            try await eventually(timeout: .seconds(30)) {
                let owner = try? await client.get(OpenShellAPIGroup.sandboxes, namespace: hostileNamespace, name: "survivor")
                return owner?.status?["phase"] == "Ready"
            }
        }
    }
}
