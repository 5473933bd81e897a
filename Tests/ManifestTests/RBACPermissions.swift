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
        switch subresource {
        case "finalizers":
            // OwnerReferencesPermissionEnforcement refuses creating an owned
            // object with blockOwnerDeletion: the create is the denied request.
            return [("create", nil)]
        default:
            return [(verb, loggedResource)]
        }
    }
}

enum RBACPermissions {
    static let roleKinds: Set<String> = ["ClusterRole", "Role"]

    /// The gateway reconciler's role: its permissions are proven by the gateway scenario.
    static let gatewayRole = "openshell-operator-gateway"

    /// Every permission the roles among `objects` grant, rule by rule, in order.
    static func permissions(in objects: [KubeObject]) -> [RBACPermission] {
        objects.filter { roleKinds.contains($0.kind) }.flatMap(permissions(of:))
    }

    /// Whether the local API server can show this permission is needed. `escalate` and
    /// `bind` on roles cannot be: Kubernetes checks them when a role granting more than
    /// the writer holds is created or bound (RBAC escalation prevention), and the local
    /// API server does not implement that check, so without them nothing is refused
    /// there. They stay in the manifest (a real API server refuses the gateway's
    /// node-reader ClusterRole without them) and are left out of the matrix.
    static func isProvable(_ permission: RBACPermission) -> Bool {
        !["escalate", "bind"].contains(permission.verb) && !pendingRoles.contains(permission.roleName)
    }

    /// Roles labelled `openshell.ai/rbac-proof=pending` in the manifests: rules the scenarios here do
    /// not exercise yet (the gateway's optional APIs and stalled-pod deletion), proven by the
    /// gateway's own integration tests instead. Their names are listed so a test can check the label.
    static let pendingRoles: Set<String> = ["openshell-operator-gateway-optional"]

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
