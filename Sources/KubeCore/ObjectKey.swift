//! ObjectKey: the namespace/name identity of an object within one resource,
//! the key of caches, work queues and the API server's store alike.

/// An object's identity within a resource: namespace (empty when cluster-scoped) and name.
///
/// Its text form is `namespace/name`, or `name` for cluster-scoped objects —
/// the same key client-go's `MetaNamespaceKeyFunc` produces.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// Parses `namespace/name` or `name`. Returns `nil` for an empty name or
    /// more than one `/`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            self.init(namespace: "", name: String(parts[0]))
        case 2 where !parts[1].isEmpty && !parts[0].isEmpty:
            self.init(namespace: String(parts[0]), name: String(parts[1]))
        default:
            return nil
        }
    }

    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

extension KubeObject {
    /// This object's namespace/name key.
    public var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
}
