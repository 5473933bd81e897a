//! YAML → JSONValue: reads Kubernetes manifests (CRDs, fixtures) into the JSON
//! tree the rest of the code works with.
//!
//! Scalars are typed the way `sigs.k8s.io/yaml` types them when it converts
//! YAML to JSON: `null`/`~`, booleans, integers and floats by YAML 1.1
//! resolution; everything else (including timestamps) stays a string.
import Foundation
import Yams

/// A YAML document that cannot be represented as JSON.
public struct YAMLConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension JSONValue {
    /// Parses a single YAML document. An empty document is `null`.
    /// Throws Yams' parser errors or `YAMLConversionError`.
    public static func parseYAML(_ text: String) throws -> JSONValue {
        guard let node = try Yams.compose(yaml: text) else { return .null }
        return try JSONValue(yamlNode: node)
    }

    /// Parses every document of a multi-document YAML stream (`---` separated),
    /// skipping empty documents.
    public static func parseYAMLDocuments(_ text: String) throws -> [JSONValue] {
        var documents: [JSONValue] = []
        for node in try Yams.compose_all(yaml: text) {
            let value = try JSONValue(yamlNode: node)
            if !value.isNull { documents.append(value) }
        }
        return documents
    }

    init(yamlNode node: Node) throws {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null:
                self = .null
            case .bool:
                self = node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int:
                if let i = node.int {
                    self = .int(Int64(i))
                } else {
                    self = .string(scalar.string)
                }
            case .float:
                self = node.float.map(JSONValue.double) ?? .string(scalar.string)
            default:
                self = .string(scalar.string)
            }
        case .sequence(let sequence):
            self = .array(try sequence.map { try JSONValue(yamlNode: $0) })
        case .mapping(let mapping):
            var object = JSONObject(minimumCapacity: mapping.count)
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLConversionError("YAML mapping keys must be scalars to convert to JSON")
                }
                object[keyScalar.string] = try JSONValue(yamlNode: value)
            }
            self = .object(object)
        case .alias:
            // The composer resolves aliases to their anchored nodes; a bare alias is unexpected.
            throw YAMLConversionError("unresolved YAML alias")
        }
    }
}
