//! The typed layer's vocabulary: `KubeResource` (a Codable model bound to
//! its resource and kind), `ObjectMeta`, `ObjectReference`, and the
//! conversion of models to and from `KubeObject`.
import Foundation
import KubeCore

/// A Kubernetes kind as a Codable Swift model.
///
/// Models encode their own fields only; `apiVersion` and `kind` come from
/// the static properties and are added on the way to the server. Fields the
/// model does not declare are dropped on decoding, so update a model only
/// after reading it, or use `Api.patch`/`Api.apply`.
public protocol KubeResource: Codable, Sendable {
    /// Where the collection lives, e.g. `coordination.k8s.io/v1, Resource=leases`.
    static var resource: GroupVersionResource { get }
    /// Whether objects live in a namespace.
    static var isNamespaced: Bool { get }
    /// The kind, e.g. `Lease`.
    static var kind: String { get }
    var metadata: ObjectMeta { get set }
}

extension KubeResource {
    /// `group/version` of `resource`, e.g. `coordination.k8s.io/v1`.
    public static var apiVersion: String { resource.groupVersion.apiVersion }

    /// The model as an unstructured object with `apiVersion` and `kind` set.
    public func kubeObject() throws -> KubeObject {
        guard var object = KubeObject(try JSONValue(encoding: self)) else {
            throw TypedConversionError(message: "\(Self.kind) did not encode to a JSON object")
        }
        object.apiVersion = Self.apiVersion
        object.kind = Self.kind
        return object
    }

    /// Decodes the model from an unstructured object.
    /// - Throws: `TypedConversionError` naming the kind and object.
    public init(kubeObject object: KubeObject) throws {
        do {
            self = try object.value.decode(Self.self)
        } catch {
            throw TypedConversionError(message: "decoding \(Self.kind) \"\(object.name)\": \(error)")
        }
    }
}

/// A model that cannot be converted to or from JSON.
public struct TypedConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Standard object metadata (`metav1.ObjectMeta`), the fields controllers use.
/// `managedFields` is not modelled.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int64?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var ownerReferences: [OwnerReference]?
    public var finalizers: [String]?
    /// RFC 3339, as the server sends it.
    public var creationTimestamp: String?
    /// RFC 3339; set once deletion was requested.
    public var deletionTimestamp: String?

    public init(
        name: String? = nil, generateName: String? = nil, namespace: String? = nil, uid: String? = nil,
        resourceVersion: String? = nil, generation: Int64? = nil, labels: [String: String]? = nil,
        annotations: [String: String]? = nil, ownerReferences: [OwnerReference]? = nil, finalizers: [String]? = nil,
        creationTimestamp: String? = nil, deletionTimestamp: String? = nil
    ) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.labels = labels
        self.annotations = annotations
        self.ownerReferences = ownerReferences
        self.finalizers = finalizers
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
    }
}

/// A reference to an object (`core/v1 ObjectReference`), as Events use it.
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(
        apiVersion: String? = nil, kind: String? = nil, namespace: String? = nil, name: String? = nil, uid: String? = nil,
        resourceVersion: String? = nil, fieldPath: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }

    /// A reference to `object` (apiVersion, kind, namespace, name, uid, resourceVersion).
    public init(_ object: KubeObject) {
        self.init(
            apiVersion: object.apiVersion.isEmpty ? nil : object.apiVersion, kind: object.kind.isEmpty ? nil : object.kind,
            namespace: object.namespace.isEmpty ? nil : object.namespace, name: object.name.isEmpty ? nil : object.name,
            uid: object.uid.isEmpty ? nil : object.uid,
            resourceVersion: object.resourceVersion.isEmpty ? nil : object.resourceVersion)
    }
}

/// A reference to an object in the same namespace by name (`LocalObjectReference`).
public struct LocalObjectReference: Codable, Sendable, Hashable {
    public var name: String

    public init(name: String) { self.name = name }
}
