//! Server-side apply, managedFields and strategic merge patch over HTTPS
//! with the libcurl client: create by apply, unchanged re-apply, conflicts
//! with kube-apiserver's message and causes, force, removal of dropped
//! fields, shared ownership, Update entries, status apply, custom resources
//! with list-maps, and the option errors.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

/// A CRD whose spec has a list-map of ports and a status subresource.
let gizmoCRD = KubeObject([
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": ["name": "gizmos.example.com"],
    "spec": [
        "group": "example.com", "scope": "Namespaced",
        "names": ["plural": "gizmos", "singular": "gizmo", "kind": "Gizmo", "listKind": "GizmoList"],
        "versions": [[
            "name": "v1", "served": true, "storage": true,
            "subresources": ["status": [:]],
            "schema": ["openAPIV3Schema": [
                "type": "object",
                "properties": [
                    "spec": [
                        "type": "object",
                        "properties": [
                            "size": ["type": "integer"],
                            "ports": [
                                "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                                "items": ["type": "object", "required": ["name"],
                                          "properties": ["name": ["type": "string"], "port": ["type": "integer"]]],
                            ],
                        ],
                    ],
                    "status": ["type": "object", "properties": ["phase": ["type": "string"]]],
                ],
            ]],
        ]],
    ],
])

extension GroupVersionResource {
    static let gizmos = GroupVersionResource(group: "example.com", version: "v1", resource: "gizmos")
}

private func applied(_ name: String, data: [String: String]) -> JSONValue {
    configMap(name, data: data).value
}

/// The managedFields entry of `manager`, if any.
func managedEntry(_ object: KubeObject, manager: String, operation: String = "Apply", subresource: String? = nil) -> JSONValue? {
    object.metadata["managedFields"]?.arrayValue?.first {
        $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation
            && $0["subresource"]?.stringValue == subresource
    }
}

@Suite("Server-side apply over HTTPS", .serialized)
struct ServerSideApplyHTTPTests {
    @Test("apply creates the object and records an Apply entry")
    func createByApply() async throws {
        try await TestServer.with { s in
            let created = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "tool"),
                                                   patch: applied("c", data: ["a": "1"]))
            #expect(created.json["data"] == ["a": "1"])
            let entry = try #require(managedEntry(created, manager: "tool"))
            #expect(entry["apiVersion"] == "v1")
            #expect(entry["fieldsType"] == "FieldsV1")
            #expect(entry["fieldsV1"] == ["f:data": ["f:a": [:]]])
            #expect(entry["time"]?.stringValue != nil)
            #expect(created.metadata["managedFields"]?.arrayValue?.count == 1)
        }
    }

    @Test("re-applying an unchanged configuration keeps the resourceVersion")
    func unchangedReapply() async throws {
        try await TestServer.with { s in
            let first = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "tool"),
                                                 patch: applied("c", data: ["a": "1"]))
            let second = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "tool"),
                                                  patch: applied("c", data: ["a": "1"]))
            #expect(second.resourceVersion == first.resourceVersion)
            #expect(second.metadata["managedFields"] == first.metadata["managedFields"])
        }
    }

    @Test("a conflicting apply answers 409 with the conflicts; force takes the field over")
    func conflictAndForce() async throws {
        try await TestServer.with { s in
            _ = try await s.client.patch(.deployments, namespace: "default", name: "web", type: .apply(fieldManager: "deployer"),
                                         patch: deploymentConfig(replicas: 2))
            let error = await expectAPIError {
                _ = try await s.client.patch(.deployments, namespace: "default", name: "web", type: .apply(fieldManager: "scaler"),
                                             patch: ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                                                     "spec": ["replicas": 5]])
            }
            #expect(error?.code == 409)
            #expect(error?.reason == .conflict)
            #expect(error?.message == "Apply failed with 1 conflict: conflict with \"deployer\": .spec.replicas")
            #expect(error?.status.details?.causes == [StatusCause(reason: "FieldManagerConflict", message: "conflict with \"deployer\"", field: ".spec.replicas")])

            let forced = try await s.client.patch(.deployments, namespace: "default", name: "web", type: .apply(fieldManager: "scaler", force: true),
                                                  patch: ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                                                          "spec": ["replicas": 5]])
            #expect(forced.spec?["replicas"] == 5)
            #expect(managedEntry(forced, manager: "scaler")?["fieldsV1"] == ["f:spec": ["f:replicas": [:]]])
            let deployer = try #require(managedEntry(forced, manager: "deployer"))
            #expect(deployer["fieldsV1"]?["f:spec"]?["f:replicas"] == nil)
            #expect(deployer["fieldsV1"]?["f:spec"]?["f:selector"] != nil)
        }
    }

    @Test("a field the manager stops applying is removed; one another manager shares stays")
    func removalAndSharing() async throws {
        try await TestServer.with { s in
            _ = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "a"),
                                         patch: applied("c", data: ["x": "1", "y": "1", "z": "1"]))
            _ = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "b"),
                                         patch: applied("c", data: ["z": "1"]))
            let after = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "a"),
                                                 patch: applied("c", data: ["x": "1"]))
            #expect(after.json["data"] == ["x": "1", "z": "1"])
            #expect(managedEntry(after, manager: "a")?["fieldsV1"] == ["f:data": ["f:x": [:]]])
            #expect(managedEntry(after, manager: "b")?["fieldsV1"] == ["f:data": ["f:z": [:]]])
        }
    }

    @Test("create, update and patch record Update entries for the field manager or the User-Agent")
    func updateEntries() async throws {
        try await TestServer.with { s in
            let created = try await s.client.create(.configMaps, namespace: "default", configMap("c", data: ["a": "1"]))
            let byAgent = try #require(managedEntry(created, manager: "openshell-operator", operation: "Update"))
            #expect(byAgent["apiVersion"] == "v1")
            #expect(byAgent["fieldsV1"] == ["f:data": [".": [:], "f:a": [:]]])

            let patched = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .merge,
                                                   patch: ["data": ["a": "2", "b": "1"]], options: WriteOptions(fieldManager: "editor"))
            #expect(managedEntry(patched, manager: "editor", operation: "Update")?["fieldsV1"] == ["f:data": ["f:a": [:], "f:b": [:]]])
            // The creator lost the field the editor changed; it still owns the map it created.
            #expect(managedEntry(patched, manager: "openshell-operator", operation: "Update")?["fieldsV1"] == ["f:data": [:]])

            var object = patched
            object.labels = ["team": "x"]
            let updated = try await s.client.update(.configMaps, namespace: "default", object, options: WriteOptions(fieldManager: "labeler"))
            #expect(managedEntry(updated, manager: "labeler", operation: "Update")?["fieldsV1"] == ["f:metadata": ["f:labels": [".": [:], "f:team": [:]]]])
            #expect(managedEntry(updated, manager: "editor", operation: "Update") != nil)
        }
    }

    @Test("an apply without fieldManager answers 422 as kube-apiserver does")
    func applyRequiresManager() async throws {
        try await TestServer.with { s in
            let error = await expectAPIError {
                _ = try await s.client.request(method: .patch, path: ResourcePath(.configMaps, namespace: "default", name: "c").path,
                                               body: applied("c", data: [:]).serialized(), contentType: "application/apply-patch+yaml")
            }
            #expect(error?.code == 422)
            #expect(error?.message == "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            #expect(error?.status.details?.causes == [StatusCause(reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager")])
            let forced = await expectAPIError {
                _ = try await s.client.request(method: .patch, path: ResourcePath(.configMaps, namespace: "default", name: "c").path,
                                               query: [URLQueryItem(name: "force", value: "true")],
                                               body: Data("{}".utf8), contentType: "application/merge-patch+json")
            }
            #expect(forced?.message == "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch")
        }
    }

    @Test("an apply of another kind or with managedFields is a bad request")
    func applyChecks() async throws {
        try await TestServer.with { s in
            let wrongKind = await expectAPIError {
                _ = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "m"),
                                             patch: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "c"]])
            }
            #expect(wrongKind?.code == 400)
            #expect(wrongKind?.message == "invalid object type: /v1, Kind=Secret")
            let withFields = await expectAPIError {
                _ = try await s.client.patch(.configMaps, namespace: "default", name: "c", type: .apply(fieldManager: "m"),
                                             patch: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "managedFields": []]])
            }
            #expect(withFields?.message == "metadata.managedFields must be nil")
            let duplicate = await expectAPIError {
                _ = try await s.client.patch(.deployments, namespace: "default", name: "web", type: .apply(fieldManager: "m"),
                                             patch: deploymentConfig(replicas: 1, containers: ["a", "a"]))
            }
            #expect(duplicate?.code == 500)
            #expect(duplicate?.message == "failed to create typed patch object (/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name=\"a\"]")
        }
    }

    @Test("status is applied through its subresource and recorded with it")
    func statusApply() async throws {
        try await TestServer.with { s in
            try await s.installCRD(gizmoCRD, resource: .gizmos)
            _ = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "user"),
                                         patch: gizmo(size: 1, ports: [("http", 80)]))
            let status = try await s.client.patch(.gizmos, namespace: "default", name: "g", subresource: "status",
                                                  type: .apply(fieldManager: "controller"),
                                                  patch: ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"],
                                                          "status": ["phase": "Ready"], "spec": ["size": 9]])
            #expect(status.status?["phase"] == "Ready")
            #expect(status.spec?["size"] == 1)
            let entry = try #require(managedEntry(status, manager: "controller", subresource: "status"))
            #expect(entry["fieldsV1"] == ["f:status": ["f:phase": [:]]])
            #expect(managedEntry(status, manager: "user")?["fieldsV1"]?["f:status"] == nil)
        }
    }

    @Test("custom resources merge list-map items by key and own them per item")
    func customResourceListMap() async throws {
        try await TestServer.with { s in
            try await s.installCRD(gizmoCRD, resource: .gizmos)
            _ = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "a"),
                                         patch: gizmo(size: 1, ports: [("http", 80)]))
            let both = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "b"),
                                                patch: ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"],
                                                        "spec": ["ports": [["name": "metrics", "port": 9090]]]])
            #expect(both.spec?["ports"] == [["name": "http", "port": 80], ["name": "metrics", "port": 9090]])
            #expect(managedEntry(both, manager: "b")?["fieldsV1"] == ["f:spec": ["f:ports": ["k:{\"name\":\"metrics\"}": [".": [:], "f:name": [:], "f:port": [:]]]]])
            let conflict = await expectAPIError {
                _ = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "b"),
                                             patch: ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"],
                                                     "spec": ["ports": [["name": "http", "port": 81]]]])
            }
            #expect(conflict?.message == "Apply failed with 1 conflict: conflict with \"a\": .spec.ports[name=\"http\"].port")
            let unknown = await expectAPIError {
                _ = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "b"),
                                             patch: ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g", "namespace": "default"],
                                                     "spec": ["color": "red"]])
            }
            #expect(unknown?.message == "failed to create typed patch object (default/g; example.com/v1, Kind=Gizmo): .spec.color: field not declared in schema")
            // Dropping its item removes it.
            let dropped = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "b"),
                                                   patch: ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"]])
            #expect(dropped.spec?["ports"] == [["name": "http", "port": 80]])
        }
    }

    @Test("strategic merge patch merges containers and env by name")
    func strategicPatch() async throws {
        try await TestServer.with { s in
            _ = try await s.client.patch(.deployments, namespace: "default", name: "web", type: .apply(fieldManager: "deployer"),
                                         patch: deploymentConfig(replicas: 1, containers: ["a", "b"]))
            let patched = try await s.client.patch(.deployments, namespace: "default", name: "web", type: .strategic,
                                                   patch: ["spec": ["template": ["spec": ["containers": [["name": "b", "env": [["name": "E", "value": "1"]]]]]]]])
            let containers = try #require(patched.spec?[path: ["template", "spec", "containers"]]?.arrayValue)
            #expect(containers.map { $0["name"] } == ["a", "b"])
            #expect(containers[1]["image"] == "nginx:1.27")
            #expect(containers[1]["env"] == [["name": "E", "value": "1"]])
            let customError = await expectAPIError {
                try await s.installCRD(gizmoCRD, resource: .gizmos)
                _ = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .apply(fieldManager: "a"), patch: gizmo(size: 1, ports: []))
                _ = try await s.client.patch(.gizmos, namespace: "default", name: "g", type: .strategic, patch: ["spec": ["size": 2]])
            }
            #expect(customError?.code == 415)
        }
    }
}

func deploymentConfig(replicas: Int64, containers: [String] = ["nginx"]) -> JSONValue {
    ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
     "spec": ["replicas": .int(replicas), "selector": ["matchLabels": ["app": "web"]],
              "template": ["metadata": ["labels": ["app": "web"]],
                           "spec": ["containers": .array(containers.map { ["name": .string($0), "image": "nginx:1.27"] })]]]]
}

func gizmo(size: Int64, ports: [(String, Int64)]) -> JSONValue {
    ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"],
     "spec": ["size": .int(size), "ports": .array(ports.map { ["name": .string($0.0), "port": .int($0.1)] })]]
}
