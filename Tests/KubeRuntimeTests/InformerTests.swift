//! Informers against the local API server over HTTPS: paginated lists,
//! initial sync, watch cuts and reconnects, 410 and relist accounting,
//! bookmarks, scoping, indexes, managedFields stripping and shutdown.
//!
//! Tests that must prove "nothing more arrived" create a marker object last
//! and wait for it: the informer delivers in order, so any duplicate or
//! stray event would have been delivered before the marker.
import Foundation
import KubeClient
import KubeCore
import KubeRuntime
import LocalAPIServer
import ServiceLifecycle
import Testing
import TestSupport

@Suite("Informer over HTTPS")
struct InformerTests {
    private func informer(
        _ t: TestServer, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500
    ) -> Informer {
        Informer(
            client: t.client,
            configuration: InformerConfiguration(
                resource: configMapsResource, namespace: namespace, labelSelector: labelSelector,
                fieldSelector: fieldSelector, pageSize: pageSize, backoff: quickBackoff),
            logger: testLogger())
    }

    @Test("redactData caches the keys of data and stringData, never their values, from the list and from the watch")
    func redactedData() async throws {
        try await TestServer.with { t in
            try await t.namespace("secret-ish")
            var listed = configMap("listed", namespace: "secret-ish")
            listed.json["data"] = ["token": "value-from-list"]
            _ = try await t.client.create(configMapsResource, namespace: "secret-ish", listed)
            let informer = Informer(
                client: t.client,
                configuration: InformerConfiguration(
                    resource: configMapsResource, namespace: "secret-ish", backoff: quickBackoff, redactData: true),
                logger: testLogger())
            let log = EventLog()
            try await withInformer(informer, log: log) {
                var watched = configMap("watched", namespace: "secret-ish")
                watched.json["data"] = ["password": "value-from-watch"]
                _ = try await t.client.create(configMapsResource, namespace: "secret-ish", watched)
                try await log.waitForAdded("secret-ish/watched")
                #expect(informer.cache.get(ObjectKey(namespace: "secret-ish", name: "listed"))?.json["data"] == ["token": ""])
                #expect(informer.cache.get(ObjectKey(namespace: "secret-ish", name: "watched"))?.json["data"] == ["password": ""])
                let everything = informer.cache.list().map { $0.value.jsonString() }.joined()
                #expect(!everything.contains("value-from-list") && !everything.contains("value-from-watch"))
            }
        }
    }

    @Test("a transform shapes what is cached and handed to handlers, from the list and from the watch")
    func transform() async throws {
        try await TestServer.with { t in
            try await t.namespace("shaped")
            var listed = configMap("listed", namespace: "shaped")
            listed.json["data"] = ["big": "dropped from the list"]
            _ = try await t.client.create(configMapsResource, namespace: "shaped", listed)
            let dropData = CacheTransform(name: "drop-data") { object in
                var object = object
                object.json["data"] = nil
                return object
            }
            let informer = Informer(
                client: t.client,
                configuration: InformerConfiguration(
                    resource: configMapsResource, namespace: "shaped", backoff: quickBackoff, transform: dropData),
                logger: testLogger())
            let log = EventLog()
            try await withInformer(informer, log: log) {
                var watched = configMap("watched", namespace: "shaped")
                watched.json["data"] = ["big": "dropped from the watch"]
                _ = try await t.client.create(configMapsResource, namespace: "shaped", watched)
                try await log.waitForAdded("shaped/watched")
                #expect(informer.cache.count == 2)
                #expect(informer.cache.list().allSatisfy { $0.json["data"] == nil && $0.metadata["managedFields"] == nil })
                #expect(log.all.allSatisfy { $0.object.json["data"] == nil })
                #expect(informer.cache.get(ObjectKey(namespace: "shaped", name: "watched"))?.name == "watched")
            }
        }
    }

    @Test("1,200 objects are listed in three pages of 500 and each is added exactly once")
    func pagination() async throws {
        try await TestServer.with { t in
            try await t.namespace("paged")
            try await t.createConfigMaps(1200, prefix: "cm", namespace: "paged")
            t.server.requests.reset()
            let log = EventLog()
            let informer = informer(t, namespace: "paged")
            try await withInformer(informer, log: log) {
                #expect(informer.hasSynced)
                #expect(t.requestCount(verb: "list") == 3)
                #expect(log.count == 1200)
                #expect(Set(log.seen).count == 1200)
                #expect(log.seen.allSatisfy { if case .added = $0 { true } else { false } })
                #expect(informer.cache.count == 1200)

                _ = try await t.client.create(configMapsResource, namespace: "paged", configMap("marker", namespace: "paged"))
                try await log.waitForAdded("paged/marker")
                #expect(log.seen(after: 1200) == [.added("paged/marker")])
                #expect(t.requestCount(verb: "list") == 3)
            }
        }
    }

    @Test("a continue token that expires mid-list restarts the list, and each object is still added once")
    func continueExpired() async throws {
        try await TestServer.with { t in
            try await t.namespace("paged")
            try await t.createConfigMaps(1200, prefix: "cm", namespace: "paged")
            t.server.requests.reset()
            // Slow pages leave time to invalidate the first page's token before the second is served.
            t.server.faults.add(FaultRule(verb: "list", resource: "configmaps", latencyMilliseconds: 400))
            let log = EventLog()
            let informer = informer(t, namespace: "paged")
            try await withInformer(informer, log: log, waitForSync: false) {
                try await eventually(timeout: .seconds(20)) { t.requestCount(verb: "list") >= 1 }
                _ = try await t.client.create(configMapsResource, namespace: "paged", configMap("late", namespace: "paged"))
                t.server.core.store.compact()
                try await withLiveness("sync") { try await informer.waitUntilSynced() }

                #expect(t.requestCount(verb: "list", code: 410) == 1)
                #expect(t.requestCount(verb: "list", code: 200) == 1 + 3)
                #expect(log.count == 1201)
                #expect(Set(log.seen).count == 1201)
                #expect(log.seen.contains(.added("paged/late")))
                #expect(informer.cache.count == 1201)
            }
        }
    }

    @Test("the initial sync delivers each existing object once and the watch adds nothing twice")
    func initialSync() async throws {
        try await TestServer.with { t in
            try await t.namespace("sync")
            try await t.createConfigMaps(5, prefix: "cm", namespace: "sync")
            let log = EventLog()
            let informer = informer(t, namespace: "sync")
            try await withInformer(informer, log: log) {
                let expected: [Seen] = (0..<5).map { .added("sync/cm-0000\($0)") }
                #expect(log.seen == expected)
                _ = try await t.client.create(configMapsResource, namespace: "sync", configMap("marker", namespace: "sync"))
                try await log.waitForAdded("sync/marker")
                #expect(log.seen == expected + [.added("sync/marker")])
            }
        }
    }

    @Test("cut watches resume from the last resourceVersion without duplicates or losses")
    func watchCut() async throws {
        try await TestServer.with { t in
            try await t.namespace("cut")
            let log = EventLog()
            let informer = informer(t, namespace: "cut")
            t.server.requests.reset()
            // The first two watches end after three events each.
            t.server.faults.add(FaultRule(verb: "watch", resource: "configmaps", count: 2, cutWatchAfterEvents: 3))
            try await withInformer(informer, log: log) {
                var expected: [Seen] = []
                for i in 0..<8 {
                    _ = try await t.client.create(configMapsResource, namespace: "cut", configMap("cm-\(i)", namespace: "cut"))
                    expected.append(.added("cut/cm-\(i)"))
                }
                for i in 0..<2 {
                    _ = try await t.client.patch(configMapsResource, namespace: "cut", name: "cm-\(i)", type: .merge, patch: ["data": ["v": "2"]])
                    expected.append(.updated("cut/cm-\(i)"))
                }
                _ = try await t.client.delete(configMapsResource, namespace: "cut", name: "cm-7")
                expected.append(.deleted("cut/cm-7"))
                _ = try await t.client.create(configMapsResource, namespace: "cut", configMap("marker-1", namespace: "cut"))
                expected.append(.added("cut/marker-1"))
                try await log.waitForAdded("cut/marker-1")
                #expect(log.seen == expected)

                #expect(t.requestCount(verb: "list") == 1)
                #expect(t.requestCount(verb: "watch") == 3)
                #expect(informer.cache.keys.map(\.name) == ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6", "marker-1"])
            }
        }
    }

    @Test("after compaction a 410 relists, with exactly one handler call per change made while the watch was down")
    func compactionRelist() async throws {
        try await TestServer.with { t in
            try await t.namespace("relist")
            for name in ["keep-1", "keep-2", "change-1", "change-2", "gone-1", "gone-2", "recreated"] {
                _ = try await t.client.create(configMapsResource, namespace: "relist", configMap(name, namespace: "relist"))
            }
            let log = EventLog()
            let informer = informer(t, namespace: "relist")
            // The first watch ends after its first event.
            t.server.faults.add(FaultRule(verb: "watch", resource: "configmaps", count: 1, cutWatchAfterEvents: 1))
            let watchers = t.server.core.store.watcherCount
            try await withInformer(informer, log: log) {
                #expect(log.count == 7)
                // The first watch must be open before the next rule, or the rule would refuse it.
                try await eventually { t.server.core.store.watcherCount > watchers }
                t.server.requests.reset()

                // Take the watch down (one event cuts it) and keep it down.
                t.server.faults.add(FaultRule(verb: "watch", resource: "configmaps", code: 500))
                _ = try await t.client.create(configMapsResource, namespace: "relist", configMap("trigger", namespace: "relist"))
                try await log.waitForAdded("relist/trigger")
                try await eventually { t.requestCount(verb: "watch", code: 500) >= 2 }
                let before = informer.cache.snapshot()

                for name in ["change-1", "change-2"] {
                    _ = try await t.client.patch(configMapsResource, namespace: "relist", name: name, type: .merge, patch: ["data": ["v": "2"]])
                }
                for name in ["gone-1", "gone-2", "recreated"] {
                    _ = try await t.client.delete(configMapsResource, namespace: "relist", name: name)
                }
                for name in ["new-1", "recreated"] {
                    _ = try await t.client.create(configMapsResource, namespace: "relist", configMap(name, namespace: "relist"))
                }
                t.server.core.store.compact()
                t.server.faults.clear()

                try await eventually(timeout: .seconds(20)) { t.requestCount(verb: "list") == 1 && informer.hasSynced }
                _ = try await t.client.create(configMapsResource, namespace: "relist", configMap("marker", namespace: "relist"))
                try await log.waitForAdded("relist/marker")

                let relisted = log.seen(after: 8)
                #expect(relisted.count == 8)
                #expect(Set(relisted) == [
                    .updated("relist/change-1"), .updated("relist/change-2"),
                    .deleted("relist/gone-1"), .deleted("relist/gone-2"),
                    .deleted("relist/recreated"), .added("relist/recreated"),
                    .added("relist/new-1"), .added("relist/marker"),
                ])
                #expect(relisted.last == .added("relist/marker"))
                #expect(t.requestCount(verb: "list") == 1)

                // Updates carry the state the handlers saw before; deletions the last known state.
                for event in log.all.dropFirst(8) {
                    switch event {
                    case .updated(let old, let new):
                        #expect(old == before[old.key])
                        #expect(new.json["data"]?["v"] == "2")
                    case .deleted(let object):
                        #expect(object == before[object.key])
                    case .added:
                        break
                    }
                }
                let server = try await t.client.list(configMapsResource, namespace: "relist").items
                #expect(informer.cache.list().map(\.resourceVersion) == server.map(\.resourceVersion))
            }
        }
    }

    @Test("bookmarks advance the resume resourceVersion past changes the informer does not watch")
    func bookmarks() async throws {
        var options = APIServerOptions()
        options.bookmarkInterval = .milliseconds(100)
        try await TestServer.with(options: options) { t in
            try await t.namespace("quiet")
            try await t.namespace("busy")
            let log = EventLog()
            // Watches the server ends every 2 s, so the informer resumes often.
            let informer = Informer(
                client: t.client,
                configuration: InformerConfiguration(
                    resource: configMapsResource, namespace: "quiet", backoff: quickBackoff, watchTimeout: 2...2),
                logger: testLogger())
            t.server.requests.reset()
            try await withInformer(informer, log: log) {
                let listed = informer.resourceVersion
                try await t.createConfigMaps(5, prefix: "elsewhere", namespace: "busy")
                let latest = String(t.server.core.store.resourceVersion)
                #expect(latest != listed)
                try await eventually { informer.resourceVersion == latest }

                // History up to `latest` is gone: a watch resuming from the
                // list's version would get 410 and relist.
                t.server.core.store.compact()
                let watches = t.requestCount(verb: "watch")
                try await eventually { t.requestCount(verb: "watch") > watches }
                _ = try await t.client.create(configMapsResource, namespace: "quiet", configMap("marker", namespace: "quiet"))
                try await log.waitForAdded("quiet/marker")

                #expect(t.requestCount(verb: "list") == 1)
                #expect(log.seen == [.added("quiet/marker")])
            }
        }
    }

    @Test("namespace, label and field selectors scope the list and the watch")
    func scoping() async throws {
        try await TestServer.with { t in
            try await t.namespace("scope-a")
            try await t.namespace("scope-b")
            let create: @Sendable (String, String, String) async throws -> Void = { name, namespace, app in
                _ = try await t.client.create(configMapsResource, namespace: namespace, configMap(name, namespace: namespace, labels: ["app": app]))
            }
            try await create("web-1", "scope-a", "web")
            try await create("db-1", "scope-a", "db")
            try await create("excluded", "scope-a", "web")
            try await create("web-1", "scope-b", "web")
            let log = EventLog()
            let informer = informer(t, namespace: "scope-a", labelSelector: "app=web", fieldSelector: "metadata.name!=excluded")
            try await withInformer(informer, log: log) {
                #expect(log.seen == [.added("scope-a/web-1")])

                try await create("web-2", "scope-a", "web")
                try await create("db-2", "scope-a", "db")
                try await create("web-2", "scope-b", "web")
                // Leaving and entering the selection by relabelling.
                _ = try await t.client.patch(configMapsResource, namespace: "scope-a", name: "web-1", type: .merge, patch: ["metadata": ["labels": ["app": "db"]]])
                _ = try await t.client.patch(configMapsResource, namespace: "scope-a", name: "db-1", type: .merge, patch: ["metadata": ["labels": ["app": "web"]]])
                try await create("marker", "scope-a", "web")
                try await log.waitForAdded("scope-a/marker")

                #expect(log.seen == [
                    .added("scope-a/web-1"), .added("scope-a/web-2"), .deleted("scope-a/web-1"), .added("scope-a/db-1"),
                    .added("scope-a/marker"),
                ])
                #expect(informer.cache.keys.map(\.description) == ["scope-a/db-1", "scope-a/marker", "scope-a/web-2"])
            }
        }
    }

    @Test("cached objects are indexed and have no managedFields")
    func indexesAndManagedFields() async throws {
        try await TestServer.with { t in
            try await t.namespace("idx")
            let owner = try await t.client.create(configMapsResource, namespace: "idx", configMap("owner", namespace: "idx"))
            let reference = OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.uid, controller: true)
            let created = try await t.client.create(
                configMapsResource, namespace: "idx", configMap("owned", namespace: "idx", labels: ["app": "web"], owner: reference),
                options: WriteOptions(fieldManager: "informer-test"))
            try #require(created.metadata["managedFields"] != nil)
            let informer = informer(t, namespace: nil)
            let log = EventLog()
            try await withInformer(informer, log: log) {
                _ = try await t.client.create(
                    configMapsResource, namespace: "idx", configMap("later", namespace: "idx", labels: ["app": "web"], owner: reference),
                    options: WriteOptions(fieldManager: "informer-test"))
                try await log.waitForAdded("idx/later")

                #expect(informer.cache.list().allSatisfy { $0.metadata["managedFields"] == nil })
                #expect(log.all.allSatisfy { $0.object.metadata["managedFields"] == nil })
                #expect(informer.cache.keys(index: .controllerUID, value: owner.uid).map(\.name) == ["later", "owned"])
                #expect(informer.cache.objects(index: .label("app"), value: "web").map(\.name) == ["later", "owned"])
                #expect(informer.cache.list(namespace: "idx").map(\.name) == ["later", "owned", "owner"])
                #expect(OwnerMapping.controllerOwnerKey(of: try #require(informer.cache.get(created.key)),
                                                        ownerGroupKind: GroupKind(group: "", kind: "ConfigMap"))
                        == owner.key)
            }
        }
    }

    @Test("handlers are called in registration order, each awaited before the next event")
    func handlerOrder() async throws {
        try await TestServer.with { t in
            try await t.namespace("order")
            try await t.createConfigMaps(3, prefix: "cm", namespace: "order")
            let calls = Locked<[String]>([])
            let informer = informer(t, namespace: "order")
            informer.addHandler { event in
                calls.withLock { $0.append("first:\(event.key.name)") }
                try? await Task.sleep(for: .milliseconds(5))
                calls.withLock { $0.append("first-done:\(event.key.name)") }
            }
            informer.addHandler { event in
                // The cache already holds what the event says.
                let cached = informer.cache.get(event.key)
                calls.withLock { $0.append("second:\(event.key.name):\(cached == event.object)") }
            }
            try await withInformer(informer) {
                #expect(calls.value == ["cm-00000", "cm-00001", "cm-00002"].flatMap { ["first:\($0)", "first-done:\($0)", "second:\($0):true"] })
            }
        }
    }

    @Test("cancelling run() ends it promptly and an informer runs only once")
    func cancellation() async throws {
        try await TestServer.with { t in
            let informer = informer(t, namespace: "default")
            let run = Task { try await informer.run() }
            try await withLiveness("sync") { try await informer.waitUntilSynced() }
            run.cancel()
            try await withLiveness("run() after cancel", limit: .seconds(10)) { try await run.value }
            await #expect(throws: InformerError.alreadyStarted) { try await informer.run() }
        }
    }

    @Test("a graceful shutdown of the service group ends the informer")
    func gracefulShutdown() async throws {
        try await TestServer.with { t in
            let informer = informer(t, namespace: "default")
            let group = ServiceGroup(services: [informer], logger: testLogger())
            let running = Task { try await group.run() }
            try await withLiveness("sync") { try await informer.waitUntilSynced() }
            await group.triggerGracefulShutdown()
            try await withLiveness("service group after shutdown", limit: .seconds(10)) { try await running.value }
        }
    }

    @Test("waiting for a sync that cannot happen ends when the informer stops")
    func stopBeforeSync() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "list", resource: "configmaps", code: 403))
            let informer = informer(t, namespace: "default")
            let run = Task { try await informer.run() }
            let waiter = Task { try await informer.waitUntilSynced() }
            try await eventually { t.requestCount(verb: "list", code: 403) >= 2 }
            #expect(!informer.hasSynced)
            run.cancel()
            try await withLiveness("run() after cancel", limit: .seconds(10)) { try await run.value }
            await #expect(throws: InformerError.stoppedBeforeSync) { try await waiter.value }
        }
    }
}
