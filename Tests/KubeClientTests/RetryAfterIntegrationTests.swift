//! API priority-and-fairness throttling against the real local API server:
//! the default client honours 429 and 503 with Retry-After, for reads and
//! for writes (the server did not act on a throttled request), and gives up
//! with the server's error once its retries are spent.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Testing
import TestSupport

@Suite("Retry-After against the local API server")
struct RetryAfterIntegrationTests {
    private let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")

    @Test("a GET throttled twice with 429 and Retry-After succeeds on the third request")
    func throttledRead() async throws {
        try await TestSupport.TestServer.with { t in
            _ = try await t.client.create(configMaps, namespace: "default", Self.configMap("read"))
            t.server.requests.reset()
            t.server.faults.add(FaultRule(verb: "get", resource: "configmaps", code: 429, retryAfterSeconds: 1, count: 2))
            let object = try await t.client.get(configMaps, namespace: "default", name: "read")
            #expect(object.name == "read")
            #expect(t.server.requests.total(verb: "get", resource: "configmaps") == 3)
        }
    }

    @Test("a POST refused with 503 and Retry-After is sent again and creates the object once")
    func unavailableWrite() async throws {
        try await TestSupport.TestServer.with { t in
            t.server.requests.reset()
            t.server.faults.add(FaultRule(verb: "create", resource: "configmaps", code: 503, retryAfterSeconds: 1, count: 1))
            let created = try await t.client.create(configMaps, namespace: "default", Self.configMap("write"))
            #expect(created.name == "write")
            #expect(t.server.requests.total(verb: "create", resource: "configmaps") == 2)
            #expect(try await t.client.list(configMaps, namespace: "default").items.filter { $0.name == "write" }.count == 1)
        }
    }

    @Test("when the retries are spent, the server's 429 comes back as a typed error")
    func retriesSpent() async throws {
        try await TestSupport.TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "get", resource: "configmaps", code: 429, retryAfterSeconds: 1, count: 3))
            let client = RESTClient(transport: t.client.transport, retryPolicy: RetryPolicy(maxRetries: 2))
            let error = await expectAPIError { _ = try await client.get(configMaps, namespace: "default", name: "any") }
            #expect(error?.code == 429)
            #expect(error?.status.reason == .tooManyRequests)
        }
    }

    private static func configMap(_ name: String) -> KubeObject {
        KubeObject(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": ["k": "v"]])
    }
}
