//! The plugin's commands. Each reads or patches through the API server only
//! (no port-forward, no access to the operator's pod), prints a table or a
//! report on stdout, and fails with one line that says what to do.
import ArgumentParser
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI

private let crds = GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
private let agentSandboxes = GroupVersionResource(group: AgentSandboxAPI.group, version: AgentSandboxAPI.requiredVersion, resource: "sandboxes")
private let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")

/// Writes `rows` as a kubectl-style table: upper-case headers, columns padded by three spaces.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
        }
        print(cells.joined())
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The operator's health: CRDs installed, the Agent Sandbox API served, the leader and its last renewal.")

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The namespace the operator runs in (where its leader Lease lives).")
    var operatorNamespace = "openshell-system"

    @Option(help: "The name of the operator's leader-election Lease.")
    var lease = "openshell-operator-leader"

    func run() async throws {
        let session = try cluster.connect()
        var problems = 0
        var rows: [[String]] = []
        for name in ["openshellsandboxes", "openshellsandboxclasses", "openshellpolicies", "openshellgateways"].map({ "\($0).openshell.ai" }) {
            let crd = try await session.call("reading CustomResourceDefinition \(name)") { try? await session.client.get(crds, name: name) }
            let served = (crd?.json["spec"]?["versions"]?.arrayValue ?? [])
                .filter { $0["served"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }
            if crd == nil { problems += 1 }
            rows.append(["crd/\(name)", crd == nil ? "missing" : "installed", served.isEmpty ? "-" : "serves " + served.sorted().joined(separator: ",")])
        }
        let sandboxCRD = try await session.call("reading the Agent Sandbox CRD") { try? await session.client.get(crds, name: AgentSandboxAPI.crdName) }
        let sandboxProblem = AgentSandboxAPI.sandboxReconcilerProblem(crd: sandboxCRD)
        if sandboxProblem != nil { problems += 1 }
        rows.append(["crd/\(AgentSandboxAPI.crdName)", sandboxProblem == nil ? "served" : "not usable", sandboxProblem ?? "\(AgentSandboxAPI.group)/\(AgentSandboxAPI.requiredVersion)"])
        let leader = try await leaderLease(session, namespace: operatorNamespace, name: lease)
        if !leader.held { problems += 1 }
        rows.append(["lease/\(lease)", leader.state, leader.detail])
        printTable(["COMPONENT", "STATE", "DETAIL"], rows)
        if problems > 0 { throw ExitCode(1) }
    }
}

/// The operator's leader Lease as `status` and `doctor` report it: held
/// (renewed within its duration, by this machine's clock), expired or missing.
func leaderLease(_ session: PluginSession, namespace: String, name: String) async throws -> (held: Bool, state: String, detail: String) {
    let leaseObject = try await session.call("reading Lease \(namespace)/\(name)") {
        try? await session.client.get(Lease.resource, namespace: namespace, name: name)
    }
    guard let leaseObject, let spec = leaseObject.spec else {
        return (false, "missing", "no operator holds the leader Lease in \(namespace) (is it running, with --leader-elect?)")
    }
    let holder = spec["holderIdentity"]?.stringValue ?? "-"
    let renewed = spec["renewTime"]?.stringValue.flatMap(KubeTime.parse)
    let age = renewed.map { humanDuration(Date().timeIntervalSince($0)) + " ago" } ?? "never"
    let duration = spec["leaseDurationSeconds"]?.intValue ?? 15
    let fresh = renewed.map { Date().timeIntervalSince($0) < Double(duration) } ?? false
    return (fresh, fresh ? "held" : "expired", "holder \(holder), renewed \(age)")
}

struct Sandboxes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "OpenShellSandboxes with their phase, readiness, time left, restarts and age.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: [.customShort("A"), .long], help: "Across all namespaces.")
    var allNamespaces = false

    func run() async throws {
        let session = try cluster.connect()
        let namespace = allNamespaces ? nil : session.namespace
        let list = try await session.call("listing OpenShellSandboxes", kind: "OpenShellSandbox") {
            try await session.client.list(OpenShellAPIGroup.sandboxes, namespace: namespace)
        }
        let now = Date()
        let rows = list.items.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }.map { object -> [String] in
            let status = object.status
            let ready = object.conditions[type: SandboxConditionType.ready]
            let expires = status?["expiresAt"]?.stringValue.flatMap(KubeTime.parse)
            let left = expires.map { $0 > now ? humanDuration($0.timeIntervalSince(now)) : "expired" } ?? "-"
            var row = [
                object.name, status?["phase"]?.stringValue ?? "Pending",
                ready.map { $0.isTrue ? "True" : "False (\($0.reason))" } ?? "Unknown", left,
                String(status?["restartCount"]?.intValue ?? 0),
                object.creationTimestamp.flatMap(KubeTime.parse).map { humanDuration(now.timeIntervalSince($0)) } ?? "-",
            ]
            if allNamespaces { row.insert(object.namespace, at: 0) }
            return row
        }
        guard !rows.isEmpty else {
            print(allNamespaces ? "No OpenShellSandboxes found." : "No OpenShellSandboxes found in \(session.namespace) namespace.")
            return
        }
        printTable((allNamespaces ? ["NAMESPACE"] : []) + ["NAME", "PHASE", "READY", "EXPIRES IN", "RESTARTS", "AGE"], rows)
    }
}

struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One sandbox in one view: its status and conditions, the Sandbox and pod it owns, its recent Events.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The OpenShellSandbox's name.")
    var name: String

    func run() async throws {
        let session = try cluster.connect()
        let namespace = session.namespace
        let owner = try await session.call("reading OpenShellSandbox \(namespace)/\(name)", kind: "OpenShellSandbox") {
            try await session.client.get(OpenShellAPIGroup.sandboxes, namespace: namespace, name: name)
        }
        let status = owner.status
        print("Name:        \(owner.name)")
        print("Namespace:   \(owner.namespace)")
        print("Phase:       \(status?["phase"]?.stringValue ?? "Pending")")
        if let expires = status?["expiresAt"]?.stringValue { print("Expires:     \(expires)") }
        if let requested = owner.annotations[OpenShellLabels.restartedAtAnnotation] {
            let done = status?["observedRestartedAt"]?.stringValue == requested
            print("Restart:     requested \(requested) (\(done ? "done" : "pending"))")
        }
        if let restarts = status?["restartCount"]?.intValue { print("Restarts:    \(restarts) (last exit code \(status?["lastExitCode"]?.intValue.map(String.init) ?? "-"))") }
        print("Conditions:")
        printTable(["  TYPE", "STATUS", "REASON", "MESSAGE"], owner.conditions.map { ["  \($0.type)", $0.status, $0.reason, $0.message] })

        let sandbox = try? await session.client.get(agentSandboxes, namespace: namespace, name: name)
        print("Sandbox:")
        if let sandbox {
            let controlled = sandbox.controllerReference?.uid == owner.uid
            print("  \(sandbox.name)  uid \(sandbox.uid)  operatingMode \(sandbox.spec?["operatingMode"]?.stringValue ?? "-")\(controlled ? "" : "  (NOT controlled by this OpenShellSandbox)")")
        } else {
            print("  none")
        }
        let pod = try? await session.client.get(pods, namespace: namespace, name: name)
        print("Pod:")
        if let pod {
            let ip = pod.status?["podIP"]?.stringValue ?? "-"
            print("  \(pod.name)  phase \(pod.status?["phase"]?.stringValue ?? "-")  ip \(ip)  node \(pod.spec?["nodeName"]?.stringValue ?? "-")")
        } else {
            print("  none")
        }
        print("Events:")
        let recent = ((try? await session.client.list(EventV1.resource, namespace: namespace))?.items ?? [])
            .filter { $0.json["regarding"]?["name"]?.stringValue == name && $0.json["regarding"]?["kind"]?.stringValue == OpenShellAPIGroup.sandboxKind.kind }
            .sorted { ($0.json["eventTime"]?.stringValue ?? "") < ($1.json["eventTime"]?.stringValue ?? "") }
            .suffix(20)
        if recent.isEmpty {
            print("  none")
        } else {
            printTable(["  TYPE", "REASON", "MESSAGE"], recent.map {
                ["  \($0.json["type"]?.stringValue ?? "")", $0.json["reason"]?.stringValue ?? "", $0.json["note"]?.stringValue ?? ""]
            })
        }
    }
}

/// Merge-patches one OpenShellSandbox's spec and says what changed.
private func patchSpec(_ cluster: ClusterOptions, _ name: String, _ spec: JSONValue, done: String) async throws {
    let session = try cluster.connect()
    _ = try await session.call("updating OpenShellSandbox \(session.namespace)/\(name)", kind: "OpenShellSandbox") {
        try await session.client.patch(OpenShellAPIGroup.sandboxes, namespace: session.namespace, name: name, type: .merge, patch: ["spec": spec])
    }
    print("openshellsandbox.openshell.ai/\(name) \(done)")
}

struct Suspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a sandbox's pod, keeping its workspace (spec.suspended: true).")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The OpenShellSandbox's name.") var name: String
    func run() async throws { try await patchSpec(cluster, name, ["suspended": true], done: "suspended") }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a suspended sandbox again (spec.suspended: false).")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The OpenShellSandbox's name.") var name: String
    func run() async throws { try await patchSpec(cluster, name, ["suspended": false], done: "resumed") }
}

struct Extend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a sandbox's expiry to now + a duration (sets spec.lifetime.expiresAt; the class's maximum still applies).")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The OpenShellSandbox's name.") var name: String
    @Option(help: "How long from now the sandbox should live, as a Go duration (90m, 8h).") var ttl: String

    func validate() throws {
        guard let duration = GoDuration.parse(ttl), duration > .zero else {
            throw ValidationError("--ttl must be a positive Go duration such as 90m or 8h, not \"\(ttl)\"")
        }
    }

    func run() async throws {
        let seconds = GoDuration.parse(ttl).map { Double($0.components.seconds) } ?? 0
        let expiresAt = KubeTime.format(Date().addingTimeInterval(seconds))
        try await patchSpec(cluster, name, ["lifetime": ["ttl": .null, "expiresAt": .string(expiresAt)]], done: "extended to \(expiresAt)")
    }
}

struct Restart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart a sandbox's pod, keeping its workspace (like kubectl rollout restart).",
        discussion: """
            Sets the annotation openshell.ai/restartedAt on the OpenShellSandbox to the current time \
            (RFC 3339, so at most one restart per second). The operator sees the new value and restarts the \
            sandbox once: it stops the pod and starts a new one, with the Events Restarting and Restarted, \
            and records the value in status.observedRestartedAt. A pod that has ended is restarted at once \
            (the failure policy's backoff and count do not apply). A suspended sandbox has no pod to \
            restart: resume it instead.
            """)
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The OpenShellSandbox's name.") var name: String

    func run() async throws {
        let session = try cluster.connect()
        let namespace = session.namespace
        let owner = try await session.call("reading OpenShellSandbox \(namespace)/\(name)", kind: "OpenShellSandbox") {
            try await session.client.get(OpenShellAPIGroup.sandboxes, namespace: namespace, name: name)
        }
        if owner.spec?["suspended"]?.boolValue == true {
            throw PluginError(
                "openshellsandbox \(name) is suspended, so there is no pod to restart; `kubectl openshell resume \(name)` starts a new one")
        }
        let value = KubeTime.format(Date())
        _ = try await session.call("updating OpenShellSandbox \(namespace)/\(name)", kind: "OpenShellSandbox") {
            try await session.client.patch(
                OpenShellAPIGroup.sandboxes, namespace: namespace, name: name, type: .merge,
                patch: ["metadata": ["annotations": [OpenShellLabels.restartedAtAnnotation: .string(value)]]])
        }
        print("openshellsandbox.openshell.ai/\(name) restarted")
    }
}
