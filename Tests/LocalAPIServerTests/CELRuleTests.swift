//! `x-kubernetes-validations` rules as apiextensions-apiserver applies them:
//! compilation of CRD rules (upstream Agent Sandbox CRDs, our Sandbox CRD,
//! rejected rules with upstream's messages), the schema → CEL type mapping,
//! `self`/`oldSelf` scoping, and the field errors failed rules produce.
import ClusterSimulators
import Foundation
import KubeCore
@testable import LocalAPIServer
import KubeSchema
import Testing
import TestSupport

private let upstreamCRDFolder = "/work/shared/upstream/agent-sandbox/crds"

/// Decodes a schema written as YAML.
private func schema(_ yaml: String) throws -> JSONSchemaProps {
    try JSONSchemaProps(json: JSONValue.parseYAML(yaml))
}

/// Every `x-kubernetes-validations` rule of a schema.
private func rules(in schema: JSONSchemaProps) -> [ValidationRule] {
    var found: [ValidationRule] = []
    schema.visitSchemas { _, node in found += node.xValidations }
    return found
}

/// Compiled rules of every node of a validator tree.
private func compiledRules(_ node: CELValidatorNode?) -> [CompiledCELRule] {
    guard let node else { return [] }
    var all = node.rules
    for child in node.properties.values { all += compiledRules(child) }
    all += compiledRules(node.additionalProperties) + compiledRules(node.items)
    for a in node.allOf { all += compiledRules(a) }
    return all
}

private let schemaPath = FieldPath("spec.versions[0].schema.openAPIV3Schema")

@Suite("CEL validation rules")
struct CELRuleTests {
    @Test("every rule of the upstream Agent Sandbox CRDs compiles",
          .enabled(if: FileManager.default.fileExists(atPath: upstreamCRDFolder), "upstream CRDs not present"))
    func upstreamRulesCompile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: upstreamCRDFolder).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(!files.isEmpty)
        var total = 0
        for file in files {
            let crd = try JSONValue.parseYAML(String(contentsOfFile: upstreamCRDFolder + "/" + file, encoding: .utf8))
            for (i, version) in (crd[path: ["spec", "versions"]]?.arrayValue ?? []).enumerated() {
                guard let raw = version[path: ["schema", "openAPIV3Schema"]] else { continue }
                let s = try JSONSchemaProps(json: raw)
                let path = FieldPath("spec.versions").index(i).child("schema.openAPIV3Schema")
                #expect(CELRuleSet.crdErrors(s, path: path) == [], "\(file) version \(i)")
                let declared = rules(in: s)
                let compiled = compiledRules(CELRuleSet(schema: s)?.root)
                #expect(compiled.count == declared.count, "\(file)")
                #expect(compiled.allSatisfy { $0.program != nil && $0.error == nil }, "\(file)")
                total += declared.count
            }
        }
        #expect(total > 0)
    }

    @Test("the rule of our Sandbox CRD compiles as a transition rule")
    func sandboxRuleCompiles() throws {
        let raw = try #require(AgentSandboxCRD.definition.spec?[path: ["versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema"]])
        let s = try JSONSchemaProps(json: raw)
        #expect(CELRuleSet.crdErrors(s, path: schemaPath) == [])
        let compiled = compiledRules(CELRuleSet(schema: s)?.root)
        #expect(compiled.count == 1)
        #expect(compiled.first?.program != nil)
        #expect(compiled.first?.usesOldSelf == true)
        #expect(compiled.first?.rule.message == "volumeClaimTemplates is immutable")
    }

    @Test("property names are escaped as Kubernetes escapes them", arguments: [
        ("foo-bar", "foo__dash__bar"), ("a.b/c", "a__dot__b__slash__c"), ("__x", "__underscores__x"), ("namespace", "__namespace__"),
        ("if", "__if__"), ("plain_name1", "plain_name1"), ("1abc", nil), ("a@b", nil),
    ] as [(String, String?)])
    func escaping(_ name: String, _ escaped: String?) {
        #expect(CELNames.escape(name) == escaped)
    }

    @Test("schemas map to CEL types: resource root metadata, formats, int-or-string, maps and lists")
    func schemaTypes() throws {
        let s = try schema("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  at: {type: string, format: date-time}
                  ttl: {type: string, format: duration}
                  port: {x-kubernetes-int-or-string: true}
                  labels: {type: object, additionalProperties: {type: string}}
                  tags: {type: array, items: {type: string}}
                  ratio: {type: number}
                  free: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """)
        guard case .object(let root)? = SchemaCELTypes.declType(s, isResourceRoot: true, name: "selfType"),
              case .object(let meta)? = root.fields["metadata"], case .object(let spec)? = root.fields["spec"] else {
            Issue.record("expected object types")
            return
        }
        #expect(root.fields["apiVersion"] == .string && root.fields["kind"] == .string)
        #expect(Set(meta.fields.keys) == ["name", "generateName"])
        #expect(spec.fields["at"] == .timestamp)
        #expect(spec.fields["ttl"] == .duration)
        #expect(spec.fields["port"] == .dyn)
        #expect(spec.fields["labels"] == .map(key: .string, value: .string))
        #expect(spec.fields["tags"] == .list(.string))
        #expect(spec.fields["ratio"] == .double)
        guard case .object(let free)? = spec.fields["free"] else {
            Issue.record("free is an object")
            return
        }
        #expect(free.fields.isEmpty)
    }

    @Test("rules see formatted strings, escaped names, set lists and int-or-string values")
    func ruleScoping() throws {
        let s = try schema("""
            type: object
            properties:
              spec:
                type: object
                x-kubernetes-validations:
                - rule: "self.at < timestamp('2030-01-01T00:00:00Z') && self.ttl == duration('90s')"
                  message: times
                - rule: "self.dash__dash__name == 'x' && self.__namespace__ == 'ns'"
                  message: escaped
                - rule: "self.tags == oldSelf.tags"
                  message: tags are immutable
                - rule: "self.port == 80 || self.port == 'http'"
                  message: port
                properties:
                  at: {type: string, format: date-time}
                  ttl: {type: string, format: duration}
                  dash-name: {type: string}
                  namespace: {type: string}
                  tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
                  port: {x-kubernetes-int-or-string: true}
            """)
        let rules = try #require(CELRuleSet(schema: s))
        let spec: JSONValue = ["at": "2024-05-01T10:00:00Z", "ttl": "1m30s", "dash-name": "x", "namespace": "ns", "tags": ["a", "b"], "port": "http"]
        var reordered = spec
        reordered["tags"] = ["b", "a"]
        reordered["port"] = 80
        #expect(rules.validate(["spec": reordered], old: ["spec": spec]) == [])
        var changed = spec
        changed["tags"] = ["a", "c"]
        changed["dash-name"] = "y"
        #expect(rules.validate(["spec": changed], old: ["spec": spec]).map(\.description) == [
            #"spec: Invalid value: "object": escaped"#,
            #"spec: Invalid value: "object": tags are immutable"#,
        ])
    }

    @Test("transition rules are skipped without an old value; optionalOldSelf rules see an optional")
    func transitionRules() throws {
        let s = try schema("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  replicas:
                    type: integer
                    x-kubernetes-validations:
                    - rule: "self >= oldSelf"
                      message: replicas may not shrink
                  generation:
                    type: integer
                    x-kubernetes-validations:
                    - rule: "oldSelf.hasValue() ? self > oldSelf.value() : self == 1"
                      message: generation starts at 1 and grows
                      optionalOldSelf: true
                  items:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [name]
                    items:
                      type: object
                      required: [name]
                      properties:
                        name: {type: string}
                        size:
                          type: integer
                          x-kubernetes-validations:
                          - rule: "self == oldSelf"
                            message: size is immutable
            """)
        let rules = try #require(CELRuleSet(schema: s))
        #expect(CELRuleSet.crdErrors(s, path: schemaPath) == [])
        let v1: JSONValue = ["spec": ["replicas": 3, "generation": 1, "items": [["name": "a", "size": 1]]]]
        #expect(rules.validate(v1, old: nil) == [])
        let bad: JSONValue = ["spec": ["replicas": 3, "generation": 2]]
        #expect(rules.validate(bad, old: nil).map(\.description) == [#"spec.generation: Invalid value: "integer": generation starts at 1 and grows"#])
        // Items correlate by key: a new item has no old counterpart, a kept one does.
        let v2: JSONValue = ["spec": ["replicas": 2, "generation": 1, "items": [["name": "b", "size": 5], ["name": "a", "size": 2]]]]
        #expect(rules.validate(v2, old: v1).map(\.description) == [
            #"spec.generation: Invalid value: "integer": generation starts at 1 and grows"#,
            #"spec.items[1].size: Invalid value: "integer": size is immutable"#,
            #"spec.replicas: Invalid value: "integer": replicas may not shrink"#,
        ])
    }

    @Test("evaluation errors become field errors naming the rule")
    func evaluationErrors() throws {
        let s = try schema("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  name:
                    type: string
                    x-kubernetes-validations:
                    - rule: "self.substring(5) != 'x'"
                  port:
                    x-kubernetes-int-or-string: true
                    x-kubernetes-validations:
                    - rule: "self > 1"
                      message: port must be above 1
                  extra:
                    type: object
                    properties: {a: {type: string}}
                    x-kubernetes-validations:
                    - rule: "self.a == 'x'"
            """)
        let rules = try #require(CELRuleSet(schema: s))
        let errors = rules.validate(["spec": ["name": "abc", "port": "http", "extra": [:]]], old: nil)
        #expect(errors.map(\.description) == [
            #"spec.extra: Invalid value: "object": no such key: a evaluating rule: self.a == 'x'"#,
            #"spec.name: Invalid value: "string": index out of range: 5 evaluating rule: self.substring(5) != 'x'"#,
            #"spec.port: Invalid value: "": 'no such overload': call arguments did not match a supported operator, function or macro signature for rule: port must be above 1"#,
        ])
        #expect(errors.allSatisfy { $0.reason == FieldErrorReason.invalid })
    }

    @Test("messageExpression falls back to message when it fails or is empty")
    func messageExpressionFallback() throws {
        let s = try schema("""
            type: object
            properties:
              a:
                type: integer
                x-kubernetes-validations:
                - rule: "self < 10"
                  message: a is too big
                  messageExpression: "''"
              b:
                type: integer
                x-kubernetes-validations:
                - rule: "self < 10"
                  messageExpression: "'b is ' + string(10 / (self - self))"
              c:
                type: integer
                x-kubernetes-validations:
                - rule: "self < 10"
                  message: ignored
                  messageExpression: "'c is ' + string(self)"
            """)
        let rules = try #require(CELRuleSet(schema: s))
        #expect(rules.validate(["a": 11, "b": 12, "c": 13], old: nil).map(\.description) == [
            #"a: Invalid value: "integer": a is too big"#,
            #"b: Invalid value: "integer": failed rule: self < 10"#,
            #"c: Invalid value: "integer": c is 13"#,
        ])
    }

    @Test("CRD rules that do not compile are rejected with upstream's messages")
    func crdCompileErrors() throws {
        let s = try schema("""
            type: object
            properties:
              spec:
                type: object
                x-kubernetes-validations:
                - rule: "self.size >"
                - rule: "self.size"
                - rule: "self.size > 1"
                  messageExpression: "self.size"
                - rule: "self.nope == 1"
                - rule: "self.size.frobnicate()"
                - rule: "self.metadata.name == 'x'"
                properties:
                  size: {type: integer}
                  list:
                    type: array
                    items:
                      type: object
                      properties: {a: {type: string}}
                      x-kubernetes-validations:
                      - rule: "self.a == oldSelf.a"
            """)
        let prefix = "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations"
        func dump(_ rule: String, messageExpression: String = "") -> String {
            #"apiextensions.ValidationRule{Rule:"\#(rule)", Message:"", MessageExpression:"\#(messageExpression)", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}"#
        }
        let expected = [
            "\(prefix)[0].rule: Invalid value: \(dump("self.size >")): compilation failed: ERROR: <input>:1:12: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | self.size >\n | ...........^",
            "\(prefix)[1].rule: Invalid value: \(dump("self.size")): cel expression must evaluate to a bool",
            "\(prefix)[2].messageExpression: Invalid value: \(dump("self.size > 1", messageExpression: "self.size")): messageExpression must evaluate to a string",
            "\(prefix)[3].rule: Invalid value: \(dump("self.nope == 1")): compilation failed: ERROR: <input>:1:5: undefined field 'nope'\n | self.nope == 1\n | ....^",
            "\(prefix)[4].rule: Invalid value: \(dump("self.size.frobnicate()")): compilation failed: ERROR: <input>:1:21: undeclared reference to 'frobnicate' (in container '')\n | self.size.frobnicate()\n | ....................^",
            "\(prefix)[5].rule: Invalid value: \(dump("self.metadata.name == 'x'")): compilation failed: ERROR: <input>:1:5: undefined field 'metadata'\n | self.metadata.name == 'x'\n | ....^",
            #"spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self.a == oldSelf.a": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items"#,
        ]
        #expect(CELRuleSet.crdErrors(s, path: schemaPath).map(\.description) == expected)
    }

    @Test("an invalid fieldPath is rejected before rules compile")
    func invalidFieldPath() throws {
        let s = try schema("""
            type: object
            properties:
              spec:
                type: object
                x-kubernetes-validations:
                - {rule: "true", fieldPath: ".nope"}
                - {rule: "true", fieldPath: "size"}
                - {rule: "true", fieldPath: ".labels['a.b']"}
                properties:
                  size: {type: integer}
                  labels: {type: object, additionalProperties: {type: string}}
            """)
        let prefix = "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations"
        #expect(CELRuleSet.crdErrors(s, path: schemaPath).map(\.description) == [
            #"\#(prefix)[0].fieldPath: Invalid value: ".nope": fieldPath must be a valid path: does not refer to a valid field"#,
            #"\#(prefix)[1].fieldPath: Invalid value: "size": fieldPath must be a valid path: expected [ or . but got: size"#,
        ])
        #expect(CELFieldPath.resolve(".labels['a.b']", in: s.properties["spec"] ?? s) == .success("labels[a.b]"))
    }
}
