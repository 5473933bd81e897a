//! The test harness: an in-process API server core with the CRD controller and
//! the simulated controllers running in a task group, an in-process client,
//! and polling with a bounded deadline for the state a test expects.
import ClusterSimulators
import Foundation
import KubeCore
import LocalAPIServer
import Logging
import Testing

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

extension SimulatorOptions {
    /// Short delays for tests.
    static var fast: SimulatorOptions {
        var options = SimulatorOptions()
        options.podReadyDelay = .milliseconds(50)
        options.podStopDelay = .milliseconds(50)
        options.jobPodRunDuration = .milliseconds(100)
        options.namespaceRecheckInterval = .milliseconds(100)
        options.retryInitialDelay = .milliseconds(10)
        options.retryMaximumDelay = .milliseconds(300)
        options.pausePollInterval = .milliseconds(10)
        return options
    }
}

struct TestCluster: Sendable {
    let core: APIServerCore
    let faults: FaultInjector
    let client: InProcessClient

    /// Runs `body` against a fresh cluster with the `default` and `test` namespaces, then stops everything.
    static func with<T: Sendable>(_ options: SimulatorOptions = .fast, crds: [KubeObject] = [],
                                  _ body: @Sendable (TestCluster) async throws -> T) async throws -> T {
        let core = APIServerCore()
        let faults = FaultInjector()
        let cluster = TestCluster(core: core, faults: faults, client: InProcessClient(core: core))
        let logger = {
            var logger = Logger(label: "cluster-simulators-tests")
            logger.logLevel = .error
            return logger
        }()
        let services = ClusterSimulators.services(core: core, faults: faults, options: options, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await CRDController(core: core, logger: logger).run() }
            for service in services {
                group.addTask { try await service.run() }
            }
            do {
                for name in ["default", "test"] {
                    try await cluster.client.create(.namespaces, KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]))
                }
                for crd in crds { try await cluster.install(crd) }
                let result = try await body(cluster)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Creates a CRD and waits until it is Established.
    func install(_ crd: KubeObject) async throws {
        try await client.create(.customResourceDefinitions, crd)
        let name = crd.name
        try await eventually("CRD \(name) established") {
            let current = try await client.get(.customResourceDefinitions, name: name)
            return current.conditions[type: "Established"]?.isTrue == true ? true : nil
        }
    }

    // MARK: Shortcuts

    func get(_ gvr: GroupVersionResource, _ name: String, namespace: String = "test") async throws -> KubeObject? {
        try await client.getIfPresent(gvr, namespace: namespace, name: name)
    }

    /// Waits until `gvr/name` satisfies `predicate`; returns it.
    @discardableResult
    func waitFor(_ gvr: GroupVersionResource, _ name: String, namespace: String? = "test", _ what: String,
                 timeout: Duration = .seconds(15), _ predicate: @escaping @Sendable (KubeObject) -> Bool) async throws -> KubeObject {
        try await eventually("\(gvr.resource)/\(name): \(what)", timeout: timeout) {
            guard let object = try await client.getIfPresent(gvr, namespace: namespace, name: name), predicate(object) else { return nil }
            return object
        }
    }

    /// Waits until `gvr/name` does not exist.
    func waitGone(_ gvr: GroupVersionResource, _ name: String, namespace: String? = "test", timeout: Duration = .seconds(15)) async throws {
        try await eventually("\(gvr.resource)/\(name) to be gone", timeout: timeout) {
            try await client.getIfPresent(gvr, namespace: namespace, name: name) == nil ? true : nil
        }
    }

    func pods(labelSelector: String? = nil, namespace: String = "test") async throws -> [KubeObject] {
        try await client.list(.pods, namespace: namespace, labelSelector: labelSelector)
    }
}

/// Polls `probe` every 20 ms until it returns a value, for at most `timeout`.
@discardableResult
func eventually<T: Sendable>(_ what: String, timeout: Duration = .seconds(15),
                             _ probe: @Sendable () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if let value = try await probe() { return value }
        if ContinuousClock.now >= deadline {
            Issue.record("timed out waiting for \(what)")
            throw TimedOut(what: what)
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

// MARK: Object builders

func object(_ apiVersion: String, _ kind: String, _ name: String, namespace: String? = "test", _ body: JSONObject = [:]) -> KubeObject {
    var json = body
    json["apiVersion"] = .string(apiVersion)
    json["kind"] = .string(kind)
    var metadata = json["metadata"]?.objectValue ?? [:]
    metadata["name"] = .string(name)
    if let namespace { metadata["namespace"] = .string(namespace) }
    json["metadata"] = .object(metadata)
    return KubeObject(json)
}

func configMap(_ name: String, namespace: String? = "test", owners: [KubeObject] = [], block: Bool? = nil, finalizers: [String] = []) -> KubeObject {
    var metadata: JSONObject = [:]
    if !owners.isEmpty {
        metadata["ownerReferences"] = .array(owners.map { owner in
            var reference: JSONObject = ["apiVersion": .string(owner.apiVersion), "kind": .string(owner.kind),
                                         "name": .string(owner.name), "uid": .string(owner.uid)]
            if let block { reference["blockOwnerDeletion"] = .bool(block) }
            return .object(reference)
        })
    }
    if !finalizers.isEmpty { metadata["finalizers"] = .array(finalizers.map(JSONValue.string)) }
    return object("v1", "ConfigMap", name, namespace: namespace, ["metadata": .object(metadata), "data": ["k": "v"]])
}

func podSpec(image: String = "registry.k8s.io/pause:3.10", restartPolicy: String? = nil, ports: [Int64] = []) -> JSONValue {
    var container: JSONObject = ["name": "main", "image": .string(image)]
    if !ports.isEmpty { container["ports"] = .array(ports.map { ["containerPort": .int($0)] }) }
    var spec: JSONObject = ["containers": [.object(container)]]
    if let restartPolicy { spec["restartPolicy"] = .string(restartPolicy) }
    return .object(spec)
}

extension GroupVersionResource {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    static let clusterRoles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    static let eventsV1 = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")
}
