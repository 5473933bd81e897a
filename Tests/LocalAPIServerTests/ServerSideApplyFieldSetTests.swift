//! Field sets: `fieldsV1` decoding and encoding against managedFields as
//! kube-apiserver writes them, path printing, set algebra, and the field sets
//! of Update (comparison with the empty object) and Apply (the applied
//! configuration) operations.
import Foundation
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

/// `kubectl apply -f` (client-side) of an nginx Deployment, as kube-apiserver
/// records it for manager `kubectl-client-side-apply`.
let clientSideApplyDeploymentFields = #"""
{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},
 "f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},
  "f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},
  "f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},
   "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},
     "f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},
     "f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},
    "f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}
"""#

/// `kubectl apply --server-side` of the same Deployment (manager `kubectl`, Apply).
let serverSideApplyDeploymentFields = #"""
{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},
 "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},
  "f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}
"""#

/// The manifest both entries come from.
let nginxDeployment: JSONValue = [
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": ["name": "nginx", "namespace": "default", "labels": ["app": "nginx"]],
    "spec": [
        "replicas": 2,
        "selector": ["matchLabels": ["app": "nginx"]],
        "template": [
            "metadata": ["labels": ["app": "nginx"]],
            "spec": ["containers": [["name": "nginx", "image": "nginx:1.27", "ports": [["containerPort": 80]]]]],
        ],
    ],
]

@Suite("Server-side apply field sets")
struct ServerSideApplyFieldSetTests {
    static let deployment = SchemaNode.builtin(group: "apps", kind: "Deployment")

    @Test("fieldsV1 from kube-apiserver decodes and encodes back unchanged", arguments: [clientSideApplyDeploymentFields, serverSideApplyDeploymentFields])
    func roundTrip(_ text: String) throws {
        let value = try JSONValue.parse(text)
        let set = try FieldsV1.decode(value)
        #expect(FieldsV1.encode(set) == value)
    }

    @Test("decoded paths print as conflict messages print them")
    func paths() throws {
        let set = try FieldsV1.decode(try JSONValue.parse(clientSideApplyDeploymentFields))
        let printed = Set(set.paths.map(\.description))
        #expect(printed.contains(".spec.template.spec.containers[name=\"nginx\"].image"))
        #expect(printed.contains(".spec.template.spec.containers[name=\"nginx\"].ports[containerPort=80,protocol=\"TCP\"]"))
        #expect(printed.contains(".metadata.labels"))
        #expect(printed.contains(".spec.selector"))
        #expect(!printed.contains(".spec"))
        #expect(set.contains(FieldSetPath(fields: "spec", "strategy", "rollingUpdate")))
        #expect(!set.contains(FieldSetPath(fields: "spec", "strategy")))
    }

    @Test("path elements encode as f:, k:, v: and i: keys")
    func elementKeys() throws {
        let key = PathElement.keyed([KeyField(name: "protocol", value: "TCP"), KeyField(name: "containerPort", value: 80)])
        #expect(FieldsV1.key(key) == #"k:{"containerPort":80,"protocol":"TCP"}"#)
        #expect(FieldsV1.key(.value("example.com/x")) == #"v:"example.com/x""#)
        #expect(FieldsV1.key(.index(3)) == "i:3")
        #expect(FieldsV1.key(.field("a.b/c")) == "f:a.b/c")
        #expect(try FieldsV1.element(#"k:{"protocol":"TCP","containerPort":80}"#) == key)
        #expect(try FieldsV1.element("x:unknown") == nil)
        #expect(PathElement.value("a").description == #"[="a"]"#)
        #expect(key.description == #"[containerPort=80,protocol="TCP"]"#)
    }

    @Test("malformed fieldsV1 is rejected")
    func malformed() {
        #expect(throws: FieldsV1.DecodingError.self) { try FieldsV1.decode(["f:a": "x"]) }
        #expect(throws: FieldsV1.DecodingError.self) { try FieldsV1.decode(["k:{nope": [:]]) }
        #expect(throws: FieldsV1.DecodingError.self) { try FieldsV1.decode(["f": [:]]) }
    }

    @Test("set algebra: union, intersection, difference, recursive difference")
    func algebra() {
        let a = FieldSet([FieldSetPath(fields: "spec", "replicas"), FieldSetPath(fields: "spec", "template"),
                          FieldSetPath(fields: "spec", "template", "x")])
        let b = FieldSet([FieldSetPath(fields: "spec", "template"), FieldSetPath(fields: "metadata", "labels", "a")])
        #expect(a.union(b).paths.map(\.description) == [".metadata.labels.a", ".spec.replicas", ".spec.template", ".spec.template.x"])
        #expect(a.intersection(b).paths.map(\.description) == [".spec.template"])
        #expect(a.difference(b).paths.map(\.description) == [".spec.replicas", ".spec.template.x"])
        #expect(a.recursiveDifference(b).paths.map(\.description) == [".spec.replicas"])
        #expect(a.difference(a).isEmpty)
    }

    @Test("an Update of a new Deployment owns what it set, compared with the empty Deployment")
    func updateFieldsOfCreate() throws {
        var created = nginxDeployment
        created[path: ["metadata", "annotations"]] = ["kubectl.kubernetes.io/last-applied-configuration": "{}"]
        created[path: ["metadata", "uid"]] = "u"
        created[path: ["metadata", "creationTimestamp"]] = "2025-01-01T00:00:00Z"
        // What defaulting adds to the manifest.
        created[path: ["spec", "progressDeadlineSeconds"]] = 600
        created[path: ["spec", "revisionHistoryLimit"]] = 10
        created[path: ["spec", "strategy"]] = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]]
        created[path: ["spec", "template", "spec", "restartPolicy"]] = "Always"
        created[path: ["spec", "template", "spec", "terminationGracePeriodSeconds"]] = 30
        created[path: ["spec", "template", "spec", "dnsPolicy"]] = "ClusterFirst"
        created[path: ["spec", "template", "spec", "schedulerName"]] = "default-scheduler"
        created[path: ["spec", "template", "spec", "securityContext"]] = [:]
        created[path: ["spec", "template", "spec", "containers"]] = [[
            "name": "nginx", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent", "resources": [:],
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "ports": [["containerPort": 80, "protocol": "TCP"]],
        ]]
        let manager = FieldManager(schema: Self.deployment, apiVersion: "apps/v1",
                                   ignored: FieldSet([FieldSetPath(fields: "status")]), now: "2025-01-01T00:00:00Z")
        let empty: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["creationTimestamp": nil],
                                "spec": ["selector": nil, "strategy": [:],
                                         "template": ["metadata": ["creationTimestamp": nil], "spec": ["containers": nil]]],
                                "status": [:]]
        let managed = manager.update(live: empty, new: created, managed: ManagedFields(), manager: "kubectl-client-side-apply")
        let key = ManagerKey(manager: "kubectl-client-side-apply", operation: .update, apiVersion: "apps/v1")
        let entry = try #require(managed.entries[key])
        #expect(FieldsV1.encode(entry.fields) == (try JSONValue.parse(clientSideApplyDeploymentFields)))
        #expect(entry.time == "2025-01-01T00:00:00Z")
        #expect(!entry.applied)
    }

    @Test("an Apply owns the leaves, list items and map entries of its configuration")
    func applyFieldsOfConfig() throws {
        let manager = FieldManager(schema: Self.deployment, apiVersion: "apps/v1",
                                   ignored: FieldSet([FieldSetPath(fields: "status")]), now: "2025-01-01T00:00:00Z")
        let applied = try manager.apply(live: nil, config: nginxDeployment, managed: ManagedFields(), manager: "kubectl", force: false)
        let entry = try #require(applied.managed.entries[ManagerKey(manager: "kubectl", operation: .apply, apiVersion: "apps/v1")])
        #expect(FieldsV1.encode(entry.fields) == (try JSONValue.parse(serverSideApplyDeploymentFields)))
        #expect(entry.applied)
        #expect(applied.object == nginxDeployment)
    }

    @Test("a custom resource's list-map and set come from its schema")
    func customResourceSchema() throws {
        let node = try SchemaNode(customResourceSchema: [
            "type": "object",
            "properties": [
                "spec": [
                    "type": "object",
                    "properties": [
                        "ports": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                                  "items": ["type": "object", "required": ["name"],
                                            "properties": ["name": ["type": "string"], "port": ["type": "integer"]]]],
                        "tags": ["type": "array", "x-kubernetes-list-type": "set", "items": ["type": "string"]],
                        "args": ["type": "array", "items": ["type": "string"]],
                        "selector": ["type": "object", "x-kubernetes-map-type": "atomic",
                                     "additionalProperties": ["type": "string"]],
                    ],
                ],
            ],
        ])
        let value: JSONValue = ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"],
                                "spec": ["ports": [["name": "http", "port": 80]], "tags": ["a"], "args": ["x"], "selector": ["k": "v"]]]
        let set = TypedValue.fieldSet(of: value, schema: node)
        let printed = Set(set.paths.map(\.description))
        #expect(printed == [".apiVersion", ".kind", ".metadata.name", ".spec.ports[name=\"http\"]", ".spec.ports[name=\"http\"].name",
                            ".spec.ports[name=\"http\"].port", ".spec.tags[=\"a\"]", ".spec.args", ".spec.selector"])
        let errors = TypedValue.validate(["spec": ["ports": [["port": 1]], "bogus": 1]], schema: node)
        #expect(errors.map(\.description) == [
            ".spec.bogus: field not declared in schema",
            ".spec.ports: element 0: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)",
        ])
    }
}
