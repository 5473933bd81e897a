//! Shared helpers of the KubeRuntime tests: object builders, a handler that
//! records informer events, running an informer for the length of a test,
//! request counting on the local API server, and a fixed random source.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import LocalAPIServer
import Logging
import Testing
import TestSupport

let configMapsResource = GroupVersionResource(group: "", version: "v1", resource: "configmaps")

/// A ConfigMap manifest.
func configMap(
    _ name: String, namespace: String, labels: [String: String] = [:], data: [String: String] = [:],
    owner: OwnerReference? = nil
) -> KubeObject {
    var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace)]
    if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues(JSONValue.string)) }
    if let owner, let value = try? JSONValue(encoding: owner) { metadata["ownerReferences"] = [value] }
    var object: JSONObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata)]
    if !data.isEmpty { object["data"] = .object(data.mapValues(JSONValue.string)) }
    return KubeObject(object)
}

/// A cached-looking object for pure tests: key, uid, resourceVersion, labels, controller owner.
func object(
    _ namespace: String, _ name: String, uid: String? = nil, rv: String = "1", labels: [String: String] = [:],
    controller: String? = nil, ownerKind: String = "Widget", ownerAPIVersion: String = "example.com/v1"
) -> KubeObject {
    var metadata: JSONObject = [
        "name": .string(name), "namespace": .string(namespace), "uid": .string(uid ?? "uid-\(namespace)-\(name)"),
        "resourceVersion": .string(rv),
    ]
    if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues(JSONValue.string)) }
    if let controller {
        metadata["ownerReferences"] = [[
            "apiVersion": .string(ownerAPIVersion), "kind": .string(ownerKind), "name": .string("owner-\(controller)"),
            "uid": .string(controller), "controller": true,
        ]]
    }
    return KubeObject(["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata)])
}

/// What a handler saw, in a comparable form.
enum Seen: Hashable, CustomStringConvertible {
    case added(String)
    case updated(String)
    case deleted(String)

    init(_ event: InformerEvent) {
        switch event {
        case .added(let object): self = .added(object.key.description)
        case .updated(_, let new): self = .updated(new.key.description)
        case .deleted(let object): self = .deleted(object.key.description)
        }
    }

    var description: String {
        switch self {
        case .added(let key): "+\(key)"
        case .updated(let key): "~\(key)"
        case .deleted(let key): "-\(key)"
        }
    }
}

/// Records every event an informer delivers, in order.
final class EventLog: Sendable {
    private let events = Locked<[InformerEvent]>([])

    var all: [InformerEvent] { events.value }
    var seen: [Seen] { events.value.map(Seen.init) }
    var count: Int { events.withLock { $0.count } }

    func record(_ event: InformerEvent) { events.withLock { $0.append(event) } }

    /// What was seen after the first `count` events.
    func seen(after count: Int) -> [Seen] { Array(seen.dropFirst(count)) }

    /// Waits until an `.added` event for `key` (`namespace/name`) was delivered.
    func waitForAdded(_ key: String, timeout: Duration = .seconds(20)) async throws {
        try await eventually(timeout: timeout) { self.seen.contains(.added(key)) }
    }
}

/// A backoff short enough for tests: 20 ms → 200 ms.
let quickBackoff = ReflectorBackoff(
    initial: .milliseconds(20), cap: .milliseconds(200), factor: 2, jitter: 1, resetAfter: .seconds(120))

func testLogger(_ label: String = "informer-test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// Runs `informer` (with `log` as its handler) while `body` runs; `body`
/// starts once the informer synced. Cancels the informer afterwards.
func withInformer<T: Sendable>(
    _ informer: Informer, log: EventLog? = nil, waitForSync: Bool = true,
    _ body: @Sendable () async throws -> T
) async throws -> T {
    if let log { informer.addHandler { log.record($0) } }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await informer.run() }
        defer { group.cancelAll() }
        if waitForSync {
            try await withLiveness("informer sync") { try await informer.waitUntilSynced() }
        }
        return try await body()
    }
}

/// Fails the test (instead of hanging it) when `body` does not finish within
/// `limit`. A liveness bound, not a timing assertion.
func withLiveness<T: Sendable>(
    _ what: String, limit: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("\(what) did not finish within \(limit)", sourceLocation: sourceLocation)
            throw TestFailure("\(what) hung")
        }
        return value
    }
}

extension TestServer {
    /// Requests the server answered for `resource`, by verb and (optionally) HTTP code.
    func requestCount(verb: String, resource: String = "configmaps", code: Int? = nil) -> Int {
        server.requests.snapshot.reduce(0) { sum, entry in
            guard entry.key.verb == verb, entry.key.resource == resource else { return sum }
            if let code, entry.key.code != code { return sum }
            return sum + entry.value
        }
    }

    /// Creates `count` ConfigMaps named `<prefix>-<index>` (zero-padded), eight at a time.
    func createConfigMaps(_ count: Int, prefix: String, namespace: String) async throws {
        let client = self.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func addOne() {
                let name = "\(prefix)-" + String(repeating: "0", count: max(0, 5 - String(next).count)) + String(next)
                next += 1
                group.addTask {
                    _ = try await client.create(configMapsResource, namespace: namespace, configMap(name, namespace: namespace))
                }
            }
            for _ in 0..<min(8, count) { addOne() }
            while try await group.next() != nil {
                if next < count { addOne() }
            }
        }
    }
}

/// A random source that always returns the same value (for jitter tests).
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}
