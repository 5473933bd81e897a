//! Server-side apply decisions, table-driven over sequences of operations by
//! several managers: conflicts, no conflicts, force, removal of fields a
//! manager stopped applying, shared ownership, and Update operations taking
//! ownership of what they change.
import Foundation
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

/// One operation on the object.
enum OwnershipOp: Sendable {
    /// Apply of ConfigMap data (`nil` values leave the key out).
    case apply(String, [String: String], force: Bool = false)
    /// An Update (PUT or non-apply patch) leaving the data as given.
    case update(String, [String: String])
    /// Apply of a Pod with these container names.
    case applyContainers(String, [String])
}

struct OwnershipCase: Sendable, CustomStringConvertible {
    var name: String
    var steps: [OwnershipOp]
    /// The last step's conflict message, when it must fail.
    var conflict: String?
    /// The data (or container names) after the last step.
    var result: [String: String]? = nil
    var containers: [String]? = nil
    /// Owned paths per manager after the last step (`"a"` for apply, `"u" using v1` for update).
    var owners: [String: [String]] = [:]

    var description: String { name }
}

private func configMap(_ data: [String: String]) -> JSONValue {
    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "default"],
     "data": .object(data.mapValues(JSONValue.string))]
}

private func pod(_ containers: [String]) -> JSONValue {
    ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"],
     "spec": ["containers": .array(containers.map { ["name": .string($0), "image": "img"] })]]
}

@Suite("Server-side apply decisions")
struct ServerSideApplyDecisionTests {
    static let cases: [OwnershipCase] = [
        OwnershipCase(name: "a manager may change what it alone applied",
                      steps: [.apply("a", ["x": "1"]), .apply("a", ["x": "2"])],
                      result: ["x": "2"], owners: ["\"a\"": [".data.x"]]),
        OwnershipCase(name: "another applier changing a value conflicts",
                      steps: [.apply("a", ["x": "1"]), .apply("b", ["x": "2"])],
                      conflict: "Apply failed with 1 conflict: conflict with \"a\": .data.x"),
        OwnershipCase(name: "appliers agreeing on a value share it",
                      steps: [.apply("a", ["x": "1"]), .apply("b", ["x": "1", "y": "2"])],
                      result: ["x": "1", "y": "2"], owners: ["\"a\"": [".data.x"], "\"b\"": [".data.x", ".data.y"]]),
        OwnershipCase(name: "force takes a conflicting field over",
                      steps: [.apply("a", ["x": "1", "y": "1"]), .apply("b", ["x": "2"], force: true)],
                      result: ["x": "2", "y": "1"], owners: ["\"a\"": [".data.y"], "\"b\"": [".data.x"]]),
        OwnershipCase(name: "a field the applier stopped applying is removed",
                      steps: [.apply("a", ["x": "1", "y": "1"]), .apply("a", ["x": "1"])],
                      result: ["x": "1"], owners: ["\"a\"": [".data.x"]]),
        OwnershipCase(name: "a dropped field another applier owns stays",
                      steps: [.apply("a", ["x": "1", "y": "1"]), .apply("b", ["y": "1"]), .apply("a", ["x": "1"])],
                      result: ["x": "1", "y": "1"], owners: ["\"a\"": [".data.x"], "\"b\"": [".data.y"]]),
        OwnershipCase(name: "an update takes over the fields it changes",
                      steps: [.apply("a", ["x": "1", "y": "1"]), .update("u", ["x": "2", "y": "1"])],
                      result: ["x": "2", "y": "1"], owners: ["\"a\"": [".data.y"], "\"u\" using v1": [".data.x"]]),
        OwnershipCase(name: "an apply conflicts with an updater's change",
                      steps: [.apply("a", ["x": "1"]), .update("u", ["x": "2"]), .apply("a", ["x": "1"])],
                      conflict: "Apply failed with 1 conflict: conflict with \"u\" using v1: .data.x"),
        OwnershipCase(name: "a field an updater added survives the applier's next apply",
                      steps: [.apply("a", ["x": "1"]), .update("u", ["x": "1", "z": "9"]), .apply("a", ["x": "1"])],
                      result: ["x": "1", "z": "9"], owners: ["\"a\"": [".data.x"], "\"u\" using v1": [".data.z"]]),
        OwnershipCase(name: "an update removing a field removes it from its owner",
                      steps: [.apply("a", ["x": "1", "y": "1"]), .update("u", ["x": "1"])],
                      result: ["x": "1"], owners: ["\"a\"": [".data.x"]]),
        OwnershipCase(name: "conflicts with several managers are listed per manager",
                      steps: [.apply("a", ["x": "1"]), .apply("b", ["y": "1"]), .apply("c", ["x": "2", "y": "2"])],
                      conflict: "Apply failed with 2 conflicts: conflicts with \"a\":\n- .data.x\nconflicts with \"b\":\n- .data.y"),
        OwnershipCase(name: "keyed list items are owned per item and removed when dropped",
                      steps: [.applyContainers("a", ["one"]), .applyContainers("b", ["two"]), .applyContainers("a", [])],
                      containers: ["two"],
                      owners: ["\"b\"": [".spec.containers[name=\"two\"]", ".spec.containers[name=\"two\"].image",
                                         ".spec.containers[name=\"two\"].name"]]),
    ]

    @Test("decides", arguments: cases)
    func decides(_ c: OwnershipCase) throws {
        var live: JSONValue?
        var managed = ManagedFields()
        for (i, step) in c.steps.enumerated() {
            let last = i == c.steps.count - 1
            let kind = if case .applyContainers = step { "Pod" } else { "ConfigMap" }
            let manager = FieldManager(schema: .builtin(group: "", kind: kind), apiVersion: "v1", now: "2025-01-0\(i + 1)T00:00:00Z")
            do {
                switch step {
                case .apply(let name, let data, let force):
                    let applied = try manager.apply(live: live, config: configMap(data), managed: managed, manager: name, force: force)
                    live = applied.object ?? live
                    managed = applied.managed
                case .applyContainers(let name, let containers):
                    var config = pod(containers)
                    if containers.isEmpty { config["spec"] = nil }
                    let applied = try manager.apply(live: live, config: config, managed: managed, manager: name, force: false)
                    live = applied.object ?? live
                    managed = applied.managed
                case .update(let name, let data):
                    var new = try #require(live)
                    new["data"] = .object(data.mapValues(JSONValue.string))
                    managed = manager.update(live: live, new: new, managed: managed, manager: name)
                    live = new
                }
                #expect(c.conflict == nil || !last, "step \(i) should have conflicted")
            } catch let conflicts as FieldManager.Conflicts {
                #expect(last, "step \(i) conflicted: \(conflicts.apiError.message)")
                #expect(conflicts.apiError.message == c.conflict)
                #expect(conflicts.apiError.code == 409)
                return
            }
        }
        if let result = c.result {
            #expect(live?["data"] == .object(result.mapValues(JSONValue.string)))
        }
        if let containers = c.containers {
            #expect(live?[path: ["spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } == containers)
        }
        var owners: [String: [String]] = [:]
        for (key, entry) in managed.entries {
            owners[key.description] = entry.fields.paths.map(\.description).sorted()
        }
        #expect(owners == c.owners)
    }

    @Test("a repeated identical apply changes nothing and keeps its time")
    func unchangedApply() throws {
        let first = FieldManager(schema: .builtin(group: "", kind: "ConfigMap"), apiVersion: "v1", now: "2025-01-01T00:00:00Z")
        let created = try first.apply(live: nil, config: configMap(["x": "1"]), managed: ManagedFields(), manager: "a", force: false)
        let live = try #require(created.object)
        let again = FieldManager(schema: .builtin(group: "", kind: "ConfigMap"), apiVersion: "v1", now: "2025-01-02T00:00:00Z")
        let second = try again.apply(live: live, config: configMap(["x": "1"]), managed: created.managed, manager: "a", force: false)
        #expect(second.object == nil)
        #expect(second.managed == created.managed)
        #expect(second.managed.entries.values.first?.time == "2025-01-01T00:00:00Z")
    }

    @Test("conflict causes name each field and manager")
    func conflictCauses() throws {
        let manager = FieldManager(schema: .builtin(group: "", kind: "ConfigMap"), apiVersion: "v1", now: "2025-01-01T00:00:00Z")
        let created = try manager.apply(live: nil, config: configMap(["x": "1"]), managed: ManagedFields(), manager: "a", force: false)
        let error = #expect(throws: FieldManager.Conflicts.self) {
            _ = try manager.apply(live: created.object, config: configMap(["x": "2"]), managed: created.managed, manager: "b", force: false)
        }
        let status = try #require(error?.apiError.status)
        #expect(status.reason == .conflict)
        #expect(status.details?.causes == [StatusCause(reason: "FieldManagerConflict", message: "conflict with \"a\"", field: ".data.x")])
    }

    @Test("kubectl's server-side apply takes over fields its client-side apply set, without conflict")
    func clientSideUpgrade() throws {
        let manager = FieldManager(schema: .builtin(group: "", kind: "ConfigMap"), apiVersion: "v1", now: "2025-01-01T00:00:00Z")
        var manifest = configMap(["x": "1"])
        let lastApplied = manifest.jsonString() + "\n"
        manifest[path: ["metadata", "annotations", FieldManager.lastAppliedAnnotation]] = .string(lastApplied)
        let csa = manager.update(live: nil, new: manifest, managed: ManagedFields(), manager: "kubectl-client-side-apply")
        let applied = try manager.apply(live: manifest, config: configMap(["x": "2"]), managed: csa, manager: "kubectl", force: false)
        let object = try #require(applied.object)
        #expect(object[path: ["data", "x"]] == "2")
        // The annotation follows the applied configuration.
        let annotation = object[path: ["metadata", "annotations", FieldManager.lastAppliedAnnotation]]?.stringValue
        #expect(annotation == configMap(["x": "2"]).jsonString() + "\n")
        // Another manager gets the conflict.
        #expect(throws: FieldManager.Conflicts.self) {
            _ = try manager.apply(live: manifest, config: configMap(["x": "3"]), managed: csa, manager: "other", force: false)
        }
    }

    @Test("more than ten update managers fold the oldest into ancient-changes")
    func capUpdateManagers() throws {
        var live: JSONValue = configMap([:])
        var managed = ManagedFields()
        for i in 0..<12 {
            let manager = FieldManager(schema: .builtin(group: "", kind: "ConfigMap"), apiVersion: "v1",
                                       now: "2025-01-01T00:00:\(i < 10 ? "0" : "")\(i)Z")
            var new = live
            new[path: ["data", "k\(i)"]] = "v"
            managed = manager.update(live: live, new: new, managed: managed, manager: "m\(i)")
            live = new
        }
        #expect(managed.entries.count == 10)
        let bucket = try #require(managed.entries[ManagerKey(manager: "ancient-changes", operation: .update, apiVersion: "v1")])
        #expect(bucket.fields.paths.map(\.description) == [".data.k0", ".data.k1", ".data.k2"])
        #expect(managed.entries[ManagerKey(manager: "m0", operation: .update, apiVersion: "v1")] == nil)
    }
}
