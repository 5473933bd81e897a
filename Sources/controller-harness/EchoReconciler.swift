//! The echo reconciler: a small, real controller over ConfigMaps that the
//! runtime's crash tests and benchmarks drive. For every ConfigMap labelled
//! `harness.openshell.ai/role=source` it keeps an owned ConfigMap
//! `<name>-echo` whose `value` matches the source's, and deletes the source
//! once its `expireAt` time has passed (a scheduled deadline that must
//! survive restarts). Each reconcile that acts appends one line to a journal
//! file, so tests can count exactly what was done.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import Logging

struct EchoReconciler: Reconciler {
    static let sourceSelector = "harness.openshell.ai/role=source"
    static let echoSelector = "harness.openshell.ai/role=echo"

    let client: RESTClient
    let sources: Informer
    let echoes: Informer
    let journal: Journal
    let clock: any WallClock
    /// Also journal every reconcile as `<key> reconcile`, acting or not.
    let journalEveryReconcile: Bool

    func reconcile(_ request: ReconcileRequest) async throws -> ReconcileResult {
        if journalEveryReconcile { journal.append("\(request.key) reconcile") }
        guard let source = sources.cache.get(request.key), !source.isBeingDeleted else { return .done }
        let data = source.json["data"]?.objectValue ?? [:]
        if let delay = data["delayMs"]?.stringValue.flatMap(Int.init), delay > 0 {
            // A slow step between reading and writing, where a crash hurts most.
            try await Task.sleep(for: .milliseconds(delay))
        }
        if let expireAt = data["expireAt"]?.stringValue.flatMap(KubeTime.parse) {
            let remaining = expireAt.timeIntervalSince(clock.now())
            if remaining <= 0 {
                do {
                    _ = try await client.delete(
                        .configMaps, namespace: request.key.namespace, name: request.key.name,
                        options: DeleteOptions(preconditions: Preconditions(uid: source.uid)))
                    journal.append("\(request.key) expired")
                } catch let error as APIError where error.code == 404 || error.code == 409 {
                    // Already gone, or another incarnation: nothing to expire.
                }
                return .done
            }
            try await ensureEcho(of: source, value: data["value"]?.stringValue ?? "")
            return .requeue(after: .milliseconds(Int((remaining * 1000).rounded(.up))))
        }
        try await ensureEcho(of: source, value: data["value"]?.stringValue ?? "")
        return .done
    }

    /// The echo depends on the source's data too, which `generation` (a
    /// ConfigMap has none) does not cover.
    func inputHash(for object: KubeObject) -> String {
        InputDigest.of([
            .object(object.labels.mapValues(JSONValue.string)), .object(object.annotations.mapValues(JSONValue.string)),
            object.json["data"] ?? .null,
        ])
    }

    /// Creates or updates `<name>-echo`; writes nothing when it already matches.
    private func ensureEcho(of source: KubeObject, value: String) async throws {
        let key = ObjectKey(namespace: source.namespace, name: "\(source.name)-echo")
        if let echo = echoes.cache.get(key) {
            guard echo.controllerReference?.uid == source.uid else {
                throw ReconcileError.terminal("\(key) exists and is not ours; not adopting it")
            }
            guard echo.json["data"]?["value"]?.stringValue != value else { return }
            var updated = echo
            updated.json["data"] = ["value": .string(value)]
            _ = try await client.update(.configMaps, namespace: key.namespace, updated)
            journal.append("\(source.key) updated")
            return
        }
        var echo = KubeObject([
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "name": .string(key.name), "namespace": .string(key.namespace),
                "labels": ["harness.openshell.ai/role": "echo"],
            ],
            "data": ["value": .string(value)],
        ])
        echo.ownerReferences = [OwnerReference(
            apiVersion: "v1", kind: "ConfigMap", name: source.name, uid: source.uid, controller: true,
            blockOwnerDeletion: true)]
        // AlreadyExists means the cache is behind a create that did land: the
        // error retries the key, by which time the watch has brought the echo.
        _ = try await client.create(.configMaps, namespace: key.namespace, echo)
        journal.append("\(source.key) created")
    }
}

/// Appends lines to a file with O_APPEND, one write per line, so lines from
/// a process killed at any moment are whole or absent.
final class Journal: Sendable {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HarnessError("cannot open the journal \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension GroupVersionResource {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
}
