//! The chaos runs' cluster: an in-process local API server with the simulated
//! cluster (Agent Sandbox controller, kubelet, garbage collector…) and the
//! CRDs, a kubeconfig for the operator's own user (so the request log tells
//! its requests apart), and the harness's own fault-free access to it — the
//! workload and the checker go through `InProcessClient`, never through the
//! HTTP front end the faults are injected into.
import BenchSupport
import ClusterSimulators
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import OpenShellAPI
import SandboxController

public struct ChaosCluster: Sendable {
    public let bench: BenchServer
    /// The harness's access: in process, not faulted, not counted.
    public let api: InProcessClient
    /// Holds the kubeconfig, the queue database and the operator logs.
    public let directory: URL
    public let operatorKubeconfig: String

    /// The user the operator authenticates as (its requests in `RequestLog`).
    public static let operatorUser = "openshell-operator"

    public var server: LocalAPIServer { bench.server }

    /// Runs `body` against a fresh cluster with `namespaces`, then stops it.
    /// The directory is removed afterwards unless `keepDirectory` says otherwise for the result.
    public static func with<T: Sendable>(
        namespaces: [String], podReadyDelay: Duration = .milliseconds(200), podStopDelay: Duration = .milliseconds(200),
        logger: Logger, keepDirectory: @escaping @Sendable (T) -> Bool = { _ in false },
        _ body: @Sendable (ChaosCluster) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("operator-chaos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }
        let result = try await BenchServer.with(logger: logger) { bench in
            var options = SimulatorOptions()
            options.podReadyDelay = podReadyDelay
            options.podStopDelay = podStopDelay
            options.retryInitialDelay = .milliseconds(20)
            options.retryMaximumDelay = .milliseconds(500)
            let simulators = ClusterSimulators.services(core: bench.server.core, faults: bench.server.faults, options: options, logger: logger)
            let cluster = ChaosCluster(
                bench: bench, api: InProcessClient(core: bench.server.core, userAgent: "operator-chaos"), directory: directory,
                operatorKubeconfig: try writeOperatorKubeconfig(bench, in: directory))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                for service in simulators { group.addTask { try await service.run() } }
                defer { group.cancelAll() }
                try await cluster.installCRDs()
                for namespace in namespaces {
                    try await cluster.api.create(Namespace.resource, KubeObject([
                        "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)],
                    ]))
                }
                return try await body(cluster)
            }
        }
        keep = keepDirectory(result)
        return result
    }

    private func installCRDs() async throws {
        var crds = [(AgentSandboxCRD.definition, SandboxResources.agentSandboxes)]
        for crd in OpenShellCRDs.all {
            let plural = crd.json["spec"]?[path: ["names", "plural"]]?.stringValue ?? ""
            crds.append((crd, GroupVersionResource(group: OpenShellAPIGroup.group, version: OpenShellAPIGroup.version, resource: plural)))
        }
        for (crd, resource) in crds {
            try await api.create(SandboxResources.customResourceDefinitions, crd)
            try await pollUntil(timeout: .seconds(30), "CRD \(crd.name) established") {
                guard let current = try? await api.get(SandboxResources.customResourceDefinitions, name: crd.name),
                      current.conditions[type: "Established"]?.isTrue == true
                else { return false }
                return (try? await api.list(resource)) != nil
            }
        }
    }

    /// A kubeconfig for `operatorUser` in `system:masters`.
    private static func writeOperatorKubeconfig(_ bench: BenchServer, in directory: URL) throws -> String {
        let identity = try bench.credentials.clientCredentials(user: operatorUser, groups: ["system:masters"])
        let text = KubeconfigFile.render(
            server: bench.url, caPEM: bench.credentials.authority.certificate.pem, user: operatorUser,
            credential: .clientCertificate(certificatePEM: identity.certificate.pem, keyPEM: identity.key.pemPKCS8))
        let path = directory.appendingPathComponent("operator.kubeconfig").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Workload

    static func resource(ofForeign kind: String) -> GroupVersionResource {
        kind == "Pod" ? SandboxResources.pods : SandboxResources.agentSandboxes
    }

    /// Creates the foreign objects, waits until the simulated cluster has
    /// stopped changing them, and returns them as recorded then.
    public func createForeign(_ objects: [ForeignObject]) async throws -> [ForeignRecord] {
        for foreign in objects {
            try await api.create(Self.resource(ofForeign: foreign.kind), foreign.object)
        }
        var last: [ForeignRecord] = []
        var stableSince = ContinuousClock.now
        try await pollUntil(every: .milliseconds(200), timeout: .seconds(60), "foreign objects settled") {
            let now = try await readForeign(objects.map { ($0.kind, $0.key) })
            if now != last || now.count != objects.count {
                last = now
                stableSince = ContinuousClock.now
                return false
            }
            return ContinuousClock.now - stableSince >= .seconds(2)
        }
        return last
    }

    /// The foreign objects as they are now; absent ones left out.
    public func readForeign(_ keys: [(kind: String, key: ObjectKey)]) async throws -> [ForeignRecord] {
        var records: [ForeignRecord] = []
        for (kind, key) in keys {
            if let object = try await api.getIfPresent(Self.resource(ofForeign: kind), namespace: key.namespace, name: key.name) {
                records.append(ForeignRecord(kind: kind, object))
            }
        }
        return records
    }

    /// Applies one operation; an object already gone (or already there) is not an error of the run.
    public func apply(_ scheduled: ScheduledOperation) async throws {
        let key = scheduled.key
        do {
            switch scheduled.operation {
            case .create(let spec):
                try await api.create(OpenShellAPIGroup.sandboxes, KubeObject([
                    "apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellSandbox",
                    "metadata": ["name": .string(key.name), "namespace": .string(key.namespace)], "spec": .object(spec),
                ]))
            case .suspend:
                try await api.patch(OpenShellAPIGroup.sandboxes, namespace: key.namespace, name: key.name, merge: ["spec": ["suspended": true]])
            case .resume:
                try await api.patch(OpenShellAPIGroup.sandboxes, namespace: key.namespace, name: key.name, merge: ["spec": ["suspended": false]])
            case .setImage(let image):
                try await api.patch(OpenShellAPIGroup.sandboxes, namespace: key.namespace, name: key.name, merge: ["spec": ["image": .string(image)]])
            case .delete:
                try await api.delete(OpenShellAPIGroup.sandboxes, namespace: key.namespace, name: key.name)
            }
        } catch let error as APIError {
            throw ChaosFailure("the workload's \(scheduled.operation) of \(key) failed: \(error)")
        }
    }

    /// Applies `operations` at their offsets from `start`; returns when the last one is applied.
    public func run(_ operations: [ScheduledOperation], from start: ContinuousClock.Instant) async throws {
        for scheduled in operations {
            let due = start + .milliseconds(Int(scheduled.offset * 1000))
            if due > .now { try await Task.sleep(until: due) }
            try await apply(scheduled)
        }
    }

    // MARK: Checking

    /// The objects the invariants are about, read now.
    public func snapshot(namespaces: [String], foreign: [ForeignRecord], queueDepths: [String: Double]?) async throws -> ClusterSnapshot {
        var owners: [KubeObject] = [], sandboxes: [KubeObject] = []
        for namespace in namespaces {
            owners += try await api.list(OpenShellAPIGroup.sandboxes, namespace: namespace)
            sandboxes += try await api.list(SandboxResources.agentSandboxes, namespace: namespace)
        }
        let current = try await readForeign(foreign.map { ($0.kind, $0.key) })
        return ClusterSnapshot(openShellSandboxes: owners, sandboxes: sandboxes, foreign: current, queueDepths: queueDepths)
    }
}

/// A chaos run could not be carried out (as opposed to finding violations).
public struct ChaosFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every `interval` until it holds; throws after `timeout`.
func pollUntil(
    every interval: Duration = .milliseconds(100), timeout: Duration, _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw ChaosFailure("timed out after \(timeout) waiting for \(what)")
}
