//! Retry metrics against the fake API's flaky endpoint (two 429s with
//! Retry-After, then success), and the `host` label's form.
import Foundation
import KubeCore
import MetricsTestKit
import Testing

@testable import KubeClient

@Suite("Client metrics")
struct ClientMetricsTests {
    @Test("429 retries are counted by code, verb and host, and every attempt by code")
    func retries() async throws {
        try await TestServer.run { server, _ in
            let metrics = TestMetrics()
            let client = try RESTClient(configuration: trustingConfiguration(server), metrics: ClientMetrics(factory: metrics))
            _ = try await client.request(method: .get, path: "/flaky")
            let host = ClientMetrics.hostLabel(server: server)
            #expect(metrics.counterTotal(
                label: "rest_client_request_retries_total", dimensions: [("code", "429"), ("verb", "GET"), ("host", host)]) == 2)
            #expect(metrics.counterTotal(
                label: "rest_client_requests_total", dimensions: [("code", "429"), ("method", "GET"), ("host", host)]) == 2)
            #expect(metrics.counterTotal(
                label: "rest_client_requests_total", dimensions: [("code", "200"), ("method", "GET"), ("host", host)]) == 1)
        }
    }

    @Test("a refused connection is counted with code <error>")
    func transportError() async throws {
        let metrics = TestMetrics()
        let client = try RESTClient(
            configuration: ClientConfiguration(server: "https://127.0.0.1:1"), retryPolicy: .none,
            metrics: ClientMetrics(factory: metrics))
        await #expect(throws: TransportError.self) { _ = try await client.request(method: .get, path: "/") }
        #expect(metrics.counterTotal(
            label: "rest_client_requests_total", dimensions: [("code", "<error>"), ("method", "GET"), ("host", "127.0.0.1:1")]) == 1)
    }

    @Test("the host label is host:port, IPv6 bracketed", arguments: [
        ("https://127.0.0.1:6443", "127.0.0.1:6443"), ("https://[::1]:443/prefix", "[::1]:443"), ("https://example.com", "example.com"),
    ])
    func hostLabel(_ server: String, _ label: String) {
        #expect(ClientMetrics.hostLabel(server: server) == label)
    }
}
