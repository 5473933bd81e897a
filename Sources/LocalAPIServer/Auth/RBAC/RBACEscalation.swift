//! RBAC escalation prevention, as kube-apiserver's RBAC storage enforces it on
//! writes of Roles, ClusterRoles and their bindings: a user outside
//! `system:masters` may write a role only if it already holds every rule the
//! role grants (or may `escalate` it), and may bind a role only if it may
//! `bind` it (or holds every rule of it). The pure part — breaking rules down,
//! whether held rules cover them, the 403 wording — and the admission check
//! run inside the write's transaction with the request's policy snapshot.
import Foundation
import KubeCore

// MARK: - Covering rules (pure)

extension PolicyRule {
    /// The rule as single grants: one API group, resource and verb, with at most
    /// one resource name; and one non-resource URL with one verb.
    public var breakdown: [PolicyRule] {
        var result: [PolicyRule] = []
        for group in apiGroups {
            for resource in resources {
                for verb in verbs {
                    if resourceNames.isEmpty {
                        result.append(PolicyRule(verbs: [verb], apiGroups: [group], resources: [resource]))
                    } else {
                        result += resourceNames.map {
                            PolicyRule(verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [$0])
                        }
                    }
                }
            }
        }
        for url in nonResourceURLs {
            result += verbs.map { PolicyRule(verbs: [$0], nonResourceURLs: [url]) }
        }
        return result
    }

    /// Whether this (held) rule grants everything `other` grants, rule by rule
    /// as Kubernetes compares them: `*` covers any verb, group and resource;
    /// `*/sub` covers that subresource of any resource; a rule without resource
    /// names covers any names, one with names only those names (and never a
    /// rule without names); a URL ending in `*` covers the paths it prefixes.
    public func covers(_ other: PolicyRule) -> Bool {
        func coversAll(_ held: [String], _ wanted: [String]) -> Bool {
            held.contains("*") || wanted.allSatisfy(held.contains)
        }
        let resourcesCovered = resources.contains("*") || other.resources.allSatisfy { resource in
            if resources.contains(resource) { return true }
            guard let slash = resource.firstIndex(of: "/") else { return false }
            return resources.contains("*" + resource[slash...])
        }
        let urlsCovered = other.nonResourceURLs.allSatisfy { path in
            nonResourceURLs.contains { url in
                var prefix = Substring(url)
                while prefix.hasSuffix("*") { prefix = prefix.dropLast() }
                return url == path || (url.hasSuffix("*") && path.hasPrefix(prefix))
            }
        }
        let namesCovered = resourceNames.isEmpty || (!other.resourceNames.isEmpty && other.resourceNames.allSatisfy(resourceNames.contains))
        return coversAll(verbs, other.verbs) && coversAll(apiGroups, other.apiGroups) && resourcesCovered && urlsCovered && namesCovered
    }

    /// The rule as kube-apiserver prints it in an escalation message:
    /// `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create" "delete"]}`, empty lists left out.
    public var compactDescription: String {
        func list(_ values: [String]) -> String { "[" + values.map(\.goQuoted).joined(separator: " ") + "]" }
        let parts = [("APIGroups", apiGroups), ("Resources", resources), ("NonResourceURLs", nonResourceURLs),
                     ("ResourceNames", resourceNames), ("Verbs", verbs)]
            .filter { !$0.1.isEmpty }.map { "\($0.0):\(list($0.1))" }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

public enum RBACEscalation {
    /// Everything, as the aggregation rule check asks for it: `*` on `*.*` and on every URL.
    static let fullAuthority = [
        PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"]),
    ]

    /// The single grants of `rules` that no rule of `held` covers; empty when `held` covers them all.
    public static func uncovered(_ rules: [PolicyRule], by held: [PolicyRule]) -> [PolicyRule] {
        rules.flatMap(\.breakdown).filter { grant in !held.contains { $0.covers(grant) } }
    }

    /// Single grants of one group and one resource (no names, no URLs) merged into one rule per
    /// group and resource with all their verbs; other grants kept as they are.
    static func compact(_ grants: [PolicyRule]) -> [PolicyRule] {
        var result: [PolicyRule] = []
        var merged: [[String]: Int] = [:]
        for grant in grants {
            guard grant.apiGroups.count == 1, grant.resources.count == 1, grant.resourceNames.isEmpty, grant.nonResourceURLs.isEmpty else {
                result.append(grant)
                continue
            }
            let key = grant.apiGroups + grant.resources
            if let index = merged[key] {
                for verb in grant.verbs where !result[index].verbs.contains(verb) { result[index].verbs.append(verb) }
            } else {
                merged[key] = result.count
                result.append(grant)
            }
        }
        return result
    }

    /// kube-apiserver's explanation: `user "alice" (groups=["dev" "system:authenticated"]) is attempting
    /// to grant RBAC permissions not currently held:` and the missing rules, one a line, sorted.
    public static func notHeldMessage(user: UserInfo, missing: [PolicyRule], resolutionError: String? = nil) -> String {
        let groups = "[" + user.groups.map(\.goQuoted).joined(separator: " ") + "]"
        let rules = Set(compact(missing).map(\.compactDescription)).sorted()
        var message = "user \(user.name.goQuoted) (groups=\(groups)) is attempting to grant RBAC permissions not currently held:\n"
            + rules.joined(separator: "\n")
        if let resolutionError { message += "; resolution errors: [\(resolutionError)]" }
        return message
    }

    /// The kind of RBAC object a write is for, by resource; nil for every other resource.
    enum Target: String {
        case roles, clusterroles, rolebindings, clusterrolebindings

        var groupResource: GroupResource { GroupResource(group: rbacGroup, resource: rawValue) }
    }

    /// What the write of an RBAC object may do, decided as kube's RBAC storage decides it:
    /// nil when allowed, else the error to answer with. `old` is nil for a create;
    /// `namespace` and `name` are the request's (a create has no name).
    static func decision(_ target: Target, new: KubeObject, old: KubeObject?, user: UserInfo, namespace: String, name: String,
                         authorizer: any Authorizer) -> APIError? {
        if user.groups.contains(RBACPolicy.superuserGroup) { return nil }
        if let old, onlyGarbageCollectionFieldsChange(new, old) { return nil }
        func allowed(_ verb: String, _ resource: String, namespace: String, name: String) -> Bool {
            authorizer.authorize(AuthorizationAttributes(
                user: user, verb: verb, namespace: namespace, apiGroup: rbacGroup, resource: resource, name: name)).isAllowed
        }
        func notHeld(_ rules: [PolicyRule], in namespace: String, objectName: String) -> APIError? {
            let held = authorizer.rules(for: user, namespace: namespace)
            let missing = uncovered(rules, by: held.all)
            guard !missing.isEmpty else { return nil }
            return .forbiddenStatus(resource: target.groupResource, name: objectName,
                                    notHeldMessage(user: user, missing: missing, resolutionError: held.evaluationError))
        }
        switch target {
        case .roles, .clusterroles:
            if allowed("escalate", target.rawValue, namespace: namespace, name: name) { return nil }
            if let denial = notHeld(PolicyRule.rules(of: new), in: namespace, objectName: new.name) { return denial }
            let aggregates = [new, old].contains { $0.map(hasAggregationRule) ?? false }
            if target == .clusterroles, aggregates, !uncovered(fullAuthority, by: authorizer.rules(for: user, namespace: namespace).all).isEmpty {
                return .forbiddenStatus(resource: target.groupResource, name: new.name,
                                        "must have cluster-admin privileges to use the aggregationRule")
            }
            return nil
        case .rolebindings, .clusterrolebindings:
            let binding = RBACBinding(new)
            let roleResource = binding.roleRef.kind == "Role" ? "roles" : "clusterroles"
            if ["Role", "ClusterRole"].contains(binding.roleRef.kind),
               allowed("bind", roleResource, namespace: binding.namespace, name: binding.roleRef.name) { return nil }
            // Without a rule resolver (an authorizer other than RBAC's) there is nothing more to compare.
            guard let policy = authorizer as? RBACPolicy else { return nil }
            let rules: [PolicyRule]
            switch policy.resolve(binding.roleRef, namespace: binding.namespace) {
            case .success(let resolved): rules = resolved
            case .failure(let error):
                guard ["Role", "ClusterRole"].contains(binding.roleRef.kind) else { return .internalError(error.message) }
                return .notFound(GroupResource(group: rbacGroup, resource: binding.roleRef.kind.lowercased()), name: binding.roleRef.name)
            }
            return notHeld(rules, in: binding.namespace, objectName: new.name)
        }
    }

    /// Whether an update changes only what the garbage collector changes (owner
    /// references, finalizers) or what the server keeps itself: such updates are never checked.
    static func onlyGarbageCollectionFieldsChange(_ new: KubeObject, _ old: KubeObject) -> Bool {
        var stomped = new
        for field in ["ownerReferences", "finalizers", "managedFields", "selfLink", "resourceVersion"] {
            stomped.json["metadata"]?[field] = old.json["metadata"]?[field]
        }
        return stomped == old
    }

    static func hasAggregationRule(_ role: KubeObject) -> Bool {
        !(role.json["aggregationRule"]?["clusterRoleSelectors"]?.arrayValue?.isEmpty ?? true)
    }
}

extension SubjectRules {
    /// The resource and non-resource rules together.
    var all: [PolicyRule] { resourceRules + nonResourceRules }
}

// MARK: - Admission

extension APIServerCore {
    /// Refuses a create or update of a Role, ClusterRole, RoleBinding or ClusterRoleBinding that
    /// would grant the requester RBAC permissions it does not hold, when the current request armed
    /// the RBAC admission checks (RBAC mode, not `system:masters`). Runs inside the write's transaction.
    func admitRBACEscalation(_ object: KubeObject, old: KubeObject?, _ type: ResourceType, request: ResourceRequest) throws {
        guard let authorizer = RBACAdmission.authorizer, type.group == rbacGroup, request.subresource == nil,
              let target = RBACEscalation.Target(rawValue: type.resource) else { return }
        if let denial = RBACEscalation.decision(target, new: object, old: old, user: request.user, namespace: request.namespace ?? "",
                                                name: request.name ?? "", authorizer: authorizer) {
            throw denial
        }
    }
}
