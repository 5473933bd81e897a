//! The pure RBAC evaluation: rule matching (verbs, groups, resources with
//! subresources, resource names, non-resource URLs), subjects and binding
//! scopes, the superuser group, aggregation, reasons, request attributes and
//! kube-apiserver's exact Forbidden messages.
import Foundation
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

private let alice = UserInfo(name: "alice", groups: ["dev", "system:authenticated"])

private func resource(_ verb: String, _ resource: String, group: String = "", namespace: String = "", subresource: String = "",
                      name: String = "", user: UserInfo = alice) -> AuthorizationAttributes {
    AuthorizationAttributes(user: user, verb: verb, namespace: namespace, apiGroup: group, resource: resource,
                            subresource: subresource, name: name)
}

private func path(_ verb: String, _ path: String, user: UserInfo = alice) -> AuthorizationAttributes {
    AuthorizationAttributes(user: user, verb: verb, path: path)
}

private func bind(_ name: String, namespace: String = "", to role: String, kind: String = "ClusterRole",
                  _ subjects: RBACSubject...) -> RBACBinding {
    RBACBinding(name: name, namespace: namespace, subjects: subjects, roleRef: RoleRef(kind: kind, name: role))
}

struct RuleCase: Sendable, CustomTestStringConvertible {
    var rule: PolicyRule
    var attributes: AuthorizationAttributes
    var allowed: Bool
    var testDescription: String {
        "\(attributes.isResourceRequest ? attributes.verb + " " + attributes.combinedResource : attributes.verb + " " + attributes.path) → \(allowed)"
    }
}

@Suite("RBAC evaluation")
struct RBACPolicyTests {
    static let ruleCases: [RuleCase] = [
        // verbs
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"]), attributes: resource("get", "pods"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"]), attributes: resource("list", "pods"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["list"], apiGroups: [""], resources: ["pods"]), attributes: resource("watch", "pods"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["*"], apiGroups: [""], resources: ["pods"]), attributes: resource("deletecollection", "pods"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["update"], apiGroups: [""], resources: ["pods"]), attributes: resource("patch", "pods"), allowed: false),
        // API groups
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["deployments"]), attributes: resource("get", "deployments", group: "apps"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["apps"], resources: ["deployments"]), attributes: resource("get", "deployments", group: "apps"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["deployments"]), attributes: resource("get", "deployments", group: "apps"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["apps"], resources: ["pods"]), attributes: resource("get", "pods"), allowed: false),
        // resources and subresources
        RuleCase(rule: PolicyRule(verbs: ["update"], apiGroups: [""], resources: ["pods"]), attributes: resource("update", "pods", subresource: "status"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["update"], apiGroups: [""], resources: ["pods/status"]), attributes: resource("update", "pods", subresource: "status"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["update"], apiGroups: [""], resources: ["pods/status"]), attributes: resource("update", "pods"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["update"], apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes/finalizers"]),
                 attributes: resource("update", "sandboxes", group: "agents.x-k8s.io", subresource: "finalizers"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"]), attributes: resource("get", "deployments", group: "apps", subresource: "scale"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"]), attributes: resource("get", "deployments", group: "apps"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"]), attributes: resource("get", "deployments", group: "apps", subresource: "status"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["*"]), attributes: resource("get", "pods", subresource: "log"), allowed: true),
        // resource names
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"]), attributes: resource("get", "configmaps", name: "a"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"]), attributes: resource("get", "configmaps", name: "b"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["list"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"]), attributes: resource("list", "configmaps"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"]), attributes: resource("create", "configmaps"), allowed: false),
        // non-resource URLs
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz"]), attributes: path("get", "/healthz"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz"]), attributes: path("get", "/healthz/etcd"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz"]), attributes: path("post", "/healthz"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["/api/*"]), attributes: path("get", "/api/v1"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["/api/*"]), attributes: path("get", "/api"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["/api*"]), attributes: path("get", "/apis/apps"), allowed: true),
        RuleCase(rule: PolicyRule(verbs: ["*"], nonResourceURLs: ["*"]), attributes: path("get", "/metrics"), allowed: true),
        // a rule is either for resources or for paths
        RuleCase(rule: PolicyRule(verbs: ["get"], nonResourceURLs: ["*"]), attributes: resource("get", "pods"), allowed: false),
        RuleCase(rule: PolicyRule(verbs: ["get"], apiGroups: ["*"], resources: ["*"]), attributes: path("get", "/metrics"), allowed: false),
    ]

    @Test("a rule allows exactly the requests kube's rbac/v1 helpers match", arguments: ruleCases)
    func ruleMatching(_ c: RuleCase) {
        #expect(c.rule.allows(c.attributes) == c.allowed)
    }

    static let policy = RBACPolicy(
        roles: [
            RoleEntry(namespace: "team-a", name: "cm-reader", rules: [PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps"])]),
        ],
        clusterRoles: [
            ClusterRoleEntry(name: "pod-reader", rules: [PolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods"])]),
            ClusterRoleEntry(name: "ns-lister", rules: [PolicyRule(verbs: ["list"], apiGroups: [""], resources: ["namespaces"])]),
            ClusterRoleEntry(name: "secret-reader", rules: [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["secrets"])]),
            ClusterRoleEntry(name: "metrics", rules: [PolicyRule(verbs: ["get"], nonResourceURLs: ["/metrics"])]),
        ],
        bindings: [
            bind("alice-pods", namespace: "team-a", to: "pod-reader", RBACSubject(kind: "User", name: "alice")),
            bind("alice-cm", namespace: "team-a", to: "cm-reader", kind: "Role", RBACSubject(kind: "User", name: "alice")),
            bind("dev-namespaces", to: "ns-lister", RBACSubject(kind: "Group", name: "dev")),
            bind("builder", namespace: "ci", to: "secret-reader", RBACSubject(kind: "ServiceAccount", name: "builder")),
            bind("ci-accounts", namespace: "shared", to: "pod-reader", RBACSubject(kind: "Group", name: "system:serviceaccounts:ci")),
            bind("builder-everywhere", to: "metrics", RBACSubject(kind: "ServiceAccount", name: "builder", namespace: "ci")),
            bind("no-namespace", to: "secret-reader", RBACSubject(kind: "ServiceAccount", name: "builder")),
        ])

    static let builder = UserInfo.serviceAccount(namespace: "ci", name: "builder")

    struct DecisionCase: Sendable, CustomTestStringConvertible {
        var label: String
        var attributes: AuthorizationAttributes
        var allowed: Bool
        var testDescription: String { label }
    }

    static let decisionCases: [DecisionCase] = [
        DecisionCase(label: "RoleBinding to a ClusterRole applies in its namespace", attributes: resource("list", "pods", namespace: "team-a"), allowed: true),
        DecisionCase(label: "RoleBinding to a ClusterRole does not apply in another namespace", attributes: resource("list", "pods", namespace: "team-b"), allowed: false),
        DecisionCase(label: "RoleBinding to a ClusterRole does not apply cluster-wide", attributes: resource("list", "pods"), allowed: false),
        DecisionCase(label: "RoleBinding to a Role", attributes: resource("get", "configmaps", namespace: "team-a", name: "x"), allowed: true),
        DecisionCase(label: "Role verbs are respected", attributes: resource("delete", "configmaps", namespace: "team-a", name: "x"), allowed: false),
        DecisionCase(label: "ClusterRoleBinding to a group applies at the cluster scope", attributes: resource("list", "namespaces"), allowed: true),
        DecisionCase(label: "ClusterRoleBinding to a group applies in every namespace", attributes: resource("list", "namespaces", namespace: "team-b"), allowed: true),
        DecisionCase(label: "a user outside the group is not allowed", attributes: resource("list", "namespaces", user: UserInfo(name: "carol")), allowed: false),
        DecisionCase(label: "a service account subject defaults to the binding's namespace",
                     attributes: resource("get", "secrets", namespace: "ci", name: "s", user: builder), allowed: true),
        DecisionCase(label: "another account of the same name in another namespace is not the subject",
                     attributes: resource("get", "secrets", namespace: "ci", name: "s", user: .serviceAccount(namespace: "other", name: "builder")), allowed: false),
        DecisionCase(label: "the system:serviceaccounts:<ns> group matches a namespace's accounts",
                     attributes: resource("list", "pods", namespace: "shared", user: builder), allowed: true),
        DecisionCase(label: "a service account subject in a ClusterRoleBinding needs its namespace",
                     attributes: resource("get", "secrets", namespace: "elsewhere", name: "s", user: builder), allowed: false),
        DecisionCase(label: "a ClusterRoleBinding grants non-resource URLs", attributes: path("get", "/metrics", user: builder), allowed: true),
        DecisionCase(label: "non-resource URLs not granted are denied", attributes: path("get", "/metrics"), allowed: false),
        DecisionCase(label: "system:masters is allowed without any binding",
                     attributes: resource("delete", "nodes", name: "n1", user: UserInfo(name: "root", groups: ["system:masters"])), allowed: true),
    ]

    @Test("bindings apply by subject and scope", arguments: decisionCases)
    func decisions(_ c: DecisionCase) {
        #expect(Self.policy.authorize(c.attributes).isAllowed == c.allowed)
    }

    @Test("an allowed request names the binding, role and subject that allowed it")
    func allowedReasons() {
        #expect(Self.policy.authorize(resource("list", "pods", namespace: "team-a")).reason
            == #"RBAC: allowed by RoleBinding "alice-pods/team-a" of ClusterRole "pod-reader" to User "alice""#)
        #expect(Self.policy.authorize(resource("list", "namespaces")).reason
            == #"RBAC: allowed by ClusterRoleBinding "dev-namespaces" of ClusterRole "ns-lister" to Group "dev""#)
        #expect(Self.policy.authorize(resource("get", "secrets", namespace: "ci", name: "s", user: Self.builder)).reason
            == #"RBAC: allowed by RoleBinding "builder/ci" of ClusterRole "secret-reader" to ServiceAccount "builder/ci""#)
        let denied = Self.policy.authorize(resource("delete", "pods", namespace: "team-a", name: "p"))
        #expect(denied.outcome == .noOpinion)
        #expect(denied.reason.isEmpty)
    }

    @Test("bindings to missing roles make the denial reason list them")
    func missingRoles() {
        let policy = RBACPolicy(bindings: [
            bind("a", to: "gone", RBACSubject(kind: "User", name: "alice")),
            bind("b", namespace: "ns", to: "also-gone", kind: "Role", RBACSubject(kind: "User", name: "alice")),
            bind("c", to: "gone", RBACSubject(kind: "Group", name: "dev")),
            bind("d", to: "unrelated", RBACSubject(kind: "User", name: "bob")),
        ])
        #expect(policy.authorize(resource("get", "pods", name: "p")).reason
            == #"RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found"#)
        #expect(policy.authorize(resource("get", "pods", namespace: "ns", name: "p")).reason
            == #"RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "also-gone" not found]"#)
        #expect(policy.rules(for: alice, namespace: "ns").evaluationError
            == #"[clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "also-gone" not found]"#)
    }

    @Test("the rules of a subject: cluster-wide and the namespace's, split into resource and non-resource rules")
    func subjectRules() {
        let teamA = Self.policy.rules(for: alice, namespace: "team-a")
        #expect(teamA.resourceRules == [
            PolicyRule(verbs: ["list"], apiGroups: [""], resources: ["namespaces"]),
            PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps"]),
            PolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods"]),
        ])
        #expect(teamA.nonResourceRules.isEmpty)
        #expect(teamA.evaluationError == nil)
        #expect(Self.policy.rules(for: alice, namespace: "team-b").resourceRules.count == 1)
        #expect(Self.policy.rules(for: Self.builder, namespace: "ci").nonResourceRules == [PolicyRule(verbs: ["get"], nonResourceURLs: ["/metrics"])])
    }

    @Test("an aggregated ClusterRole holds the rules of the ClusterRoles its selectors match, transitively")
    func aggregation() throws {
        func role(_ name: String, labels: [String: String] = [:], aggregates label: String? = nil, _ rules: [PolicyRule] = []) throws -> ClusterRoleEntry {
            ClusterRoleEntry(name: name, labels: labels, rules: rules,
                             aggregationSelectors: try label.map { [try LabelSelectorRequirements(matchLabels: [$0: "true"])] })
        }
        let readPods = PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])
        let writePods = PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["pods"])
        let roles = [
            try role("view", labels: ["to-edit": "true"], aggregates: "to-view"),
            try role("edit", aggregates: "to-edit", [PolicyRule(verbs: ["ignored"], apiGroups: [""], resources: ["x"])]),
            try role("pods-view", labels: ["to-view": "true"], [readPods]),
            try role("pods-edit", labels: ["to-edit": "true"], [writePods, readPods]),
            try role("unlabelled", [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"])]),
        ]
        let byName = Dictionary(uniqueKeysWithValues: roles.map { ($0.name, $0) })
        #expect(RBACPolicy.aggregatedRules(of: "view", in: byName) == [readPods])
        #expect(RBACPolicy.aggregatedRules(of: "edit", in: byName) == [writePods, readPods])
        let policy = RBACPolicy(clusterRoles: roles, bindings: [bind("e", namespace: "ns", to: "edit", RBACSubject(kind: "User", name: "alice"))])
        #expect(policy.clusterRoleRules("edit") == [writePods, readPods])
        #expect(policy.authorize(resource("create", "pods", namespace: "ns")).isAllowed)
        #expect(!policy.authorize(resource("ignored", "x", namespace: "ns")).isAllowed)
    }

    @Test("the bootstrap policy: cluster-admin for system:masters, discovery and self reviews for everyone, admin > edit > view")
    func bootstrapPolicy() {
        let policy = RBACPolicy(roles: [], clusterRoles: RBACBootstrapPolicy.clusterRoles, roleBindings: [],
                                clusterRoleBindings: RBACBootstrapPolicy.clusterRoleBindings)
        let anyone = UserInfo(name: "nobody", groups: ["system:authenticated"])
        #expect(policy.authorize(path("get", "/apis/apps/v1", user: anyone)).isAllowed)
        #expect(policy.authorize(path("get", "/openapi/v3", user: anyone)).isAllowed)
        #expect(!policy.authorize(path("get", "/metrics", user: anyone)).isAllowed)
        #expect(policy.authorize(resource("create", "selfsubjectaccessreviews", group: "authorization.k8s.io", user: anyone)).isAllowed)
        #expect(policy.authorize(resource("create", "selfsubjectreviews", group: "authentication.k8s.io", user: anyone)).isAllowed)
        #expect(!policy.authorize(resource("create", "subjectaccessreviews", group: "authorization.k8s.io", user: anyone)).isAllowed)
        #expect(!policy.authorize(resource("list", "pods", namespace: "default", user: anyone)).isAllowed)
        let view = policy.clusterRoleRules("view") ?? []
        let edit = policy.clusterRoleRules("edit") ?? []
        let admin = policy.clusterRoleRules("admin") ?? []
        #expect(!view.isEmpty && Set(view).isSubset(of: Set(edit)) && Set(edit).isSubset(of: Set(admin)))
        #expect(!view.contains { $0.resources.contains("secrets") })
        #expect(edit.contains { $0.resources.contains("secrets") && $0.verbs.contains("create") })
        #expect(admin.contains { $0.resources.contains("rolebindings") })
    }

    // MARK: Attributes and messages

    @Test("request attributes: a namespace object is in its own namespace; a list pinned to one name names it")
    func requestAttributes() throws {
        let getNamespace = try #require(RequestPath.parse(method: "GET", path: "/api/v1/namespaces/team-a", query: [:]))
        let namespace = AuthorizationAttributes(getNamespace)
        #expect(namespace.namespace == "team-a" && namespace.name == "team-a" && namespace.resource == "namespaces")
        let watchOne = try #require(RequestPath.parse(method: "GET", path: "/api/v1/namespaces/ns/configmaps",
                                                      query: ["watch": "true", "fieldSelector": "metadata.name=cfg"]))
        let pinned = AuthorizationAttributes(watchOne)
        #expect(pinned.verb == "watch" && pinned.name == "cfg" && pinned.namespace == "ns")
        let status = try #require(RequestPath.parse(method: "PUT", path: "/apis/apps/v1/namespaces/ns/deployments/web/status", query: [:]))
        let attributes = AuthorizationAttributes(status)
        #expect(attributes.combinedResource == "deployments/status" && attributes.apiGroup == "apps" && attributes.verb == "update")
        let deleteAll = try #require(RequestPath.parse(method: "DELETE", path: "/api/v1/namespaces/ns/pods", query: [:]))
        #expect(AuthorizationAttributes(deleteAll).verb == "deletecollection")
    }

    struct MessageCase: Sendable, CustomTestStringConvertible {
        var attributes: AuthorizationAttributes
        var reason: String
        var message: String
        var testDescription: String { message }
    }

    static let messageCases: [MessageCase] = [
        MessageCase(attributes: resource("get", "configmaps", namespace: "default", name: "x"), reason: "",
                    message: #"configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "default""#),
        MessageCase(attributes: resource("list", "namespaces"), reason: "",
                    message: #"namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope"#),
        MessageCase(attributes: resource("update", "deployments", group: "apps", namespace: "prod", subresource: "status", name: "web"), reason: "",
                    message: #"deployments.apps "web" is forbidden: User "alice" cannot update resource "deployments/status" in API group "apps" in the namespace "prod""#),
        MessageCase(attributes: path("get", "/metrics"), reason: "",
                    message: #"forbidden: User "alice" cannot get path "/metrics""#),
        MessageCase(attributes: resource("get", "pods", namespace: "ns", name: "p"), reason: #"RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found"#,
                    message: #"pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "ns": RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found"#),
    ]

    @Test("Forbidden messages are worded as kube-apiserver words them", arguments: messageCases)
    func forbiddenMessages(_ c: MessageCase) {
        let error = c.attributes.forbidden(reason: c.reason)
        #expect(error.message == c.message)
        #expect(error.code == 403)
        #expect(error.reason == .forbidden)
    }

    @Test("Forbidden details name the resource (without subresource), its group and the object")
    func forbiddenDetails() {
        let details = resource("update", "deployments", group: "apps", namespace: "prod", subresource: "status", name: "web").forbidden(reason: "").status.details
        #expect(details == StatusDetails(name: "web", group: "apps", kind: "deployments"))
        let core = resource("list", "configmaps", namespace: "ns").forbidden(reason: "").status.details
        #expect(core == StatusDetails(kind: "configmaps"))
    }

    @Test("AlwaysAllow allows everything and reports the all-powerful rules")
    func alwaysAllow() {
        #expect(AlwaysAllow().authorize(path("delete", "/anything")).isAllowed)
        let rules = AlwaysAllow().rules(for: alice, namespace: "x")
        #expect(rules.resourceRules == [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"])])
        #expect(rules.nonResourceRules == [PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])])
    }
}
