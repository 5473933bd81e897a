//! The upstream Agent Sandbox CRD (agents.x-k8s.io Sandbox) end to end:
//! structural check, defaulting, validation and pruning of a minimal Sandbox.
//! Skipped when the vendored CRD copy is not present on this machine.
import Foundation
import KubeCore
import Testing
@testable import KubeSchema

private let sandboxCRDPath = "/work/shared/upstream/agent-sandbox/crds/agents.x-k8s.io_sandboxes.yaml"
private let sandboxCRDAvailable = FileManager.default.fileExists(atPath: sandboxCRDPath)

/// The `v1beta1` schema and its index in `spec.versions`.
private func sandboxV1beta1Schema() throws -> (index: Int, schema: JSONSchemaProps, status: Bool) {
    let text = try String(contentsOfFile: sandboxCRDPath, encoding: .utf8)
    let crd = try JSONValue.parseYAML(text)
    let versions = try #require(crd[path: ["spec", "versions"]]?.arrayValue)
    let index = try #require(versions.firstIndex { $0["name"] == "v1beta1" })
    let version = versions[index]
    let raw = try #require(version[path: ["schema", "openAPIV3Schema"]])
    return (index, try JSONSchemaProps(json: raw), version[path: ["subresources", "status"]] != nil)
}

/// The minimal Sandbox of agent-sandbox-contract.md §1.5, without the two defaulted fields.
private let minimalSandbox = json(#"""
{"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
 "metadata": {"name": "sbx-a1b2c3", "namespace": "team-a"},
 "spec": {
   "service": true,
   "shutdownTime": "2026-09-01T12:00:00Z",
   "podTemplate": {
     "metadata": {"labels": {"app": "agent"}},
     "spec": {"restartPolicy": "OnFailure",
              "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10",
                              "ports": [{"containerPort": 8888}],
                              "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
   "volumeClaimTemplates": [{"metadata": {"name": "data"},
                             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
"""#)

@Suite("Agent Sandbox CRD", .enabled(if: sandboxCRDAvailable, "upstream CRD copy not found at \(sandboxCRDPath)"))
struct SandboxCRDTests {
    @Test("the v1beta1 schema is structural and valid")
    func schemaIsValid() throws {
        let (index, schema, status) = try sandboxV1beta1Schema()
        #expect(status)
        let path = FieldPath("spec.versions[\(index)].schema.openAPIV3Schema")
        #expect(validateStructural(schema, path: path).isEmpty)
        #expect(validateCRDSchema(schema, path: path, statusSubresource: status).isEmpty)
    }

    @Test("a minimal Sandbox is defaulted, valid and keeps every field")
    func minimalSandboxIsValid() throws {
        let schema = try sandboxV1beta1Schema().schema
        var sandbox = minimalSandbox
        applyDefaults(&sandbox, schema: schema)
        #expect(sandbox[path: ["spec", "operatingMode"]] == "Running")
        #expect(sandbox[path: ["spec", "shutdownPolicy"]] == "Retain")
        let port = sandbox[path: ["spec", "podTemplate", "spec", "containers"]]?.arrayValue?.first?["ports"]?.arrayValue?.first
        #expect(port?["protocol"] == "TCP")
        #expect(validate(sandbox, against: schema, path: FieldPath()).isEmpty)
        var pruned = sandbox
        #expect(prune(&pruned, schema: schema, isResourceRoot: true).isEmpty)
        #expect(pruned == sandbox)
    }

    @Test("unknown fields are pruned and reported")
    func unknownFieldsArePruned() throws {
        let schema = try sandboxV1beta1Schema().schema
        var sandbox = minimalSandbox
        sandbox[path: ["spec", "lifecycle"]] = .object(["ttl": 5])
        sandbox[path: ["spec", "podTemplate", "spec", "bogus"]] = true
        let removed = prune(&sandbox, schema: schema, isResourceRoot: true)
        #expect(removed == ["spec.lifecycle", "spec.podTemplate.spec.bogus"])
        #expect(sandbox == minimalSandbox)
    }

    @Test("enum and required violations use kube-apiserver wording")
    func invalidSandbox() throws {
        let schema = try sandboxV1beta1Schema().schema
        var sandbox = minimalSandbox
        sandbox[path: ["spec", "operatingMode"]] = "Paused"
        sandbox[path: ["spec", "podTemplate", "spec", "containers"]] = .array([.object(["image": "x"])])
        #expect(rendered(validate(sandbox, against: schema, path: FieldPath())) == [
            #"spec.operatingMode: Unsupported value: "Paused": supported values: "Running", "Suspended""#,
            "spec.podTemplate.spec.containers[0].name: Required value",
        ])
    }
}
