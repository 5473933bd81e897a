//! Value validation: kube-openapi messages as apiextensions reports them.
import KubeCore
import Testing
@testable import KubeSchema

struct ValidationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var field: String
    var schema: String
    var value: String
    var expected: [String]
    var testDescription: String { name }
}

/// Each case validates `{"spec": {"<field>": <value>}}` against `spec.<field>: <schema>`.
let fieldCases: [ValidationCase] = [
    // type
    .init(name: "integer given a string", field: "replicas", schema: #"{"type": "integer"}"#, value: #""abc""#,
          expected: [#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#]),
    .init(name: "string given an integer", field: "image", schema: #"{"type": "string"}"#, value: "5",
          expected: [#"spec.image: Invalid value: "integer": spec.image in body must be of type string: "integer""#]),
    .init(name: "boolean given a number", field: "flag", schema: #"{"type": "boolean"}"#, value: "1.5",
          expected: [#"spec.flag: Invalid value: "number": spec.flag in body must be of type boolean: "number""#]),
    .init(name: "object given an array", field: "obj", schema: #"{"type": "object"}"#, value: "[1]",
          expected: [#"spec.obj: Invalid value: "array": spec.obj in body must be of type object: "array""#]),
    .init(name: "array given an object", field: "list", schema: #"{"type": "array", "items": {"type": "string"}}"#, value: "{}",
          expected: [#"spec.list: Invalid value: "object": spec.list in body must be of type array: "object""#]),
    .init(name: "integer accepted where a number is expected", field: "ratio", schema: #"{"type": "number"}"#, value: "2", expected: []),
    .init(name: "int32 range is not enforced (as upstream)", field: "n", schema: #"{"type": "integer", "format": "int32"}"#, value: "3000000000", expected: []),
    // nullable
    .init(name: "null without nullable", field: "x", schema: #"{"type": "string"}"#, value: "null",
          expected: [#"spec.x: Invalid value: "null": spec.x in body must be of type string: "null""#]),
    .init(name: "null with nullable", field: "x", schema: #"{"type": "string", "nullable": true}"#, value: "null", expected: []),
    .init(name: "null never satisfies an enum", field: "x", schema: #"{"type": "string", "nullable": true, "enum": ["a"]}"#, value: "null",
          expected: [#"spec.x: Unsupported value: null: supported values: "a""#]),
    // enum
    .init(name: "string enum", field: "mode", schema: #"{"type": "string", "enum": ["a", "b"]}"#, value: #""x""#,
          expected: [#"spec.mode: Unsupported value: "x": supported values: "a", "b""#]),
    .init(name: "integer enum renders values as JSON", field: "n", schema: #"{"type": "integer", "enum": [1, 2]}"#, value: "3",
          expected: [#"spec.n: Unsupported value: 3: supported values: "1", "2""#]),
    .init(name: "type and enum are both reported", field: "mode", schema: #"{"type": "string", "enum": ["a"]}"#, value: "5",
          expected: [#"spec.mode: Invalid value: "integer": spec.mode in body must be of type string: "integer""#,
                     #"spec.mode: Unsupported value: 5: supported values: "a""#]),
    .init(name: "enum member passes", field: "mode", schema: #"{"type": "string", "enum": ["a", "b"]}"#, value: #""b""#, expected: []),
    // strings
    .init(name: "pattern", field: "name", schema: #"{"type": "string", "pattern": "^[a-z]+$"}"#, value: #""Abc""#,
          expected: [#"spec.name: Invalid value: "Abc": spec.name in body should match '^[a-z]+$'"#]),
    .init(name: "maxLength", field: "name", schema: #"{"type": "string", "maxLength": 3}"#, value: #""abcd""#,
          expected: ["spec.name: Too long: may not be more than 3 bytes"]),
    .init(name: "maxLength counts characters, not bytes", field: "name", schema: #"{"type": "string", "maxLength": 3}"#, value: #""äöü""#, expected: []),
    .init(name: "minLength", field: "name", schema: #"{"type": "string", "minLength": 3}"#, value: #""ab""#,
          expected: [#"spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long"#]),
    .init(name: "maxLength is reported instead of pattern", field: "name", schema: #"{"type": "string", "maxLength": 2, "pattern": "^[0-9]+$"}"#, value: #""abc""#,
          expected: ["spec.name: Too long: may not be more than 2 bytes"]),
    .init(name: "quotes in values are escaped as Go does", field: "name", schema: #"{"type": "string", "pattern": "^[a-z]+$"}"#, value: #""a\"b""#,
          expected: [#"spec.name: Invalid value: "a\"b": spec.name in body should match '^[a-z]+$'"#]),
    // numbers
    .init(name: "maximum", field: "replicas", schema: #"{"type": "integer", "maximum": 3}"#, value: "5",
          expected: ["spec.replicas: Invalid value: 5: spec.replicas in body should be less than or equal to 3"]),
    .init(name: "minimum", field: "replicas", schema: #"{"type": "integer", "minimum": 1}"#, value: "0",
          expected: ["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"]),
    .init(name: "exclusiveMaximum", field: "n", schema: #"{"type": "integer", "maximum": 3, "exclusiveMaximum": true}"#, value: "3",
          expected: ["spec.n: Invalid value: 3: spec.n in body should be less than 3"]),
    .init(name: "exclusiveMinimum", field: "n", schema: #"{"type": "integer", "minimum": 1, "exclusiveMinimum": true}"#, value: "1",
          expected: ["spec.n: Invalid value: 1: spec.n in body should be greater than 1"]),
    .init(name: "float against a maximum", field: "ratio", schema: #"{"type": "number", "maximum": 2}"#, value: "2.5",
          expected: ["spec.ratio: Invalid value: 2.5: spec.ratio in body should be less than or equal to 2"]),
    .init(name: "large float bounds print like Go", field: "ratio", schema: #"{"type": "number", "maximum": 1000000}"#, value: "2500000.5",
          expected: ["spec.ratio: Invalid value: 2.5000005e+06: spec.ratio in body should be less than or equal to 1e+06"]),
    .init(name: "multipleOf", field: "n", schema: #"{"type": "integer", "multipleOf": 5}"#, value: "7",
          expected: ["spec.n: Invalid value: 7: spec.n in body should be a multiple of 5"]),
    .init(name: "multipleOf satisfied", field: "n", schema: #"{"type": "integer", "multipleOf": 5}"#, value: "10", expected: []),
    // arrays
    .init(name: "maxItems", field: "items", schema: #"{"type": "array", "items": {"type": "integer"}, "maxItems": 3}"#, value: "[1,2,3,4,5]",
          expected: ["spec.items: Too many: 5: must have at most 3 items"]),
    .init(name: "minItems", field: "items", schema: #"{"type": "array", "items": {"type": "integer"}, "minItems": 2}"#, value: "[1]",
          expected: ["spec.items: Invalid value: 1: spec.items in body should have at least 2 items"]),
    .init(name: "item errors name the index", field: "containers",
          schema: #"{"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}"#,
          value: #"[{"name": "a"}, {}]"#, expected: ["spec.containers[1].name: Required value"]),
    // objects
    .init(name: "maxProperties", field: "labels", schema: #"{"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 1}"#,
          value: #"{"a": "1", "b": "2"}"#, expected: ["spec.labels: Too many: 2: must have at most 1 items"]),
    .init(name: "minProperties", field: "labels", schema: #"{"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 2}"#,
          value: #"{"a": "1"}"#, expected: [#"spec.labels: Invalid value: 1: spec.labels in body should have at least 2 properties"#]),
    .init(name: "map values are named with a dot", field: "labels", schema: #"{"type": "object", "additionalProperties": {"type": "string"}}"#,
          value: #"{"a": 1}"#, expected: [#"spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer""#]),
    .init(name: "additionalProperties false forbids unknown keys", field: "obj",
          schema: #"{"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false}"#,
          value: #"{"a": 1, "b": 2}"#, expected: [#"spec.obj: Invalid value: "b": spec.obj.b in body is a forbidden property"#]),
    .init(name: "required field present as null counts as present", field: "obj",
          schema: #"{"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "nullable": true}}}"#,
          value: #"{"a": null}"#, expected: []),
    // formats
    .init(name: "date-time valid", field: "t", schema: #"{"type": "string", "format": "date-time"}"#, value: #""2026-09-01T12:00:00Z""#, expected: []),
    .init(name: "date-time with fraction and offset", field: "t", schema: #"{"type": "string", "format": "date-time"}"#, value: #""2026-09-01T12:00:00.123+02:00""#, expected: []),
    .init(name: "date-time invalid", field: "t", schema: #"{"type": "string", "format": "date-time"}"#, value: #""yesterday""#,
          expected: [#"spec.t: Invalid value: "yesterday": spec.t in body must be of type date-time: "yesterday""#]),
    .init(name: "date-time with an impossible day", field: "t", schema: #"{"type": "string", "format": "date-time"}"#, value: #""2026-02-30T12:00:00Z""#,
          expected: [#"spec.t: Invalid value: "2026-02-30T12:00:00Z": spec.t in body must be of type date-time: "2026-02-30T12:00:00Z""#]),
    .init(name: "format against a non-string names the Go type", field: "t", schema: #"{"type": "string", "format": "date-time"}"#, value: "5",
          expected: [#"spec.t: Invalid value: "int64": spec.t in body must be of type date-time: "int64""#]),
    .init(name: "byte (base64) invalid", field: "data", schema: #"{"type": "string", "format": "byte"}"#, value: #""not base64!""#,
          expected: [#"spec.data: Invalid value: "not base64!": spec.data in body must be of type byte: "not base64!""#]),
    .init(name: "byte (base64) valid", field: "data", schema: #"{"type": "string", "format": "byte"}"#, value: #""aGVsbG8=""#, expected: []),
    .init(name: "uuid invalid", field: "id", schema: #"{"type": "string", "format": "uuid"}"#, value: #""1234""#,
          expected: [#"spec.id: Invalid value: "1234": spec.id in body must be of type uuid: "1234""#]),
    .init(name: "uuid valid", field: "id", schema: #"{"type": "string", "format": "uuid"}"#, value: #""6ba7b810-9dad-11d1-80b4-00c04fd430c8""#, expected: []),
    .init(name: "email invalid", field: "mail", schema: #"{"type": "string", "format": "email"}"#, value: #""nobody""#,
          expected: [#"spec.mail: Invalid value: "nobody": spec.mail in body must be of type email: "nobody""#]),
    .init(name: "ipv4 invalid", field: "ip", schema: #"{"type": "string", "format": "ipv4"}"#, value: #""300.1.1.1""#,
          expected: [#"spec.ip: Invalid value: "300.1.1.1": spec.ip in body must be of type ipv4: "300.1.1.1""#]),
    .init(name: "ipv6 valid", field: "ip", schema: #"{"type": "string", "format": "ipv6"}"#, value: #""fd00::1""#, expected: []),
    .init(name: "cidr invalid prefix", field: "net", schema: #"{"type": "string", "format": "cidr"}"#, value: #""10.0.0.0/33""#,
          expected: [#"spec.net: Invalid value: "10.0.0.0/33": spec.net in body must be of type cidr: "10.0.0.0/33""#]),
    .init(name: "hostname valid", field: "host", schema: #"{"type": "string", "format": "hostname"}"#, value: #""api.example.com""#, expected: []),
    .init(name: "uri invalid", field: "url", schema: #"{"type": "string", "format": "uri"}"#, value: #""not a uri""#,
          expected: [#"spec.url: Invalid value: "not a uri": spec.url in body must be of type uri: "not a uri""#]),
    .init(name: "unsupported formats are ignored", field: "x", schema: #"{"type": "string", "format": "made-up"}"#, value: #""anything""#, expected: []),
    // int-or-string
    .init(name: "int-or-string accepts a string", field: "port",
          schema: #"{"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}"#, value: #""50%""#, expected: []),
    .init(name: "int-or-string accepts an integer", field: "port",
          schema: #"{"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}"#, value: "8080", expected: []),
    .init(name: "int-or-string rejects a boolean", field: "port",
          schema: #"{"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}"#, value: "true",
          expected: [#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#,
                     #"<nil>: Invalid value: "": "spec.port" must validate at least one schema (anyOf)"#,
                     #"spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean""#]),
    // junctors
    .init(name: "allOf reports every failing branch", field: "s",
          schema: #"{"type": "string", "allOf": [{"maxLength": 2}, {"pattern": "^a"}]}"#, value: #""bcd""#,
          expected: ["spec.s: Too long: may not be more than 2 bytes",
                     #"spec.s: Invalid value: "bcd": spec.s in body should match '^a'"#,
                     #"<nil>: Invalid value: "": "spec.s" must validate all the schemas (allOf). None validated"#]),
    .init(name: "oneOf with two matching branches", field: "n",
          schema: #"{"type": "integer", "oneOf": [{"minimum": 1}, {"maximum": 10}]}"#, value: "5",
          expected: [#"<nil>: Invalid value: "": "spec.n" must validate one and only one schema (oneOf). Found 2 valid alternatives"#]),
    .init(name: "oneOf with no matching branch", field: "n",
          schema: #"{"type": "integer", "oneOf": [{"minimum": 10}, {"maximum": 1}]}"#, value: "5",
          expected: [#"<nil>: Invalid value: "": "spec.n" must validate one and only one schema (oneOf). Found none valid"#,
                     "spec.n: Invalid value: 5: spec.n in body should be greater than or equal to 10"]),
    .init(name: "oneOf with exactly one matching branch", field: "n",
          schema: #"{"type": "integer", "oneOf": [{"minimum": 10}, {"maximum": 7}]}"#, value: "5", expected: []),
    .init(name: "not", field: "s", schema: #"{"type": "string", "not": {"enum": ["x"]}}"#, value: #""x""#,
          expected: [#"<nil>: Invalid value: "": "spec.s" must not validate the schema (not)"#]),
    .init(name: "anyOf over required fields", field: "obj",
          schema: #"{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "anyOf": [{"required": ["a"]}, {"required": ["b"]}]}"#,
          value: "{}",
          expected: [#"<nil>: Invalid value: "": "spec.obj" must validate at least one schema (anyOf)"#, "spec.obj.a: Required value"]),
]

@Test("validation of one field", arguments: fieldCases)
func validatesField(_ c: ValidationCase) {
    let s = specSchema(c.field, c.schema)
    let value = json(#"{"spec": {"\#(c.field)": \#(c.value)}}"#)
    #expect(rendered(validate(value, against: s, path: FieldPath())) == c.expected)
}

@Test("a missing required field is reported with its path and reason")
func requiredField() {
    let s = specSchema("image", #"{"type": "string"}"#, required: ["image"])
    let errors = validate(json(#"{"spec": {}}"#), against: s, path: FieldPath())
    #expect(rendered(errors) == ["spec.image: Required value"])
    #expect(errors.first?.reason == FieldErrorReason.required)
    #expect(errors.first?.field == "spec.image")
}

@Test("field error reasons follow the apiextensions conversion")
func errorReasons() {
    let s = schema(#"""
    {"type": "object", "properties": {
      "t": {"type": "integer"}, "e": {"type": "string", "enum": ["a"]}, "l": {"type": "string", "maxLength": 1},
      "m": {"type": "array", "items": {"type": "string"}, "maxItems": 0}, "p": {"type": "string", "pattern": "^x$"}}}
    """#)
    let errors = validate(json(#"{"t": "x", "e": "b", "l": "ll", "m": ["a"], "p": "y"}"#), against: s, path: FieldPath())
    let byField = Dictionary(uniqueKeysWithValues: errors.map { ($0.field, $0.reason) })
    #expect(byField["t"] == FieldErrorReason.typeInvalid)
    #expect(byField["e"] == FieldErrorReason.notSupported)
    #expect(byField["l"] == FieldErrorReason.tooLong)
    #expect(byField["m"] == FieldErrorReason.tooMany)
    #expect(byField["p"] == FieldErrorReason.invalid)
}

@Test("a root path prefixes fields but not messages")
func rootPathPrefix() {
    let s = schema(#"{"type": "object", "properties": {"replicas": {"type": "integer", "minimum": 1}}}"#)
    let errors = validate(json(#"{"replicas": 0}"#), against: s, path: FieldPath("spec.versions[0].schema.openAPIV3Schema.default"))
    #expect(rendered(errors) == ["spec.versions[0].schema.openAPIV3Schema.default.replicas: Invalid value: 0: replicas in body should be greater than or equal to 1"])
}

@Test("a wrong type at the root uses Go's nil path and an empty name")
func rootTypeMismatch() {
    let s = schema(#"{"type": "object"}"#)
    #expect(rendered(validate(.string("x"), against: s, path: FieldPath())) == [#"<nil>: Invalid value: "string":  in body must be of type object: "string""#])
}

@Test("an integral double passes as an integer")
func integralDoubleIsInteger() {
    let s = specSchema("n", #"{"type": "integer"}"#)
    #expect(validate(.object(["spec": .object(["n": .double(2.0)])]), against: s, path: FieldPath()).isEmpty)
}

@Test("unknown fields are not validation errors (pruning handles them)")
func unknownFieldsAreNotErrors() {
    let s = specSchema("a", #"{"type": "string"}"#)
    #expect(validate(json(#"{"spec": {"a": "x", "b": 1}, "other": true}"#), against: s, path: FieldPath()).isEmpty)
}

@Test("deeply nested errors name the full path")
func nestedPath() {
    let s = schema(#"""
    {"type": "object", "properties": {"spec": {"type": "object", "properties": {"template": {"type": "object", "properties": {
      "containers": {"type": "array", "items": {"type": "object", "properties": {"ports": {"type": "array", "items": {
        "type": "object", "properties": {"containerPort": {"type": "integer", "maximum": 65535}}}}}}}}}}}}}
    """#)
    let value = json(#"{"spec": {"template": {"containers": [{"ports": [{"containerPort": 1}, {"containerPort": 70000}]}]}}}"#)
    #expect(rendered(validate(value, against: s, path: FieldPath())) == [
        "spec.template.containers[0].ports[1].containerPort: Invalid value: 70000: spec.template.containers[0].ports[1].containerPort in body should be less than or equal to 65535",
    ])
}
