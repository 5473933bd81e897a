//! RBACPolicy: one immutable snapshot of the cluster's Roles, ClusterRoles and
//! bindings, indexed by subject, and the pure evaluation kube's RBAC authorizer
//! performs on it — the `system:masters` superuser group, ClusterRoleBindings
//! then the RoleBindings of the request's namespace, "allowed by" reasons and
//! "not found" errors worded as upstream, the rules a subject holds, and
//! ClusterRole aggregation (`aggregationRule.clusterRoleSelectors`).
import Foundation
import KubeCore

/// A Role: its namespace, name and rules.
public struct RoleEntry: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var rules: [PolicyRule]

    public init(namespace: String, name: String, rules: [PolicyRule]) {
        self.namespace = namespace
        self.name = name
        self.rules = rules
    }

    public init(_ object: KubeObject) {
        self.init(namespace: object.namespace, name: object.name, rules: PolicyRule.rules(of: object))
    }
}

/// The policy at one point in time. Pure and cheap to share; `RBACAuthorizer`
/// rebuilds it when the stored RBAC objects change.
public struct RBACPolicy: Authorizer {
    /// The group kube-apiserver always authorizes (`user.SystemPrivilegedGroup`).
    public static let superuserGroup = "system:masters"

    private enum SubjectKey: Hashable {
        case user(String)
        case group(String)
    }

    private let roles: [String: [String: [PolicyRule]]]
    /// Every ClusterRole's effective rules: its own, or for an aggregated role the aggregation's.
    private let clusterRoleRules: [String: [PolicyRule]]
    private let clusterRoleBindings: [RBACBinding]
    private let roleBindings: [String: [RBACBinding]]
    private let clusterIndex: [SubjectKey: [Int]]
    private let namespaceIndex: [String: [SubjectKey: [Int]]]

    /// Builds a snapshot. Bindings without a namespace are ClusterRoleBindings,
    /// the others RoleBindings. Bindings are visited in name order.
    public init(roles: [RoleEntry] = [], clusterRoles: [ClusterRoleEntry] = [], bindings: [RBACBinding] = []) {
        var roleTable: [String: [String: [PolicyRule]]] = [:]
        for role in roles { roleTable[role.namespace, default: [:]][role.name] = role.rules }
        self.roles = roleTable
        let byName = Dictionary(clusterRoles.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        var effective: [String: [PolicyRule]] = [:]
        for role in byName.values {
            effective[role.name] = role.aggregationSelectors == nil ? role.rules : Self.aggregatedRules(of: role.name, in: byName)
        }
        clusterRoleRules = effective

        let sorted = bindings.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        clusterRoleBindings = sorted.filter { $0.namespace.isEmpty }
        roleBindings = Dictionary(grouping: sorted.filter { !$0.namespace.isEmpty }, by: \.namespace)
        clusterIndex = Self.index(clusterRoleBindings)
        namespaceIndex = roleBindings.mapValues(Self.index)
    }

    /// A snapshot of stored objects: Roles, ClusterRoles, RoleBindings and ClusterRoleBindings.
    public init(roles: [KubeObject], clusterRoles: [KubeObject], roleBindings: [KubeObject], clusterRoleBindings: [KubeObject]) {
        self.init(roles: roles.map(RoleEntry.init), clusterRoles: clusterRoles.map(ClusterRoleEntry.init),
                  bindings: (roleBindings + clusterRoleBindings).map(RBACBinding.init))
    }

    private static func index(_ bindings: [RBACBinding]) -> [SubjectKey: [Int]] {
        var index: [SubjectKey: [Int]] = [:]
        for (position, binding) in bindings.enumerated() {
            var keys = Set<SubjectKey>()
            for subject in binding.subjects {
                switch subject.kind {
                case "User": keys.insert(.user(subject.name))
                case "Group": keys.insert(.group(subject.name))
                case "ServiceAccount":
                    let namespace = subject.namespace.isEmpty ? binding.namespace : subject.namespace
                    if !namespace.isEmpty {
                        keys.insert(.user(UserInfo.serviceAccountUsername(namespace: namespace, name: subject.name)))
                    }
                default: break
                }
            }
            for key in keys { index[key, default: []].append(position) }
        }
        return index
    }

    // MARK: Authorization

    /// Allows `system:masters`, else the first rule of an applicable binding that
    /// matches; otherwise no opinion, with `RBAC: <errors>` as the reason when a
    /// binding referred to a role that does not exist.
    public func authorize(_ attributes: AuthorizationAttributes) -> AuthorizationDecision {
        if attributes.user.groups.contains(Self.superuserGroup) { return .allow }
        var errors: [String] = []
        var allowedBy: String?
        visit(user: attributes.user, namespace: attributes.namespace) { binding, subject, rules in
            if rules.contains(where: { $0.allows(attributes) }) {
                allowedBy = binding.describe(subject)
                return false
            }
            return true
        } onError: { errors.append($0) }
        if let allowedBy { return AuthorizationDecision(.allow, reason: "RBAC: allowed by \(allowedBy)") }
        return AuthorizationDecision(.noOpinion, reason: errors.isEmpty ? "" : "RBAC: \(Self.aggregate(errors))")
    }

    /// Every rule `user` holds through ClusterRoleBindings and the RoleBindings of
    /// `namespace`; missing roles make the evaluation error (kube still reports it complete).
    public func rules(for user: UserInfo, namespace: String) -> SubjectRules {
        var result = SubjectRules()
        var errors: [String] = []
        visit(user: user, namespace: namespace) { _, _, rules in
            for rule in rules {
                if !rule.resources.isEmpty { result.resourceRules.append(rule) }
                if !rule.nonResourceURLs.isEmpty { result.nonResourceRules.append(rule) }
            }
            return true
        } onError: { errors.append($0) }
        if !errors.isEmpty { result.evaluationError = Self.aggregate(errors) }
        return result
    }

    /// The effective rules of a ClusterRole (aggregated ones included), nil when it does not exist.
    public func clusterRoleRules(_ name: String) -> [PolicyRule]? { clusterRoleRules[name] }

    /// Walks the applicable bindings in order (ClusterRoleBindings, then the
    /// RoleBindings of `namespace`), handing each one's rules to `visitor` until it
    /// returns false; bindings whose role is missing report an error instead.
    private func visit(user: UserInfo, namespace: String,
                       _ visitor: (RBACBinding, RBACSubject, [PolicyRule]) -> Bool, onError: (String) -> Void) {
        let keys = [SubjectKey.user(user.name)] + user.groups.map(SubjectKey.group)
        func positions(_ index: [SubjectKey: [Int]]?) -> [Int] {
            guard let index else { return [] }
            return Set(keys.flatMap { index[$0] ?? [] }).sorted()
        }
        var scopes: [([RBACBinding], [Int])] = [(clusterRoleBindings, positions(clusterIndex))]
        if !namespace.isEmpty, let bindings = roleBindings[namespace] {
            scopes.append((bindings, positions(namespaceIndex[namespace])))
        }
        for (bindings, applicable) in scopes {
            for position in applicable {
                let binding = bindings[position]
                guard let subject = binding.subject(matching: user) else { continue }
                switch resolve(binding.roleRef, namespace: binding.namespace) {
                case .success(let rules):
                    if !visitor(binding, subject, rules) { return }
                case .failure(let error):
                    onError(error.message)
                }
            }
        }
    }

    struct ResolutionError: Error {
        var message: String
    }

    /// The rules a binding grants (`GetRoleReferenceRules`), or the lister's "not found".
    func resolve(_ ref: RoleRef, namespace: String) -> Result<[PolicyRule], ResolutionError> {
        switch ref.kind {
        case "ClusterRole":
            guard let rules = clusterRoleRules[ref.name] else {
                return .failure(ResolutionError(message: "clusterrole.\(rbacGroup) \(ref.name.goQuoted) not found"))
            }
            return .success(rules)
        case "Role":
            guard let rules = roles[namespace]?[ref.name] else {
                return .failure(ResolutionError(message: "role.\(rbacGroup) \(ref.name.goQuoted) not found"))
            }
            return .success(rules)
        default:
            return .failure(ResolutionError(message: "unsupported role reference kind: \(ref.kind.goQuoted)"))
        }
    }

    /// Errors joined as `utilerrors.NewAggregate` prints them: one error alone,
    /// several (deduplicated) as `[a, b]`.
    static func aggregate(_ errors: [String]) -> String {
        var seen = Set<String>()
        let distinct = errors.filter { seen.insert($0).inserted }
        return distinct.count == 1 ? distinct[0] : "[" + distinct.joined(separator: ", ") + "]"
    }

    // MARK: Aggregation

    /// The rules of an aggregated ClusterRole, as the ClusterRole aggregation
    /// controller computes them: for each selector in order, the ClusterRoles it
    /// selects in name order (never the role itself), each rule once. Selected
    /// roles that are aggregated themselves contribute their aggregated rules
    /// (the controller's fixed point); a cycle falls back to the stored rules.
    public static func aggregatedRules(of name: String, in roles: [String: ClusterRoleEntry]) -> [PolicyRule] {
        var visiting: Set<String> = []
        return aggregatedRules(of: name, in: roles, visiting: &visiting)
    }

    private static func aggregatedRules(of name: String, in roles: [String: ClusterRoleEntry], visiting: inout Set<String>) -> [PolicyRule] {
        guard let role = roles[name] else { return [] }
        guard let selectors = role.aggregationSelectors, !visiting.contains(name) else { return role.rules }
        visiting.insert(name)
        defer { visiting.remove(name) }
        let ordered = roles.values.sorted { $0.name < $1.name }
        var result: [PolicyRule] = []
        var present = Set<PolicyRule>()
        for selector in selectors {
            for source in ordered where source.name != name && selector.matches(source.labels) {
                let rules = source.aggregationSelectors == nil ? source.rules : aggregatedRules(of: source.name, in: roles, visiting: &visiting)
                for rule in rules where present.insert(rule).inserted {
                    result.append(rule)
                }
            }
        }
        return result
    }
}
