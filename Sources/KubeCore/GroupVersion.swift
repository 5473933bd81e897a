//! Names of API groups, versions, kinds and resources, and their string forms.

/// An API group and version, e.g. `apps/v1`; the core group is the empty string (`v1`).
public struct GroupVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var version: String

    public init(group: String, version: String) {
        self.group = group
        self.version = version
    }

    /// Parses an `apiVersion` string: `v1` or `group/version`.
    public init?(apiVersion: String) {
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            self.init(group: "", version: String(parts[0]))
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            self.init(group: String(parts[0]), version: String(parts[1]))
        default:
            return nil
        }
    }

    /// The `apiVersion` string.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { apiVersion }

    public static func < (lhs: GroupVersion, rhs: GroupVersion) -> Bool {
        (lhs.group, lhs.version) < (rhs.group, rhs.version)
    }
}

/// A kind within a group and version.
public struct GroupVersionKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    public init(_ groupVersion: GroupVersion, kind: String) {
        self.init(group: groupVersion.group, version: groupVersion.version, kind: kind)
    }

    public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
    public var apiVersion: String { groupVersion.apiVersion }
    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// A kind within a group, regardless of version (what ownership checks compare).
public struct GroupKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var kind: String

    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }

    public var description: String { group.isEmpty ? kind : "\(kind).\(group)" }
}

/// A resource (plural, lower-case) within a group, regardless of version.
/// Its description is what kube-apiserver prints in messages: `pods`, `deployments.apps`.
public struct GroupResource: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var resource: String

    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }

    public static func < (lhs: GroupResource, rhs: GroupResource) -> Bool {
        (lhs.group, lhs.resource) < (rhs.group, rhs.resource)
    }
}

/// A resource within a group and version.
public struct GroupVersionResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var resource: String

    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
    public var description: String { "\(groupVersion.apiVersion), Resource=\(resource)" }
}
