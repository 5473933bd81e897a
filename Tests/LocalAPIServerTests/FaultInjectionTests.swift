//! Fault injection and the `/local/` control API over HTTPS: cut watch
//! streams, dropped connections, latency, counted and seeded rules, forced
//! compaction and request accounting.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

@Suite("Fault injection over HTTPS")
struct FaultInjectionTests {
    @Test("a watch stream is cut after the configured number of events")
    func watchCutAfterEvents() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "watch", resource: "configmaps", cutWatchAfterEvents: 2))
            let start = try await t.client.list(.configMaps, namespace: "default").resourceVersion
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(resourceVersion: start))
            for i in 0..<5 { _ = try await t.client.create(.configMaps, namespace: "default", configMap("cut-\(i)")) }
            var received = 0
            for try await _ in events { received += 1 }
            #expect(received == 2)
        }
    }

    @Test("a watch stream is cut after the configured time")
    func watchCutAfterSeconds() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "watch", cutWatchAfterSeconds: 0.3))
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(timeoutSeconds: 30))
            let started = ContinuousClock.now
            for try await _ in events {}
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test("a dropped connection fails the request without a response")
    func droppedConnection() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "get", resource: "configmaps", name: "dropped", dropConnection: true))
            let client = RESTClient(transport: t.client.transport, retryPolicy: .none)
            do {
                _ = try await client.get(.configMaps, namespace: "default", name: "dropped")
                Issue.record("the request succeeded despite the dropped connection")
            } catch is TransportError {
                // The connection closed before a response: what the client must see.
            } catch {
                Issue.record("expected a transport error, got \(error)")
            }
        }
    }

    @Test("a rule naming an object matches its create by the body's metadata.name, and no other create")
    func createMatchedByName() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "create", resource: "configmaps", name: "held", code: 503, count: 1))
            let client = RESTClient(transport: t.client.transport, retryPolicy: .none)
            _ = try await client.create(.configMaps, namespace: "default", configMap("other"))
            do {
                _ = try await client.create(.configMaps, namespace: "default", configMap("held"))
                Issue.record("the create of the named object was not failed")
            } catch let error as APIError {
                #expect(error.code == 503)
            }
            // The counted rule is spent: the create goes through now (no 409: the failed one stored nothing).
            let created = try await client.create(.configMaps, namespace: "default", configMap("held"))
            #expect(created.name == "held")
        }
    }

    @Test("latency delays matching requests")
    func latency() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "list", resource: "configmaps", latencyMilliseconds: 300))
            let started = ContinuousClock.now
            _ = try await t.client.list(.configMaps, namespace: "default")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }

    @Test("the same seed makes the same probabilistic decisions")
    func seededDecisions() async throws {
        func pattern(seed: UInt64) -> [Bool] {
            let faults = FaultInjector(seed: seed)
            faults.add(FaultRule(code: 500, probability: 0.5))
            let request = ResourceRequest(verb: .get, group: "", version: "v1", resource: "pods", namespace: "default", name: "p")
            return (0..<64).map { _ in faults.decide(request).failure != nil }
        }
        #expect(pattern(seed: 7) == pattern(seed: 7))
        #expect(pattern(seed: 7) != pattern(seed: 8))
        let failures = pattern(seed: 7).filter { $0 }.count
        #expect(failures > 16 && failures < 48)
    }

    @Test("the control API adds rules, compacts history and counts requests")
    func controlAPI() async throws {
        try await TestServer.with { t in
            let rule = try JSONValue(encoding: FaultRule(verb: "get", resource: "secrets", code: 503, retryAfterSeconds: 2, count: 1))
            _ = try await t.client.request(method: .post, path: "/local/faults", body: rule.serialized())
            let noRetry = RESTClient(transport: t.client.transport, retryPolicy: .none)
            let unavailable = await expectAPIError { _ = try await noRetry.get(.secrets, namespace: "default", name: "x") }
            #expect(unavailable?.code == 503)
            let missing = await expectAPIError { _ = try await noRetry.get(.secrets, namespace: "default", name: "x") }
            #expect(missing?.code == 404)

            let created = try await t.client.create(.configMaps, namespace: "default", configMap("history"))
            _ = try await t.client.patch(.configMaps, namespace: "default", name: "history", type: .merge, patch: ["data": ["v": "2"]])
            _ = try await t.client.request(method: .post, path: "/local/compact")
            let events = try await t.client.watch(.configMaps, namespace: "default", options: WatchOptions(resourceVersion: created.resourceVersion))
            for try await event in events {
                #expect(event.status?.code == 410)
                break
            }

            let counts = try JSONValue.parse(try await t.client.request(method: .get, path: "/local/requests").body)
            let secretGets = counts["items"]?.arrayValue?.filter { $0["verb"] == "get" && $0["resource"] == "secrets" } ?? []
            #expect(Set(secretGets.compactMap { $0["code"]?.intValue }) == [503, 404])

            let bob = try t.credentials.clientCredentials(user: "bob", groups: ["dev"])
            let forbidden = await expectAPIError {
                _ = try await t.client(certificate: (bob.certificate, bob.key)).request(method: .post, path: "/local/compact")
            }
            #expect(forbidden?.code == 403)
        }
    }
}
