//! The gateway's identities and permissions (openshell-contract §2.2, §2.7):
//! its service account and the sandboxes', the ClusterRole every workspace
//! mode needs (plus what Managed and Operator add), the sandbox-namespace
//! Role of Shared mode, and the credential Role of the Kubernetes Secrets
//! driver. Nothing ever grants `patch` on pods.
import KubeCore
import OpenShellAPI

enum RBACRendering {
    static let rbacAPIVersion = "rbac.authorization.k8s.io/v1"
    static let sandboxVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"]

    // MARK: Service accounts

    /// The gateway's account in its namespace, then the sandboxes' in the sandbox namespace, each when created.
    static func serviceAccounts(_ c: GatewayContext) -> [KubeObject] {
        var accounts: [KubeObject] = []
        if c.createsGatewayServiceAccount {
            accounts.append(c.object("v1", "ServiceAccount", metadata: c.metadata(
                name: c.gatewayServiceAccount, namespace: c.names.namespace, annotations: c.spec.serviceAccount?.annotations)))
        }
        if c.createsSandboxServiceAccount {
            accounts.append(c.object("v1", "ServiceAccount", metadata: c.metadata(
                name: c.sandboxServiceAccount, namespace: c.sandboxNamespace, annotations: c.spec.sandboxes?.serviceAccount?.annotations)))
        }
        return accounts
    }

    // MARK: Roles

    static func objects(_ c: GatewayContext) -> [KubeObject] {
        var objects = [clusterRole(c), binding(c, kind: "ClusterRoleBinding", roleKind: "ClusterRole", name: c.names.clusterRole, namespace: nil)]
        if c.workspaceMode == .shared {
            objects.append(c.object(rbacAPIVersion, "Role", metadata: c.metadata(name: c.names.sandboxRole, namespace: c.sandboxNamespace),
                                    ["rules": .array(sandboxRules)]))
            objects.append(binding(c, kind: "RoleBinding", roleKind: "Role", name: c.names.sandboxRole, namespace: c.sandboxNamespace))
        }
        if let driver = c.kubernetesSecretsDriver, driver.createRBAC ?? true {
            objects.append(c.object(rbacAPIVersion, "Role", metadata: c.metadata(name: c.names.credentialSecretsRole, namespace: c.credentialNamespace),
                                    ["rules": .array([rule("", ["secrets"], ["get", "create", "patch", "delete"])])]))
            objects.append(binding(c, kind: "RoleBinding", roleKind: "Role", name: c.names.credentialSecretsRole, namespace: c.credentialNamespace))
        }
        return objects
    }

    /// Sandboxes and their status, events, and reading pods: what the driver does in its namespace(s).
    static let sandboxRules: [JSONValue] = [
        rule("agents.x-k8s.io", ["sandboxes", "sandboxes/status"], sandboxVerbs),
        rule("", ["events"], ["get", "list", "watch"]),
        rule("", ["pods"], ["get"]),
    ]

    /// The ClusterRole's rules for the workspace mode.
    static func clusterRules(_ c: GatewayContext) -> [JSONValue] {
        let mode = c.workspaceMode
        var namespaceVerbs = ["get"]
        if mode != .shared { namespaceVerbs += ["list", "watch"] }
        if mode == .managed { namespaceVerbs += ["create", "delete"] }
        var rules: [JSONValue] = [
            rule("authentication.k8s.io", ["tokenreviews"], ["create"]),
            rule("", ["nodes"], ["get", "list", "watch"]),
            rule("", ["namespaces"], namespaceVerbs),
        ]
        guard mode != .shared else { return rules }
        rules += sandboxRules
        // Secrets the driver copies into workspace namespaces: the client TLS Secret, and in Managed mode the
        // sandboxes' image pull Secrets.
        var copied: [String] = []
        if c.tlsEnabled { copied.append(c.secrets.client) }
        if mode == .managed { copied += (c.spec.sandboxes?.imagePullSecrets ?? []).map(\.name).filter { !$0.isEmpty } }
        copied = unique(copied)
        if !copied.isEmpty {
            var named = rule("", ["secrets"], ["get", "patch"]).objectValue ?? [:]
            named["resourceNames"] = strings(copied)
            rules.append(.object(named))
            rules.append(rule("", ["secrets"], ["create"]))
        }
        if c.kubernetesSecretsDriver != nil { rules.append(rule("", ["secrets"], ["get", "create", "patch", "delete"])) }
        if mode == .managed {
            rules.append(rule("", ["serviceaccounts"], ["create", "get"]))
            if c.networkPolicyEnabled { rules.append(rule("networking.k8s.io", ["networkpolicies"], ["get", "create", "patch", "update"])) }
        }
        return rules
    }

    private static func clusterRole(_ c: GatewayContext) -> KubeObject {
        c.object(rbacAPIVersion, "ClusterRole", metadata: c.metadata(name: c.names.clusterRole, namespace: nil), ["rules": .array(clusterRules(c))])
    }

    /// Binds the role of the same name to the gateway's service account.
    private static func binding(_ c: GatewayContext, kind: String, roleKind: String, name: String, namespace: String?) -> KubeObject {
        c.object(rbacAPIVersion, kind, metadata: c.metadata(name: name, namespace: namespace), [
            "roleRef": .object(["apiGroup": "rbac.authorization.k8s.io", "kind": .string(roleKind), "name": .string(name)]),
            "subjects": .array([.object([
                "kind": "ServiceAccount", "name": .string(c.gatewayServiceAccount), "namespace": .string(c.names.namespace),
            ])]),
        ])
    }

    static func rule(_ group: String, _ resources: [String], _ verbs: [String]) -> JSONValue {
        .object(["apiGroups": strings([group]), "resources": strings(resources), "verbs": strings(verbs)])
    }
}
