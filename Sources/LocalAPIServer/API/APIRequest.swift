//! The request model shared by the HTTP front end and in-process clients: who
//! asks, which verb on which resource, with which options and body.
import Foundation
import KubeCore

/// An authenticated user (`user.Info`).
public struct UserInfo: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var uid: String
    public var groups: [String]

    public init(name: String, uid: String = "", groups: [String] = []) {
        self.name = name
        self.uid = uid
        self.groups = groups
    }

    public var description: String { name }

    /// The identity the simulated cluster controllers act as.
    public static let systemAdmin = UserInfo(name: "system:admin", groups: ["system:masters", "system:authenticated"])
}

/// The Kubernetes API verbs.
public enum APIVerb: String, Sendable, Hashable, CaseIterable {
    case get, list, watch, create, update, patch, delete, deletecollection
}

/// A request for a resource (`/api/...` or `/apis/...`), as kube-apiserver's RequestInfo sees it.
public struct ResourceRequest: Sendable {
    public var verb: APIVerb
    public var group: String
    public var version: String
    public var resource: String
    /// The namespace in the path; nil for cluster-scoped resources and all-namespace lists.
    public var namespace: String?
    public var name: String?
    public var subresource: String?
    /// Query parameters (the last value of each).
    public var query: [String: String]
    public var body: Data?
    /// The request's Content-Type (patch type, or YAML for apply).
    public var contentType: String?
    public var user: UserInfo
    /// The client asked for a `meta.k8s.io/v1` `Table` (from the Accept header).
    public var asTable: Bool = false
    /// The client's `User-Agent`; its prefix names the field manager when the request names none.
    public var userAgent: String?

    public init(verb: APIVerb, group: String, version: String, resource: String, namespace: String? = nil,
                name: String? = nil, subresource: String? = nil, query: [String: String] = [:], body: Data? = nil,
                contentType: String? = nil, user: UserInfo = .systemAdmin) {
        self.verb = verb
        self.group = group
        self.version = version
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.query = query
        self.body = body
        self.contentType = contentType
        self.user = user
    }

    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
    public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }

    /// `dryRun=All` was requested.
    public var isDryRun: Bool { query["dryRun"] == "All" }

    public func flag(_ key: String) -> Bool { query[key] == "true" || query[key] == "1" }
}

/// Parses a URL path into a resource request, the way kube-apiserver's
/// RequestInfoFactory does. Returns nil for non-resource paths.
public enum RequestPath {
    /// Namespace subresources that do not denote a namespaced resource.
    private static let namespaceSubresources: Set<String> = ["status", "finalize"]

    public static func parse(method: String, path: String, query: [String: String]) -> ResourceRequest? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncoding ?? String($0) }
        guard let prefix = parts.first else { return nil }
        let group: String
        let version: String
        switch prefix {
        case "api":
            guard parts.count >= 3 else { return nil }
            group = ""
            version = parts[1]
            parts.removeFirst(2)
        case "apis":
            guard parts.count >= 4 else { return nil }
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        default:
            return nil
        }
        var isLegacyWatch = false
        if parts.first == "watch" {
            isLegacyWatch = true
            parts.removeFirst()
        }
        var namespace: String?
        if parts.first == "namespaces", parts.count > 1 {
            if parts.count > 2, !namespaceSubresources.contains(parts[2]) {
                namespace = parts[1]
                parts.removeFirst(2)
            }
        }
        guard let resource = parts.first, parts.count <= 3 else { return nil }
        let name = parts.count > 1 ? parts[1] : nil
        let subresource = parts.count > 2 ? parts[2] : nil
        let isWatch = isLegacyWatch || query["watch"] == "true" || query["watch"] == "1"
        let verb: APIVerb
        switch method.uppercased() {
        case "GET", "HEAD":
            verb = isWatch ? .watch : (name == nil ? .list : .get)
        case "POST": verb = .create
        case "PUT": verb = .update
        case "PATCH": verb = .patch
        case "DELETE": verb = name == nil ? .deletecollection : .delete
        default: return nil
        }
        return ResourceRequest(verb: verb, group: group, version: version, resource: resource, namespace: namespace,
                               name: name, subresource: subresource, query: query)
    }
}
