//! KubeObject: a typed view over an unstructured Kubernetes object.
//!
//! The object stays a `JSONObject` (so unknown fields survive every round
//! trip); the properties here read and write the well-known fields in place.
import Foundation

/// An owner reference (`metadata.ownerReferences[]`).
public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil, blockOwnerDeletion: Bool? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    /// The owner's group and kind; ownership checks compare these, not the version.
    public var groupKind: GroupKind {
        GroupKind(group: GroupVersion(apiVersion: apiVersion)?.group ?? "", kind: kind)
    }

    public var isController: Bool { controller == true }
}

/// A Kubernetes object as an unstructured JSON object with typed accessors.
public struct KubeObject: Sendable, Hashable {
    public var json: JSONObject

    public init(_ json: JSONObject) { self.json = json }

    /// Wraps a JSON value; nil unless it is an object.
    public init?(_ value: JSONValue) {
        guard case .object(let o) = value else { return nil }
        self.json = o
    }

    public var value: JSONValue { .object(json) }

    // MARK: Type

    public var apiVersion: String {
        get { json["apiVersion"]?.stringValue ?? "" }
        set { json["apiVersion"] = .string(newValue) }
    }

    public var kind: String {
        get { json["kind"]?.stringValue ?? "" }
        set { json["kind"] = .string(newValue) }
    }

    public var groupVersionKind: GroupVersionKind? {
        guard let gv = GroupVersion(apiVersion: apiVersion), !kind.isEmpty else { return nil }
        return GroupVersionKind(gv, kind: kind)
    }

    // MARK: Metadata

    public var metadata: JSONObject {
        get { json["metadata"]?.objectValue ?? [:] }
        set { json["metadata"] = .object(newValue) }
    }

    private func meta(_ key: String) -> JSONValue? { json["metadata"]?[key] }

    private mutating func setMeta(_ key: String, _ value: JSONValue?) {
        var m = metadata
        m[key] = value
        metadata = m
    }

    public var name: String {
        get { meta("name")?.stringValue ?? "" }
        set { setMeta("name", newValue.isEmpty ? nil : .string(newValue)) }
    }

    public var generateName: String {
        get { meta("generateName")?.stringValue ?? "" }
        set { setMeta("generateName", newValue.isEmpty ? nil : .string(newValue)) }
    }

    public var namespace: String {
        get { meta("namespace")?.stringValue ?? "" }
        set { setMeta("namespace", newValue.isEmpty ? nil : .string(newValue)) }
    }

    public var uid: String {
        get { meta("uid")?.stringValue ?? "" }
        set { setMeta("uid", newValue.isEmpty ? nil : .string(newValue)) }
    }

    public var resourceVersion: String {
        get { meta("resourceVersion")?.stringValue ?? "" }
        set { setMeta("resourceVersion", newValue.isEmpty ? nil : .string(newValue)) }
    }

    public var generation: Int64 {
        get { meta("generation")?.intValue ?? 0 }
        set { setMeta("generation", newValue == 0 ? nil : .int(newValue)) }
    }

    public var creationTimestamp: String? {
        get { meta("creationTimestamp")?.stringValue }
        set { setMeta("creationTimestamp", newValue.map(JSONValue.string)) }
    }

    public var deletionTimestamp: String? {
        get { meta("deletionTimestamp")?.stringValue }
        set { setMeta("deletionTimestamp", newValue.map(JSONValue.string)) }
    }

    public var deletionGracePeriodSeconds: Int64? {
        get { meta("deletionGracePeriodSeconds")?.intValue }
        set { setMeta("deletionGracePeriodSeconds", newValue.map(JSONValue.int)) }
    }

    public var isBeingDeleted: Bool { deletionTimestamp != nil }

    public var labels: [String: String] {
        get { Self.stringMap(meta("labels")) }
        set { setMeta("labels", newValue.isEmpty ? nil : .object(newValue.mapValues(JSONValue.string))) }
    }

    public var annotations: [String: String] {
        get { Self.stringMap(meta("annotations")) }
        set { setMeta("annotations", newValue.isEmpty ? nil : .object(newValue.mapValues(JSONValue.string))) }
    }

    public var finalizers: [String] {
        get { meta("finalizers")?.arrayValue?.compactMap(\.stringValue) ?? [] }
        set { setMeta("finalizers", newValue.isEmpty ? nil : .array(newValue.map(JSONValue.string))) }
    }

    public var ownerReferences: [OwnerReference] {
        get { (try? meta("ownerReferences")?.decode([OwnerReference].self)) ?? [] }
        set { setMeta("ownerReferences", newValue.isEmpty ? nil : try? JSONValue(encoding: newValue)) }
    }

    /// The owner reference with `controller: true`, if any.
    public var controllerReference: OwnerReference? { ownerReferences.first(where: \.isController) }

    // MARK: Body

    public var spec: JSONValue? {
        get { json["spec"] }
        set { json["spec"] = newValue }
    }

    public var status: JSONValue? {
        get { json["status"] }
        set { json["status"] = newValue }
    }

    private static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard let object = value?.objectValue else { return [:] }
        return object.compactMapValues(\.stringValue)
    }
}

extension KubeObject: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let o) = value else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a Kubernetes object must be a JSON object"))
        }
        self.json = o
    }

    public func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}
