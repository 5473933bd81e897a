//! RBAC escalation prevention: whether held rules cover a rule (table-driven,
//! Kubernetes' semantics), the 403's wording, and over HTTPS with the real
//! client: a role granting what its writer lacks is refused unless the writer
//! may `escalate`; a binding to a role its writer does not hold is refused
//! unless it may `bind`; `system:masters` may do both.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

extension GroupVersionResource {
    fileprivate static let escalationRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles")
    fileprivate static let escalationRoleBindings = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings")
    fileprivate static let escalationClusterRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    fileprivate static let escalationClusterRoleBindings = GroupVersionResource(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings")
}

struct CoverCase: Sendable, CustomTestStringConvertible {
    var held: [PolicyRule]
    var wanted: PolicyRule
    var covered: Bool
    var testDescription: String { "\(held.map(\.compactDescription)) covers \(wanted.compactDescription): \(covered)" }
}

private func rule(_ verbs: [String], _ groups: [String], _ resources: [String], names: [String] = []) -> PolicyRule {
    PolicyRule(verbs: verbs, apiGroups: groups, resources: resources, resourceNames: names)
}

private func urls(_ verbs: [String], _ paths: [String]) -> PolicyRule {
    PolicyRule(verbs: verbs, nonResourceURLs: paths)
}

private func clusterRole(_ name: String, _ rules: [PolicyRule]) -> KubeObject {
    KubeObject(["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": .string(name)],
                "rules": .array(rules.map(\.json))])
}

private func binding(_ name: String, namespace: String? = nil, roleKind: String = "ClusterRole", role: String, user: String) -> KubeObject {
    var object = KubeObject([
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": namespace == nil ? "ClusterRoleBinding" : "RoleBinding",
        "metadata": ["name": .string(name)],
        "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(roleKind), "name": .string(role)],
        "subjects": [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": .string(user)]],
    ])
    if let namespace { object.namespace = namespace }
    return object
}

/// Expects a 403 Forbidden whose message is `message`.
private func expectForbidden(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    let error = await expectAPIError(body, sourceLocation: sourceLocation)
    #expect(error?.code == 403, sourceLocation: sourceLocation)
    #expect(error?.reason == .forbidden, sourceLocation: sourceLocation)
    #expect(error?.message == message, sourceLocation: sourceLocation)
}

@Suite("RBAC escalation prevention")
struct RBACEscalationTests {
    static let coverCases: [CoverCase] = [
        // verbs, groups, resources
        CoverCase(held: [rule(["get", "list"], [""], ["pods"])], wanted: rule(["get"], [""], ["pods"]), covered: true),
        CoverCase(held: [rule(["get"], [""], ["pods"])], wanted: rule(["get", "list"], [""], ["pods"]), covered: false),
        CoverCase(held: [rule(["get"], [""], ["pods"]), rule(["list"], [""], ["pods"])], wanted: rule(["get", "list"], [""], ["pods"]), covered: true),
        CoverCase(held: [rule(["*"], [""], ["pods"])], wanted: rule(["escalate", "delete"], [""], ["pods"]), covered: true),
        CoverCase(held: [rule(["get"], ["apps"], ["pods"])], wanted: rule(["get"], [""], ["pods"]), covered: false),
        CoverCase(held: [rule(["get"], ["*"], ["pods"])], wanted: rule(["get"], ["", "apps"], ["pods"]), covered: true),
        CoverCase(held: [rule(["get"], [""], ["*"])], wanted: rule(["get"], [""], ["pods", "pods/log", "secrets"]), covered: true),
        CoverCase(held: [rule(["get"], [""], ["pods"])], wanted: rule(["get"], [""], ["pods", "secrets"]), covered: false),
        // subresources
        CoverCase(held: [rule(["get"], [""], ["pods"])], wanted: rule(["get"], [""], ["pods/log"]), covered: false),
        CoverCase(held: [rule(["get"], [""], ["pods/log"])], wanted: rule(["get"], [""], ["pods"]), covered: false),
        CoverCase(held: [rule(["get"], ["*"], ["*/scale"])], wanted: rule(["get"], ["apps"], ["deployments/scale"]), covered: true),
        CoverCase(held: [rule(["get"], ["*"], ["*/scale"])], wanted: rule(["get"], ["apps"], ["deployments"]), covered: false),
        CoverCase(held: [rule(["get"], ["*"], ["*/scale"])], wanted: rule(["get"], ["apps"], ["*/scale"]), covered: true),
        // resource names
        CoverCase(held: [rule(["get"], [""], ["secrets"])], wanted: rule(["get"], [""], ["secrets"], names: ["a"]), covered: true),
        CoverCase(held: [rule(["get"], [""], ["secrets"], names: ["a"])], wanted: rule(["get"], [""], ["secrets"], names: ["a"]), covered: true),
        CoverCase(held: [rule(["get"], [""], ["secrets"], names: ["a", "b"])], wanted: rule(["get"], [""], ["secrets"], names: ["b", "a"]), covered: true),
        CoverCase(held: [rule(["get"], [""], ["secrets"], names: ["a"])], wanted: rule(["get"], [""], ["secrets"], names: ["a", "b"]), covered: false),
        CoverCase(held: [rule(["get"], [""], ["secrets"], names: ["a"])], wanted: rule(["get"], [""], ["secrets"]), covered: false),
        CoverCase(held: [rule(["get"], [""], ["secrets"], names: ["a"]), rule(["get"], [""], ["secrets"], names: ["b"])],
                  wanted: rule(["get"], [""], ["secrets"], names: ["a", "b"]), covered: true),
        // non-resource URLs
        CoverCase(held: [urls(["get"], ["/healthz"])], wanted: urls(["get"], ["/healthz"]), covered: true),
        CoverCase(held: [urls(["get"], ["/healthz"])], wanted: urls(["get"], ["/healthz/etcd"]), covered: false),
        CoverCase(held: [urls(["get"], ["/healthz/*"])], wanted: urls(["get"], ["/healthz/etcd"]), covered: true),
        CoverCase(held: [urls(["get"], ["/healthz/*"])], wanted: urls(["get"], ["/healthz/*"]), covered: true),
        CoverCase(held: [urls(["get"], ["/healthz/*"])], wanted: urls(["get"], ["*"]), covered: false),
        CoverCase(held: [urls(["*"], ["*"])], wanted: urls(["get", "post"], ["/metrics", "/logs/x"]), covered: true),
        CoverCase(held: [urls(["get"], ["/metrics"])], wanted: urls(["post"], ["/metrics"]), covered: false),
        // resources and URLs are separate
        CoverCase(held: [rule(["*"], ["*"], ["*"])], wanted: urls(["get"], ["/metrics"]), covered: false),
        CoverCase(held: [urls(["*"], ["*"])], wanted: rule(["get"], [""], ["pods"]), covered: false),
        CoverCase(held: [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])],
                  wanted: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], nonResourceURLs: ["/metrics"]), covered: true),
        // nothing is always covered, by nothing too
        CoverCase(held: [], wanted: rule(["get"], [""], []), covered: true),
        CoverCase(held: [], wanted: rule(["get"], [""], ["pods"]), covered: false),
    ]

    @Test("held rules cover a rule as Kubernetes compares them", arguments: coverCases)
    func covers(_ c: CoverCase) {
        let missing = RBACEscalation.uncovered([c.wanted], by: c.held)
        #expect(missing.isEmpty == c.covered, "missing: \(missing.map(\.compactDescription))")
    }

    @Test("the uncovered part is reported grant by grant")
    func uncoveredGrants() {
        let missing = RBACEscalation.uncovered(
            [rule(["get", "list"], ["", "apps"], ["pods"]), rule(["get"], [""], ["secrets"], names: ["a", "b"])],
            by: [rule(["get"], [""], ["pods"]), rule(["get"], [""], ["secrets"], names: ["b"])])
        #expect(missing == [
            rule(["list"], [""], ["pods"]), rule(["get"], ["apps"], ["pods"]), rule(["list"], ["apps"], ["pods"]),
            rule(["get"], [""], ["secrets"], names: ["a"]),
        ])
    }

    @Test("the message names the user, its groups and the missing rules, verbs of one resource together, sorted")
    func message() {
        let user = UserInfo(name: "alice", groups: ["dev", "system:authenticated"])
        let missing = RBACEscalation.uncovered(
            [rule(["get", "create"], [""], ["secrets"]), rule(["get"], [""], ["configmaps"], names: ["x"]), urls(["get"], ["/metrics"])],
            by: [])
        #expect(RBACEscalation.notHeldMessage(user: user, missing: missing) == """
            user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
            {APIGroups:[""], Resources:["configmaps"], ResourceNames:["x"], Verbs:["get"]}
            {APIGroups:[""], Resources:["secrets"], Verbs:["get" "create"]}
            {NonResourceURLs:["/metrics"], Verbs:["get"]}
            """)
        #expect(RBACEscalation.notHeldMessage(user: user, missing: [rule(["get"], [""], ["pods"])], resolutionError: "clusterrole.rbac.authorization.k8s.io \"gone\" not found")
            .hasSuffix(#"{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [clusterrole.rbac.authorization.k8s.io "gone" not found]"#))
    }

    @Test("a ClusterRole granting what its writer lacks is refused (403); with escalate it is created; patching it to grant more is refused too")
    func escalate() async throws {
        try await TestServer.withRBAC { t in
            // alice may write ClusterRoles and read pods, nothing more.
            try await t.role("role-writer", [
                PolicyRule(verbs: ["create", "update", "patch", "get"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"]),
                PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods"]),
            ])
            try await t.bind("alice-role-writer", role: "role-writer", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            let alice = try t.user("alice", groups: ["dev"])

            // What alice holds she may grant.
            _ = try await alice.create(.escalationClusterRoles, clusterRole("pod-reader", [rule(["get"], [""], ["pods"])]))
            await expectForbidden("""
                clusterroles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) \
                is attempting to grant RBAC permissions not currently held:
                {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}
                """) {
                _ = try await alice.create(.escalationClusterRoles, clusterRole("secret-reader", [rule(["get", "list"], [""], ["secrets", "pods"])]))
            }
            await expectForbidden("""
                clusterroles.rbac.authorization.k8s.io "pod-reader" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) \
                is attempting to grant RBAC permissions not currently held:
                {APIGroups:[""], Resources:["pods"], Verbs:["delete"]}
                """) {
                _ = try await alice.patch(.escalationClusterRoles, name: "pod-reader", type: .merge,
                                          patch: ["rules": [rule(["get", "delete"], [""], ["pods"]).json]])
            }
            #expect((try? await t.client.get(.escalationClusterRoles, name: "secret-reader")) == nil)

            // escalate on ClusterRoles lets her grant what she lacks.
            try await t.role("role-escalator", [PolicyRule(verbs: ["escalate"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"])])
            try await t.bind("alice-role-escalator", role: "role-escalator", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            let created = try await alice.create(.escalationClusterRoles, clusterRole("secret-reader", [rule(["get", "list"], [""], ["secrets"])]))
            #expect(PolicyRule.rules(of: created) == [rule(["get", "list"], [""], ["secrets"])])
            _ = try await alice.patch(.escalationClusterRoles, name: "pod-reader", type: .merge,
                                      patch: ["rules": [rule(["get", "delete"], [""], ["pods"]).json]])
        }
    }

    @Test("a Role is checked against what its writer holds in the Role's namespace; escalate may be limited to one role by name")
    func namespacedEscalate() async throws {
        try await TestServer.withRBAC { t in
            try await t.namespace("team-a")
            try await t.role("role-writer", [
                PolicyRule(verbs: ["create", "update", "patch", "get"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"]),
            ])
            try await t.bind("alice-role-writer", role: "role-writer", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            try await t.role("configmap-editor", [rule(["get", "update"], [""], ["configmaps"])])
            try await t.bind("alice-edits-team-a", namespace: "team-a", role: "configmap-editor",
                             [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            let alice = try t.user("alice")
            func role(_ name: String, _ namespace: String) -> KubeObject {
                KubeObject(["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                            "metadata": ["name": .string(name), "namespace": .string(namespace)],
                            "rules": [rule(["update"], [""], ["configmaps"]).json]])
            }
            _ = try await t.namespace("team-b")
            _ = try await alice.create(.escalationRoles, namespace: "team-a", role("cm", "team-a"))
            await expectForbidden("""
                roles.rbac.authorization.k8s.io "cm" is forbidden: user "alice" (groups=["system:authenticated"]) \
                is attempting to grant RBAC permissions not currently held:
                {APIGroups:[""], Resources:["configmaps"], Verbs:["update"]}
                """) {
                _ = try await alice.create(.escalationRoles, namespace: "team-b", role("cm", "team-b"))
            }
            // escalate on one Role by name: a create has no name yet, so only updates of that Role may escalate.
            _ = try await t.client.create(.escalationRoles, namespace: "team-b", role("cm", "team-b"))
            try await t.role("escalate-cm", [rule(["escalate"], ["rbac.authorization.k8s.io"], ["roles"], names: ["cm"])])
            try await t.bind("alice-escalates-cm", namespace: "team-b", role: "escalate-cm",
                             [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            _ = try await alice.patch(.escalationRoles, namespace: "team-b", name: "cm", type: .merge,
                                      patch: ["rules": [rule(["update", "delete"], [""], ["configmaps"]).json]])
            let error = await expectAPIError { _ = try await alice.create(.escalationRoles, namespace: "team-b", role("other", "team-b")) }
            #expect(error?.code == 403)
        }
    }

    @Test("a binding to a role its writer does not hold is refused (403); with bind on that role it is created")
    func bind() async throws {
        try await TestServer.withRBAC { t in
            try await t.namespace("team-a")
            try await t.role("binding-writer", [
                PolicyRule(verbs: ["create", "update", "patch", "get"], apiGroups: ["rbac.authorization.k8s.io"],
                           resources: ["rolebindings", "clusterrolebindings"]),
                PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"]),
            ])
            try await t.bind("alice-binding-writer", role: "binding-writer", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            try await t.role("pod-getter", [rule(["get"], [""], ["pods"])])
            try await t.role("secret-reader", [rule(["get", "list"], [""], ["secrets"])])
            let alice = try t.user("alice")

            // She holds every rule of pod-getter: she may bind it, cluster-wide and in a namespace.
            _ = try await alice.create(.escalationClusterRoleBindings, binding("bob-pods", role: "pod-getter", user: "bob"))
            _ = try await alice.create(.escalationRoleBindings, namespace: "team-a", binding("bob-pods", namespace: "team-a", role: "pod-getter", user: "bob"))
            await expectForbidden("""
                clusterrolebindings.rbac.authorization.k8s.io "bob-secrets" is forbidden: user "alice" (groups=["system:authenticated"]) \
                is attempting to grant RBAC permissions not currently held:
                {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}
                """) {
                _ = try await alice.create(.escalationClusterRoleBindings, binding("bob-secrets", role: "secret-reader", user: "bob"))
            }
            await expectForbidden("""
                rolebindings.rbac.authorization.k8s.io "bob-secrets" is forbidden: user "alice" (groups=["system:authenticated"]) \
                is attempting to grant RBAC permissions not currently held:
                {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}
                """) {
                _ = try await alice.create(.escalationRoleBindings, namespace: "team-a",
                                           binding("bob-secrets", namespace: "team-a", role: "secret-reader", user: "bob"))
            }
            // Changing the subjects of a binding to a role she holds is allowed.
            var changed = try await alice.get(.escalationClusterRoleBindings, name: "bob-pods")
            changed.json["subjects"] = [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "carol"]]
            _ = try await alice.update(.escalationClusterRoleBindings, changed)
            // A binding to a role that does not exist: not found.
            let missing = await expectAPIError {
                _ = try await alice.create(.escalationClusterRoleBindings, binding("bob-gone", role: "gone", user: "bob"))
            }
            #expect(missing?.code == 404)
            #expect(missing?.message == #"clusterrole.rbac.authorization.k8s.io "gone" not found"#)

            // bind on secret-reader in team-a: a RoleBinding there; still no ClusterRoleBinding.
            try await t.role("bind-secret-reader", [rule(["bind"], ["rbac.authorization.k8s.io"], ["clusterroles"], names: ["secret-reader"])])
            try await t.bind("alice-binds-in-team-a", namespace: "team-a", role: "bind-secret-reader",
                             [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            _ = try await alice.create(.escalationRoleBindings, namespace: "team-a",
                                       binding("bob-secrets", namespace: "team-a", role: "secret-reader", user: "bob"))
            let clusterWide = await expectAPIError {
                _ = try await alice.create(.escalationClusterRoleBindings, binding("bob-secrets", role: "secret-reader", user: "bob"))
            }
            #expect(clusterWide?.code == 403)
            try await t.bind("alice-binds", role: "bind-secret-reader", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            _ = try await alice.create(.escalationClusterRoleBindings, binding("bob-secrets", role: "secret-reader", user: "bob"))
        }
    }

    @Test("system:masters may create any role and bind any role")
    func superuser() async throws {
        try await TestServer.withRBAC { t in
            let admin = try t.user("root", groups: ["system:masters"])
            _ = try await admin.create(.escalationClusterRoles, clusterRole("everything", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]))
            _ = try await admin.create(.escalationClusterRoleBindings, binding("bob-everything", role: "everything", user: "bob"))
            var object = clusterRole("aggregated", [])
            object.json["aggregationRule"] = ["clusterRoleSelectors": [["matchLabels": ["x": "y"]]]]
            _ = try await admin.create(.escalationClusterRoles, object)
        }
    }

    @Test("only cluster admins may set an aggregationRule; changing only owner references or finalizers is never checked")
    func aggregationAndGarbageCollection() async throws {
        try await TestServer.withRBAC { t in
            try await t.role("role-writer", [
                PolicyRule(verbs: ["create", "update", "patch", "get", "escalate"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"]),
            ])
            try await t.bind("alice-role-writer", role: "role-writer", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"]])
            // escalate skips every check, the aggregationRule's too.
            let alice = try t.user("alice")
            var aggregated = clusterRole("aggregated", [])
            aggregated.json["aggregationRule"] = ["clusterRoleSelectors": [["matchLabels": ["x": "y"]]]]
            _ = try await alice.create(.escalationClusterRoles, aggregated)

            try await t.role("plain-writer", [
                PolicyRule(verbs: ["create", "update", "patch", "get"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"]),
            ])
            try await t.bind("bob-plain-writer", role: "plain-writer", [["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"]])
            let bob = try t.user("bob")
            aggregated.name = "bobs-aggregated"
            await expectForbidden(#"clusterroles.rbac.authorization.k8s.io "bobs-aggregated" is forbidden: must have cluster-admin privileges to use the aggregationRule"#) {
                _ = try await bob.create(.escalationClusterRoles, aggregated)
            }
            // A role bob could not write: adding a finalizer is allowed, a label is not.
            _ = try await t.client.create(.escalationClusterRoles, clusterRole("secret-reader", [rule(["get"], [""], ["secrets"])]))
            _ = try await bob.patch(.escalationClusterRoles, name: "secret-reader", type: .merge, patch: ["metadata": ["finalizers": ["example.com/keep"]]])
            let labelled = await expectAPIError {
                _ = try await bob.patch(.escalationClusterRoles, name: "secret-reader", type: .merge, patch: ["metadata": ["labels": ["a": "b"]]])
            }
            #expect(labelled?.code == 403)
        }
    }
}
