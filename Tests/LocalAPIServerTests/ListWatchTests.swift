//! Lists and watches over HTTPS: selectors, pagination, resourceVersion
//! resumption, selector-aware events, bookmarks, timeouts and 410 Gone.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

@Suite("Lists and watches over HTTPS")
struct ListWatchTests {
    @Test("label selectors filter with every operator", arguments: [
        ("tier=web", ["web1", "web2"]),
        ("tier!=web", ["db", "plain"]),
        ("tier in (db,cache)", ["db"]),
        ("tier notin (web)", ["db", "plain"]),
        ("tier", ["db", "web1", "web2"]),
        ("!tier", ["plain"]),
        ("tier=web,env=prod", ["web1"]),
    ])
    func labelSelectors(selector: String, expected: [String]) async throws {
        try await TestServer.with { t in
            for (name, labels) in [("web1", ["tier": "web", "env": "prod"]), ("web2", ["tier": "web"]), ("db", ["tier": "db"]), ("plain", [:])] {
                _ = try await t.client.create(.configMaps, namespace: "default", configMap(name, labels: labels))
            }
            let list = try await t.client.list(.configMaps, namespace: "default", options: ListOptions(labelSelector: selector))
            #expect(list.items.map(\.name).sorted() == expected.sorted())
        }
    }

    @Test("field selectors on metadata.name, and an unsupported field label is rejected")
    func fieldSelectors() async throws {
        try await TestServer.with { t in
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("one"))
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("two"))
            let one = try await t.client.list(.configMaps, namespace: "default", options: ListOptions(fieldSelector: "metadata.name=one"))
            #expect(one.items.map(\.name) == ["one"])
            let notOne = try await t.client.list(.configMaps, namespace: "default", options: ListOptions(fieldSelector: "metadata.name!=one"))
            #expect(notOne.items.map(\.name).contains("two") && !notOne.items.map(\.name).contains("one"))
            let bad = await expectAPIError {
                _ = try await t.client.list(.configMaps, namespace: "default", options: ListOptions(fieldSelector: "spec.color=red"))
            }
            #expect(bad?.code == 400)
            #expect(bad?.message == "field label not supported: spec.color")
        }
    }

    @Test("limit and continue page through a list with remainingItemCount")
    func pagination() async throws {
        try await TestServer.with { t in
            try await t.namespace("paged")
            for i in 0..<7 { _ = try await t.client.create(.configMaps, namespace: "paged", configMap("cm-\(i)", namespace: "paged")) }
            var names: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let page = try await t.client.list(.configMaps, namespace: "paged", options: ListOptions(limit: 3, continueToken: token))
                if pages == 0 { #expect(page.remainingItemCount == 4) }
                names += page.items.map(\.name)
                token = page.continueToken
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 3)
            #expect(names == (0..<7).map { "cm-\($0)" })
        }
    }

    @Test("a watch from a resourceVersion delivers ADDED, MODIFIED and DELETED in order")
    func watchEvents() async throws {
        try await TestServer.with { t in
            let start = try await t.client.list(.configMaps, namespace: "default").resourceVersion
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(resourceVersion: start))
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("w", data: ["v": "1"]))
            _ = try await t.client.patch(.configMaps, namespace: "default", name: "w", type: .merge, patch: ["data": ["v": "2"]])
            _ = try await t.client.delete(.configMaps, namespace: "default", name: "w")
            var seen: [String] = []
            for try await event in events {
                seen.append("\(event.type.rawValue) \(event.object.json["data"]?["v"]?.stringValue ?? "")")
                if seen.count == 3 { break }
            }
            #expect(seen == ["ADDED 1", "MODIFIED 2", "DELETED 2"])
        }
    }

    @Test("a watch resumed from a resourceVersion receives the changes it missed")
    func watchResume() async throws {
        try await TestServer.with { t in
            let created = try await t.client.create(.configMaps, namespace: "default", configMap("r"))
            _ = try await t.client.patch(.configMaps, namespace: "default", name: "r", type: .merge, patch: ["data": ["missed": "yes"]])
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(resourceVersion: created.resourceVersion))
            for try await event in events {
                #expect(event.type == .modified)
                #expect(event.object.json["data"]?["missed"] == "yes")
                break
            }
        }
    }

    @Test("an object that stops matching the selector is reported as DELETED")
    func selectorAwareDelete() async throws {
        try await TestServer.with { t in
            let created = try await t.client.create(.configMaps, namespace: "default", configMap("s", labels: ["app": "x"]))
            let events = try await t.client.watch(.configMaps, namespace: "default",
                                                  options: WatchOptions(labelSelector: "app=x", resourceVersion: created.resourceVersion))
            _ = try await t.client.patch(.configMaps, namespace: "default", name: "s", type: .merge, patch: ["metadata": ["labels": ["app": "y"]]])
            for try await event in events {
                #expect(event.type == .deleted)
                #expect(event.object.name == "s")
                #expect(event.object.labels["app"] == "x")
                break
            }
        }
    }

    @Test("watching from a compacted resourceVersion answers an ERROR event with 410 Expired")
    func goneAfterCompaction() async throws {
        try await TestServer.with { t in
            let created = try await t.client.create(.configMaps, namespace: "default", configMap("old"))
            _ = try await t.client.patch(.configMaps, namespace: "default", name: "old", type: .merge, patch: ["data": ["x": "1"]])
            t.server.core.store.compact()
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(resourceVersion: created.resourceVersion))
            var errorCode: Int?
            for try await event in events {
                #expect(event.type == .error)
                errorCode = event.status?.code
                #expect(event.status?.reason == .expired)
                break
            }
            #expect(errorCode == 410)
        }
    }

    @Test("allowWatchBookmarks sends BOOKMARK events with the current resourceVersion")
    func bookmarks() async throws {
        var options = APIServerOptions()
        options.bookmarkInterval = .milliseconds(100)
        try await TestServer.with(options: options) { t in
            let events = try await t.client.watch(.configMaps, namespace: "default",
                                                  options: WatchOptions(timeoutSeconds: 5, allowWatchBookmarks: true))
            let latest = UInt64(try await t.client.create(.secrets, namespace: "default", KubeObject([
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "bump"],
            ])).resourceVersion) ?? 0
            // A change to another resource moves the cluster's resourceVersion; a
            // later bookmark on this watch must carry it.
            var bookmarked: UInt64 = 0
            for try await event in events where event.type == .bookmark {
                #expect(event.object.kind == "ConfigMap")
                bookmarked = UInt64(event.object.resourceVersion) ?? 0
                if bookmarked >= latest { break }
            }
            #expect(bookmarked >= latest)
        }
    }

    @Test("timeoutSeconds ends the watch from the server side")
    func watchTimeout() async throws {
        try await TestServer.with { t in
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(timeoutSeconds: 1))
            let started = ContinuousClock.now
            for try await _ in events {}
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}
