//! x-kubernetes-list-type set/map uniqueness and embedded-resource TypeMeta checks.
import KubeCore
import Testing
@testable import KubeSchema

let listCases: [ValidationCase] = [
    .init(name: "set with a repeated string", field: "tags",
          schema: #"{"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}"#,
          value: #"["a", "b", "a"]"#, expected: [#"spec.tags[2]: Duplicate value: "a""#]),
    .init(name: "set reports only the second appearance", field: "tags",
          schema: #"{"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "integer"}}"#,
          value: "[1, 1, 1]", expected: ["spec.tags[1]: Duplicate value: 1"]),
    .init(name: "set without duplicates", field: "tags",
          schema: #"{"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}"#,
          value: #"["a", "b"]"#, expected: []),
    .init(name: "atomic lists may repeat", field: "tags",
          schema: #"{"type": "array", "x-kubernetes-list-type": "atomic", "items": {"type": "string"}}"#,
          value: #"["a", "a"]"#, expected: []),
    .init(name: "map with one key", field: "ports",
          schema: #"{"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}}"#,
          value: #"[{"name": "a", "port": 1}, {"name": "a", "port": 2}]"#,
          expected: [#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"a"}"#]),
    .init(name: "map with two keys", field: "ports",
          schema: #"{"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "protocol"], "items": {"type": "object", "properties": {"name": {"type": "string"}, "protocol": {"type": "string"}, "port": {"type": "integer"}}}}"#,
          value: #"[{"name": "a", "protocol": "TCP", "port": 1}, {"name": "a", "protocol": "UDP", "port": 1}, {"name": "a", "protocol": "TCP", "port": 2}]"#,
          expected: [#"spec.ports[2]: Duplicate value: map[string]interface {}{"name":"a", "protocol":"TCP"}"#]),
    .init(name: "map items missing the key collide", field: "ports",
          schema: #"{"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}}"#,
          value: #"[{"port": 1}, {"port": 2}]"#,
          expected: [#"spec.ports[1]: Duplicate value: map[string]interface {}{}"#]),
    .init(name: "map items must be objects", field: "ports",
          schema: #"{"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "properties": {"name": {"type": "string"}}}}"#,
          value: #"["x"]"#,
          expected: [#"spec.ports[0]: Invalid value: "string": spec.ports[0] in body must be of type object: "string""#,
                     #"spec.ports[0]: Invalid value: "x": must be an object for an array of list-type map"#]),
    .init(name: "lists inside maps are named with brackets", field: "groups",
          schema: #"{"type": "object", "additionalProperties": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}}"#,
          value: #"{"g1": ["a", "a"]}"#, expected: [#"spec.groups[g1][1]: Duplicate value: "a""#]),
]

@Test("list types", arguments: listCases)
func listTypes(_ c: ValidationCase) {
    let s = specSchema(c.field, c.schema)
    let value = json(#"{"spec": {"\#(c.field)": \#(c.value)}}"#)
    #expect(rendered(validate(value, against: s, path: FieldPath())) == c.expected)
}

private let embeddedSchema = #"{"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}"#

let embeddedCases: [ValidationCase] = [
    .init(name: "apiVersion and kind are required", field: "template", schema: embeddedSchema, value: #"{"metadata": {"name": "x"}}"#,
          expected: ["spec.template.apiVersion: Required value", "spec.template.kind: Required value"]),
    .init(name: "a complete embedded resource", field: "template", schema: embeddedSchema,
          value: #"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {}}"#, expected: []),
    .init(name: "kind must be a DNS-1035 label up to case", field: "template", schema: embeddedSchema,
          value: #"{"apiVersion": "v1", "kind": "My_Kind"}"#,
          expected: [#"spec.template.kind: Invalid value: "My_Kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#]),
    .init(name: "apiVersion must parse as a group version", field: "template", schema: embeddedSchema,
          value: #"{"apiVersion": "a/b/c", "kind": "Thing"}"#,
          expected: [#"spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#]),
    .init(name: "apiVersion must not be empty", field: "template", schema: embeddedSchema,
          value: #"{"apiVersion": "", "kind": "Thing"}"#,
          expected: [#"spec.template.apiVersion: Invalid value: "": must not be empty"#]),
    .init(name: "kind must be a string", field: "template", schema: embeddedSchema,
          value: #"{"apiVersion": "v1", "kind": 5}"#,
          expected: ["spec.template.kind: Invalid value: 5: must be a string"]),
]

@Test("embedded resources", arguments: embeddedCases)
func embeddedResources(_ c: ValidationCase) {
    let s = specSchema(c.field, c.schema)
    let value = json(#"{"spec": {"\#(c.field)": \#(c.value)}}"#)
    #expect(rendered(validate(value, against: s, path: FieldPath())) == c.expected)
}

@Test("the resource root itself is not checked as an embedded resource")
func rootIsNotEmbedded() {
    let s = schema(#"{"type": "object", "properties": {"spec": {"type": "object"}}}"#)
    #expect(validate(json(#"{"spec": {}}"#), against: s, path: FieldPath()).isEmpty)
}
