//! RBAC over HTTPS: a server in `--authorization-mode=RBAC`, driven as
//! non-admin users (client certificates and bearer tokens, a service account
//! among them): namespaced and cluster scope, resource names, subresources,
//! non-resource URLs, aggregated ClusterRoles, RoleBinding→ClusterRole scoping,
//! blockOwnerDeletion enforcement, and the review APIs.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import PKI
import Testing
import TestSupport

extension GroupVersionResource {
    fileprivate static let rbacRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles")
    fileprivate static let rbacRoleBindings = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings")
    fileprivate static let rbacClusterRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    fileprivate static let rbacClusterRoleBindings = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings")
    fileprivate static let selfSubjectAccessReviews = GroupVersionResource(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews")
    fileprivate static let subjectAccessReviews = GroupVersionResource(group: "authorization.k8s.io", version: "v1", resource: "subjectaccessreviews")
    fileprivate static let localSubjectAccessReviews = GroupVersionResource(group: "authorization.k8s.io", version: "v1", resource: "localsubjectaccessreviews")
    fileprivate static let selfSubjectRulesReviews = GroupVersionResource(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectrulesreviews")
    fileprivate static let tokenReviews = GroupVersionResource(group: "authentication.k8s.io", version: "v1", resource: "tokenreviews")
    fileprivate static let selfSubjectReviews = GroupVersionResource(group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews")
}

/// The token the `ci/builder` service account authenticates with in these tests.
private let builderToken = "builder-token"

extension TestServer {
    /// Like `TestServer.with`, with `--authorization-mode=RBAC` and the `ci/builder` service account token.
    static func withRBAC<T: Sendable>(_ body: @Sendable (TestServer) async throws -> T) async throws -> T {
        try await with(tokens: [builderToken: .serviceAccount(namespace: "ci", name: "builder")], authorizationMode: .rbac, body)
    }

    /// A client authenticating with a client certificate for `user` in `groups`.
    func user(_ name: String, groups: [String] = []) throws -> RESTClient {
        let credentials = try self.credentials.clientCredentials(user: name, groups: groups)
        return try RESTClient(transport: client(certificate: (credentials.certificate, credentials.key)).transport, retryPolicy: .none)
    }

    /// Creates a Role (namespace given) or ClusterRole with `rules`.
    func role(_ name: String, namespace: String? = nil, labels: [String: String] = [:], _ rules: [PolicyRule]) async throws {
        var object = KubeObject(["apiVersion": "rbac.authorization.k8s.io/v1", "kind": namespace == nil ? "ClusterRole" : "Role",
                                 "metadata": ["name": .string(name)], "rules": .array(rules.map(\.json))])
        object.labels = labels
        if let namespace { object.namespace = namespace }
        _ = try await client.create(namespace == nil ? .rbacClusterRoles : .rbacRoles, namespace: namespace, object)
    }

    /// Binds a role to subjects: a RoleBinding when `namespace` is given, else a ClusterRoleBinding.
    func bind(_ name: String, namespace: String? = nil, role: String, kind: String = "ClusterRole", _ subjects: [JSONValue]) async throws {
        var object = KubeObject(["apiVersion": "rbac.authorization.k8s.io/v1", "kind": namespace == nil ? "ClusterRoleBinding" : "RoleBinding",
                                 "metadata": ["name": .string(name)],
                                 "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(kind), "name": .string(role)],
                                 "subjects": .array(subjects)])
        if let namespace { object.namespace = namespace }
        _ = try await client.create(namespace == nil ? .rbacClusterRoleBindings : .rbacRoleBindings, namespace: namespace, object)
    }
}

private func userSubject(_ name: String) -> JSONValue { ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": .string(name)] }
private func groupSubject(_ name: String) -> JSONValue { ["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": .string(name)] }
private func serviceAccountSubject(_ name: String, namespace: String? = nil) -> JSONValue {
    var subject: JSONObject = ["kind": "ServiceAccount", "name": .string(name)]
    if let namespace { subject["namespace"] = .string(namespace) }
    return .object(subject)
}

private func deployment(_ name: String, namespace: String) -> KubeObject {
    KubeObject([
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name), "namespace": .string(namespace)],
        "spec": [
            "replicas": 1, "selector": ["matchLabels": ["app": .string(name)]],
            "template": ["metadata": ["labels": ["app": .string(name)]], "spec": ["containers": [["name": "c", "image": "nginx"]]]],
        ],
    ])
}

/// Expects a 403 with exactly `message`.
private func expectForbidden(_ message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    let error = await expectAPIError(body, sourceLocation: sourceLocation)
    #expect(error?.code == 403, sourceLocation: sourceLocation)
    #expect(error?.reason == .forbidden, sourceLocation: sourceLocation)
    #expect(error?.message == message, sourceLocation: sourceLocation)
}

@Suite("RBAC over HTTPS")
struct RBACHTTPSTests {
    @Test("a RoleBinding to a ClusterRole grants it in the binding's namespace only")
    func roleBindingScope() async throws {
        try await TestServer.withRBAC { t in
            try await t.namespace("team-a")
            _ = try await t.client.create(.configMaps, namespace: "team-a", configMap("cfg", namespace: "team-a"))
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("cfg"))
            try await t.bind("alice-view", namespace: "team-a", role: "view", [userSubject("alice")])
            let alice = try t.user("alice", groups: ["dev"])

            #expect(try await alice.get(.configMaps, namespace: "team-a", name: "cfg").name == "cfg")
            #expect(try await alice.list(.configMaps, namespace: "team-a").items.map(\.name) == ["cfg"])
            await expectForbidden(#"configmaps "cfg" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "default""#) {
                _ = try await alice.get(.configMaps, namespace: "default", name: "cfg")
            }
            await expectForbidden(#"configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" at the cluster scope"#) {
                _ = try await alice.list(.configMaps, namespace: nil)
            }
            await expectForbidden(#"configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "team-a""#) {
                _ = try await alice.create(.configMaps, namespace: "team-a", configMap("new", namespace: "team-a"))
            }
            #expect(t.server.requests.total(verb: "create", resource: "configmaps", user: "alice") == 1)
        }
    }

    @Test("cluster-scoped resources need a ClusterRoleBinding; a group subject grants its members")
    func clusterScope() async throws {
        try await TestServer.withRBAC { t in
            let alice = try t.user("alice", groups: ["dev"])
            await expectForbidden(#"namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope"#) {
                _ = try await alice.list(.namespaces)
            }
            await expectForbidden(#"namespaces "default" is forbidden: User "alice" cannot get resource "namespaces" in API group "" in the namespace "default""#) {
                _ = try await alice.get(.namespaces, name: "default")
            }
            try await t.role("ns-reader", [PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["namespaces"])])
            try await t.bind("dev-ns-reader", role: "ns-reader", [groupSubject("dev")])
            #expect(try await alice.list(.namespaces).items.map(\.name).contains("default"))
            #expect(try await alice.get(.namespaces, name: "kube-system").name == "kube-system")
            let outsider = try t.user("carol")
            await expectForbidden(#"namespaces is forbidden: User "carol" cannot list resource "namespaces" in API group "" at the cluster scope"#) {
                _ = try await outsider.list(.namespaces)
            }
        }
    }

    @Test("resourceNames limit a rule to named objects; a list pinned to that name by field selector is allowed")
    func resourceNames() async throws {
        try await TestServer.withRBAC { t in
            for name in ["mine", "theirs"] { _ = try await t.client.create(.configMaps, namespace: "default", configMap(name)) }
            try await t.role("one-config", namespace: "default",
                             [PolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["mine"])])
            try await t.bind("alice-one-config", namespace: "default", role: "one-config", kind: "Role", [userSubject("alice")])
            let alice = try t.user("alice")
            #expect(try await alice.get(.configMaps, namespace: "default", name: "mine").name == "mine")
            await expectForbidden(#"configmaps "theirs" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "default""#) {
                _ = try await alice.get(.configMaps, namespace: "default", name: "theirs")
            }
            await expectForbidden(#"configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default""#) {
                _ = try await alice.list(.configMaps, namespace: "default")
            }
            let pinned = try await alice.list(.configMaps, namespace: "default", options: ListOptions(fieldSelector: "metadata.name=mine"))
            #expect(pinned.items.map(\.name) == ["mine"])
        }
    }

    @Test("subresources are authorized on their own: deployments/status apart from deployments")
    func subresources() async throws {
        try await TestServer.withRBAC { t in
            _ = try await t.client.create(.deployments, namespace: "default", deployment("web", namespace: "default"))
            try await t.role("status-writer", namespace: "default",
                             [PolicyRule(verbs: ["get", "update"], apiGroups: ["apps"], resources: ["deployments/status"])])
            try await t.bind("alice-status", namespace: "default", role: "status-writer", kind: "Role", [userSubject("alice")])
            let alice = try t.user("alice")
            var current = try await alice.get(.deployments, namespace: "default", name: "web", subresource: "status")
            current.status = ["observedGeneration": 1, "replicas": 1]
            let updated = try await alice.update(.deployments, namespace: "default", current, subresource: "status")
            #expect(updated.status?["replicas"] == 1)
            await expectForbidden(#"deployments.apps "web" is forbidden: User "alice" cannot update resource "deployments" in API group "apps" in the namespace "default""#) {
                _ = try await alice.update(.deployments, namespace: "default", updated)
            }
            let bob = try t.user("bob")
            await expectForbidden(#"deployments.apps "web" is forbidden: User "bob" cannot update resource "deployments/status" in API group "apps" in the namespace "default""#) {
                _ = try await bob.update(.deployments, namespace: "default", updated, subresource: "status")
            }
        }
    }

    @Test("non-resource URLs: discovery is open to authenticated users, /metrics needs a nonResourceURLs rule")
    func nonResourceURLs() async throws {
        try await TestServer.withRBAC { t in
            let alice = try t.user("alice")
            let apis = try JSONValue.parse(try await alice.request(method: .get, path: "/apis").body)
            #expect(apis["kind"] == "APIGroupList")
            await expectForbidden(#"forbidden: User "alice" cannot get path "/metrics""#) {
                _ = try await alice.request(method: .get, path: "/metrics")
            }
            try await t.role("metrics-reader", [PolicyRule(verbs: ["get"], nonResourceURLs: ["/metrics"])])
            try await t.bind("alice-metrics", role: "metrics-reader", [userSubject("alice")])
            // Allowed now: the server does not serve /metrics, so it answers 404 rather than 403.
            let notServed = await expectAPIError { _ = try await alice.request(method: .get, path: "/metrics") }
            #expect(notServed?.code == 404)
        }
    }

    @Test("a ClusterRole labelled for aggregation extends view at once, and the controller writes its rules into view")
    func aggregatedClusterRoles() async throws {
        try await TestServer.withRBAC { t in
            _ = try await t.client.create(.secrets, namespace: "default", KubeObject([
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "namespace": "default"], "stringData": ["k": "v"],
            ]))
            try await t.bind("alice-view", namespace: "default", role: "view", [userSubject("alice")])
            let alice = try t.user("alice")
            await expectForbidden(#"secrets "s" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "default""#) {
                _ = try await alice.get(.secrets, namespace: "default", name: "s")
            }
            let readSecrets = PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["secrets"])
            try await t.role("secret-viewer", labels: ["rbac.authorization.k8s.io/aggregate-to-view": "true"], [readSecrets])
            #expect(try await alice.get(.secrets, namespace: "default", name: "s").name == "s")
            try await eventually {
                let view = try await t.client.get(.rbacClusterRoles, name: "view")
                return (view.json["rules"]?.arrayValue ?? []).contains(readSecrets.json)
            }
            // view aggregates into edit and edit into admin.
            try await eventually {
                let admin = try await t.client.get(.rbacClusterRoles, name: "admin")
                return (admin.json["rules"]?.arrayValue ?? []).contains(readSecrets.json)
            }
        }
    }

    @Test("a service account token user is matched by ServiceAccount subjects and by its namespace's group")
    func serviceAccounts() async throws {
        try await TestServer.withRBAC { t in
            try await t.namespace("ci")
            try await t.namespace("shared")
            let builder = RESTClient(transport: try t.client(token: builderToken).transport, retryPolicy: .none)
            await expectForbidden(#"configmaps is forbidden: User "system:serviceaccount:ci:builder" cannot list resource "configmaps" in API group "" in the namespace "ci""#) {
                _ = try await builder.list(.configMaps, namespace: "ci")
            }
            try await t.bind("builder-edit", namespace: "ci", role: "edit", [serviceAccountSubject("builder")])
            try await t.bind("ci-accounts-view", namespace: "shared", role: "view", [groupSubject("system:serviceaccounts:ci")])
            _ = try await builder.create(.configMaps, namespace: "ci", configMap("built", namespace: "ci"))
            #expect(try await builder.list(.configMaps, namespace: "shared").items.isEmpty)
            await expectForbidden(#"configmaps is forbidden: User "system:serviceaccount:ci:builder" cannot create resource "configmaps" in API group "" in the namespace "shared""#) {
                _ = try await builder.create(.configMaps, namespace: "shared", configMap("nope", namespace: "shared"))
            }
        }
    }

    @Test("setting blockOwnerDeletion needs update on the owner's finalizers; adding an ownerRef on update needs delete")
    func blockOwnerDeletion() async throws {
        try await TestServer.withRBAC { t in
            let owner = try await t.client.create(.configMaps, namespace: "default", configMap("owner"))
            try await t.role("cm-writer", namespace: "default",
                             [PolicyRule(verbs: ["get", "create", "update"], apiGroups: [""], resources: ["configmaps"])])
            try await t.bind("alice-cm-writer", namespace: "default", role: "cm-writer", kind: "Role", [userSubject("alice")])
            let alice = try t.user("alice")
            func reference(blocking: Bool) -> JSONValue {
                ["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": .string(owner.uid), "blockOwnerDeletion": .bool(blocking)]
            }
            var child = configMap("child")
            child.json["metadata"]?["ownerReferences"] = [reference(blocking: true)]
            await expectForbidden(#"configmaps "child" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>"#) {
                _ = try await alice.create(.configMaps, namespace: "default", child)
            }
            // A non-blocking reference only needs the create itself.
            child.json["metadata"]?["ownerReferences"] = [reference(blocking: false)]
            let created = try await alice.create(.configMaps, namespace: "default", child)

            // Changing references on update needs delete on the object.
            var blocking = created
            blocking.json["metadata"]?["ownerReferences"] = [reference(blocking: true)]
            await expectForbidden(#"configmaps "child" is forbidden: cannot set an ownerRef on a resource you can't delete: , <nil>"#) {
                _ = try await alice.update(.configMaps, namespace: "default", blocking)
            }
            try await t.role("cm-deleter", namespace: "default", [PolicyRule(verbs: ["delete"], apiGroups: [""], resources: ["configmaps"])])
            try await t.bind("alice-cm-deleter", namespace: "default", role: "cm-deleter", kind: "Role", [userSubject("alice")])
            await expectForbidden(#"configmaps "child" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>"#) {
                _ = try await alice.update(.configMaps, namespace: "default", blocking)
            }
            // update on the owner's finalizers subresource, for that owner by name, is what it takes.
            try await t.role("owner-finalizer", namespace: "default",
                             [PolicyRule(verbs: ["update"], apiGroups: [""], resources: ["configmaps/finalizers"], resourceNames: ["owner"])])
            try await t.bind("alice-owner-finalizer", namespace: "default", role: "owner-finalizer", kind: "Role", [userSubject("alice")])
            let updated = try await alice.update(.configMaps, namespace: "default", blocking)
            #expect(updated.ownerReferences.first?.blockOwnerDeletion == true)
            // Another owner's finalizers are not covered.
            let other = try await t.client.create(.configMaps, namespace: "default", configMap("other-owner"))
            var second = configMap("second")
            second.json["metadata"]?["ownerReferences"] = [[
                "apiVersion": "v1", "kind": "ConfigMap", "name": "other-owner", "uid": .string(other.uid), "blockOwnerDeletion": true,
            ]]
            await expectForbidden(#"configmaps "second" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>"#) {
                _ = try await alice.create(.configMaps, namespace: "default", second)
            }
        }
    }

    @Test("an ownerReference to a kind the server does not serve cannot block deletion")
    func blockOwnerDeletionUnknownKind() async throws {
        try await TestServer.withRBAC { t in
            try await t.role("cm-creator", namespace: "default", [PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["configmaps"])])
            try await t.bind("alice-cm-creator", namespace: "default", role: "cm-creator", kind: "Role", [userSubject("alice")])
            var child = configMap("child")
            child.json["metadata"]?["ownerReferences"] = [[
                "apiVersion": "example.com/v1", "kind": "Gizmo", "name": "g", "uid": "1234", "blockOwnerDeletion": true,
            ]]
            await expectForbidden(#"configmaps "child" is forbidden: cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion example.com/v1 Kind Gizmo: no matches for kind "Gizmo" in version "example.com/v1""#) {
                _ = try await t.user("alice").create(.configMaps, namespace: "default", child)
            }
        }
    }

    @Test("SelfSubjectAccessReview answers for the caller, with the allowing binding as reason")
    func selfSubjectAccessReview() async throws {
        try await TestServer.withRBAC { t in
            try await t.bind("alice-view", namespace: "default", role: "view", [userSubject("alice")])
            let alice = try t.user("alice")
            func review(_ attributes: JSONValue) async throws -> KubeObject {
                try await alice.create(.selfSubjectAccessReviews, KubeObject([
                    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": attributes,
                ]))
            }
            let allowed = try await review(["resourceAttributes": ["namespace": "default", "verb": "list", "resource": "pods"]])
            #expect(allowed.status?["allowed"] == true)
            #expect(allowed.status?["reason"] == #"RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" to User "alice""#)
            let denied = try await review(["resourceAttributes": ["namespace": "default", "verb": "create", "resource": "pods"]])
            #expect(denied.status?["allowed"] == false)
            #expect(denied.status?["denied"] == nil)
            let discovery = try await review(["nonResourceAttributes": ["path": "/apis", "verb": "get"]])
            #expect(discovery.status?["allowed"] == true)
            let invalid = await expectAPIError { _ = try await review([:]) }
            #expect(invalid?.code == 422)
            #expect(invalid?.status.details?.causes?.first?.field == "spec.resourceAttributes")
        }
    }

    /// The SelfSubjectAccessReview body `kubectl auth can-i create selfsubjectaccessreviews` sent (kubectl 1.32,
    /// against a server without discovery).
    static let kubectlReviewBody: [UInt8] = [
        0x6b, 0x38, 0x73, 0x00, 0x0a, 0x32, 0x0a, 0x17, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x7a, 0x61, 0x74, 0x69, 0x6f,
        0x6e, 0x2e, 0x6b, 0x38, 0x73, 0x2e, 0x69, 0x6f, 0x2f, 0x76, 0x31, 0x12, 0x17, 0x53, 0x65, 0x6c, 0x66, 0x53, 0x75, 0x62,
        0x6a, 0x65, 0x63, 0x74, 0x41, 0x63, 0x63, 0x65, 0x73, 0x73, 0x52, 0x65, 0x76, 0x69, 0x65, 0x77, 0x12, 0x53, 0x0a, 0x10,
        0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x12, 0x35, 0x0a, 0x33,
        0x0a, 0x07, 0x64, 0x65, 0x66, 0x61, 0x75, 0x6c, 0x74, 0x12, 0x06, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x1a, 0x00, 0x22,
        0x00, 0x2a, 0x18, 0x73, 0x65, 0x6c, 0x66, 0x73, 0x75, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x61, 0x63, 0x63, 0x65, 0x73, 0x73,
        0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x73, 0x32, 0x00, 0x3a, 0x00, 0x1a, 0x08, 0x08, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x20,
        0x00, 0x1a, 0x00, 0x22, 0x00,
    ]

    @Test("a review sent as Kubernetes protobuf, as kubectl sends it, is decoded; malformed protobuf is a 400")
    func protobufReview() async throws {
        try await TestServer.withRBAC { t in
            let alice = try t.user("alice")
            let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
            let response = try await alice.request(method: .post, path: path, body: Data(Self.kubectlReviewBody),
                                                   contentType: "application/vnd.kubernetes.protobuf")
            let review = try JSONValue.parse(response.body)
            #expect(review["kind"] == "SelfSubjectAccessReview")
            #expect(review["spec"]?["resourceAttributes"] == ["namespace": "default", "verb": "create", "resource": "selfsubjectaccessreviews"])
            // kubectl could not resolve the group against the server it recorded this from, so it asked about the core group.
            #expect(review["status"] == ["allowed": false])
            let truncated = await expectAPIError {
                _ = try await alice.request(method: .post, path: path, body: Data(Self.kubectlReviewBody.prefix(40)),
                                            contentType: "application/vnd.kubernetes.protobuf")
            }
            #expect(truncated?.code == 400)
        }
    }

    @Test("SubjectAccessReview and LocalSubjectAccessReview answer for another user; they need their own permission")
    func subjectAccessReviews() async throws {
        try await TestServer.withRBAC { t in
            try await t.bind("alice-edit", namespace: "default", role: "edit", [userSubject("alice")])
            let sar = KubeObject([
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": ["user": "alice", "resourceAttributes": ["namespace": "default", "verb": "create", "resource": "configmaps"]],
            ])
            let answer = try await t.client.create(.subjectAccessReviews, sar)
            #expect(answer.status?["allowed"] == true)
            var otherNamespace = sar
            otherNamespace.spec?[path: ["resourceAttributes", "namespace"]] = "kube-system"
            #expect(try await t.client.create(.subjectAccessReviews, otherNamespace).status?["allowed"] == false)
            let noSubject = await expectAPIError {
                _ = try await t.client.create(.subjectAccessReviews, KubeObject([
                    "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": ["resourceAttributes": ["verb": "get", "resource": "pods"]],
                ]))
            }
            #expect(noSubject?.code == 422)
            await expectForbidden(#"subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope"#) {
                _ = try await t.user("alice").create(.subjectAccessReviews, sar)
            }
            try await t.bind("alice-admin", namespace: "default", role: "admin", [userSubject("alice")])
            let local = try await t.user("alice").create(.localSubjectAccessReviews, namespace: "default", KubeObject([
                "apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
                "metadata": ["namespace": "default"],
                "spec": ["user": "bob", "groups": ["system:authenticated"], "resourceAttributes": ["namespace": "default", "verb": "get", "resource": "pods"]],
            ]))
            #expect(local.status?["allowed"] == false)
        }
    }

    @Test("SelfSubjectRulesReview lists the caller's rules in a namespace")
    func selfSubjectRulesReview() async throws {
        try await TestServer.withRBAC { t in
            try await t.role("one-config", namespace: "default",
                             [PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["mine"])])
            try await t.bind("alice-one-config", namespace: "default", role: "one-config", kind: "Role", [userSubject("alice")])
            let review = try await t.user("alice").create(.selfSubjectRulesReviews, KubeObject([
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": ["namespace": "default"],
            ]))
            let rules = review.status?["resourceRules"]?.arrayValue ?? []
            #expect(rules.contains(["verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["mine"]]))
            #expect(rules.contains(["verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]]))
            #expect(review.status?["nonResourceRules"]?.arrayValue?.contains { $0["nonResourceURLs"]?.arrayValue?.contains("/api/*") == true } == true)
            #expect(review.status?["incomplete"] == false)
        }
    }

    @Test("TokenReview authenticates a token as its user; SelfSubjectReview tells the caller who it is")
    func authenticationReviews() async throws {
        try await TestServer.withRBAC { t in
            func tokenReview(_ token: String, audiences: [String]? = nil) async throws -> KubeObject {
                var spec: JSONObject = ["token": .string(token)]
                if let audiences { spec["audiences"] = .array(audiences.map(JSONValue.string)) }
                return try await t.client.create(.tokenReviews, KubeObject([
                    "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": .object(spec),
                ]))
            }
            let known = try await tokenReview(builderToken)
            #expect(known.status?["authenticated"] == true)
            #expect(known.status?["user"]?["username"] == "system:serviceaccount:ci:builder")
            #expect(known.status?["user"]?["groups"] == ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"])
            #expect(known.status?["audiences"] == ["https://kubernetes.default.svc.cluster.local"])
            let unknown = try await tokenReview("nope")
            #expect(unknown.status?["authenticated"] == nil)
            #expect(unknown.status?["user"] == [:])
            #expect(try await tokenReview(builderToken, audiences: ["vault"]).status?["authenticated"] == nil)
            let empty = await expectAPIError { _ = try await tokenReview("") }
            #expect(empty?.code == 400)
            #expect(empty?.message == "token is required for TokenReview in authentication")

            let whoami = try await t.user("alice", groups: ["dev"]).create(.selfSubjectReviews, KubeObject([
                "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            ]))
            #expect(whoami.status?["userInfo"]?["username"] == "alice")
            #expect(whoami.status?["userInfo"]?["groups"] == ["dev", "system:authenticated"])
        }
    }

    @Test("the review resources are served in discovery, create only")
    func reviewDiscovery() async throws {
        try await TestServer.withRBAC { t in
            let authorization = try JSONValue.parse(try await t.client.request(method: .get, path: "/apis/authorization.k8s.io/v1").body)
            let resources = authorization["resources"]?.arrayValue ?? []
            for (name, namespaced) in [("selfsubjectaccessreviews", false), ("subjectaccessreviews", false),
                                       ("localsubjectaccessreviews", true), ("selfsubjectrulesreviews", false)] {
                let entry = resources.first { $0["name"]?.stringValue == name }
                #expect(entry?["verbs"] == ["create"], "\(name)")
                #expect(entry?["namespaced"] == .bool(namespaced), "\(name)")
            }
            let authentication = try JSONValue.parse(try await t.client.request(method: .get, path: "/apis/authentication.k8s.io/v1").body)
            let names = authentication["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.sorted() == ["selfsubjectreviews", "tokenreviews"])
            let list = await expectAPIError { _ = try await t.client.list(.selfSubjectAccessReviews) }
            #expect(list?.code == 405)
        }
    }

    @Test("under AlwaysAllow a SelfSubjectAccessReview is allowed and nothing is forbidden")
    func alwaysAllowMode() async throws {
        try await TestServer.with { t in
            let nobody = try t.user("nobody")
            let review = try await nobody.create(.selfSubjectAccessReviews, KubeObject([
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": ["resourceAttributes": ["verb": "delete", "resource": "nodes"]],
            ]))
            #expect(review.status?["allowed"] == true)
            _ = try await nobody.create(.configMaps, namespace: "default", configMap("free"))
        }
    }
}
