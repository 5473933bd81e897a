//! Static validation of CRD schemas: structural rules, defaults and the OpenAPI subset.
import KubeCore
import Testing
@testable import KubeSchema

struct SchemaCase: Sendable, CustomTestStringConvertible {
    var name: String
    var schema: String
    var expected: [String]
    var statusSubresource = false
    var testDescription: String { name }
}

private let v1 = "spec.versions[0].schema.openAPIV3Schema"

let crdSchemaCases: [SchemaCase] = [
    .init(name: "a valid schema", schema: #"""
        {"type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
         "spec": {"type": "object", "required": ["image"], "properties": {"image": {"type": "string"}, "replicas": {"type": "integer", "default": 1, "minimum": 0}}},
         "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}
        """#, expected: []),
    // structural
    .init(name: "property without a type", schema: #"{"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}"#,
          expected: ["\(v1).properties[spec].type: Required value: must not be empty for specified object fields"]),
    .init(name: "root without a type", schema: #"{"properties": {"spec": {"type": "object"}}}"#,
          expected: ["\(v1).type: Required value: must not be empty at the root"]),
    .init(name: "root not an object", schema: #"{"type": "string"}"#,
          expected: [#"\#(v1).type: Invalid value: "string": must be object at the root"#]),
    .init(name: "array items without a type", schema: #"{"type": "object", "properties": {"list": {"type": "array", "items": {"maxLength": 3}}}}"#,
          expected: ["\(v1).properties[list].items.type: Required value: must not be empty for specified array items"]),
    .init(name: "array without items", schema: #"{"type": "object", "properties": {"list": {"type": "array"}}}"#,
          expected: ["\(v1).properties[list].items: Required value: must be specified"]),
    .init(name: "type may be omitted with preserve-unknown-fields", schema: #"{"type": "object", "properties": {"any": {"x-kubernetes-preserve-unknown-fields": true}}}"#,
          expected: []),
    .init(name: "int-or-string with the anyOf pattern", schema: #"{"type": "object", "properties": {"port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}}}"#,
          expected: []),
    .init(name: "int-or-string with the allOf pattern", schema: #"{"type": "object", "properties": {"port": {"x-kubernetes-int-or-string": true, "allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]}, {"pattern": "^[0-9a-z]+$"}]}}}"#,
          expected: []),
    .init(name: "types inside junctors", schema: #"{"type": "object", "properties": {"a": {"type": "string", "anyOf": [{"type": "string", "maxLength": 3}]}}}"#,
          expected: ["\(v1).properties[a].anyOf[0].type: Forbidden: must be empty to be structural"]),
    .init(name: "descriptions and defaults inside junctors", schema: #"{"type": "object", "properties": {"a": {"type": "string", "allOf": [{"description": "d", "default": "x"}]}}}"#,
          expected: ["\(v1).properties[a].allOf[0].default: Forbidden: must be undefined to be structural",
                     "\(v1).properties[a].allOf[0].description: Forbidden: must be empty to be structural"]),
    .init(name: "metadata inside a junctor", schema: #"{"type": "object", "properties": {"metadata": {"type": "object"}}, "anyOf": [{"properties": {"metadata": {"required": ["name"]}}}]}"#,
          expected: ["\(v1).anyOf[0].properties[metadata]: Forbidden: must not be specified in a nested context"]),
    .init(name: "junctor property missing from the structure", schema: #"{"type": "object", "properties": {"a": {"type": "string"}}, "allOf": [{"properties": {"b": {"maxLength": 3}}}]}"#,
          expected: ["\(v1).properties[b]: Required value: because it is defined in \(v1).allOf[0].properties[b]"]),
    .init(name: "additionalProperties at the root", schema: #"{"type": "object", "additionalProperties": {"type": "string"}}"#,
          expected: ["\(v1).additionalProperties: Forbidden: must not be used at the root"]),
    .init(name: "root metadata may only restrict name and generateName", schema: #"{"type": "object", "properties": {"metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}, "labels": {"type": "object"}}}}}"#,
          expected: ["\(v1).properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"]),
    .init(name: "root metadata restricting name", schema: #"{"type": "object", "properties": {"metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}}}}"#,
          expected: []),
    .init(name: "root metadata of the wrong type", schema: #"{"type": "object", "properties": {"metadata": {"type": "string"}}}"#,
          expected: [#"\#(v1).properties[metadata].type: Invalid value: "string": must be object"#]),
    .init(name: "root kind must be a string", schema: #"{"type": "object", "properties": {"kind": {"type": "integer"}}}"#,
          expected: [#"\#(v1).properties[kind].type: Invalid value: "integer": must be string"#]),
    .init(name: "embedded resource without type and properties", schema: #"{"type": "object", "properties": {"tpl": {"x-kubernetes-embedded-resource": true}}}"#,
          expected: ["\(v1).properties[tpl].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
                     "\(v1).properties[tpl].type: Required value: must be object if x-kubernetes-embedded-resource is true"]),
    .init(name: "int-or-string with preserve-unknown-fields", schema: #"{"type": "object", "properties": {"p": {"x-kubernetes-int-or-string": true, "x-kubernetes-preserve-unknown-fields": true}}}"#,
          expected: ["\(v1).properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true"]),
    // OpenAPI subset
    .init(name: "properties together with additionalProperties", schema: #"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}}}}"#,
          expected: ["\(v1).properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"]),
    .init(name: "uniqueItems", schema: #"{"type": "object", "properties": {"l": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}}"#,
          expected: ["\(v1).properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"]),
    .init(name: "unknown type", schema: #"{"type": "object", "properties": {"x": {"type": "strng"}}}"#,
          expected: [#"\#(v1).properties[x].type: Unsupported value: "strng": supported values: "array", "boolean", "integer", "number", "object", "string""#]),
    .init(name: "$ref", schema: ##"{"type": "object", "properties": {"x": {"type": "object", "$ref": "#/definitions/y"}}}"##,
          expected: ["\(v1).properties[x].$ref: Forbidden: $ref is not supported"]),
    .init(name: "preserve-unknown-fields false", schema: #"{"type": "object", "properties": {"x": {"type": "object", "x-kubernetes-preserve-unknown-fields": false}}}"#,
          expected: ["\(v1).properties[x].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"]),
    .init(name: "nullable root", schema: #"{"type": "object", "nullable": true}"#,
          expected: ["\(v1).nullable: Forbidden: nullable cannot be true at the root"]),
    .init(name: "defaults in top-level metadata", schema: #"{"type": "object", "properties": {"metadata": {"type": "object", "default": {}}}}"#,
          expected: ["\(v1).properties[metadata].default: Forbidden: must not be set in top-level metadata"]),
    // list and map types
    .init(name: "list-type on a non-array", schema: #"{"type": "object", "properties": {"x": {"type": "string", "x-kubernetes-list-type": "set"}}}"#,
          expected: [#"\#(v1).properties[x].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified"#]),
    .init(name: "unknown list-type", schema: #"{"type": "object", "properties": {"x": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "bag"}}}"#,
          expected: [#"\#(v1).properties[x].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map""#]),
    .init(name: "unknown map-type", schema: #"{"type": "object", "properties": {"x": {"type": "object", "x-kubernetes-map-type": "weird"}}}"#,
          expected: [#"\#(v1).properties[x].x-kubernetes-map-type: Unsupported value: "weird": supported values: "atomic", "granular""#]),
    .init(name: "list-map keys must be required or defaulted", schema: #"{"type": "object", "properties": {"ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}}"#,
          expected: ["\(v1).properties[ports].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"]),
    .init(name: "list-map keys with a default", schema: #"{"type": "object", "properties": {"ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["protocol"], "items": {"type": "object", "properties": {"protocol": {"type": "string", "default": "TCP"}}}}}}"#,
          expected: []),
    .init(name: "list-map keys must be item properties", schema: #"{"type": "object", "properties": {"ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["nme"], "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}}"#,
          expected: [#"\#(v1).properties[ports].x-kubernetes-list-map-keys: Invalid value: []string{"nme"}: entries must all be names of item properties"#]),
    .init(name: "list-map keys must be scalars", schema: #"{"type": "object", "properties": {"ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"], "items": {"type": "object", "required": ["k"], "properties": {"k": {"type": "object"}}}}}}"#,
          expected: [#"\#(v1).properties[ports].items.properties[k].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map"#]),
    .init(name: "list-map keys without list-type map", schema: #"{"type": "object", "properties": {"ports": {"type": "array", "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}}"#,
          expected: ["\(v1).properties[ports].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty"]),
    .init(name: "list-type map without keys", schema: #"{"type": "object", "properties": {"ports": {"type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}}"#,
          expected: ["\(v1).properties[ports].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"]),
    .init(name: "set items that are granular maps", schema: #"{"type": "object", "properties": {"s": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "object"}}}}"#,
          expected: ["\(v1).properties[s].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set"]),
    // validation rules
    .init(name: "empty CEL rule", schema: #"{"type": "object", "x-kubernetes-validations": [{"rule": "  "}]}"#,
          expected: ["\(v1).x-kubernetes-validations[0].rule: Required value: rule is not specified"]),
    .init(name: "unsupported rule reason", schema: #"{"type": "object", "x-kubernetes-validations": [{"rule": "true", "reason": "Bad"}]}"#,
          expected: [#"\#(v1).x-kubernetes-validations[0].reason: Unsupported value: "Bad": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired""#]),
    .init(name: "multi-line rule without a message", schema: #"{"type": "object", "x-kubernetes-validations": [{"rule": "true &&\ntrue"}]}"#,
          expected: ["\(v1).x-kubernetes-validations[0].message: Required value: message must be specified if rule contains line breaks"]),
    // defaults
    .init(name: "default that violates its schema", schema: #"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"replicas": {"type": "integer", "minimum": 1, "default": 0}}}}}"#,
          expected: ["\(v1).properties[spec].properties[replicas].default: Invalid value: 0:  in body should be greater than or equal to 1"]),
    .init(name: "object default missing a required field", schema: #"{"type": "object", "properties": {"spec": {"type": "object", "required": ["a"], "default": {"b": "x"}, "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}}}"#,
          expected: ["\(v1).properties[spec].default.a: Required value"]),
    .init(name: "default with fields pruning would drop", schema: #"{"type": "object", "properties": {"spec": {"type": "object", "default": {"a": "x", "b": "y"}, "properties": {"a": {"type": "string"}}}}}"#,
          expected: [#"\#(v1).properties[spec].default: Invalid value: map[string]interface {}{"a":"x", "b":"y"}: must not have unknown fields"#]),
    .init(name: "defaults are not checked while the schema is not structural", schema: #"{"type": "object", "properties": {"a": {"default": 5}}}"#,
          expected: ["\(v1).properties[a].type: Required value: must not be empty for specified object fields"]),
    // status subresource
    .init(name: "status subresource requires an object root", schema: #"{"type": "array", "items": {"type": "string"}}"#,
          expected: [#"\#(v1).type: Invalid value: "array": only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#,
                     #"\#(v1).type: Invalid value: "array": must be object at the root"#],
          statusSubresource: true),
    .init(name: "status subresource forbids junctors at the root", schema: #"{"type": "object", "properties": {"a": {"type": "string"}}, "anyOf": [{"required": ["a"]}]}"#,
          expected: ["\(v1): Invalid value: apiextensions.JSONSchemaProps{...}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled"],
          statusSubresource: true),
    .init(name: "status subresource allows validation rules at the root", schema: #"{"type": "object", "x-kubernetes-validations": [{"rule": "true"}]}"#,
          expected: [], statusSubresource: true),
]

@Test("CRD schema validation", arguments: crdSchemaCases)
func crdSchemaValidation(_ c: SchemaCase) {
    let errors = validateCRDSchema(schema(c.schema), path: FieldPath(v1), statusSubresource: c.statusSubresource)
    #expect(rendered(errors) == c.expected)
}

@Test("v1beta1 CRDs use the spec.validation prefix")
func v1beta1Prefix() {
    let s = schema(#"{"type": "object", "properties": {"spec": {"properties": {}}}}"#)
    #expect(rendered(validateCRDSchema(s, path: FieldPath("spec.validation.openAPIV3Schema"))) ==
        ["spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"])
}

@Test("structural errors are sorted by their text")
func structuralErrorsSorted() {
    let s = schema(#"{"type": "object", "properties": {"z": {}, "a": {}, "m": {"type": "array"}}}"#)
    let errors = rendered(validateStructural(s, path: FieldPath("s")))
    #expect(errors == errors.sorted())
    #expect(errors.count == 3)
}
