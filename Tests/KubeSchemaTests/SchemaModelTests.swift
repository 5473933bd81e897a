//! Decoding JSONSchemaProps, lookups and walks, Go-style rendering, and YAML input.
import KubeCore
import Testing
@testable import KubeSchema

@Test("decodes every keyword and extension")
func decodesKeywords() throws {
    let s = try JSONSchemaProps(json: json(#"""
    {"type": "object", "description": "d", "title": "t", "required": ["a"], "nullable": true,
     "minProperties": 1, "maxProperties": 5,
     "properties": {"a": {"type": "string", "format": "date-time", "pattern": "^x", "minLength": 1, "maxLength": 9, "enum": ["x1", null], "default": "x1", "example": "x2"},
                    "n": {"type": "number", "minimum": 0.5, "maximum": 10, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": 0.5},
                    "l": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3, "uniqueItems": true,
                          "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"]},
                    "m": {"type": "object", "additionalProperties": {"type": "string"}, "x-kubernetes-map-type": "atomic"},
                    "b": {"type": "object", "additionalProperties": false},
                    "e": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true},
                    "i": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}], "allOf": [{"minLength": 1}], "oneOf": [{}], "not": {"enum": [""]}}},
     "x-kubernetes-validations": [{"rule": "self.a != ''", "message": "m", "messageExpression": "'x'", "reason": "FieldValueForbidden", "fieldPath": ".a", "optionalOldSelf": true}]}
    """#))
    #expect(s.type == "object" && s.description == "d" && s.title == "t" && s.required == ["a"] && s.nullable)
    #expect(s.minProperties == 1 && s.maxProperties == 5)
    let a = try #require(s.properties["a"])
    #expect(a.format == "date-time" && a.pattern == "^x" && a.minLength == 1 && a.maxLength == 9)
    #expect(a.enumValues == ["x1", .null] && a.defaultValue == "x1" && a.example == "x2")
    let n = try #require(s.properties["n"])
    #expect(n.minimum == 0.5 && n.maximum == 10 && n.exclusiveMinimum && n.exclusiveMaximum && n.multipleOf == 0.5)
    let l = try #require(s.properties["l"])
    #expect(l.items?.type == "integer" && l.minItems == 1 && l.maxItems == 3 && l.uniqueItems)
    #expect(l.xListType == "map" && l.xListMapKeys == ["k"])
    #expect(s.properties["m"]?.additionalProperties?.schema?.type == "string" && s.properties["m"]?.xMapType == "atomic")
    #expect(s.properties["b"]?.additionalProperties == .allows(false))
    #expect(s.properties["e"]?.xEmbeddedResource == true && s.properties["e"]?.preservesUnknownFields == true)
    let i = try #require(s.properties["i"])
    #expect(i.xIntOrString && i.anyOf.count == 2 && i.allOf.first?.minLength == 1 && i.oneOf.count == 1 && i.not?.enumValues == [""])
    #expect(s.xValidations == [ValidationRule(rule: "self.a != ''", message: "m", messageExpression: "'x'", reason: "FieldValueForbidden", fieldPath: ".a", optionalOldSelf: true)])
}

@Test("keeps the original JSON for publishing")
func keepsRaw() throws {
    let text = #"{"type": "object", "x-custom": 1, "properties": {"a": {"type": "string", "x-other": true}}}"#
    let s = try JSONSchemaProps(json: json(text))
    #expect(s.raw == json(text))
    #expect(s.properties["a"]?.raw == json(#"{"type": "string", "x-other": true}"#))
}

@Test("default: null counts as no default; preserve-unknown-fields false is kept")
func nullDefault() throws {
    let s = try JSONSchemaProps(json: json(#"{"type": "string", "default": null, "x-kubernetes-preserve-unknown-fields": false}"#))
    #expect(s.defaultValue == nil)
    #expect(s.xPreserveUnknownFields == false)
}

struct DecodingErrorCase: Sendable, CustomTestStringConvertible {
    var schema: String
    var expected: String
    var testDescription: String { expected }
}

@Test("wrong keyword types are decoding errors with their path", arguments: [
    DecodingErrorCase(schema: #"{"type": 5}"#, expected: "type: must be of type string, got integer"),
    DecodingErrorCase(schema: #"{"properties": {"a": {"maxLength": "x"}}}"#, expected: "properties[a].maxLength: must be of type integer, got string"),
    DecodingErrorCase(schema: #"{"items": {"required": "a"}}"#, expected: "items.required: must be of type array, got string"),
    DecodingErrorCase(schema: #"{"allOf": [{}, {"nullable": "yes"}]}"#, expected: "allOf[1].nullable: must be of type boolean, got string"),
    DecodingErrorCase(schema: #"{"properties": {"a": 3}}"#, expected: "properties[a]: must be an object, got integer"),
])
func decodingErrors(_ c: DecodingErrorCase) {
    #expect(throws: SchemaDecodingError.self) { try JSONSchemaProps(json: json(c.schema)) }
    do {
        _ = try JSONSchemaProps(json: json(c.schema))
    } catch {
        #expect("\(error)" == c.expected)
    }
}

private let lookupSchema = schema(#"""
{"type": "object", "properties": {"spec": {"type": "object", "description": "the spec", "properties": {
  "containers": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string", "description": "container name",
     "x-kubernetes-validations": [{"rule": "self != ''"}]}}}},
  "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 63}}}}}}
"""#)

@Test("child schemas for properties, items and map values")
func childSchemas() throws {
    let spec = try #require(lookupSchema.childSchema(forField: "spec"))
    #expect(spec.description == "the spec")
    #expect(spec.childSchema(forField: "containers")?.itemSchema?.childSchema(forField: "name")?.type == "string")
    #expect(spec.childSchema(forField: "labels")?.mapValueSchema?.maxLength == 63)
    #expect(spec.childSchema(forField: "labels")?.childSchema(forField: "any-key")?.maxLength == 63)
    #expect(spec.childSchema(forField: "unknown") == nil)
}

@Test("kubectl explain paths step through arrays")
func explainPaths() {
    #expect(lookupSchema.description(forExplainPath: ["spec", "containers", "name"]) == "container name")
    #expect(lookupSchema.description(forExplainPath: ["spec"]) == "the spec")
    #expect(lookupSchema.schema(forExplainPath: ["spec", "nope"]) == nil)
}

@Test("schema walk visits every node with its apiextensions path")
func schemaWalk() {
    var paths: [String] = []
    lookupSchema.visitSchemas(path: FieldPath("openAPIV3Schema")) { path, _ in paths.append(path.description) }
    #expect(paths == [
        "openAPIV3Schema",
        "openAPIV3Schema.properties[spec]",
        "openAPIV3Schema.properties[spec].properties[containers]",
        "openAPIV3Schema.properties[spec].properties[containers].items",
        "openAPIV3Schema.properties[spec].properties[containers].items.properties[name]",
        "openAPIV3Schema.properties[spec].properties[labels]",
        "openAPIV3Schema.properties[spec].properties[labels].additionalProperties",
    ])
}

@Test("value walk pairs values with schemas and CEL-style paths")
func valueWalk() {
    let value = json(#"{"spec": {"containers": [{"name": "a"}, {"name": ""}], "labels": {"k": "v"}, "unknown": 1}}"#)
    var visited: [String] = []
    var ruleHits: [String] = []
    lookupSchema.visitValues(value) { _, schema, path in
        visited.append(path.description)
        if !schema.xValidations.isEmpty { ruleHits.append(path.description) }
    }
    #expect(visited == ["", "spec", "spec.containers", "spec.containers[0]", "spec.containers[0].name",
                        "spec.containers[1]", "spec.containers[1].name", "spec.labels", "spec.labels[k]"])
    #expect(ruleHits == ["spec.containers[0].name", "spec.containers[1].name"])
}

struct RenderCase: Sendable, CustomTestStringConvertible {
    var value: JSONValue
    var expected: String
    var testDescription: String { expected }
}

@Test("bad values render as Go's field errors render them", arguments: [
    RenderCase(value: "a\"b\n", expected: #""a\"b\n""#),
    RenderCase(value: .int(42), expected: "42"),
    RenderCase(value: .double(1.5), expected: "1.5"),
    RenderCase(value: .double(2), expected: "2"),
    RenderCase(value: .double(1_000_000), expected: "1e+06"),
    RenderCase(value: .double(123456), expected: "123456"),
    RenderCase(value: .double(0.0001), expected: "0.0001"),
    RenderCase(value: .double(0.00001), expected: "1e-05"),
    RenderCase(value: .double(-2.5e-7), expected: "-2.5e-07"),
    RenderCase(value: .bool(true), expected: "true"),
    RenderCase(value: .null, expected: "null"),
    RenderCase(value: ["a", 1], expected: #"[]interface {}{"a", 1}"#),
    RenderCase(value: ["b": 1, "a": ["x": true]], expected: #"map[string]interface {}{"a":map[string]interface {}{"x":true}, "b":1}"#),
])
func goRendering(_ c: RenderCase) {
    #expect(GoFormat.badValue(c.value) == c.expected)
}

@Test("YAML converts to typed JSON like sigs.k8s.io/yaml")
func yamlConversion() throws {
    let value = try JSONValue.parseYAML("""
    a: 1
    b: 1.5
    c: true
    d: null
    e: "2"
    f: 2026-09-01T12:00:00Z
    g: [x, {h: ~}]
    """)
    #expect(value == json(#"{"a": 1, "b": 1.5, "c": true, "d": null, "e": "2", "f": "2026-09-01T12:00:00Z", "g": ["x", {"h": null}]}"#))
    let docs = try JSONValue.parseYAMLDocuments("a: 1\n---\n---\nb: 2\n")
    #expect(docs == [["a": 1], ["b": 2]])
}
