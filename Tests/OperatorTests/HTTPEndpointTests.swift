//! The operator's HTTP endpoints: the health report format as pure logic,
//! and `/metrics`, `/healthz`, `/readyz` served over a real socket.
import CoreMetrics
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import Prometheus
import Testing

@testable import Operator

struct HealthReportTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    @Test func noChecksMeansPing() async {
        let checks = HealthChecks(endpoint: "healthz")
        let report = await checks.evaluate()
        #expect(report.render(verbose: false) == "ok")
        #expect(report.render(verbose: true) == "[+]ping ok\nhealthz check passed\n")
    }

    @Test func failuresAreListedInNameOrderWithTheReasonWithheld() async {
        let checks = HealthChecks(endpoint: "readyz")
        checks.add("queue-db") { throw Failure(description: "database is locked") }
        checks.add("informers") {}
        checks.add("leader") {}
        let report = await checks.evaluate()
        #expect(!report.isHealthy)
        #expect(report.failures.map(\.reason) == ["database is locked"])
        #expect(report.render(verbose: false) == """
            [+]informers ok
            [+]leader ok
            [-]queue-db failed: reason withheld
            readyz check failed

            """)
    }

    @Test func excludedAndUnknownExclusions() async {
        let checks = HealthChecks(endpoint: "healthz")
        checks.add("broken") { throw Failure(description: "no") }
        checks.add("ping") {}
        let report = await checks.evaluate(excluding: ["broken", "nope"])
        #expect(report.isHealthy)
        #expect(report.render(verbose: true) == """
            [+]broken excluded: ok
            [+]ping ok
            warn: some health checks cannot be excluded: no matches for "nope"
            healthz check passed

            """)
    }

    @Test(arguments: [
        (":8080", ListenAddress(host: "0.0.0.0", port: 8080)),
        ("127.0.0.1:9443", ListenAddress(host: "127.0.0.1", port: 9443)),
        ("[::1]:8081", ListenAddress(host: "::1", port: 8081)),
    ])
    func listenAddressParsing(_ text: String, _ expected: ListenAddress) throws {
        #expect(try ListenAddress.parse(text) == expected)
    }

    @Test func listenAddressZeroDisablesAndGarbageIsRefused() throws {
        #expect(try ListenAddress.parse("0") == nil)
        #expect(throws: ListenAddressError(address: "8080")) { try ListenAddress.parse("8080") }
        #expect(throws: ListenAddressError(address: ":http")) { try ListenAddress.parse(":http") }
    }
}

@Suite(.serialized)
struct HTTPServerTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts a server on a free port, runs `body` with a transport for it, then stops it.
    static func withServer(
        metrics: PrometheusCollectorRegistry? = nil, healthz: HealthChecks? = nil, readyz: HealthChecks? = nil,
        _ body: @Sendable (CurlTransport) async throws -> Void
    ) async throws {
        var logger = Logger(label: "http-test")
        logger.logLevel = .warning
        let server = OperatorHTTPServer(
            address: ListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, healthz: healthz, readyz: readyz, logger: logger)
        try await withRunningService(server, logger: logger) {
            let port = try await server.boundPort()
            let transport = try CurlTransport(configuration: ClientConfiguration(server: "http://127.0.0.1:\(port)"))
            try await body(transport)
        }
    }

    static func get(_ transport: CurlTransport, _ path: String, _ query: [URLQueryItem] = []) async throws -> (Int, String, String) {
        let response = try await transport.send(TransportRequest(path: path, query: query))
        return (response.status, String(decoding: response.body, as: UTF8.self), response.headers["Content-Type"] ?? "")
    }

    @Test func metricsAreServedInPrometheusTextFormat() async throws {
        let registry = PrometheusCollectorRegistry()
        // Through swift-metrics, as the runtime emits them.
        let factory = PrometheusMetricsFactory(registry: registry)
        CoreMetrics.Counter(label: "workqueue_adds_total", dimensions: [("name", "sandbox")], factory: factory).increment(by: 3)
        CoreMetrics.Gauge(label: "leader_election_master_status", dimensions: [("name", "lock")], factory: factory).record(1)
        try await Self.withServer(metrics: registry) { transport in
            let (status, body, contentType) = try await Self.get(transport, "/metrics")
            #expect(status == 200)
            #expect(contentType.hasPrefix("text/plain; version=0.0.4"))
            #expect(body.contains("workqueue_adds_total{name=\"sandbox\"} 3\n"))
            #expect(body.contains("leader_election_master_status{name=\"lock\"} 1.0\n"))
            // No probes were given to this server.
            #expect(try await Self.get(transport, "/healthz").0 == 404)
        }
    }

    @Test func probesAnswerOkWhenHealthyAnd500WithTheFailedChecks() async throws {
        let healthz = HealthChecks(endpoint: "healthz")
        healthz.add("ping") {}
        let readyz = HealthChecks(endpoint: "readyz")
        let synced = Locked(false)
        readyz.add("informers") { if !synced.value { throw Failure(description: "informers not synced") } }
        readyz.add("queue-db") {}
        try await Self.withServer(healthz: healthz, readyz: readyz) { transport in
            let healthy = try await Self.get(transport, "/healthz")
            #expect(healthy.0 == 200)
            #expect(healthy.1 == "ok")
            #expect(healthy.2.hasPrefix("text/plain"))

            let verbose = try await Self.get(transport, "/healthz", [URLQueryItem(name: "verbose", value: nil)])
            #expect(verbose.0 == 200)
            #expect(verbose.1 == "[+]ping ok\nhealthz check passed\n")

            let notReady = try await Self.get(transport, "/readyz")
            #expect(notReady.0 == 500)
            #expect(notReady.1 == "[-]informers failed: reason withheld\n[+]queue-db ok\nreadyz check failed\n")

            let single = try await Self.get(transport, "/readyz/informers")
            #expect(single.0 == 500)
            #expect(single.1 == "internal server error: informers not synced\n")
            #expect(try await Self.get(transport, "/readyz/queue-db").1 == "ok")
            #expect(try await Self.get(transport, "/readyz/unknown").0 == 404)

            let excluded = try await Self.get(transport, "/readyz", [URLQueryItem(name: "exclude", value: "informers")])
            #expect(excluded.0 == 200)

            synced.withLock { $0 = true }
            let ready = try await Self.get(transport, "/readyz")
            #expect(ready.0 == 200)
            #expect(ready.1 == "ok")
        }
    }

    @Test func boundPortReportsAFailureToListen() async throws {
        // 192.0.2.1 (TEST-NET-1) is not an address of this machine: bind fails.
        let server = OperatorHTTPServer(address: ListenAddress(host: "192.0.2.1", port: 0))
        async let running: Void = server.run()
        await #expect(throws: (any Error).self) { _ = try await server.boundPort() }
        _ = try? await running
    }
}
