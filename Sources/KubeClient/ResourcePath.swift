//! REST paths of Kubernetes resources: `/api/v1/...` for the core group,
//! `/apis/<group>/<version>/...` for the others, with optional namespace,
//! object name and subresource.
import KubeCore

/// Where a resource, a collection or a subresource lives on the API server.
public struct ResourcePath: Sendable, Hashable, CustomStringConvertible {
    public var resource: GroupVersionResource
    /// The namespace; `nil` for cluster-scoped resources and for lists across
    /// all namespaces.
    public var namespace: String?
    /// The object name; `nil` addresses the collection.
    public var name: String?
    /// A subresource of the named object, such as `status` or `scale`.
    public var subresource: String?

    public init(_ resource: GroupVersionResource, namespace: String? = nil, name: String? = nil, subresource: String? = nil) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
    }

    /// The URL path, e.g. `/api/v1/namespaces/default/pods/web/status` or
    /// `/apis/apps/v1/deployments`. Segments are percent-encoded. A
    /// subresource without a name is ignored (collections have none).
    public var path: String {
        var segments: [String] = resource.group.isEmpty ? ["api", resource.version] : ["apis", resource.group, resource.version]
        if let namespace, !namespace.isEmpty {
            segments += ["namespaces", namespace]
        }
        segments.append(resource.resource)
        if let name, !name.isEmpty {
            segments.append(name)
            if let subresource, !subresource.isEmpty { segments.append(subresource) }
        }
        return "/" + segments.map(QueryEncoding.escapePathSegment).joined(separator: "/")
    }

    public var description: String { path }
}
