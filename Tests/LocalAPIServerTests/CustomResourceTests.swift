//! CustomResourceDefinitions over HTTPS: establishing, defaulting, pruning
//! and field validation, schema validation, the status subresource and
//! generation, printer columns, and deleting a CRD with its objects.
import Foundation
import KubeClient
import KubeCore
import Testing
import TestSupport

@Suite("Custom resources over HTTPS")
struct CustomResourceTests {
    @Test("an established CRD reports NamesAccepted and Established and serves its resource")
    func established() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            let crd = try await t.client.get(.customResourceDefinitions, name: "widgets.example.com")
            #expect(crd.conditions[type: "NamesAccepted"]?.reason == "NoConflicts")
            #expect(crd.conditions[type: "Established"]?.reason == "InitialNamesAccepted")
            #expect(crd.status?["acceptedNames"]?["kind"] == "Widget")
            #expect(crd.finalizers == ["customresourcecleanup.apiextensions.k8s.io"])
        }
    }

    @Test("defaults are applied and unknown fields pruned, with a warning by default and an error when Strict")
    func defaultingAndPruning() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            var object = widget("w1")
            object.json["spec"]?["extra"] = "dropped"
            let created = try await t.client.create(.widgets, namespace: "default", object)
            #expect(created.spec?["color"] == "red")
            #expect(created.spec?["extra"] == nil)

            let raw = try await t.client.request(method: .post, path: "/apis/example.com/v1/namespaces/default/widgets",
                                                 body: widget("w2").value.with(path: ["spec", "bogus"], 1).serialized())
            #expect(raw.headers.values(for: "Warning") == [#"299 - "unknown field \"spec.bogus\"""#])

            var strict = widget("w3")
            strict.json["spec"]?["bogus"] = 1
            let error = await expectAPIError {
                _ = try await t.client.create(.widgets, namespace: "default", strict, options: WriteOptions(fieldValidation: .strict))
            }
            #expect(error?.code == 400)
            #expect(error?.message == "strict decoding error: unknown field \"spec.bogus\"")
        }
    }

    @Test("schema violations are 422 Invalid naming the field")
    func schemaValidation() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            let tooBig = await expectAPIError { _ = try await t.client.create(.widgets, namespace: "default", widget("big", size: 11)) }
            #expect(tooBig?.code == 422)
            #expect(tooBig?.status.details?.causes?.first?.field == "spec.size")
            #expect(tooBig?.message.hasPrefix("Widget.example.com \"big\" is invalid: spec.size: Invalid value: 11:") == true)
            var badColor = widget("green")
            badColor.json["spec"]?["color"] = "green"
            let unsupported = await expectAPIError { _ = try await t.client.create(.widgets, namespace: "default", badColor) }
            #expect(unsupported?.message.contains("spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\"") == true)
            var noSize = widget("nosize")
            noSize.json["spec"] = [:]
            let required = await expectAPIError { _ = try await t.client.create(.widgets, namespace: "default", noSize) }
            #expect(required?.message.contains("spec.size: Required value") == true)
        }
    }

    @Test("the status subresource splits writes, and generation moves only on spec changes")
    func statusSubresource() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            var object = widget("s")
            object.status = ["phase": "ignored-on-create"]
            let created = try await t.client.create(.widgets, namespace: "default", object)
            #expect(created.status == nil)
            #expect(created.generation == 1)

            var withStatus = created
            withStatus.status = ["phase": "Ready"]
            withStatus.json["spec"]?["size"] = 9
            let afterStatus = try await t.client.update(.widgets, namespace: "default", withStatus, subresource: "status")
            #expect(afterStatus.status?["phase"] == "Ready")
            #expect(afterStatus.spec?["size"] == 3)
            #expect(afterStatus.generation == 1)

            var specChange = afterStatus
            specChange.json["spec"]?["size"] = 5
            specChange.status = ["phase": "ignored-on-main"]
            let afterSpec = try await t.client.update(.widgets, namespace: "default", specChange)
            #expect(afterSpec.spec?["size"] == 5)
            #expect(afterSpec.status?["phase"] == "Ready")
            #expect(afterSpec.generation == 2)

            let labelsOnly = try await t.client.patch(.widgets, namespace: "default", name: "s", type: .merge, patch: ["metadata": ["labels": ["a": "b"]]])
            #expect(labelsOnly.generation == 2)
        }
    }

    @Test("an update of a custom resource must carry a resourceVersion")
    func updateNeedsResourceVersion() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            var object = try await t.client.create(.widgets, namespace: "default", widget("rv"))
            object.resourceVersion = ""
            let error = await expectAPIError { _ = try await t.client.update(.widgets, namespace: "default", object) }
            #expect(error?.code == 422)
            #expect(error?.message.contains("metadata.resourceVersion: Invalid value") == true)
        }
    }

    @Test("Table output uses the CRD's printer columns")
    func table() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            _ = try await t.client.create(.widgets, namespace: "default", widget("tbl", size: 4))
            let response = try await t.client.request(method: .get, path: "/apis/example.com/v1/namespaces/default/widgets",
                                                      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
            let table = try JSONValue.parse(response.body)
            #expect(table["kind"] == "Table")
            let columns = table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(columns == ["Name", "Size", "Phase", "Age"])
            let cells = table["rows"]?.arrayValue?.first?["cells"]?.arrayValue
            #expect(cells?[0] == "tbl")
            #expect(cells?[1] == 4)
            #expect(table["rows"]?.arrayValue?.first?["object"]?["kind"] == "PartialObjectMetadata")
        }
    }

    @Test("deleting a CRD deletes its objects and stops serving the resource")
    func deleteCRD() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            _ = try await t.client.create(.widgets, namespace: "default", widget("doomed"))
            _ = try await t.client.delete(.customResourceDefinitions, name: "widgets.example.com")
            try await eventually { (try? await t.client.get(.customResourceDefinitions, name: "widgets.example.com")) == nil }
            #expect(t.server.core.store.count(GroupResource(group: "example.com", resource: "widgets")) == 0)
            let error = await expectAPIError { _ = try await t.client.list(.widgets, namespace: "default") }
            #expect(error?.code == 404)
        }
    }
}

extension JSONValue {
    func with(path: [String], _ value: JSONValue) -> JSONValue {
        var copy = self
        copy[path: path] = value
        return copy
    }
}

/// A CRD whose `scale` subresource maps onto `.spec.replicas` and `.status.replicas`.
let scalableCRD = KubeObject([
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": ["name": "pools.example.com"],
    "spec": [
        "group": "example.com", "scope": "Namespaced",
        "names": ["plural": "pools", "singular": "pool", "kind": "Pool"],
        "versions": [[
            "name": "v1", "served": true, "storage": true,
            "subresources": ["status": [:], "scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                                                      "labelSelectorPath": ".status.selector"]],
            "schema": ["openAPIV3Schema": [
                "type": "object",
                "properties": [
                    "spec": ["type": "object", "properties": ["replicas": ["type": "integer"]]],
                    "status": ["type": "object", "properties": ["replicas": ["type": "integer"], "selector": ["type": "string"]]],
                ],
            ]],
        ]],
    ],
])

@Suite("The scale subresource over HTTPS")
struct ScaleSubresourceTests {
    static let pools = GroupVersionResource(group: "example.com", version: "v1", resource: "pools")

    @Test("get, update and patch of /scale read and write the CRD's replica paths")
    func scale() async throws {
        try await TestServer.with { t in
            try await t.installCRD(scalableCRD, resource: Self.pools)
            var pool = try await t.client.create(Self.pools, namespace: "default", KubeObject([
                "apiVersion": "example.com/v1", "kind": "Pool", "metadata": ["name": "p"], "spec": ["replicas": 1],
            ]))
            pool.status = ["replicas": 1, "selector": "app=p"]
            _ = try await t.client.update(Self.pools, namespace: "default", pool, subresource: "status")

            let scale = try await t.client.get(Self.pools, namespace: "default", name: "p", subresource: "scale")
            #expect(scale.kind == "Scale")
            #expect(scale.apiVersion == "autoscaling/v1")
            #expect(scale.spec?["replicas"] == 1)
            #expect(scale.status?["selector"] == "app=p")

            var desired = scale
            desired.json["spec"] = ["replicas": 4]
            let updated = try await t.client.update(Self.pools, namespace: "default", desired, subresource: "scale")
            #expect(updated.spec?["replicas"] == 4)
            let patched = try await t.client.patch(Self.pools, namespace: "default", name: "p", subresource: "scale", type: .merge,
                                                   patch: ["spec": ["replicas": 6]])
            #expect(patched.spec?["replicas"] == 6)
            let object = try await t.client.get(Self.pools, namespace: "default", name: "p")
            #expect(object.spec?["replicas"] == 6)
            #expect(object.generation == 3)

            desired.json["spec"] = ["replicas": -1]
            desired.resourceVersion = ""
            let invalid = await expectAPIError { _ = try await t.client.update(Self.pools, namespace: "default", desired, subresource: "scale") }
            #expect(invalid?.code == 422)
        }
    }
}
