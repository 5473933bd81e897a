//! The `FieldsV1` encoding of field sets in `metadata.managedFields`: nested
//! objects keyed by `f:<field>`, `k:<json key fields>`, `v:<json value>` and
//! `i:<index>`, with `.` marking a node that is itself a member. Pure.
import Foundation
import KubeCore

/// Encodes and decodes `fieldsV1`.
public enum FieldsV1 {
    /// A `fieldsV1` document that could not be read.
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was wrong.
        public var message: String
        public var description: String { message }
    }

    /// The `fieldsV1` object of a set.
    public static func encode(_ set: FieldSet) -> JSONValue {
        .object(contents(set, includeSelf: false))
    }

    private static func contents(_ set: FieldSet, includeSelf: Bool) -> JSONObject {
        var out = JSONObject()
        if includeSelf, !set.isEmpty { out["."] = .object([:]) }
        for element in set.members where set.children[element] == nil {
            out[key(element)] = .object([:])
        }
        for (element, child) in set.children {
            out[key(element)] = .object(contents(child, includeSelf: set.members.contains(element)))
        }
        return out
    }

    /// The `fieldsV1` key of one path element.
    public static func key(_ element: PathElement) -> String {
        switch element {
        case .field(let name): return "f:" + name
        case .key(let fields):
            // Key fields are sorted by name; JSON object members in that order.
            let members = fields.map { "\(JSONValue.string($0.name).jsonString()):\($0.value.jsonString())" }
            return "k:{" + members.joined(separator: ",") + "}"
        case .value(let value): return "v:" + value.jsonString()
        case .index(let i): return "i:\(i)"
        }
    }

    /// Reads a `fieldsV1` object. Keys of unknown kinds are ignored, as upstream does.
    public static func decode(_ value: JSONValue) throws(DecodingError) -> FieldSet {
        guard let object = value.objectValue else {
            throw DecodingError(message: "ReadMapCB: expect { or n, but found \(value.typeName)")
        }
        return try read(object).children ?? FieldSet()
    }

    private static func read(_ object: JSONObject) throws(DecodingError) -> (children: FieldSet?, isMember: Bool) {
        var children: FieldSet?
        var isMember = false
        for (name, child) in object {
            if name == "." {
                isMember = true
                continue
            }
            guard let pathElement = try element(name) else { continue }
            guard let childObject = child.objectValue else {
                throw DecodingError(message: "ReadMapCB: expect { or n, but found \(child.typeName)")
            }
            let (grandchildren, childIsMember) = try read(childObject)
            var set = children ?? FieldSet()
            if childIsMember { set.members.insert(pathElement) }
            if let grandchildren, !grandchildren.isEmpty {
                set.children[pathElement] = (set.children[pathElement] ?? FieldSet()).union(grandchildren)
            }
            children = set
        }
        if children == nil { isMember = true }
        return (children, isMember)
    }

    /// Parses one key; nil for a kind this version does not know.
    public static func element(_ key: String) throws(DecodingError) -> PathElement? {
        let bytes = Array(key.utf8)
        guard bytes.count >= 2 else { throw DecodingError(message: "key must be 2 characters long") }
        guard bytes[1] == UInt8(ascii: ":") else { return nil }
        let rest = String(decoding: bytes[2...], as: UTF8.self)
        switch bytes[0] {
        case UInt8(ascii: "f"):
            return .field(rest)
        case UInt8(ascii: "v"):
            guard let value = try? JSONValue.parse(rest) else {
                throw DecodingError(message: "parsing key as path element: \(key)")
            }
            return .value(value)
        case UInt8(ascii: "k"):
            guard let object = (try? JSONValue.parse(rest))?.objectValue else {
                throw DecodingError(message: "parsing key as path element: \(key)")
            }
            return .keyed(object.map { KeyField(name: $0.key, value: $0.value) })
        case UInt8(ascii: "i"):
            guard let index = Int(rest) else { throw DecodingError(message: "parsing key as path element: \(key)") }
            return .index(index)
        default:
            return nil
        }
    }
}
