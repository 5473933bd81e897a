//! ResourceType: everything the server knows about one kind of resource —
//! names, scope, verbs, versions, subresources, printer columns — for built-in
//! kinds and for kinds registered by CustomResourceDefinitions alike.
import Foundation
import KubeCore
import KubeSchema

/// A column of `kubectl get` output (`additionalPrinterColumns`).
public struct PrinterColumn: Sendable, Hashable {
    public var name: String
    /// `string`, `integer`, `number`, `boolean` or `date`.
    public var type: String
    public var format: String
    public var description: String
    /// 0 columns show by default; higher ones with `-o wide`.
    public var priority: Int
    /// A JSONPath (without braces) evaluated against the object.
    public var jsonPath: String

    public init(name: String, type: String, format: String = "", description: String = "", priority: Int = 0, jsonPath: String) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
        self.jsonPath = jsonPath
    }
}

/// A table column with the function computing its cell.
public struct TableColumn: Sendable {
    public var definition: PrinterColumn
    public var cell: @Sendable (KubeObject, _ now: Date) -> JSONValue

    public init(_ definition: PrinterColumn, cell: @escaping @Sendable (KubeObject, Date) -> JSONValue) {
        self.definition = definition
        self.cell = cell
    }
}

/// The scale subresource mapping of a CRD.
public struct ScaleSubresource: Sendable, Hashable {
    public var specReplicasPath: String
    public var statusReplicasPath: String
    public var labelSelectorPath: String?
}

/// One served version of a resource.
public struct ResourceVersionInfo: Sendable {
    public var name: String
    public var served: Bool
    public var storage: Bool
    public var deprecated: Bool
    public var deprecationWarning: String?
    /// The structural schema, for custom resources (nil: no validation beyond metadata).
    public var schema: JSONSchemaProps?
    /// The schema as the CRD wrote it, for OpenAPI publishing.
    public var rawSchema: JSONValue?
    public var printerColumns: [PrinterColumn]
    public var hasStatus: Bool
    public var scale: ScaleSubresource?
    /// The compiled `x-kubernetes-validations` rules of `schema` (nil: none).
    public var celRules: CELRuleSet? = nil
}

/// How the server treats a resource.
public struct ResourceType: Sendable {
    public var group: String
    public var resource: String
    public var kind: String
    public var listKind: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    public var versions: [ResourceVersionInfo]
    /// Whether `metadata.generation` is maintained (bumped on spec changes).
    public var tracksGeneration: Bool
    /// Extra selectable fields beyond `metadata.name`/`metadata.namespace`.
    public var fieldLabels: @Sendable (KubeObject) -> [String: String]
    /// Whether this type came from a CustomResourceDefinition.
    public var isCustom: Bool
    /// Where objects of this type are stored; another type's resource when this
    /// type is a second view of the same objects (events.k8s.io/v1 over core/v1 events).
    public var storageResource: GroupResource
    /// Converts a stored object into this type's representation at `version`.
    public var fromStorage: @Sendable (KubeObject, _ version: String) -> KubeObject
    /// Converts a request object at `version` into the stored representation.
    public var toStorage: @Sendable (KubeObject) -> KubeObject
    /// The `kubectl get` columns (after NAME); nil means NAME and AGE only.
    public var table: [TableColumn]?
    /// Whether a delete returns the deleted object (true) or a success `Status` (false).
    public var deleteReturnsObject: Bool

    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }

    /// The storage version (every resource has exactly one).
    public var storageVersion: String { versions.first(where: \.storage)?.name ?? versions.first?.name ?? "v1" }

    public func version(_ name: String) -> ResourceVersionInfo? {
        versions.first { $0.name == name && $0.served }
    }

    /// Whether the status subresource exists in the given version.
    public func hasStatus(_ version: String) -> Bool { self.version(version)?.hasStatus ?? false }

    /// The selectable fields of an object: name, namespace and the type's own.
    public func selectableFields(of object: KubeObject) -> [String: String] {
        var fields = fieldLabels(object)
        fields["metadata.name"] = object.name
        if namespaced { fields["metadata.namespace"] = object.namespace }
        return fields
    }

    static let standardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
}
