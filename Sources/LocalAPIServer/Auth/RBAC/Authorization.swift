//! Authorization as kube-apiserver models it: the attributes of a request
//! (`authorizer.Attributes`), the decision an authorizer reaches, the rules a
//! subject holds, the `Authorizer` protocol with `AlwaysAllow`, the choice of
//! authorization mode, and the 403 `Status` kube-apiserver answers a denied
//! request with.
import Foundation
import KubeCore

// MARK: - Attributes

/// What an authorizer decides on (`authorizer.AttributesRecord`): who asks to do
/// which verb on which resource (or non-resource path).
public struct AuthorizationAttributes: Sendable, Hashable {
    public var user: UserInfo
    /// The API verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`, or any custom verb such as `impersonate`); for
    /// non-resource requests the lower-cased HTTP method.
    public var verb: String
    /// Whether this is a request for a resource (`/api/...`, `/apis/...`) or a non-resource path.
    public var isResourceRequest: Bool
    /// The URL path of a non-resource request (empty for resource requests).
    public var path: String
    /// The namespace; empty for cluster-scoped requests and all-namespace lists.
    public var namespace: String
    public var apiGroup: String
    public var apiVersion: String
    public var resource: String
    public var subresource: String
    /// The object's name; empty for collection requests and creates.
    public var name: String

    /// Attributes of a resource request.
    public init(user: UserInfo, verb: String, namespace: String = "", apiGroup: String, apiVersion: String = "*",
                resource: String, subresource: String = "", name: String = "") {
        self.user = user
        self.verb = verb
        self.isResourceRequest = true
        self.path = ""
        self.namespace = namespace
        self.apiGroup = apiGroup
        self.apiVersion = apiVersion
        self.resource = resource
        self.subresource = subresource
        self.name = name
    }

    /// Attributes of a non-resource request (`/healthz`, `/metrics`, discovery).
    public init(user: UserInfo, verb: String, path: String) {
        self.user = user
        self.verb = verb
        self.isResourceRequest = false
        self.path = path
        self.namespace = ""
        self.apiGroup = ""
        self.apiVersion = ""
        self.resource = ""
        self.subresource = ""
        self.name = ""
    }

    /// The attributes of a parsed resource request, as kube-apiserver's RequestInfo
    /// fills them: a request on a namespace object (`/api/v1/namespaces/foo`) is in
    /// namespace `foo`, and a list or watch whose field selector pins
    /// `metadata.name` names that object (so `resourceNames` rules can allow it).
    public init(_ request: ResourceRequest) {
        var name = request.name ?? ""
        var namespace = request.namespace ?? ""
        if request.group.isEmpty, request.resource == "namespaces", !name.isEmpty {
            namespace = name
        }
        if name.isEmpty, request.verb == .list || request.verb == .watch,
           let selector = request.query["fieldSelector"],
           let pinned = (try? FieldSelector(parsing: selector))?.requiresExactMatch("metadata.name"),
           !pinned.isEmpty, pinned != ".", pinned != "..", !pinned.contains("/"), !pinned.contains("%") {
            name = pinned
        }
        self.init(user: request.user, verb: request.verb.rawValue, namespace: namespace, apiGroup: request.group,
                  apiVersion: request.version, resource: request.resource, subresource: request.subresource ?? "", name: name)
    }

    /// `resource` or `resource/subresource`, as RBAC rules name it.
    public var combinedResource: String { subresource.isEmpty ? resource : "\(resource)/\(subresource)" }

    /// kube-apiserver's description of the denied action (`responsewriters.forbiddenMessage`):
    /// `User "alice" cannot get resource "configmaps" in API group "" in the namespace "default"`.
    public var forbiddenMessage: String {
        guard isResourceRequest else { return "User \(user.name.goQuoted) cannot \(verb) path \(path.goQuoted)" }
        let scope = namespace.isEmpty ? "at the cluster scope" : "in the namespace \(namespace.goQuoted)"
        return "User \(user.name.goQuoted) cannot \(verb) resource \(combinedResource.goQuoted) in API group \(apiGroup.goQuoted) \(scope)"
    }

    /// The 403 kube-apiserver answers when these attributes are denied (`responsewriters.Forbidden`):
    /// `configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "default"`,
    /// followed by `: <reason>` when the authorizer gave one; details name the group, resource and object.
    /// Like kube-apiserver, `&`, `<` and `>` in the description are HTML-escaped.
    public func forbidden(reason: String) -> APIError {
        let described = forbiddenMessage.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let message = reason.isEmpty ? described : "\(described): \(reason)"
        let resource = GroupResource(group: apiGroup, resource: self.resource)
        return .forbiddenStatus(resource: isResourceRequest ? resource : nil, name: name, message)
    }
}

extension APIError {
    /// A 403 as `apierrors.NewForbidden` builds it: `<resource> "<name>" is forbidden: <detail>`,
    /// `<resource> is forbidden: <detail>` without a name, and `forbidden: <detail>` without a resource.
    static func forbiddenStatus(resource: GroupResource?, name: String, _ detail: String) -> APIError {
        let message: String
        if let resource, !resource.resource.isEmpty {
            message = name.isEmpty ? "\(resource) is forbidden: \(detail)" : "\(resource) \(name.goQuoted) is forbidden: \(detail)"
        } else {
            message = "forbidden: \(detail)"
        }
        let details = StatusDetails(name: name.isEmpty ? nil : name,
                                    group: (resource?.group ?? "").isEmpty ? nil : resource?.group,
                                    kind: (resource?.resource ?? "").isEmpty ? nil : resource?.resource)
        return APIError(APIStatus(message: message, reason: .forbidden, details: details, code: 403))
    }
}


// MARK: - Decisions and rules

/// What an authorizer decided (`authorizer.Decision` with its reason).
public struct AuthorizationDecision: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// The request is allowed.
        case allow
        /// The request is explicitly denied; no later authorizer may allow it.
        case deny
        /// The authorizer has no opinion; without another authorizer the request is forbidden.
        case noOpinion
    }

    public var outcome: Outcome
    /// Why (`RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`), possibly empty.
    public var reason: String

    public init(_ outcome: Outcome, reason: String = "") {
        self.outcome = outcome
        self.reason = reason
    }

    public var isAllowed: Bool { outcome == .allow }

    public static let allow = AuthorizationDecision(.allow)
}

/// The rules a subject holds in a namespace (`SubjectRulesReviewStatus`).
public struct SubjectRules: Sendable, Hashable {
    /// Rules with resources (their `nonResourceURLs` are ignored).
    public var resourceRules: [PolicyRule]
    /// Rules with non-resource URLs (their resources are ignored).
    public var nonResourceRules: [PolicyRule]
    /// Whether the list may be missing rules the authorizer would honour.
    public var incomplete: Bool
    /// Why evaluation was partial (missing roles), if it was.
    public var evaluationError: String?

    public init(resourceRules: [PolicyRule] = [], nonResourceRules: [PolicyRule] = [], incomplete: Bool = false,
                evaluationError: String? = nil) {
        self.resourceRules = resourceRules
        self.nonResourceRules = nonResourceRules
        self.incomplete = incomplete
        self.evaluationError = evaluationError
    }
}

// MARK: - Authorizers

/// Decides whether a request is allowed (kube-apiserver's `authorizer.Authorizer`
/// together with its `RuleResolver`).
public protocol Authorizer: Sendable {
    /// Decides one request.
    func authorize(_ attributes: AuthorizationAttributes) -> AuthorizationDecision

    /// The rules `user` holds in `namespace` (cluster-wide rules included), for SelfSubjectRulesReview.
    func rules(for user: UserInfo, namespace: String) -> SubjectRules

    /// An authorizer answering from the policy as it is now, without reading the
    /// object store again: safe to call while a store transaction holds the store's
    /// lock (admission runs there). Authorizers without stored state return themselves.
    func snapshot() -> any Authorizer
}

extension Authorizer {
    public func snapshot() -> any Authorizer { self }
}

/// Allows everything (kube-apiserver's `--authorization-mode=AlwaysAllow`).
public struct AlwaysAllow: Authorizer {
    public init() {}

    public func authorize(_ attributes: AuthorizationAttributes) -> AuthorizationDecision { .allow }

    /// Everything, as kube's always-allow rule resolver reports it.
    public func rules(for user: UserInfo, namespace: String) -> SubjectRules {
        SubjectRules(resourceRules: [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"])],
                     nonResourceRules: [PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])])
    }
}

/// `--authorization-mode`.
public enum AuthorizationMode: String, Sendable, Hashable, CaseIterable {
    /// Every authenticated request is allowed.
    case alwaysAllow = "AlwaysAllow"
    /// Role-based access control over the stored Roles, ClusterRoles and bindings;
    /// `system:masters` is always allowed; OwnerReferencesPermissionEnforcement admission is on.
    case rbac = "RBAC"
}

/// What the API server core needs from authentication and authorization: the
/// authorizer (for access reviews and admission), the authenticator (for
/// TokenReview) and whether OwnerReferencesPermissionEnforcement runs.
public struct AccessControl: Sendable {
    public var authorizer: any Authorizer
    /// Answers TokenReviews; nil answers every token as unauthenticated.
    public var authenticator: Authenticator?
    /// Run the OwnerReferencesPermissionEnforcement admission check on writes.
    public var enforcesOwnerReferences: Bool

    /// Defaults: AlwaysAllow, no authenticator, no owner-reference enforcement.
    public init(authorizer: any Authorizer = AlwaysAllow(), authenticator: Authenticator? = nil, enforcesOwnerReferences: Bool = false) {
        self.authorizer = authorizer
        self.authenticator = authenticator
        self.enforcesOwnerReferences = enforcesOwnerReferences
    }

    /// The access control of a mode: RBAC over `store` with owner-reference
    /// enforcement, or AlwaysAllow without it.
    public static func mode(_ mode: AuthorizationMode, store: ObjectStore, authenticator: Authenticator?) -> AccessControl {
        switch mode {
        case .alwaysAllow:
            AccessControl(authorizer: AlwaysAllow(), authenticator: authenticator, enforcesOwnerReferences: false)
        case .rbac:
            AccessControl(authorizer: RBACAuthorizer(store: store), authenticator: authenticator, enforcesOwnerReferences: true)
        }
    }
}

// MARK: - Service account identities

extension UserInfo {
    /// The prefix of service account user names.
    public static let serviceAccountUsernamePrefix = "system:serviceaccount:"

    /// The user a service account's token authenticates as (`serviceaccount.UserInfo`):
    /// `system:serviceaccount:<namespace>:<name>` in the groups `system:serviceaccounts`,
    /// `system:serviceaccounts:<namespace>` and `system:authenticated`.
    public static func serviceAccount(namespace: String, name: String, uid: String = "") -> UserInfo {
        UserInfo(name: serviceAccountUsername(namespace: namespace, name: name), uid: uid,
                 groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"])
    }

    /// `system:serviceaccount:<namespace>:<name>`.
    public static func serviceAccountUsername(namespace: String, name: String) -> String {
        "\(serviceAccountUsernamePrefix)\(namespace):\(name)"
    }
}
