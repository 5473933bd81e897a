//! Golden before/after cases for structural defaulting and pruning.
import KubeCore
import Testing
@testable import KubeSchema

struct GoldenCase: Sendable, CustomTestStringConvertible {
    var name: String
    var schema: String
    var before: String
    var after: String
    /// Pruning only: the reported unknown-field paths.
    var removed: [String] = []
    var isResourceRoot = true
    var testDescription: String { name }
}

let defaultingCases: [GoldenCase] = [
    .init(name: "missing field gets its default",
          schema: #"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"mode": {"type": "string", "default": "Running"}}}}}"#,
          before: #"{"spec": {}}"#, after: #"{"spec": {"mode": "Running"}}"#),
    .init(name: "present field is kept",
          schema: #"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"mode": {"type": "string", "default": "Running"}}}}}"#,
          before: #"{"spec": {"mode": "Suspended"}}"#, after: #"{"spec": {"mode": "Suspended"}}"#),
    .init(name: "missing parent is not created",
          schema: #"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"mode": {"type": "string", "default": "Running"}}}}}"#,
          before: #"{}"#, after: #"{}"#),
    .init(name: "defaulted parent receives its children's defaults",
          schema: #"{"type": "object", "properties": {"spec": {"type": "object", "default": {}, "properties": {"a": {"type": "integer", "default": 1}, "b": {"type": "object", "default": {"c": true}}}}}}"#,
          before: #"{}"#, after: #"{"spec": {"a": 1, "b": {"c": true}}}"#),
    .init(name: "null in a non-nullable field with a default is defaulted",
          schema: #"{"type": "object", "properties": {"a": {"type": "string", "default": "x"}}}"#,
          before: #"{"a": null}"#, after: #"{"a": "x"}"#),
    .init(name: "null in a nullable field with a default stays null",
          schema: #"{"type": "object", "properties": {"a": {"type": "string", "nullable": true, "default": "x"}}}"#,
          before: #"{"a": null}"#, after: #"{"a": null}"#),
    .init(name: "null in a non-nullable field without a default is removed",
          schema: #"{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}"#,
          before: #"{"a": null, "b": "y"}"#, after: #"{"b": "y"}"#),
    .init(name: "null in a nullable field without a default stays",
          schema: #"{"type": "object", "properties": {"a": {"type": "string", "nullable": true}}}"#,
          before: #"{"a": null}"#, after: #"{"a": null}"#),
    .init(name: "array items are defaulted",
          schema: #"{"type": "object", "properties": {"ports": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer"}, "protocol": {"type": "string", "default": "TCP"}}}}}}"#,
          before: #"{"ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}"#,
          after: #"{"ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}"#),
    .init(name: "null array items take the item default",
          schema: #"{"type": "object", "properties": {"list": {"type": "array", "items": {"type": "string", "default": "d"}}}}"#,
          before: #"{"list": ["a", null]}"#, after: #"{"list": ["a", "d"]}"#),
    .init(name: "map values are defaulted",
          schema: #"{"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {"type": "object", "properties": {"enabled": {"type": "boolean", "default": false}}}}}}"#,
          before: #"{"m": {"x": {}, "y": {"enabled": true}}}"#, after: #"{"m": {"x": {"enabled": false}, "y": {"enabled": true}}}"#),
    .init(name: "null map values without a default are removed",
          schema: #"{"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {"type": "string"}}}}"#,
          before: #"{"m": {"x": null, "y": "v"}}"#, after: #"{"m": {"y": "v"}}"#),
    .init(name: "values of the wrong shape are left alone",
          schema: #"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"mode": {"type": "string", "default": "Running"}}}}}"#,
          before: #"{"spec": "oops"}"#, after: #"{"spec": "oops"}"#),
]

@Test("defaulting", arguments: defaultingCases)
func defaulting(_ c: GoldenCase) {
    var value = json(c.before)
    applyDefaults(&value, schema: schema(c.schema))
    #expect(value == json(c.after))
}

private let podLike = #"""
{"type": "object", "properties": {
  "spec": {"type": "object", "properties": {
    "replicas": {"type": "integer"},
    "containers": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    "labels": {"type": "object", "additionalProperties": {"type": "object", "properties": {"v": {"type": "string"}}}},
    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
       "known": {"type": "object", "properties": {"a": {"type": "string"}}}}},
    "template": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {
       "spec": {"type": "object", "properties": {"x": {"type": "string"}}}}}
  }},
  "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
}}
"""#

let pruningCases: [GoldenCase] = [
    .init(name: "unknown top-level field; apiVersion, kind and metadata kept at the root", schema: podLike,
          before: #"{"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n", "foo": 1}, "foo": 1, "spec": {"replicas": 1}}"#,
          after: #"{"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n", "foo": 1}, "spec": {"replicas": 1}}"#,
          removed: ["foo"]),
    .init(name: "nested unknown fields are reported sorted, with indexes", schema: podLike,
          before: #"{"spec": {"zeta": 1, "replicas": 1, "containers": [{"name": "a"}, {"name": "b", "bar": true}]}}"#,
          after: #"{"spec": {"replicas": 1, "containers": [{"name": "a"}, {"name": "b"}]}}"#,
          removed: ["spec.containers[1].bar", "spec.zeta"]),
    .init(name: "map keys are kept and their values pruned", schema: podLike,
          before: #"{"spec": {"labels": {"x": {"v": "1", "y": 2}}}}"#,
          after: #"{"spec": {"labels": {"x": {"v": "1"}}}}"#,
          removed: ["spec.labels.x.y"]),
    .init(name: "preserve-unknown-fields keeps unknown fields but prunes specified children", schema: podLike,
          before: #"{"spec": {"extra": {"anything": {"deep": 1}, "known": {"a": "1", "b": "2"}}}, "status": {"free": {"form": true}}}"#,
          after: #"{"spec": {"extra": {"anything": {"deep": 1}, "known": {"a": "1"}}}, "status": {"free": {"form": true}}}"#,
          removed: ["spec.extra.known.b"]),
    .init(name: "embedded resources keep TypeMeta and prune metadata to ObjectMeta", schema: podLike,
          before: #"{"spec": {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}, "bogus": 1}, "spec": {"x": "y", "z": 1}, "other": 2}}}"#,
          after: #"{"spec": {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}}, "spec": {"x": "y"}}}}"#,
          removed: ["spec.template.metadata.bogus", "spec.template.other", "spec.template.spec.z"]),
    .init(name: "without isResourceRoot, TypeMeta at the root is dropped silently", schema: podLike,
          before: #"{"apiVersion": "x/v1", "spec": {}, "foo": 1}"#, after: #"{"spec": {}}"#,
          removed: ["foo"], isResourceRoot: false),
    .init(name: "nothing to prune", schema: podLike,
          before: #"{"spec": {"replicas": 2}}"#, after: #"{"spec": {"replicas": 2}}"#, removed: []),
]

@Test("pruning", arguments: pruningCases)
func pruning(_ c: GoldenCase) {
    var value = json(c.before)
    let removed = prune(&value, schema: schema(c.schema), isResourceRoot: c.isResourceRoot)
    #expect(value == json(c.after))
    #expect(removed == c.removed)
}
