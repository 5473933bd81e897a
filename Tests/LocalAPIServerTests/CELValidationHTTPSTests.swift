//! CEL validation rules over HTTPS: a CRD whose rules sit on the root, on an
//! object, on list items, on map values and on a list, with messages,
//! messageExpressions, fieldPaths, reasons and a transition rule; a CRD whose
//! rule does not parse; and the Agent Sandbox `volumeClaimTemplates` rule.
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import Testing
import TestSupport

extension GroupVersionResource {
    static let gadgets = GroupVersionResource(group: "example.com", version: "v1", resource: "gadgets")
    static let sandboxes = GroupVersionResource(group: "agents.x-k8s.io", version: "v1beta1", resource: "sandboxes")
}

private let gadgetSchemaYAML = """
    type: object
    x-kubernetes-validations:
    - rule: "self.metadata.name != 'reserved'"
      message: the name reserved is reserved
    properties:
      spec:
        type: object
        x-kubernetes-validations:
        - rule: "self.minReplicas <= self.maxReplicas"
          messageExpression: "'minReplicas (' + string(self.minReplicas) + ') exceeds maxReplicas (' + string(self.maxReplicas) + ')'"
          fieldPath: ".minReplicas"
        - rule: "self.mode == oldSelf.mode"
          message: mode is immutable
          reason: FieldValueForbidden
          fieldPath: ".mode"
        - rule: "has(self.mode)"
          message: mode must be set
          reason: FieldValueRequired
          fieldPath: ".mode"
        properties:
          minReplicas: {type: integer}
          maxReplicas: {type: integer}
          mode: {type: string}
          name:
            type: string
            x-kubernetes-validations:
            - rule: "self.startsWith('g-')"
          labels:
            type: object
            additionalProperties:
              type: string
              x-kubernetes-validations:
              - rule: "self.size() <= 5"
                message: label values are at most 5 characters
                reason: FieldValueForbidden
          ports:
            type: array
            x-kubernetes-list-type: map
            x-kubernetes-list-map-keys: [name]
            x-kubernetes-validations:
            - rule: "self.all(a, self.exists_one(b, b.port == a.port))"
              message: ports must be unique
              reason: FieldValueDuplicate
            items:
              type: object
              required: [name]
              properties:
                name: {type: string}
                port: {type: integer}
              x-kubernetes-validations:
              - rule: "self.port > 1024"
                messageExpression: "'port ' + string(self.port) + ' is privileged'"
    """

private func crd(plural: String, kind: String, schema: JSONValue) -> KubeObject {
    KubeObject([
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": .string("\(plural).example.com")],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": .string(plural), "singular": .string(kind.lowercased()), "kind": .string(kind), "listKind": .string(kind + "List")],
            "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": schema]]],
        ],
    ])
}

private func gadget(_ name: String, spec: JSONValue) -> KubeObject {
    KubeObject(["apiVersion": "example.com/v1", "kind": "Gadget", "metadata": ["name": .string(name), "namespace": "default"], "spec": spec])
}

/// The `Status` message after `<Kind> "<name>" is invalid: `.
private func summary(_ error: APIError?) -> String? {
    guard let message = error?.message, let range = message.range(of: " is invalid: ") else { return nil }
    return String(message[range.upperBound...])
}

@Suite("CEL validation rules over HTTPS")
struct CELValidationHTTPSTests {
    @Test("rules on the root, objects, list items, map values and lists accept valid objects and reject invalid ones")
    func createRejectsWithCauses() async throws {
        try await TestServer.with { t in
            try await t.installCRD(crd(plural: "gadgets", kind: "Gadget", schema: JSONValue.parseYAML(gadgetSchemaYAML)), resource: .gadgets)
            let valid: JSONValue = ["minReplicas": 1, "maxReplicas": 3, "mode": "fast", "name": "g-one",
                                    "labels": ["a": "short"], "ports": [["name": "web", "port": 8080]]]
            let created = try await t.client.create(.gadgets, namespace: "default", gadget("ok", spec: valid))
            #expect(created.spec?["mode"] == "fast")

            let invalid: JSONValue = ["minReplicas": 5, "maxReplicas": 2, "name": "x", "labels": ["a": "toolong"],
                                      "ports": [["name": "a", "port": 80], ["name": "b", "port": 80]]]
            let error = await expectAPIError { _ = try await t.client.create(.gadgets, namespace: "default", gadget("reserved", spec: invalid)) }
            #expect(error?.code == 422)
            #expect(error?.status.reason == .invalid)
            let causes = error?.status.details?.causes ?? []
            let expected: [(String, String, String)] = [
                ("FieldValueInvalid", "<nil>", #"Invalid value: "object": the name reserved is reserved"#),
                ("FieldValueInvalid", "spec.minReplicas", #"Invalid value: "object": minReplicas (5) exceeds maxReplicas (2)"#),
                ("FieldValueRequired", "spec.mode", "Required value: mode must be set"),
                ("FieldValueForbidden", "spec.labels[a]", "Forbidden: label values are at most 5 characters"),
                ("FieldValueInvalid", "spec.name", #"Invalid value: "string": failed rule: self.startsWith('g-')"#),
                ("FieldValueDuplicate", "spec.ports", #"Duplicate value: "array""#),
                ("FieldValueInvalid", "spec.ports[0]", #"Invalid value: "object": port 80 is privileged"#),
                ("FieldValueInvalid", "spec.ports[1]", #"Invalid value: "object": port 80 is privileged"#),
            ]
            #expect(causes.map { [$0.reason ?? "", $0.field ?? "", $0.message ?? ""] } == expected.map { [$0.0, $0.1, $0.2] })
            #expect(summary(error) == "[" + expected.map { "\($0.1): \($0.2)" }.joined(separator: ", ") + "]")
        }
    }

    @Test("a transition rule is skipped on create and fires on update; schema errors keep rules from running")
    func transitionRuleOnUpdate() async throws {
        try await TestServer.with { t in
            try await t.installCRD(crd(plural: "gadgets", kind: "Gadget", schema: JSONValue.parseYAML(gadgetSchemaYAML)), resource: .gadgets)
            let spec: JSONValue = ["minReplicas": 1, "maxReplicas": 3, "mode": "fast", "name": "g-two"]
            var object = try await t.client.create(.gadgets, namespace: "default", gadget("two", spec: spec))
            object.json["spec"]?["maxReplicas"] = 4
            object = try await t.client.update(.gadgets, namespace: "default", object)
            #expect(object.spec?["maxReplicas"] == 4)

            object.json["spec"]?["mode"] = "slow"
            let error = await expectAPIError { _ = try await t.client.update(.gadgets, namespace: "default", object) }
            #expect(error?.code == 422)
            #expect(summary(error) == "spec.mode: Forbidden: mode is immutable")
            #expect(error?.status.details?.causes?.first?.reason == "FieldValueForbidden")

            let patched = await expectAPIError {
                _ = try await t.client.patch(.gadgets, namespace: "default", name: "two", type: .merge, patch: ["spec": ["minReplicas": "many"]])
            }
            #expect(patched?.status.details?.causes?.map { $0.field ?? "" } == ["spec.minReplicas", "<nil>"])
            #expect(patched?.status.details?.causes?.last?.message
                    == #"Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"#)
        }
    }

    @Test("a CRD with a rule that does not parse is rejected with the compilation error")
    func unparseableRuleRejected() async throws {
        try await TestServer.with { t in
            let schema = try JSONValue.parseYAML("""
                type: object
                properties:
                  spec:
                    type: object
                    properties: {size: {type: integer}}
                    x-kubernetes-validations:
                    - rule: "self.size >"
                """)
            let error = await expectAPIError { _ = try await t.client.create(.customResourceDefinitions, crd(plural: "brokens", kind: "Broken", schema: schema)) }
            #expect(error?.code == 422)
            let field = "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"
            let message = #"Invalid value: apiextensions.ValidationRule{Rule:"self.size >", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:12: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"#
                + "\n | self.size >\n | ...........^"
            #expect(error?.status.details?.causes?.map { [$0.field ?? "", $0.message ?? ""] } == [[field, message]])
            #expect(summary(error) == "\(field): \(message)")
            let missing = await expectAPIError { _ = try await t.client.get(.customResourceDefinitions, name: "brokens.example.com") }
            #expect(missing?.code == 404)
        }
    }

    @Test("the Sandbox volumeClaimTemplates rule fires on update with its message")
    func sandboxVolumeClaimTemplatesImmutable() async throws {
        try await TestServer.with { t in
            try await t.installCRD(AgentSandboxCRD.definition, resource: .sandboxes)
            let sandbox = KubeObject([
                "apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox",
                "metadata": ["name": "sb", "namespace": "default"],
                "spec": ["podTemplate": ["spec": ["containers": [["name": "main", "image": "busybox"]]]]],
            ])
            var created = try await t.client.create(.sandboxes, namespace: "default", sandbox)
            created.json["spec"]?["operatingMode"] = "Suspended"
            created = try await t.client.update(.sandboxes, namespace: "default", created)
            #expect(created.spec?["operatingMode"] == "Suspended")

            created.json["spec"]?["volumeClaimTemplates"] = [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"]]]]
            let error = await expectAPIError { _ = try await t.client.update(.sandboxes, namespace: "default", created) }
            #expect(error?.code == 422)
            #expect(summary(error) == #"spec: Invalid value: "object": volumeClaimTemplates is immutable"#)
            #expect(error?.status.details?.causes?.first?.reason == "FieldValueInvalid")
        }
    }
}
