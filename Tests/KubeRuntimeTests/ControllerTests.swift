//! The controller loop against the local API server: events become
//! reconciles, owned objects map to owners, keys never run twice at once,
//! outcomes drive requeues and backoff, and a restart reconciles only what
//! changed.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging
import Testing
import TestSupport
import WorkQueue

@Suite("Controller loop")
struct ControllerTests {
    @Test("every object is reconciled once after the caches sync, and each later change once more")
    func reconcilesObjects() async throws {
        try await TestServer.with { server in
            for index in 0..<5 { _ = try await server.client.create(.configMaps, namespace: "default", item("cm-\(index)")) }
            let recorder = RecordingReconciler()
            try await withController(server, reconciler: recorder) { _ in
                try await eventually { recorder.count(of: "default/cm-4") == 1 && recorder.total == 5 }
                var changed = try await server.client.get(.configMaps, namespace: "default", name: "cm-2")
                changed.json["data"] = ["v": "2"]
                _ = try await server.client.update(.configMaps, namespace: "default", changed)
                try await eventually { recorder.count(of: "default/cm-2") == 2 }
                #expect(recorder.total == 6)
            }
        }
    }

    @Test("a change to an owned object reconciles its controller owner")
    func ownedObjectsMapToOwner() async throws {
        try await TestServer.with { server in
            let owner = try await server.client.create(.configMaps, namespace: "default", item("owner"))
            let recorder = RecordingReconciler()
            try await withController(server, reconciler: recorder, ownsChildren: true) { _ in
                try await eventually { recorder.count(of: "default/owner") == 1 }
                var child = item("child", role: "child")
                child.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.uid, controller: true)]
                _ = try await server.client.create(.configMaps, namespace: "default", child)
                try await eventually { recorder.count(of: "default/owner") == 2 }
                #expect(recorder.count(of: "default/child") == 0)
            }
        }
    }

    @Test("a key is never reconciled twice at once, however many events arrive")
    func noConcurrentReconcileOfOneKey() async throws {
        try await TestServer.with { server in
            _ = try await server.client.create(.configMaps, namespace: "default", item("busy"))
            let recorder = RecordingReconciler(delay: .milliseconds(50))
            try await withController(server, reconciler: recorder, workers: 4) { _ in
                for round in 0..<20 {
                    var object = try await server.client.get(.configMaps, namespace: "default", name: "busy")
                    object.json["data"] = ["round": .string(String(round))]
                    _ = try await server.client.update(.configMaps, namespace: "default", object)
                }
                try await eventually { recorder.lastSeenData(of: "default/busy") == "19" }
                #expect(recorder.maxConcurrentForOneKey == 1)
            }
        }
    }

    @Test("requeue(after:) runs the key again; errors retry with backoff; terminal errors are not retried")
    func outcomes() async throws {
        try await TestServer.with { server in
            _ = try await server.client.create(.configMaps, namespace: "default", item("again"))
            _ = try await server.client.create(.configMaps, namespace: "default", item("flaky"))
            _ = try await server.client.create(.configMaps, namespace: "default", item("broken"))
            let recorder = RecordingReconciler(behaviour: { key, count in
                switch (key.name, count) {
                case ("again", 1): return .requeue(.milliseconds(100))
                case ("flaky", 1...3): return .fail
                case ("broken", _): return .terminal
                default: return .done
                }
            })
            try await withController(server, reconciler: recorder) { _ in
                try await eventually { recorder.count(of: "default/again") == 2 && recorder.count(of: "default/flaky") == 4 }
                #expect(recorder.attempts(of: "default/flaky") == [1, 2, 3, 4])
                try await Task.sleep(for: .milliseconds(300))
                #expect(recorder.count(of: "default/broken") == 1)
                #expect(recorder.count(of: "default/again") == 2)
            }
        }
    }

    @Test("a requeue-after scheduled before a restart keeps its time after it, unless the object changed")
    func restartKeepsScheduledWork() async throws {
        try await TestServer.with { server in
            for name in ["later", "changed"] { _ = try await server.client.create(.configMaps, namespace: "default", item(name)) }
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("controller-\(UUID().uuidString).db").path
            let first = RecordingReconciler { _, _ in .requeue(.seconds(3600)) }
            try await withController(server, reconciler: first, database: database) { _ in
                try await eventually { first.total == 2 }
            }
            var changed = try await server.client.get(.configMaps, namespace: "default", name: "changed")
            changed.labels["tier"] = "gold"
            _ = try await server.client.update(.configMaps, namespace: "default", changed)

            let second = RecordingReconciler()
            try await withController(server, reconciler: second, database: database) { controller in
                try await eventually { second.count(of: "default/changed") == 1 }
                try await Task.sleep(for: .milliseconds(300))
                #expect(second.count(of: "default/later") == 0, "the hour-long requeue was cut short")
                #expect(controller.startupSummary == StartupSummary(immediate: 1, queued: 1, deferred: 0, gone: 0))
            }
        }
    }

    @Test("after a restart only new and changed objects are reconciled at once; the rest wait for the sweep")
    func restartReconcilesOnlyChanges() async throws {
        try await TestServer.with { server in
            for index in 0..<6 { _ = try await server.client.create(.configMaps, namespace: "default", item("cm-\(index)")) }
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("controller-\(UUID().uuidString).db").path
            let first = RecordingReconciler()
            try await withController(server, reconciler: first, database: database) { _ in
                try await eventually { first.total == 6 }
            }
            // While "down": one change, one new object, one deletion.
            var changed = try await server.client.get(.configMaps, namespace: "default", name: "cm-1")
            changed.labels["tier"] = "gold"
            _ = try await server.client.update(.configMaps, namespace: "default", changed)
            _ = try await server.client.create(.configMaps, namespace: "default", item("cm-new"))
            _ = try await server.client.delete(.configMaps, namespace: "default", name: "cm-5")

            let second = RecordingReconciler()
            try await withController(server, reconciler: second, database: database) { controller in
                try await eventually { second.count(of: "default/cm-1") == 1 && second.count(of: "default/cm-new") == 1 }
                try await eventually { second.cleanedUp == [ObjectKey(namespace: "default", name: "cm-5")] }
                try await Task.sleep(for: .milliseconds(300))
                #expect(second.total == 2, "reconciled: \(second.keys)")
                #expect(controller.startupSummary == StartupSummary(immediate: 2, deferred: 4, gone: 1))
            }
        }
    }

    /// Runs a controller over ConfigMaps labelled `role=primary` until `body` returns.
    private func withController(
        _ server: TestServer, reconciler: RecordingReconciler, workers: Int = 2, ownsChildren: Bool = false,
        database: String? = nil, _ body: @Sendable (Controller) async throws -> Void
    ) async throws {
        var logger = Logger(label: "controller-test")
        logger.logLevel = .warning
        let path = database ?? FileManager.default.temporaryDirectory.appendingPathComponent("controller-\(UUID().uuidString).db").path
        let queue = try PersistentWorkQueue.open(path: path, logger: logger)
        let informers = SharedInformers(client: server.client, logger: logger)
        let primary = informers.informer(for: InformerConfiguration(resource: .configMaps, namespace: "default", labelSelector: "role=primary"))
        let controller = Controller(
            configuration: ControllerConfiguration(name: "test", maxConcurrentReconciles: workers, startupSweepWindow: .seconds(3600)),
            primary: primary, queue: queue, reconciler: reconciler, logger: logger)
        if ownsChildren {
            let children = informers.informer(for: InformerConfiguration(resource: .configMaps, namespace: "default", labelSelector: "role=child"))
            controller.owns(children, ownerKind: GroupKind(group: "", kind: "ConfigMap"))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await informers.run() }
            group.addTask { try await controller.run() }
            defer { group.cancelAll() }
            try await body(controller)
        }
    }
}

private func item(_ name: String, role: String = "primary") -> KubeObject {
    KubeObject([
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": .string(name), "namespace": "default", "labels": ["role": .string(role)]],
        "data": ["v": "1"],
    ])
}

/// A reconciler that records every call and does what `behaviour` says.
final class RecordingReconciler: Reconciler {
    enum Behaviour: Sendable { case done, requeue(Duration), fail, terminal }
    private struct State {
        var calls: [(key: ObjectKey, attempt: Int)] = []
        var inFlight: [ObjectKey: Int] = [:]
        var maxConcurrentForOneKey = 0
        var lastData: [ObjectKey: String] = [:]
        var cleanedUp: [ObjectKey] = []
    }
    private let state = Locked(State())
    private let delay: Duration
    private let behaviour: @Sendable (ObjectKey, Int) -> Behaviour
    private let client: RESTClient?

    init(delay: Duration = .zero, client: RESTClient? = nil, behaviour: @escaping @Sendable (ObjectKey, Int) -> Behaviour = { _, _ in .done }) {
        self.delay = delay
        self.client = client
        self.behaviour = behaviour
    }

    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        let count = state.withLock { state -> Int in
            state.calls.append((request.key, request.attempt))
            state.inFlight[request.key, default: 0] += 1
            state.maxConcurrentForOneKey = max(state.maxConcurrentForOneKey, state.inFlight[request.key] ?? 0)
            return state.calls.filter { $0.key == request.key }.count
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        state.withLock { $0.inFlight[request.key, default: 1] -= 1 }
        switch behaviour(request.key, count) {
        case .done: return .done
        case .requeue(let after): return .requeue(after: after)
        case .fail: throw TestFailure("planned failure \(count)")
        case .terminal: throw ReconcileError.terminal("planned terminal failure")
        }
    }

    func inputHash(for object: KubeObject) -> String {
        state.withLock { $0.lastData[object.key] = object.json["data"]?["round"]?.stringValue }
        return InputDigest.of(labels: object.labels, annotations: object.annotations)
    }

    func cleanup(_ key: ObjectKey) async throws {
        state.withLock { $0.cleanedUp.append(key) }
    }

    var total: Int { state.withLock { $0.calls.count } }
    var keys: [String] { state.withLock { $0.calls.map(\.key.description) } }
    var maxConcurrentForOneKey: Int { state.withLock { $0.maxConcurrentForOneKey } }
    var cleanedUp: [ObjectKey] { state.withLock { $0.cleanedUp } }
    func count(of key: String) -> Int { state.withLock { $0.calls.filter { $0.key.description == key }.count } }
    func attempts(of key: String) -> [Int] { state.withLock { $0.calls.filter { $0.key.description == key }.map(\.attempt) } }
    func lastSeenData(of key: String) -> String? { state.withLock { $0.lastData[ObjectKey(key) ?? ObjectKey(namespace: "", name: "")] } }
}

extension GroupVersionResource {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
}
