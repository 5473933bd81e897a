//! Object semantics over HTTPS: identity and versions, conflicts, validation,
//! namespaces, dry run, finalizers, preconditions — with kube-apiserver's
//! status codes, reasons and messages.
import Foundation
import KubeClient
import KubeCore
import Testing
import TestSupport

@Suite("Object semantics over HTTPS")
struct ObjectSemanticsTests {
    @Test("create assigns uid, creationTimestamp and a resourceVersion; get returns the same object")
    func createAndGet() async throws {
        try await TestServer.with { t in
            let created = try await t.client.create(.configMaps, namespace: "default", configMap("a", data: ["k": "v"]))
            #expect(!created.uid.isEmpty)
            #expect(created.creationTimestamp != nil)
            #expect(UInt64(created.resourceVersion) != nil)
            let fetched = try await t.client.get(.configMaps, namespace: "default", name: "a")
            #expect(fetched == created)
        }
    }

    @Test("resourceVersions increase across resources and a no-op update keeps the version")
    func resourceVersions() async throws {
        try await TestServer.with { t in
            let a = try await t.client.create(.configMaps, namespace: "default", configMap("a"))
            let b = try await t.client.create(.secrets, namespace: "default", KubeObject([
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "b"], "stringData": ["x": "y"],
            ]))
            #expect(UInt64(b.resourceVersion) ?? 0 > UInt64(a.resourceVersion) ?? 0)
            let same = try await t.client.update(.configMaps, namespace: "default", a)
            #expect(same.resourceVersion == a.resourceVersion)
            #expect(b.json["data"]?["x"]?.stringValue == Data("y".utf8).base64EncodedString())
            #expect(b.json["stringData"] == nil)
        }
    }

    @Test("an update with a stale resourceVersion is a 409 Conflict with kube-apiserver's message")
    func staleUpdateConflicts() async throws {
        try await TestServer.with { t in
            let original = try await t.client.create(.configMaps, namespace: "default", configMap("c", data: ["v": "1"]))
            var first = original
            first.json["data"] = ["v": "2"]
            _ = try await t.client.update(.configMaps, namespace: "default", first)
            var stale = original
            stale.json["data"] = ["v": "3"]
            let error = await expectAPIError { _ = try await t.client.update(.configMaps, namespace: "default", stale) }
            #expect(error?.code == 409)
            #expect(error?.reason == .conflict)
            #expect(error?.message == "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again")
        }
    }

    @Test("creating an existing name is AlreadyExists; a missing object is NotFound")
    func alreadyExistsAndNotFound() async throws {
        try await TestServer.with { t in
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("dup"))
            let exists = await expectAPIError { _ = try await t.client.create(.configMaps, namespace: "default", configMap("dup")) }
            #expect(exists?.code == 409)
            #expect(exists?.reason == .alreadyExists)
            #expect(exists?.message == "configmaps \"dup\" already exists")
            let missing = await expectAPIError { _ = try await t.client.get(.deployments, namespace: "default", name: "nope") }
            #expect(missing?.code == 404)
            #expect(missing?.message == "deployments.apps \"nope\" not found")
        }
    }

    @Test("generateName gets a random five-character suffix")
    func generateName() async throws {
        try await TestServer.with { t in
            var object = configMap("")
            object.name = ""
            object.generateName = "gen-"
            let created = try await t.client.create(.configMaps, namespace: "default", object)
            #expect(created.name.hasPrefix("gen-"))
            #expect(created.name.count == "gen-".count + 5)
        }
    }

    @Test("an invalid name is 422 Invalid with a cause naming metadata.name")
    func invalidName() async throws {
        try await TestServer.with { t in
            let error = await expectAPIError { _ = try await t.client.create(.configMaps, namespace: "default", configMap("Not_Valid")) }
            #expect(error?.code == 422)
            #expect(error?.reason == .invalid)
            #expect(error?.status.details?.causes?.first?.field == "metadata.name")
            #expect(error?.message.hasPrefix("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\": a lowercase RFC 1123 subdomain") == true)
        }
    }

    @Test("objects need an existing namespace that is not terminating")
    func namespaceRules() async throws {
        try await TestServer.with { t in
            let missing = await expectAPIError { _ = try await t.client.create(.configMaps, namespace: "nope", configMap("x", namespace: "nope")) }
            #expect(missing?.code == 404)
            #expect(missing?.message == "namespaces \"nope\" not found")

            try await t.namespace("doomed")
            _ = try await t.client.delete(.namespaces, name: "doomed")
            let ns = try await t.client.get(.namespaces, name: "doomed")
            #expect(ns.status?["phase"]?.stringValue == "Terminating")
            let forbidden = await expectAPIError { _ = try await t.client.create(.configMaps, namespace: "doomed", configMap("x", namespace: "doomed")) }
            #expect(forbidden?.code == 403)
            #expect(forbidden?.message.contains("unable to create new content in namespace doomed because it is being terminated") == true)
        }
    }

    @Test("dryRun=All validates and answers without storing")
    func dryRun() async throws {
        try await TestServer.with { t in
            let answer = try await t.client.create(.configMaps, namespace: "default", configMap("dry"), options: WriteOptions(dryRun: true))
            #expect(answer.name == "dry")
            let error = await expectAPIError { _ = try await t.client.get(.configMaps, namespace: "default", name: "dry") }
            #expect(error?.code == 404)
        }
    }

    @Test("finalizers hold a deleted object until they are removed; no new finalizers while deleting")
    func finalizers() async throws {
        try await TestServer.with { t in
            var object = configMap("held")
            object.finalizers = ["example.com/hold"]
            _ = try await t.client.create(.configMaps, namespace: "default", object)
            let deleting = try await t.client.delete(.configMaps, namespace: "default", name: "held")
            #expect(deleting.deletionTimestamp != nil)
            let added = await expectAPIError {
                _ = try await t.client.patch(.configMaps, namespace: "default", name: "held", type: .merge,
                                             patch: ["metadata": ["finalizers": ["example.com/hold", "example.com/more"]]])
            }
            #expect(added?.code == 422)
            _ = try await t.client.patch(.configMaps, namespace: "default", name: "held", type: .merge, patch: ["metadata": ["finalizers": nil]])
            let gone = await expectAPIError { _ = try await t.client.get(.configMaps, namespace: "default", name: "held") }
            #expect(gone?.code == 404)
        }
    }

    @Test("delete preconditions on uid and resourceVersion are enforced")
    func deletePreconditions() async throws {
        try await TestServer.with { t in
            let object = try await t.client.create(.configMaps, namespace: "default", configMap("p"))
            let wrongUID = await expectAPIError {
                _ = try await t.client.delete(.configMaps, namespace: "default", name: "p",
                                              options: DeleteOptions(preconditions: Preconditions(uid: "not-the-uid")))
            }
            #expect(wrongUID?.code == 409)
            #expect(wrongUID?.message.contains("Precondition failed: UID in precondition: not-the-uid") == true)
            _ = try await t.client.delete(.configMaps, namespace: "default", name: "p",
                                          options: DeleteOptions(preconditions: Preconditions(uid: object.uid, resourceVersion: object.resourceVersion)))
            let gone = await expectAPIError { _ = try await t.client.get(.configMaps, namespace: "default", name: "p") }
            #expect(gone?.code == 404)
        }
    }

    @Test("foreground and orphan propagation mark the owner with the garbage collector's finalizers")
    func propagationFinalizers() async throws {
        try await TestServer.with { t in
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("fg"))
            let fg = try await t.client.delete(.configMaps, namespace: "default", name: "fg", options: DeleteOptions(propagationPolicy: .foreground))
            #expect(fg.finalizers == ["foregroundDeletion"])
            #expect(fg.deletionTimestamp != nil)
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("or"))
            let orphan = try await t.client.delete(.configMaps, namespace: "default", name: "or", options: DeleteOptions(propagationPolicy: .orphan))
            #expect(orphan.finalizers == ["orphan"])
        }
    }

    @Test("merge patch and JSON patch apply; a failing JSON patch test changes nothing")
    func patches() async throws {
        try await TestServer.with { t in
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("patched", data: ["a": "1", "b": "2"]))
            let merged = try await t.client.patch(.configMaps, namespace: "default", name: "patched", type: .merge,
                                                  patch: ["data": ["a": nil, "c": "3"]])
            #expect(merged.json["data"] == ["b": "2", "c": "3"])
            let jsonPatched = try await t.client.patch(.configMaps, namespace: "default", name: "patched", type: .json, patch: [
                ["op": "test", "path": "/data/b", "value": "2"],
                ["op": "replace", "path": "/data/b", "value": "20"],
            ])
            #expect(jsonPatched.json["data"]?["b"] == "20")
            let failed = await expectAPIError {
                _ = try await t.client.patch(.configMaps, namespace: "default", name: "patched", type: .json, patch: [
                    ["op": "replace", "path": "/data/c", "value": "30"],
                    ["op": "test", "path": "/data/b", "value": "2"],
                ])
            }
            #expect(failed?.code == 422)
            let unchanged = try await t.client.get(.configMaps, namespace: "default", name: "patched")
            #expect(unchanged.json["data"]?["c"] == "3")
        }
    }
    @Test("deletecollection deletes exactly the objects the selector matches")
    func deleteCollection() async throws {
        try await TestServer.with { t in
            try await t.namespace("sweep")
            for (name, tier) in [("a", "web"), ("b", "web"), ("c", "db")] {
                _ = try await t.client.create(.configMaps, namespace: "sweep", configMap(name, namespace: "sweep", labels: ["tier": tier]))
            }
            let deleted = try await t.client.deleteCollection(.configMaps, namespace: "sweep", listOptions: ListOptions(labelSelector: "tier=web"))
            #expect(deleted.json["items"]?.arrayValue?.count == 2)
            let left = try await t.client.list(.configMaps, namespace: "sweep")
            #expect(left.items.map(\.name) == ["c"])
        }
    }
}
