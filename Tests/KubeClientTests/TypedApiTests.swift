//! The typed layer: model encoding (apiVersion/kind added, Secret data as
//! base64, Secret descriptions redacted), and `Api<R>` verbs against the
//! real local API server.
import Foundation
import KubeCore
import Testing
import TestSupport

@testable import KubeClient

@Suite("Typed models")
struct TypedModelTests {
    @Test("a model becomes a KubeObject with apiVersion and kind, and back")
    func roundTrip() throws {
        let lease = Lease(
            metadata: ObjectMeta(name: "leader", namespace: "ops", labels: ["a": "b"]),
            spec: .init(holderIdentity: "me", leaseDurationSeconds: 15, renewTime: "2030-01-01T00:00:00.000000Z"))
        let object = try lease.kubeObject()
        #expect(object.apiVersion == "coordination.k8s.io/v1")
        #expect(object.kind == "Lease")
        #expect(object.name == "leader")
        #expect(object.spec?["leaseDurationSeconds"] == 15)
        #expect(try Lease(kubeObject: object) == lease)
    }

    @Test("Secret data is base64 on the wire")
    func secretEncoding() throws {
        let secret = Secret(metadata: ObjectMeta(name: "s"), data: ["password": Data("hunter2".utf8)])
        let object = try secret.kubeObject()
        #expect(object.json["data"]?["password"] == .string(Data("hunter2".utf8).base64EncodedString()))
        #expect(try Secret(kubeObject: object).data?["password"] == Data("hunter2".utf8))
    }

    @Test("a Secret never prints its values")
    func secretRedaction() {
        let secret = Secret(
            metadata: ObjectMeta(name: "s", namespace: "ns"), data: ["password": Data("hunter2".utf8)],
            stringData: ["token": "plain-secret"])
        var dumped = ""
        dump(secret, to: &dumped)
        for text in ["\(secret)", String(describing: secret), String(reflecting: secret), dumped] {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("plain-secret"))
            #expect(!text.contains(Data("hunter2".utf8).base64EncodedString()))
        }
        #expect("\(secret)" == #"Secret(ns/s, type: Opaque, keys: ["password", "token"], values: <redacted>)"#)
    }

    @Test("decoding a mismatched object names the kind and object")
    func decodingError() {
        let object = KubeObject(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"], "data": ["k": 1]])
        #expect(throws: TypedConversionError.self) { try ConfigMap(kubeObject: object) }
    }
}

@Suite("Typed Api against the local API server")
struct TypedApiTests {
    @Test("ConfigMap: create, get, list, update, patch, apply, watch and delete")
    func configMaps() async throws {
        try await TestSupport.TestServer.with { server in
            try await server.namespace("typed")
            let api = Api<ConfigMap>(client: server.client, namespace: "typed")
            let watch = try await api.watch(options: WatchOptions(resourceVersion: try await api.list().resourceVersion))

            var created = try await api.create(ConfigMap(metadata: ObjectMeta(name: "settings"), data: ["a": "1"]))
            #expect(created.metadata.uid?.isEmpty == false)
            #expect(created.metadata.namespace == "typed")
            #expect(try await api.get("settings").data == ["a": "1"])
            #expect(try await api.list().items.map(\.metadata.name) == ["settings"])

            created.data = ["a": "2"]
            let updated = try await api.update(created)
            #expect(updated.data == ["a": "2"])
            #expect(updated.metadata.resourceVersion != created.metadata.resourceVersion)

            let patched = try await api.patch("settings", type: .merge, patch: ["data": ["b": "3"]])
            #expect(patched.data == ["a": "2", "b": "3"])

            let applied = try await api.apply(
                ConfigMap(metadata: ObjectMeta(name: "settings", labels: ["owner": "typed"]), data: ["c": "4"]),
                fieldManager: "typed-test", force: true)
            #expect(applied.metadata.labels?["owner"] == "typed")
            #expect(applied.data?["c"] == "4")

            #expect(try await api.delete("settings") == nil)
            await #expect(throws: APIError.self) { _ = try await api.get("settings") }

            var kinds: [String] = []
            for try await event in watch {
                switch event {
                case .added(let map): kinds.append("added \(map.metadata.name ?? "")")
                case .modified: kinds.append("modified")
                case .deleted(let map): kinds.append("deleted \(map.metadata.name ?? "")")
                case .bookmark, .error: continue
                }
                if kinds.count == 5 { break }
            }
            #expect(kinds == ["added settings", "modified", "modified", "modified", "deleted settings"])
        }
    }

    @Test("Lease, EventV1, Secret, ServiceAccount and Namespace round-trip through the server")
    func otherModels() async throws {
        try await TestSupport.TestServer.with { server in
            let namespace = try await Api<Namespace>(client: server.client).create(Namespace(metadata: ObjectMeta(name: "models")))
            #expect(namespace.metadata.name == "models")
            #expect(try await Api<Namespace>(client: server.client).get("models").status?.phase == "Active")

            let leases = Api<Lease>(client: server.client, namespace: "models")
            var lease = try await leases.create(Lease(
                metadata: ObjectMeta(name: "leader"),
                spec: .init(holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: KubeTime.formatMicro(Date()), leaseTransitions: 0)))
            lease.spec?.holderIdentity = "b"
            lease.spec?.leaseTransitions = 1
            let renewed = try await leases.update(lease)
            #expect(renewed.spec?.holderIdentity == "b")
            #expect(renewed.spec?.leaseTransitions == 1)

            let now = KubeTime.formatMicro(Date())
            let event = try await Api<EventV1>(client: server.client, namespace: "models").create(EventV1(
                metadata: ObjectMeta(generateName: "leader."), eventTime: now, series: .init(count: 2, lastObservedTime: now),
                reportingController: "openshell.io/operator", reportingInstance: "op-1", action: "Elect", reason: "LeaderElected",
                regarding: ObjectReference(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "models", name: "leader"),
                note: "b became leader", type: "Normal"))
            #expect(event.series?.count == 2)
            #expect(event.regarding?.name == "leader")
            #expect(event.metadata.name?.hasPrefix("leader.") == true)

            let secrets = Api<Secret>(client: server.client, namespace: "models")
            _ = try await secrets.create(Secret(metadata: ObjectMeta(name: "creds"), stringData: ["user": "admin"]))
            #expect(try await secrets.get("creds").data?["user"] == Data("admin".utf8))

            let accounts = Api<ServiceAccount>(client: server.client, namespace: "models")
            let account = try await accounts.create(ServiceAccount(
                metadata: ObjectMeta(name: "operator"), imagePullSecrets: [LocalObjectReference(name: "registry")],
                automountServiceAccountToken: false))
            #expect(account.imagePullSecrets == [LocalObjectReference(name: "registry")])
            #expect(account.automountServiceAccountToken == false)
        }
    }

    @Test("updateStatus writes the status subresource")
    func updateStatus() async throws {
        try await TestSupport.TestServer.with { server in
            let namespaces = Api<Namespace>(client: server.client)
            var namespace = try await namespaces.create(Namespace(metadata: ObjectMeta(name: "status-test")))
            namespace.status = .init(
                phase: "Active",
                conditions: [.init(type: "Example", status: "True", reason: "Testing", lastTransitionTime: "2030-01-01T00:00:00Z")])
            let updated = try await namespaces.updateStatus(namespace)
            #expect(updated.status?.conditions?.first?.type == "Example")
        }
    }
}
