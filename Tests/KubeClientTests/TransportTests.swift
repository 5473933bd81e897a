//! CurlTransport against a real HTTPS server in-process: TLS trust and
//! client certificates, bearer tokens, connection reuse and HTTP/2
//! multiplexing, streaming, cancellation, timeouts and shutdown.
import Foundation
import KubeCore
import Synchronization
import Testing

@testable import KubeClient

func trustingConfiguration(_ server: String, pki: TestPKI = .shared) -> ClientConfiguration {
    ClientConfiguration(server: server, tls: TLSOptions(caCertificatesPEM: pki.caCertificate))
}

/// Decodes an echo response.
func echo(_ response: TransportResponse) throws -> JSONValue {
    #expect(response.status == 200)
    return try JSONValue.parse(response.body)
}

/// A token provider that hands out `token-1`, `token-2`, ... and counts calls.
final class RotatingToken: BearerTokenProvider {
    private let calls = Mutex(0)
    func token() async throws -> String {
        "token-\(calls.withLock { calls in calls += 1; return calls })"
    }
}

@Suite("Transport")
struct TransportTests {
    @Test("GET returns status, headers and the JSON body")
    func getJSON() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let response = try await transport.send(TransportRequest(path: "/echo", query: [URLQueryItem(name: "a", value: "b c")]))
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.head.version == "HTTP/1.1")
            let body = try echo(response)
            #expect(body["method"] == "GET")
            #expect(body["path"] == "/echo")
            #expect(body["query"] == "a=b%20c")
            #expect(body["headers"]?["user-agent"] == .string(ClientConfiguration.defaultUserAgent))
            #expect(body["headers"]?["accept-encoding"]?.stringValue?.contains("gzip") == true)
        }
    }

    @Test("POST sends the body with its content type")
    func postBody() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let payload: JSONValue = ["kind": "Pod", "metadata": ["name": "ünïcode"]]
            let response = try await transport.send(TransportRequest(
                method: .post, path: "/echo", headers: ["Content-Type": "application/json"], body: payload.serialized()))
            let body = try echo(response)
            #expect(body["method"] == "POST")
            #expect(body["body"] == payload)
            #expect(body["headers"]?["content-type"] == "application/json")
            #expect(body["headers"]?["expect"] == nil)
        }
    }

    @Test("a large body is sent whole and without waiting for 100 Continue")
    func largeBody() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let big = JSONValue.string(String(repeating: "0123456789", count: 50_000))
            let response = try await transport.send(TransportRequest(method: .put, path: "/echo", body: JSONValue.object(["data": big]).serialized()))
            #expect(try echo(response)["body"]?["data"] == big)
        }
    }

    @Test("a gzip-encoded body is decompressed")
    func gzip() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let response = try await transport.send(TransportRequest(path: "/gzip"))
            let body = try JSONValue.parse(response.body)
            #expect(body["compressed"] == true)
            #expect(body["padding"]?.stringValue == String(repeating: "z", count: 200))
        }
    }

    @Test("PATCH and DELETE without a body use their methods")
    func methods() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            for method in [HTTPMethod.patch, .delete, .put, .post] {
                let response = try await transport.send(TransportRequest(method: method, path: "/echo"))
                #expect(try echo(response)["method"] == .string(method.rawValue))
            }
        }
    }

    @Test("the bearer token is asked for on every request and sent as Authorization")
    func bearerToken() async throws {
        try await TestServer.run { server, _ in
            var configuration = trustingConfiguration(server)
            configuration.bearerToken = RotatingToken()
            let transport = try CurlTransport(configuration: configuration)
            let first = try echo(try await transport.send(TransportRequest(path: "/echo")))
            let second = try echo(try await transport.send(TransportRequest(path: "/echo")))
            #expect(first["headers"]?["authorization"] == "Bearer token-1")
            #expect(second["headers"]?["authorization"] == "Bearer token-2")
        }
    }

    @Test("a static token never shows in descriptions")
    func tokenRedacted() {
        let token = StaticBearerToken("s3cret")
        #expect(!"\(token)".contains("s3cret"))
        #expect(!String(reflecting: token).contains("s3cret"))
    }

    @Test("the client certificate is presented to a server that asks for one")
    func clientCertificate() async throws {
        try await TestServer.run(requestClientCertificates: true) { server, _ in
            let pki = TestPKI.shared
            var configuration = trustingConfiguration(server)
            configuration.tls.clientCertificatePEM = pki.clientCertificate
            configuration.tls.clientKeyPEM = pki.clientKey
            let withCertificate = try echo(try await CurlTransport(configuration: configuration).send(TransportRequest(path: "/echo")))
            #expect(withCertificate["clientCertificate"]?.stringValue?.contains("common_name=test-user") == true)

            let anonymous = try echo(try await CurlTransport(configuration: trustingConfiguration(server)).send(TransportRequest(path: "/echo")))
            #expect(anonymous["clientCertificate"] == .null)
        }
    }

    @Test("a server certificate from an untrusted CA fails with a TLS error naming the problem")
    func wrongCA() async throws {
        try await TestServer.run { server, _ in
            let configuration = ClientConfiguration(server: server, tls: TLSOptions(caCertificatesPEM: TestPKI.shared.otherCACertificate))
            let transport = try CurlTransport(configuration: configuration)
            let error = try await #require(throws: TransportError.self) {
                try await transport.send(TransportRequest(path: "/echo"))
            }
            #expect(error.kind == .tls)
            #expect(error.message.hasPrefix("GET \(server)/echo: "))
            #expect(error.message.contains("certificate"))
        }
    }

    @Test("insecureSkipTLSVerify accepts an untrusted server certificate")
    func insecure() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: ClientConfiguration(server: server, tls: TLSOptions(insecureSkipTLSVerify: true)))
            #expect(try await transport.send(TransportRequest(path: "/echo")).status == 200)
        }
    }

    @Test("the TLS server name is what the certificate is verified against")
    func tlsServerName() async throws {
        try await TestServer.run { server, _ in
            var configuration = trustingConfiguration(server)
            configuration.tls.serverName = "kubernetes.default.svc"
            let body = try echo(try await CurlTransport(configuration: configuration).send(TransportRequest(path: "/echo")))
            #expect(body["authority"] == .string(String(server.dropFirst("https://".count))))

            configuration.tls.serverName = "not-in-the-certificate.example"
            let error = try await #require(throws: TransportError.self) {
                try await CurlTransport(configuration: configuration).send(TransportRequest(path: "/echo"))
            }
            #expect(error.kind == .tls)
        }
    }

    @Test("sequential requests reuse one kept-alive connection")
    func keepAlive() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            var connections: Set<Int64> = []
            for _ in 0..<10 {
                connections.insert(try #require(try echo(try await transport.send(TransportRequest(path: "/echo")))["connection"]?.intValue))
            }
            #expect(connections.count == 1)
        }
    }

    @Test("50 parallel GETs succeed and later requests reuse their connections")
    func parallelRequests() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let parallel = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<50 {
                    group.addTask { try #require(try echo(try await transport.send(TransportRequest(path: "/echo")))["connection"]?.intValue) }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(parallel.count == 50)
            for _ in 0..<5 {
                let later = try #require(try echo(try await transport.send(TransportRequest(path: "/echo")))["connection"]?.intValue)
                #expect(Set(parallel).contains(later))
            }
        }
    }

    @Test("over HTTP/2, parallel requests are multiplexed on one connection")
    func http2Multiplexing() async throws {
        try await TestServer.run(protocol: .http2) { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let results = try await withThrowingTaskGroup(of: (String, Int64).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await transport.send(TransportRequest(path: "/echo"))
                        return (response.head.version, try #require(try echo(response)["connection"]?.intValue))
                    }
                }
                return try await group.reduce(into: [(String, Int64)]()) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(Set(results.map(\.0)) == ["HTTP/2"])
            #expect(Set(results.map(\.1)).count == 1)
        }
    }

    @Test("a streamed body arrives in order and ends when the server ends it")
    func streaming() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let response = try await transport.stream(TransportRequest(path: "/api/v1/namespaces/default/pods", query: [URLQueryItem(name: "watch", value: "true")]))
            #expect(response.status == 200)
            var received = Data()
            for try await chunk in response.body { received.append(chunk) }
            #expect(String(decoding: received, as: UTF8.self) == sampleWatchStream)
        }
    }

    @Test("cancelling the consuming task ends a stream promptly and closes the connection")
    func cancelStream() async throws {
        try await TestServer.run { server, state in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            let consumer = Task {
                let response = try await transport.stream(TransportRequest(path: "/stream-forever"))
                var chunks = 0
                for try await _ in response.body {
                    chunks += 1
                    if chunks == 2 { startedContinuation.yield() }
                }
                return chunks
            }
            for await _ in started { break }
            consumer.cancel()
            // Like any AsyncThrowingStream, the body ends its iteration on cancellation.
            let outcome = try await withDeadline("the cancelled consumer ends") { await consumer.result }
            #expect(try outcome.get() >= 2)
            try await withDeadline("the server sees the disconnect") {
                for await _ in state.disconnects { return }
            }
        }
    }

    @Test("a consumer that stops iterating ends the transfer")
    func abandonStream() async throws {
        try await TestServer.run { server, state in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            func readTwoChunks() async throws -> Int {
                let response = try await transport.stream(TransportRequest(path: "/stream-forever"))
                var chunks = 0
                for try await _ in response.body {
                    chunks += 1
                    if chunks == 2 { break }
                }
                return chunks
            }
            #expect(try await readTwoChunks() == 2)
            try await withDeadline("the server sees the disconnect") {
                for await _ in state.disconnects { return }
            }
            // The pool stays usable.
            #expect(try await transport.send(TransportRequest(path: "/echo")).status == 200)
        }
    }

    @Test("cancelling a buffered request throws CancellationError")
    func cancelSend() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let request = Task { try await transport.send(TransportRequest(path: "/slow")) }
            request.cancel()
            let outcome = try await withDeadline("the cancelled request ends") { await request.result }
            #expect(throws: CancellationError.self) { try outcome.get() }
        }
    }

    @Test("a request exceeding its timeout fails with a timeout error")
    func timeout() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let error = try await #require(throws: TransportError.self) {
                try await transport.send(TransportRequest(path: "/slow", timeout: .milliseconds(200)))
            }
            #expect(error.kind == .timeout)
        }
    }

    @Test("a stream that goes silent longer than its idle timeout fails with a timeout error")
    func idleTimeout() async throws {
        try await TestServer.run { server, _ in
            let transport = try CurlTransport(configuration: trustingConfiguration(server))
            let response = try await transport.stream(TransportRequest(path: "/stall", idleTimeout: .seconds(1)))
            var received = Data()
            let error = try await #require(throws: TransportError.self) {
                for try await chunk in response.body { received.append(chunk) }
            }
            #expect(error.kind == .timeout)
            #expect(received == Data("{}\n".utf8))
        }
    }

    @Test("a refused connection is a connect error")
    func refused() async throws {
        // Port 1 on loopback: nothing listens there.
        let transport = try CurlTransport(configuration: ClientConfiguration(server: "https://127.0.0.1:1"))
        let error = try await #require(throws: TransportError.self) {
            try await transport.send(TransportRequest(path: "/"))
        }
        #expect(error.kind == .connect)
    }

    @Test("after shutdown, requests fail with a shutdown error")
    func shutdown() async throws {
        let transport = try CurlTransport(configuration: ClientConfiguration(server: "https://127.0.0.1:1"))
        transport.shutdown()
        let error = try await #require(throws: TransportError.self) {
            try await transport.send(TransportRequest(path: "/"))
        }
        #expect(error.kind == .shutdown)
    }

    @Test("a header value with a line break is refused before sending")
    func headerInjection() async throws {
        let transport = try CurlTransport(configuration: ClientConfiguration(server: "https://127.0.0.1:1"))
        let error = try await #require(throws: TransportError.self) {
            try await transport.send(TransportRequest(path: "/", headers: ["X-Test": "a\r\nInjected: 1"]))
        }
        #expect(error.kind == .invalidRequest)
    }
}
