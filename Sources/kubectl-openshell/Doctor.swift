//! `kubectl openshell doctor`: every precondition of the operator and of the
//! plugin, checked through the API server, one row each with what to do when
//! it fails: the openshell.ai CRDs at this build's versions, the Agent
//! Sandbox API, the caller's RBAC (SelfSubjectAccessReview), no admission
//! webhook on openshell.ai resources, the clock skew to the API server, and
//! the operator's leader Lease and readiness. Exits 1 when a check fails.
import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI

/// One row of the report.
struct DoctorCheck: Sendable {
    enum Result: String, Sendable {
        case ok, warn = "warn", fail = "FAIL"
    }

    var name: String
    var result: Result
    var detail: String
}

/// One permission a plugin command needs, and the commands that need it.
struct PluginPermission: Sendable {
    var verb: String
    var group: String
    var resource: String
    /// nil for cluster-scoped resources.
    var namespace: String?
    var usedBy: String

    var display: String { "\(verb) \(group.isEmpty ? resource : "\(resource).\(group)")" }
}

private let crdResource = GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
private let accessReviews = GroupVersionResource(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews")
private let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
private let webhookResources = ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]
    .map { GroupVersionResource(group: "admissionregistration.k8s.io", version: "v1", resource: $0) }

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check everything the operator and this plugin rely on; exit 1 when a check fails.",
        discussion: """
            Checks (a failing row says what to do):
              crd/<name>      installed, serving and storing the versions this build uses
              api/sandboxes   the Agent Sandbox API agents.x-k8s.io/v1beta1 is served
              rbac            you may do what the commands do (SelfSubjectAccessReview)
              webhooks        no admission webhook intercepts openshell.ai resources
                              (the operator is webhook-free: its CRDs validate with CEL)
              clock           this clock is within 5 s of the API server's Date header
              operator        the leader Lease is held and renewed
              operator/ready  the Deployment's pods are ready: informers synced, the
                              work-queue database writable, the Agent Sandbox API served
            "warn" rows are worth a look but do not fail the command.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The namespace the operator runs in (its Lease and Deployment).")
    var operatorNamespace = "openshell-system"

    @Option(help: "The name of the operator's leader-election Lease.")
    var lease = "openshell-operator-leader"

    @Option(help: "The name of the operator's Deployment.")
    var deployment = "openshell-operator"

    /// The largest clock difference that passes.
    static let maxSkew: TimeInterval = 5

    func run() async throws {
        let session = try cluster.connect()
        var checks: [DoctorCheck] = []
        checks += await guarded("crd") { try await crdChecks(session) }
        checks += await guarded("api/sandboxes.\(AgentSandboxAPI.group)") { [try await agentSandboxCheck(session)] }
        checks += await guarded("rbac") { try await rbacChecks(session) }
        checks += await guarded("webhooks") { try await webhookChecks(session) }
        checks += await guarded("clock") { [try await clockCheck(session)] }
        checks += await guarded("operator") {
            let leader = try await leaderLease(session, namespace: operatorNamespace, name: lease)
            return [DoctorCheck(name: "operator", result: leader.held ? .ok : .fail, detail: "lease/\(lease) \(leader.state): \(leader.detail)")]
        }
        checks += await guarded("operator/ready") { [try await readinessCheck(session)] }

        printTable(["CHECK", "RESULT", "DETAIL"], checks.map { [$0.name, $0.result.rawValue, $0.detail] })
        let failed = checks.filter { $0.result == .fail }.count
        if failed > 0 {
            print("\(failed) check\(failed == 1 ? "" : "s") failed")
            throw ExitCode(1)
        }
    }

    // MARK: CRDs

    /// Each openshell.ai CRD against the one this build carries: served version, storage version, stored versions.
    func crdChecks(_ session: PluginSession) async throws -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        for expected in OpenShellCRDs.all {
            let name = expected.name
            let live = try await session.call("reading CustomResourceDefinition \(name)") {
                try await optional { try await session.client.get(crdResource, name: name) }
            }
            checks.append(Self.crdCheck(expected: expected, live: live))
        }
        return checks
    }

    static func crdCheck(expected: KubeObject, live: KubeObject?) -> DoctorCheck {
        let name = "crd/\(expected.name)"
        let apply = "apply this release's CRDs (openshell-operator crds | kubectl apply --server-side -f -)"
        guard let live else { return DoctorCheck(name: name, result: .fail, detail: "not installed: \(apply)") }
        let versions = { (crd: KubeObject) in crd.json["spec"]?["versions"]?.arrayValue ?? [] }
        let known = Set(versions(expected).compactMap { $0["name"]?.stringValue })
        let wanted = versions(expected).filter { $0["served"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }.sorted()
        let storage = versions(expected).first { $0["storage"]?.boolValue == true }?["name"]?.stringValue
        let served = versions(live).filter { $0["served"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }.sorted()
        let liveStorage = versions(live).first { $0["storage"]?.boolValue == true }?["name"]?.stringValue
        let stored = live.status?["storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if live.isBeingDeleted {
            return DoctorCheck(name: name, result: .fail, detail: "being deleted (with every object of its kind); reinstall: \(apply)")
        }
        let missing = wanted.filter { !served.contains($0) }
        if !missing.isEmpty {
            return DoctorCheck(
                name: name, result: .fail,
                detail: "serves \(served.isEmpty ? "no version" : served.joined(separator: ",")) but this build uses \(missing.joined(separator: ",")): \(apply)")
        }
        let unknown = stored.filter { !known.contains($0) }
        if !unknown.isEmpty {
            return DoctorCheck(
                name: name, result: .fail,
                detail: "objects are stored as \(unknown.joined(separator: ",")), which this build does not know: use the operator release that wrote them, or migrate the objects and status.storedVersions first")
        }
        if let storage, liveStorage != storage {
            return DoctorCheck(
                name: name, result: .fail,
                detail: "stores new objects as \(liveStorage ?? "nothing") where this build stores \(storage): \(apply)")
        }
        return DoctorCheck(name: name, result: .ok, detail: "serves \(served.joined(separator: ",")); stored \(stored.isEmpty ? "-" : stored.joined(separator: ","))")
    }

    // MARK: Agent Sandbox

    func agentSandboxCheck(_ session: PluginSession) async throws -> DoctorCheck {
        let crd = try await session.call("reading the Agent Sandbox CRD") {
            try await optional { try await session.client.get(crdResource, name: AgentSandboxAPI.crdName) }
        }
        let name = "api/sandboxes.\(AgentSandboxAPI.group)"
        if let problem = AgentSandboxAPI.sandboxReconcilerProblem(crd: crd) {
            return DoctorCheck(name: name, result: .fail, detail: "\(problem) (the operator is pinned to Agent Sandbox \(PinnedRelease.agentSandbox))")
        }
        return DoctorCheck(name: name, result: .ok, detail: "\(AgentSandboxAPI.group)/\(AgentSandboxAPI.requiredVersion) served")
    }

    // MARK: RBAC

    /// What the plugin's commands call, in the namespace they use.
    func permissions(namespace: String) -> [PluginPermission] {
        let group = OpenShellAPIGroup.group
        return [
            PluginPermission(verb: "list", group: group, resource: "openshellsandboxes", namespace: namespace, usedBy: "sandboxes"),
            PluginPermission(verb: "get", group: group, resource: "openshellsandboxes", namespace: namespace, usedBy: "describe, restart"),
            PluginPermission(verb: "patch", group: group, resource: "openshellsandboxes", namespace: namespace, usedBy: "suspend, resume, extend, restart"),
            PluginPermission(verb: "get", group: AgentSandboxAPI.group, resource: "sandboxes", namespace: namespace, usedBy: "describe"),
            PluginPermission(verb: "get", group: "", resource: "pods", namespace: namespace, usedBy: "describe"),
            PluginPermission(verb: "list", group: "events.k8s.io", resource: "events", namespace: namespace, usedBy: "describe"),
            PluginPermission(verb: "get", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", namespace: nil, usedBy: "status, doctor"),
            PluginPermission(verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: operatorNamespace, usedBy: "status, doctor"),
            PluginPermission(verb: "get", group: "apps", resource: "deployments", namespace: operatorNamespace, usedBy: "doctor"),
            PluginPermission(verb: "list", group: "events.k8s.io", resource: "events", namespace: operatorNamespace, usedBy: "doctor"),
        ] + webhookResources.map {
            PluginPermission(verb: "list", group: $0.group, resource: $0.resource, namespace: nil, usedBy: "doctor")
        }
    }

    func rbacChecks(_ session: PluginSession) async throws -> [DoctorCheck] {
        let needed = permissions(namespace: session.namespace)
        var denied: [DoctorCheck] = []
        for permission in needed {
            var attributes: JSONObject = [
                "verb": .string(permission.verb), "group": .string(permission.group), "resource": .string(permission.resource),
            ]
            if let namespace = permission.namespace { attributes["namespace"] = .string(namespace) }
            let review = try await session.call("asking the API server what you may do (SelfSubjectAccessReview)") {
                try await session.client.create(accessReviews, KubeObject([
                    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                    "spec": ["resourceAttributes": .object(attributes)],
                ]))
            }
            guard review.status?["allowed"]?.boolValue != true else { continue }
            let scope = permission.namespace.map { "in namespace \($0)" } ?? "cluster-wide"
            denied.append(DoctorCheck(
                name: "rbac", result: .fail,
                detail: "you may not \(permission.display) \(scope) (needed by \(permission.usedBy)): ask for a Role or ClusterRole that grants it"))
        }
        if denied.isEmpty {
            return [DoctorCheck(
                name: "rbac", result: .ok,
                detail: "the \(needed.count) permissions the plugin's commands use are granted (namespace \(session.namespace), operator namespace \(operatorNamespace))")]
        }
        return denied
    }

    // MARK: Admission webhooks

    func webhookChecks(_ session: PluginSession) async throws -> [DoctorCheck] {
        var intercepting: [DoctorCheck] = []
        for resource in webhookResources {
            let list: ObjectList?
            do {
                list = try await session.client.list(resource, namespace: nil)
            } catch let error as APIError where error.code == 404 {
                list = nil  // this API server has no admission webhooks at all
            } catch let error as APIError where error.code == 403 {
                return [DoctorCheck(name: "webhooks", result: .warn, detail: "cannot list \(resource.resource): forbidden (see the rbac check)")]
            } catch {
                throw PluginError("listing \(resource.resource): cannot reach the cluster at \(session.server): \(error)")
            }
            for configuration in list?.items ?? [] {
                for (webhook, match) in Self.interceptions(configuration) {
                    intercepting.append(DoctorCheck(
                        name: "webhooks", result: .fail,
                        detail: "\(configuration.kind.isEmpty ? resource.resource : configuration.kind) \(configuration.name) (webhook \(webhook)) intercepts \(match): "
                            + "the operator is built without admission webhooks (the CRDs validate with CEL), and a webhook that is down or slow blocks "
                            + "its finalizer and status writes; exclude openshell.ai from the webhook's rules"))
                }
            }
        }
        return intercepting.isEmpty
            ? [DoctorCheck(name: "webhooks", result: .ok, detail: "no admission webhook intercepts openshell.ai resources")]
            : intercepting
    }

    /// The webhooks of one configuration whose rules match an openshell.ai resource, with what they match.
    static func interceptions(_ configuration: KubeObject) -> [(webhook: String, match: String)] {
        let ours = Set(OpenShellCRDs.all.compactMap { $0.json["spec"]?[path: ["names", "plural"]]?.stringValue })
        var found: [(String, String)] = []
        for webhook in configuration.json["webhooks"]?.arrayValue ?? [] {
            for rule in webhook["rules"]?.arrayValue ?? [] {
                let groups = rule["apiGroups"]?.arrayValue?.compactMap(\.stringValue) ?? []
                guard groups.contains(OpenShellAPIGroup.group) || groups.contains("*") else { continue }
                let resources = rule["resources"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let hit = resources.filter { resource in
                    let base = String(resource.split(separator: "/", omittingEmptySubsequences: false).first ?? "")
                    return base == "*" || ours.contains(base)
                }
                guard !hit.isEmpty else { continue }
                let operations = rule["operations"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "*"
                found.append((webhook["name"]?.stringValue ?? "-", "\(operations) on \(OpenShellAPIGroup.group) \(hit.joined(separator: ","))"))
            }
        }
        return found
    }

    // MARK: Clock

    /// This machine's clock against the API server's `Date` header (1 s resolution).
    func clockCheck(_ session: PluginSession) async throws -> DoctorCheck {
        let sent = Date()
        let response = try await session.call("reading the API server's time") {
            try await session.client.request(method: .get, path: "/version")
        }
        let received = Date()
        guard let header = response.head.headers["date"], let serverTime = Self.httpDate(header) else {
            return DoctorCheck(name: "clock", result: .warn, detail: "the API server's response carries no Date header; cannot measure the skew")
        }
        let local = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2)
        // The header is truncated to the second: the server's time lies in [date, date + 1).
        let skew = serverTime.addingTimeInterval(0.5).timeIntervalSince(local)
        let slack = 0.5 + received.timeIntervalSince(sent) / 2
        if abs(skew) - slack > Self.maxSkew {
            let direction = skew > 0 ? "behind" : "ahead of"
            return DoctorCheck(
                name: "clock", result: .fail,
                detail: "this machine is \(humanDuration(abs(skew))) \(direction) the API server: expiry countdowns and the Lease's freshness read wrong; sync the clock (NTP)")
        }
        return DoctorCheck(name: "clock", result: .ok, detail: String(format: "within %.0f s of the API server (measured %+.1f s)", Self.maxSkew, -skew))
    }

    /// An RFC 9110 IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }

    // MARK: Operator readiness

    /// The operator's Deployment: its ready pods passed `/readyz` (informers synced, the
    /// work-queue database writable, the Agent Sandbox API served). The plugin never talks
    /// to the pods; a failing probe's message reaches it as the kubelet's `Unhealthy` Event.
    func readinessCheck(_ session: PluginSession) async throws -> DoctorCheck {
        let name = "operator/ready"
        let object = try await session.call("reading Deployment \(operatorNamespace)/\(deployment)") {
            try await optional { try await session.client.get(deployments, namespace: operatorNamespace, name: deployment) }
        }
        guard let object else {
            return DoctorCheck(
                name: name, result: .warn,
                detail: "no Deployment \(deployment) in \(operatorNamespace); if the operator runs elsewhere, its /readyz covers the work-queue database")
        }
        let wanted = object.spec?["replicas"]?.intValue ?? 1
        let ready = object.status?["readyReplicas"]?.intValue ?? 0
        if ready >= wanted {
            return DoctorCheck(name: name, result: .ok, detail: "\(ready)/\(wanted) pods ready (informers synced, work-queue database writable, Agent Sandbox API served)")
        }
        let events = (try? await session.client.list(EventV1.resource, namespace: operatorNamespace))?.items ?? []
        let probe = events
            .filter { $0.json["reason"]?.stringValue == "Unhealthy" && $0.json["regarding"]?["name"]?.stringValue?.hasPrefix("\(deployment)-") == true }
            .max { ($0.json["eventTime"]?.stringValue ?? "") < ($1.json["eventTime"]?.stringValue ?? "") }
            .flatMap { $0.json["note"]?.stringValue }
        let why = probe.map { "; last probe failure: \($0)" } ?? ""
        return DoctorCheck(
            name: name, result: ready == 0 ? .fail : .warn,
            detail: "\(ready)/\(wanted) pods ready\(why); see kubectl -n \(operatorNamespace) logs deploy/\(deployment)")
    }
}

/// `body`'s checks, or one failed check `name` saying why they could not run
/// (forbidden, unreachable), so that one check's failure never hides the others.
private func guarded(_ name: String, _ body: () async throws -> [DoctorCheck]) async -> [DoctorCheck] {
    do {
        return try await body()
    } catch {
        return [DoctorCheck(name: name, result: .fail, detail: "cannot check: \(error)")]
    }
}

/// `body`'s object, or nil when the server answers 404.
private func optional(_ body: () async throws -> KubeObject) async throws -> KubeObject? {
    do {
        return try await body()
    } catch let error as APIError where error.code == 404 {
        return nil
    }
}
