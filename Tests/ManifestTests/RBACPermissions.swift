//! The rendered RBAC as single permissions (one verb on one resource of one
//! rule of one role), the same RBAC with one permission taken away, and the
//! 403 the operator must then be answered with. Pure.
import KubeCore

/// One verb on one resource (or subresource), as one rule of one role grants it.
struct RBACPermission: Sendable, Hashable, CustomStringConvertible {
    /// `ClusterRole` or `Role`.
    var roleKind: String
    var roleName: String
    /// Empty for a ClusterRole.
    var roleNamespace: String
    var apiGroup: String
    /// `resource` or `resource/subresource`.
    var resource: String
    var resourceNames: [String]
    var verb: String

    var resourceName: String { resource.split(separator: "/").first.map(String.init) ?? resource }
    var subresource: String? { resource.contains("/") ? resource.split(separator: "/").dropFirst().joined(separator: "/") : nil }

    /// The resource as the request log names it: `resource.group` (subresources are logged as their resource).
    var loggedResource: String { apiGroup.isEmpty ? resourceName : "\(resourceName).\(apiGroup)" }

    var description: String {
        let group = apiGroup.isEmpty ? "core" : apiGroup
        let names = resourceNames.isEmpty ? "" : " \(resourceNames)"
        return "\(verb) \(resource) (\(group))\(names) of \(roleKind) \(roleName)"
    }

    /// The requests a server answers with 403 when this permission is missing
    /// and the operator needs it, as (verb, logged resource) pairs; `nil` verb
    /// or resource matches any.
    var expectedDenials: [(verb: String?, resource: String?)] {
        let rbac = "rbac.authorization.k8s.io"
        switch (verb, subresource) {
        case (_, "finalizers"?):
            // OwnerReferencesPermissionEnforcement refuses creating an owned
            // object with blockOwnerDeletion: the create is the denied request.
            return [("create", nil)]
        case ("escalate", nil) where apiGroup == rbac:
            // Escalation prevention refuses writing a role that grants more than the writer holds.
            return ["create", "patch", "update"].map { ($0, loggedResource) }
        case ("bind", nil) where apiGroup == rbac:
            // ... and binding a role whose rules the writer does not hold all. A ClusterRole may
            // be bound by a RoleBinding too; a Role only by a RoleBinding.
            let bindings = resourceName == "roles" ? ["rolebindings"] : ["rolebindings", "clusterrolebindings"]
            return bindings.flatMap { binding in ["create", "patch", "update"].map { ($0, "\(binding).\(rbac)") } }
        default:
            return [(verb, loggedResource)]
        }
    }
}

enum RBACPermissions {
    static let roleKinds: Set<String> = ["ClusterRole", "Role"]

    /// The gateway reconciler's role: its permissions are proven by the gateway scenario.
    static let gatewayRole = "openshell-operator-gateway"

    /// The gateway reconciler's role for what only some specs or situations call for
    /// (cert-manager, Gateway API and Route children, stalled pods): proven by the gateway's optional scenario.
    static let gatewayOptionalRole = "openshell-operator-gateway-optional"

    /// The gateway reconciler's roles, which the sandbox-only component leaves out.
    static let gatewayRoles: Set<String> = [gatewayRole, gatewayOptionalRole]

    /// Every permission the roles among `objects` grant, rule by rule, in order.
    static func permissions(in objects: [KubeObject]) -> [RBACPermission] {
        objects.filter { roleKinds.contains($0.kind) }.flatMap(permissions(of:))
    }

    /// The permissions of one role.
    static func permissions(of role: KubeObject) -> [RBACPermission] {
        var result: [RBACPermission] = []
        for rule in role.json["rules"]?.arrayValue ?? [] {
            let names = strings(rule["resourceNames"])
            for group in strings(rule["apiGroups"]) {
                for resource in strings(rule["resources"]) {
                    for verb in strings(rule["verbs"]) {
                        result.append(RBACPermission(
                            roleKind: role.kind, roleName: role.name, roleNamespace: role.namespace, apiGroup: group,
                            resource: resource, resourceNames: names, verb: verb))
                    }
                }
            }
        }
        return result
    }

    /// `objects` with `permission` taken out of its role: that role's rules are
    /// rewritten as one rule per remaining permission (the same grants).
    static func removing(_ permission: RBACPermission, from objects: [KubeObject]) -> [KubeObject] {
        objects.map { object in
            guard object.kind == permission.roleKind, object.name == permission.roleName,
                  object.namespace == permission.roleNamespace else { return object }
            var role = object
            let remaining = permissions(of: object).filter { $0 != permission }
            role.json["rules"] = .array(remaining.map { granted in
                var rule: JSONObject = [
                    "apiGroups": [.string(granted.apiGroup)], "resources": [.string(granted.resource)], "verbs": [.string(granted.verb)],
                ]
                if !granted.resourceNames.isEmpty { rule["resourceNames"] = .array(granted.resourceNames.map(JSONValue.string)) }
                return .object(rule)
            })
            return role
        }
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        value?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
