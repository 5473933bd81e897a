//! The real `kubectl auth` against a local cluster in `--authorization-mode=RBAC`,
//! as limited users with their own kubeconfigs (a client certificate user and a
//! service account token): `can-i` answers yes (exit 0) or no (exit 1),
//! `can-i --list`, `whoami`, and the Forbidden errors kubectl prints.
import Foundation
import KubeCore
import LocalAPIServer
import LocalCluster
import Logging
import PKI
import Testing

/// A local cluster with RBAC on, driven by kubectl as the admin and as limited users.
struct RBACKubectlCluster: Sendable {
    let admin: KubectlCluster
    let state: URL

    var cluster: LocalCluster { admin.cluster }

    static func with<T: Sendable>(_ body: @Sendable (RBACKubectlCluster) async throws -> T) async throws -> T {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-auth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        var configuration = LocalCluster.Configuration(stateDirectory: state)
        configuration.authorizationMode = .rbac
        configuration.simulators.enabled = false
        var logger = Logger(label: "kubectl-auth")
        logger.logLevel = .warning
        let cluster = try LocalCluster(configuration: configuration, logger: logger)
        return try await withRunningService(cluster, logger: logger) {
            let admin = KubectlCluster(cluster: cluster, kubeconfig: cluster.kubeconfigPath.path)
            try await admin.waitUntilReady()
            return try await body(RBACKubectlCluster(admin: admin, state: state))
        }
    }

    /// kubectl as `user` in `groups`, authenticating with a client certificate signed by the cluster CA.
    func kubectl(asUser user: String, groups: [String] = []) async throws -> KubectlUser {
        let credentials = try cluster.credentials.clientCredentials(user: user, groups: groups)
        return try await kubectl(user: user, credential: .clientCertificate(certificatePEM: credentials.certificate.pem,
                                                                             keyPEM: credentials.key.pemPKCS8))
    }

    /// kubectl as the service account `namespace/name`, with a bearer token the server knows.
    func kubectl(asServiceAccount name: String, namespace: String) async throws -> KubectlUser {
        let token = UUID().uuidString.lowercased()
        cluster.server.authenticator.addToken(token, for: .serviceAccount(namespace: namespace, name: name))
        return try await kubectl(user: "\(namespace)-\(name)", credential: .token(token))
    }

    private func kubectl(user: String, credential: KubeconfigFile.Credential) async throws -> KubectlUser {
        let text = KubeconfigFile.render(server: await cluster.server.httpsURL(), caPEM: cluster.credentials.authority.certificate.pem,
                                     user: user, credential: credential)
        let path = state.appendingPathComponent("kubeconfig-\(user)")
        try Data(text.utf8).write(to: path, options: .atomic)
        return KubectlUser(kubeconfig: path.path)
    }
}

/// kubectl with one user's kubeconfig.
struct KubectlUser: Sendable {
    let kubeconfig: String

    /// Runs kubectl with these arguments and returns its exit status and output.
    func run(_ arguments: [String], stdin: String? = nil) async throws -> KubectlResult {
        try await runKubectl(kubeconfig: kubeconfig, arguments, stdin: stdin)
    }

    /// Runs kubectl, records a failure unless it exits 0, and returns stdout.
    @discardableResult
    func ok(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await run(arguments, stdin: stdin)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }
}

private func roleBinding(_ name: String, namespace: String = "default", clusterRole: String, subject: String) -> String {
    """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: \(name), namespace: \(namespace)}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: \(clusterRole)}
    subjects:
    - \(subject)
    """
}

@Suite("kubectl auth under RBAC", .enabled(if: kubectlPath != nil, "kubectl is not installed"), .serialized)
struct KubectlAuthTests {
    @Test("can-i prints yes and exits 0 when allowed, prints no and exits 1 when denied")
    func canI() async throws {
        try await RBACKubectlCluster.with { k in
            try await k.admin.ok("apply", "-f", "-", stdin: roleBinding("alice-view", clusterRole: "view",
                                                                         subject: "{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}"))
            let alice = try await k.kubectl(asUser: "alice", groups: ["dev"])
            let cases: [([String], Bool)] = [
                (["get", "configmaps"], true),
                (["list", "pods"], true),
                (["get", "pods", "--subresource=log"], true),
                (["create", "configmaps"], false),
                (["get", "secrets"], false),
                (["get", "configmaps", "-n", "kube-system"], false),
                (["list", "namespaces", "--all-namespaces"], false),
                (["create", "selfsubjectaccessreviews.authorization.k8s.io"], true),
                (["get", "/apis"], true),
                (["get", "/metrics"], false),
            ]
            for (arguments, allowed) in cases {
                let result = try await alice.run(["auth", "can-i"] + arguments)
                #expect(result.stdout == (allowed ? "yes\n" : "no\n"), "can-i \(arguments.joined(separator: " ")): \(result.stdout) \(result.stderr)")
                #expect(result.status == (allowed ? 0 : 1), "can-i \(arguments.joined(separator: " ")) exit status")
            }
            let root = try await k.admin.kubectl("auth", "can-i", "*", "*", "--all-namespaces")
            #expect(root.stdout == "yes\n" && root.status == 0)
        }
    }

    @Test("a service account's token user is authorized by its bindings and denied elsewhere with kube's message")
    func serviceAccount() async throws {
        try await RBACKubectlCluster.with { k in
            try await k.admin.ok("apply", "-f", "-", stdin: roleBinding("robot-edit", clusterRole: "edit",
                                                                         subject: "{kind: ServiceAccount, name: robot, namespace: default}"))
            let robot = try await k.kubectl(asServiceAccount: "robot", namespace: "default")
            let allowed = try await robot.run(["auth", "can-i", "create", "deployments.apps"])
            #expect(allowed.stdout == "yes\n" && allowed.status == 0)
            let denied = try await robot.run(["auth", "can-i", "create", "deployments.apps", "-n", "kube-system"])
            #expect(denied.stdout == "no\n" && denied.status == 1)
            let list = try await robot.run(["get", "configmaps", "-n", "kube-system"])
            #expect(list.status == 1)
            #expect(list.stderr.contains(#"Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" in API group "" in the namespace "kube-system""#),
                    "\(list.stderr)")
            try await robot.ok(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: by-robot}\ndata: {k: v}\n")
        }
    }

    @Test("can-i --list shows the caller's rules; whoami shows the caller")
    func listAndWhoami() async throws {
        try await RBACKubectlCluster.with { k in
            try await k.admin.ok("apply", "-f", "-", stdin: roleBinding("alice-view", clusterRole: "view",
                                                                         subject: "{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}"))
            let alice = try await k.kubectl(asUser: "alice", groups: ["dev"])
            let rules = try await alice.ok(["auth", "can-i", "--list"])
            let lines = rules.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("Resources") == true, "\(rules)")
            #expect(lines.contains { $0.hasPrefix("configmaps ") && $0.contains("[get list watch]") }, "\(rules)")
            #expect(lines.contains { $0.hasPrefix("selfsubjectaccessreviews.authorization.k8s.io ") && $0.contains("[create]") }, "\(rules)")
            #expect(lines.contains { $0.contains("[/api/*]") && $0.contains("[get]") }, "\(rules)")
            #expect(!lines.contains { $0.hasPrefix("secrets ") }, "\(rules)")

            let whoami = try await alice.ok(["auth", "whoami"])
            #expect(whoami.contains("Username") && whoami.contains("alice"), "\(whoami)")
            #expect(whoami.contains("[dev system:authenticated]"), "\(whoami)")
        }
    }
}
