//! The `rbac.authorization.k8s.io/v1` model the authorizer evaluates — policy
//! rules, subjects, role references, bindings and aggregation rules — read from
//! stored objects, and the rule matching of kube's `rbac/v1` helpers (verbs,
//! API groups, resources with subresources, resource names, non-resource URLs).
import Foundation
import KubeCore

/// The RBAC API group.
public let rbacGroup = "rbac.authorization.k8s.io"

/// One `PolicyRule`. `*` in verbs, apiGroups, resources and nonResourceURLs matches anything.
public struct PolicyRule: Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var resourceNames: [String]
    public var nonResourceURLs: [String]

    public init(verbs: [String], apiGroups: [String] = [], resources: [String] = [], resourceNames: [String] = [],
                nonResourceURLs: [String] = []) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }

    /// Reads a rule; missing or mistyped lists are empty.
    public init(json: JSONValue) {
        func strings(_ key: String) -> [String] { json[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.init(verbs: strings("verbs"), apiGroups: strings("apiGroups"), resources: strings("resources"),
                  resourceNames: strings("resourceNames"), nonResourceURLs: strings("nonResourceURLs"))
    }

    /// The rule as JSON, empty lists omitted (`verbs` is always written).
    public var json: JSONValue {
        var object: JSONObject = ["verbs": .array(verbs.map(JSONValue.string))]
        for (key, values) in [("apiGroups", apiGroups), ("resources", resources), ("resourceNames", resourceNames),
                              ("nonResourceURLs", nonResourceURLs)] where !values.isEmpty {
            object[key] = .array(values.map(JSONValue.string))
        }
        return .object(object)
    }

    /// The rules of a Role or ClusterRole object.
    public static func rules(of object: KubeObject) -> [PolicyRule] {
        (object.json["rules"]?.arrayValue ?? []).map(PolicyRule.init(json:))
    }

    // MARK: Matching (rbac/v1 helpers)

    /// Whether this rule allows the request (`rbac.RuleAllows`).
    public func allows(_ attributes: AuthorizationAttributes) -> Bool {
        guard matchesVerb(attributes.verb) else { return false }
        if attributes.isResourceRequest {
            return matchesAPIGroup(attributes.apiGroup)
                && matchesResource(attributes.combinedResource, subresource: attributes.subresource)
                && matchesResourceName(attributes.name)
        }
        return matchesNonResourceURL(attributes.path)
    }

    public func matchesVerb(_ verb: String) -> Bool {
        verbs.contains("*") || verbs.contains(verb)
    }

    public func matchesAPIGroup(_ group: String) -> Bool {
        apiGroups.contains("*") || apiGroups.contains(group)
    }

    /// `*` matches every resource and subresource; `pods/status` matches exactly;
    /// `*/scale` matches the `scale` subresource of any resource.
    public func matchesResource(_ combined: String, subresource: String) -> Bool {
        for resource in resources {
            if resource == "*" || resource == combined { return true }
            if !subresource.isEmpty, resource == "*/\(subresource)" { return true }
        }
        return false
    }

    /// No resourceNames allows every name; otherwise the name must be listed
    /// (so such a rule never allows creates or collection requests).
    public func matchesResourceName(_ name: String) -> Bool {
        resourceNames.isEmpty || resourceNames.contains(name)
    }

    /// `*` matches every path, `/apis/*` every path under `/apis/`, others match exactly.
    public func matchesNonResourceURL(_ path: String) -> Bool {
        for url in nonResourceURLs {
            if url == "*" || url == path { return true }
            if url.hasSuffix("*"), path.hasPrefix(String(url.dropLast())) { return true }
        }
        return false
    }
}

/// A binding's subject: a `User`, `Group` or `ServiceAccount`.
public struct RBACSubject: Sendable, Hashable {
    public var kind: String
    public var name: String
    /// For service accounts; empty means the binding's own namespace.
    public var namespace: String

    public init(kind: String, name: String, namespace: String = "") {
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    public init(json: JSONValue) {
        self.init(kind: json["kind"]?.stringValue ?? "", name: json["name"]?.stringValue ?? "",
                  namespace: json["namespace"]?.stringValue ?? "")
    }

    /// Whether the subject is `user` (`rbac.appliesToUser`); `bindingNamespace` is
    /// empty for ClusterRoleBindings, where a service account must name its namespace.
    public func applies(to user: UserInfo, bindingNamespace: String) -> Bool {
        switch kind {
        case "User": return user.name == name
        case "Group": return user.groups.contains(name)
        case "ServiceAccount":
            let accountNamespace = namespace.isEmpty ? bindingNamespace : namespace
            guard !accountNamespace.isEmpty else { return false }
            return user.name == UserInfo.serviceAccountUsername(namespace: accountNamespace, name: name)
        default: return false
        }
    }

    /// How kube names the subject in an "allowed by" reason: `User "alice"`,
    /// `ServiceAccount "sa/ns"` (name, then namespace).
    func describe(bindingNamespace: String) -> String {
        guard kind == "ServiceAccount" else { return "\(kind) \(name.goQuoted)" }
        return "\(kind) \("\(name)/\(namespace.isEmpty ? bindingNamespace : namespace)".goQuoted)"
    }
}

/// A binding's `roleRef`.
public struct RoleRef: Sendable, Hashable {
    /// `Role` or `ClusterRole`.
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}

/// A RoleBinding (with a namespace) or ClusterRoleBinding (namespace empty).
public struct RBACBinding: Sendable, Hashable {
    public var name: String
    public var namespace: String
    public var subjects: [RBACSubject]
    public var roleRef: RoleRef

    public init(name: String, namespace: String = "", subjects: [RBACSubject], roleRef: RoleRef) {
        self.name = name
        self.namespace = namespace
        self.subjects = subjects
        self.roleRef = roleRef
    }

    public init(_ object: KubeObject) {
        self.init(name: object.name, namespace: object.namespace,
                  subjects: (object.json["subjects"]?.arrayValue ?? []).map(RBACSubject.init(json:)),
                  roleRef: RoleRef(kind: object.json["roleRef"]?["kind"]?.stringValue ?? "",
                                   name: object.json["roleRef"]?["name"]?.stringValue ?? ""))
    }

    /// The first subject that is `user`, if any.
    public func subject(matching user: UserInfo) -> RBACSubject? {
        subjects.first { $0.applies(to: user, bindingNamespace: namespace) }
    }

    /// How kube names the binding in an "allowed by" reason:
    /// `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, `RoleBinding "x/ns" of Role "y" to User "u"`.
    func describe(_ subject: RBACSubject) -> String {
        let binding = namespace.isEmpty ? "ClusterRoleBinding \(name.goQuoted)" : "RoleBinding \("\(name)/\(namespace)".goQuoted)"
        return "\(binding) of \(roleRef.kind) \(roleRef.name.goQuoted) to \(subject.describe(bindingNamespace: namespace))"
    }
}

/// A ClusterRole as the authorizer sees it: its labels (for aggregation), its own
/// rules, and its aggregation selectors when it is an aggregated role.
public struct ClusterRoleEntry: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var rules: [PolicyRule]
    /// `aggregationRule.clusterRoleSelectors`, as selectors; nil when the role is not aggregated.
    public var aggregationSelectors: [LabelSelectorRequirements]?

    public init(name: String, labels: [String: String] = [:], rules: [PolicyRule],
                aggregationSelectors: [LabelSelectorRequirements]? = nil) {
        self.name = name
        self.labels = labels
        self.rules = rules
        self.aggregationSelectors = aggregationSelectors
    }

    /// Reads a stored ClusterRole. A selector that does not parse selects nothing,
    /// as the aggregation controller skips a role it cannot sync.
    public init(_ object: KubeObject) {
        var selectors: [LabelSelectorRequirements]?
        if let rule = object.json["aggregationRule"], !rule.isNull {
            selectors = (rule["clusterRoleSelectors"]?.arrayValue ?? []).map { json in
                (try? LabelSelector(json: json).requirements()) ?? .nothing
            }
        }
        self.init(name: object.name, labels: object.labels, rules: PolicyRule.rules(of: object), aggregationSelectors: selectors)
    }
}
