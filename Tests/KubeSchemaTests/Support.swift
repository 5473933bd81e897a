//! Test helpers: build schemas and values from JSON text.
import KubeCore
@testable import KubeSchema

/// Parses JSON text in tests; malformed test input is a test bug.
func json(_ text: String) -> JSONValue {
    do { return try JSONValue.parse(text) } catch { fatalError("bad test JSON: \(error)\n\(text)") }
}

/// Decodes a schema from JSON text.
func schema(_ text: String) -> JSONSchemaProps {
    do { return try JSONSchemaProps(json: json(text)) } catch { fatalError("bad test schema: \(error)\n\(text)") }
}

/// Wraps `inner` as the schema of `spec.<field>` under an object root.
func specSchema(_ field: String, _ inner: String, required: [String] = []) -> JSONSchemaProps {
    let req = required.isEmpty ? "" : ", \"required\": [" + required.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    return schema("""
    {"type": "object", "properties": {"spec": {"type": "object", "properties": {"\(field)": \(inner)}\(req)}}}
    """)
}

/// The rendered `field: message` lines of validation errors.
func rendered(_ errors: [FieldError]) -> [String] { errors.map(\.description) }
