//! ChildDrift: the one-way comparison (server additions are not drift) and
//! the merge patch that puts our members back without removing others'.
import KubeCore
import Testing
@testable import GatewayController

private func object(_ body: JSONObject, labels: [String: String] = [:]) -> KubeObject {
    var json = body
    json["apiVersion"] = "v1"
    json["kind"] = "Service"
    json["metadata"] = .object(["name": "s", "namespace": "n", "labels": .object(labels.mapValues(JSONValue.string))])
    return KubeObject(json)
}

@Suite("ChildDrift")
struct ChildDriftTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var want: JSONValue
        var have: JSONValue
        var expected: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "equal scalars", want: ["a": 1], have: ["a": 1], expected: true),
        Case(name: "a member the server added", want: ["a": 1], have: ["a": 1, "b": 2], expected: true),
        Case(name: "a member we set is missing", want: ["a": 1, "b": 2], have: ["a": 1], expected: false),
        Case(name: "a changed value", want: ["a": 1], have: ["a": 2], expected: false),
        Case(name: "array elements may hold defaults", want: ["p": [["port": 80]]], have: ["p": [["port": 80, "protocol": "TCP"]]], expected: true),
        Case(name: "array of another length", want: ["p": [1, 2]], have: ["p": [1]], expected: false),
        Case(name: "null wanted is ignored", want: ["a": .null], have: ["a": 5], expected: true),
    ]

    @Test("contains(want:have:)", arguments: cases)
    func contains(_ c: Case) {
        #expect(ChildDrift.contains(want: c.want, have: c.have) == c.expected, "\(c.name)")
    }

    @Test("the patch restores our members and labels, keeps the server's, and is nil when nothing differs")
    func patch() {
        let desired = object(["spec": ["type": "ClusterIP", "ports": [["port": 8080]]]], labels: ["app": "x"])
        let live = object(["spec": ["type": "NodePort", "clusterIP": "10.0.0.1", "ports": [["port": 8080, "protocol": "TCP"]]]],
                          labels: ["app": "y", "extra": "kept"])
        let patch = ChildDrift.patch(live: live, desired: desired)
        #expect(patch?["spec"] == ["type": "ClusterIP"])
        #expect(patch?[path: ["metadata", "labels"]] == ["app": "x"])
        var fixed = live
        fixed.json["spec"]?["type"] = "ClusterIP"
        fixed.labels["app"] = "x"
        #expect(ChildDrift.patch(live: fixed, desired: desired) == nil)
    }

    @Test("immutable members keep their live value and are never patched")
    func immutable() {
        let desired = object(["spec": ["selector": ["a": "1"], "replicas": 2]])
        let live = object(["spec": ["selector": ["a": "0"], "replicas": 1]])
        let patch = ChildDrift.patch(live: live, desired: desired, immutable: ["spec.selector"])
        #expect(patch?["spec"] == ["replicas": 2])
    }
}
