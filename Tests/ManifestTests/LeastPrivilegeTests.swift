//! The operator's RBAC is exactly enough: with the rendered install's access
//! objects applied to a local API server that enforces RBAC, the operator
//! (authenticated as its ServiceAccount) runs the whole sandbox scenario and
//! the whole gateway scenario without one 403; and with any single permission
//! (one verb on one resource of one rule) taken away, the server refuses it
//! the call that needed it (the gateway role's permissions in the gateway
//! scenario, the optional gateway role's in the gateway's optional scenario,
//! every other one in the sandbox scenario). `escalate` and `bind` included:
//! the local API server prevents RBAC escalation as kube-apiserver does, so
//! without them the operator's writes of roles and bindings are refused.
import Foundation
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

/// One permission taken away from one overlay's RBAC.
struct Removal: Sendable, CustomTestStringConvertible {
    var overlay: String
    var permission: RBACPermission

    var testDescription: String { "\(permission) (\(overlay.split(separator: "/").last ?? ""))" }

    /// The scenarios that prove a permission is needed.
    enum Scenario: Sendable { case sandbox, gateway, gatewayOptional }

    /// The gateway role's permissions are proven by the gateway scenario, the optional gateway
    /// role's by the gateway's optional scenario, the others by the sandbox scenario.
    var scenario: Scenario {
        switch permission.roleName {
        case RBACPermissions.gatewayRole: .gateway
        case RBACPermissions.gatewayOptionalRole: .gatewayOptional
        default: .sandbox
        }
    }

    /// Every permission of the cluster-wide overlay, and those of the
    /// single-namespace overlay's roles that the cluster-wide one does not
    /// have. Rendered when the test plan is made; empty without kubectl.
    static let all: [Removal] = {
        guard kubectlPath != nil, let clusterWide = try? Kustomize.render(Kustomize.clusterWide),
              let singleNamespace = try? Kustomize.render(Kustomize.singleNamespace) else { return [] }
        let shared = Set(clusterWide.map { "\($0.kind)/\($0.name)" })
        return (RBACPermissions.permissions(in: clusterWide).map { Removal(overlay: Kustomize.clusterWide, permission: $0) }
            + RBACPermissions.permissions(in: singleNamespace.filter { !shared.contains("\($0.kind)/\($0.name)") })
                .map { Removal(overlay: Kustomize.singleNamespace, permission: $0) })
    }()
}

/// The namespace the scenario runs in: the watched one, else a fresh one.
private func scenarioNamespace(_ installed: InstalledOperator) async throws -> String {
    if let namespace = installed.watchNamespace { return namespace }
    _ = try await installed.client.create(.namespaces, KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team-a"]]))
    return "team-a"
}

@Suite("Least-privilege RBAC of the rendered manifests", .enabled(if: kubectlPath != nil, "kubectl is not installed"), .serialized)
struct LeastPrivilegeTests {
    @Test("as its ServiceAccount the operator runs the whole sandbox, gateway and optional gateway scenarios: no 403, and every granted verb is used",
          arguments: [Kustomize.clusterWide, Kustomize.singleNamespace])
    func scenarioNeedsNothingMore(overlay: String) async throws {
        let install = RenderedInstall(objects: try Kustomize.render(overlay))
        try await InstalledOperator.with(install) { installed in
            let namespace = try await scenarioNamespace(installed)
            try await SandboxScenario(client: installed.client, namespace: namespace, faults: installed.test.server.faults).run()
            try await GatewayScenario(client: installed.client, namespace: namespace).run()
            try await GatewayOptionalScenario(test: installed.test, namespace: namespace).run()
            #expect(installed.denials.isEmpty, "the operator was refused: \(installed.denials)")
            // A quick cross-check of the removal test below: each granted verb was used, by a call
            // of its own or (the finalizers subresource, escalate, bind) by a write it allows.
            let calls = installed.calls
            for permission in RBACPermissions.permissions(in: install.objects) where permission.subresource != "finalizers" {
                let used = permission.expectedDenials.contains { calls.contains("\($0.verb ?? "") \($0.resource ?? "")") }
                #expect(used, "never used: \(permission); calls: \(calls.sorted())")
            }
        }
    }

    @Test("with the sandbox-only component the operator runs the sandbox scenario without the gateway role: no 403, no gateway call")
    func sandboxOnlyNeedsNoGatewayRole() async throws {
        let install = RenderedInstall(objects: try Kustomize.render(Kustomize.singleNamespace, component: Kustomize.sandboxOnly))
        try await InstalledOperator.with(install) { installed in
            let namespace = try await scenarioNamespace(installed)
            try await SandboxScenario(client: installed.client, namespace: namespace, faults: installed.test.server.faults).run()
            #expect(installed.denials.isEmpty, "the operator was refused: \(installed.denials)")
            let gatewayCalls = installed.calls.filter { $0.hasSuffix(" openshellgateways.openshell.ai") || $0.hasSuffix(" statefulsets.apps") }
            #expect(gatewayCalls.isEmpty, "the gateway controller ran: \(gatewayCalls.sorted())")
        }
    }

    @Test("the sandbox reconcilers' RBAC may not create, change, delete or exec into pods, nor change Secrets; single-namespace holds nothing elsewhere",
          arguments: [Kustomize.clusterWide, Kustomize.singleNamespace])
    func forbiddenActions(overlay: String) async throws {
        let install = RenderedInstall(objects: try Kustomize.render(overlay))
        let account = try #require(install.serviceAccount)
        // Without the gateway reconciler's roles (the sandbox-only component): they write Secrets and roles, and delete stalled pods.
        let gatewayRoles = RBACPermissions.gatewayRoles
        let sandboxAccess = install.accessObjects.filter {
            !gatewayRoles.contains($0.name) && !gatewayRoles.contains($0.json["roleRef"]?["name"]?.stringValue ?? "")
        }
        try await TestServer.with(authorizationMode: .rbac) { test in
            for object in sandboxAccess { try await InstalledOperator.apply(object, with: test.client) }
            let user = UserInfo.serviceAccount(namespace: account.namespace, name: account.name)
            let authorizer = test.server.core.accessControl.authorizer
            let namespace = install.flag("namespace") ?? "team-a"
            func allowed(_ verb: String, _ resource: String, subresource: String = "", group: String = "", in namespace: String) -> Bool {
                authorizer.authorize(AuthorizationAttributes(
                    user: user, verb: verb, namespace: namespace, apiGroup: group, resource: resource, subresource: subresource,
                    name: "x")).isAllowed
            }
            // The control: what the operator needs is allowed here.
            #expect(allowed("create", "sandboxes", group: "agents.x-k8s.io", in: namespace))
            #expect(allowed("list", "secrets", in: namespace))
            let denied: [(String, String, String, String)] = [
                ("create", "pods", "", ""), ("patch", "pods", "", ""), ("update", "pods", "", ""), ("delete", "pods", "", ""),
                ("create", "pods", "exec", ""), ("get", "pods", "exec", ""), ("create", "pods", "attach", ""),
                ("create", "pods", "portforward", ""), ("create", "pods", "eviction", ""),
                ("create", "secrets", "", ""), ("update", "secrets", "", ""), ("patch", "secrets", "", ""), ("delete", "secrets", "", ""),
                ("update", "openshellsandboxes", "", "openshell.ai"), ("delete", "openshellsandboxes", "", "openshell.ai"),
                ("create", "openshellsandboxes", "", "openshell.ai"),
                ("create", "roles", "", "rbac.authorization.k8s.io"), ("create", "rolebindings", "", "rbac.authorization.k8s.io"),
                ("create", "serviceaccounts", "token", ""),
            ]
            for (verb, resource, subresource, group) in denied {
                #expect(!allowed(verb, resource, subresource: subresource, group: group, in: namespace),
                        "\(overlay) allows \(verb) \(resource)\(subresource.isEmpty ? "" : "/" + subresource)")
            }
            #expect(!authorizer.authorize(AuthorizationAttributes(
                user: user, verb: "list", apiGroup: "apiextensions.k8s.io", resource: "customresourcedefinitions")).isAllowed,
                "CRDs other than sandboxes.agents.x-k8s.io are readable")
            if overlay == Kustomize.singleNamespace {
                for (verb, resource, group) in [("list", "secrets", ""), ("list", "pods", ""), ("create", "sandboxes", "agents.x-k8s.io"),
                                                ("list", "openshellsandboxes", "openshell.ai"), ("create", "events", "events.k8s.io")] {
                    #expect(!allowed(verb, resource, group: group, in: "other"), "single-namespace allows \(verb) \(resource) in another namespace")
                    #expect(!allowed(verb, resource, group: group, in: ""), "single-namespace allows \(verb) \(resource) cluster-wide")
                }
            }
        }
    }

    @Test("with the gateway reconciler's roles too, the ServiceAccount still may not create, patch, exec into or evict pods, mint tokens, patch Secrets or write sandboxes",
          arguments: [Kustomize.clusterWide, Kustomize.singleNamespace])
    func forbiddenActionsWithTheGatewayRole(overlay: String) async throws {
        let install = RenderedInstall(objects: try Kustomize.render(overlay))
        let account = try #require(install.serviceAccount)
        #expect(install.object(kind: "ClusterRole", name: RBACPermissions.gatewayRole) != nil)
        try await TestServer.with(authorizationMode: .rbac) { test in
            for object in install.accessObjects { try await InstalledOperator.apply(object, with: test.client) }
            let user = UserInfo.serviceAccount(namespace: account.namespace, name: account.name)
            let authorizer = test.server.core.accessControl.authorizer
            // `delete pods` is granted (the optional gateway role): a StatefulSet pod of an unwanted revision
            // that never became ready is deleted during a rollback. Never create, change, exec or evict.
            for namespace in [install.flag("namespace") ?? "team-a", "other"] {
                for (verb, resource, subresource, group) in [
                    ("create", "pods", "", ""), ("patch", "pods", "", ""), ("create", "pods", "exec", ""),
                    ("create", "pods", "attach", ""), ("create", "pods", "portforward", ""), ("create", "pods", "eviction", ""),
                    ("create", "serviceaccounts", "token", ""), ("patch", "secrets", "", ""),
                    ("update", "openshellsandboxes", "", "openshell.ai"), ("delete", "openshellsandboxes", "", "openshell.ai"),
                    ("create", "openshellgateways", "", "openshell.ai"), ("delete", "openshellgateways", "", "openshell.ai"),
                ] {
                    #expect(!authorizer.authorize(AuthorizationAttributes(
                        user: user, verb: verb, namespace: namespace, apiGroup: group, resource: resource, subresource: subresource,
                        name: "x")).isAllowed, "\(overlay) allows \(verb) \(resource)\(subresource.isEmpty ? "" : "/" + subresource) in \(namespace)")
                }
            }
        }
    }

    /// Each case on its own server: a case ends as soon as the server
    /// refuses the operator the call the removed permission allowed, so most
    /// take about a second; the few whose call comes late in their scenario
    /// (deletes, the NetworkPolicy patch, Event series, the gateway's spec
    /// change and deletion) run most of it.
    @Test("without any single permission the operator is refused the call that needed it (no rule is unused)", arguments: Removal.all)
    func everyPermissionIsNeeded(_ removal: Removal) async throws {
        let install = RenderedInstall(objects: try Kustomize.render(removal.overlay))
        let access = RBACPermissions.removing(removal.permission, from: install.accessObjects)
        #expect(RBACPermissions.permissions(in: access).count == RBACPermissions.permissions(in: install.accessObjects).count - 1)
        let expected = removal.permission.expectedDenials
        try await InstalledOperator.with(install, access: access) { installed in
            let namespace = try await scenarioNamespace(installed)
            let stop: @Sendable () -> Bool = { installed.wasDenied(expected) }
            let outcome: String
            do {
                switch removal.scenario {
                case .gateway:
                    var scenario = GatewayScenario(client: installed.client, namespace: namespace, stepTimeout: .seconds(20))
                    scenario.stop = stop
                    try await scenario.run()
                case .gatewayOptional:
                    var scenario = GatewayOptionalScenario(test: installed.test, namespace: namespace, stepTimeout: .seconds(20))
                    scenario.stop = stop
                    try await scenario.run()
                case .sandbox:
                    var scenario = SandboxScenario(
                        client: installed.client, namespace: namespace, faults: installed.test.server.faults, stepTimeout: .seconds(20))
                    scenario.stop = stop
                    try await scenario.run()
                }
                outcome = "completed"
            } catch {
                outcome = "\(error)"
            }
            #expect(installed.wasDenied(expected),
                    "without \(removal.permission) the scenario \(outcome) and the server never refused the operator \(expected); denials: \(installed.denials)")
        }
    }
}
