//! RESTClient against the in-process HTTPS fake API: verbs, paths and query
//! options on the wire, Status and non-Status errors, warnings, retries and
//! watch streams.
import Foundation
import KubeCore
import Logging
import Synchronization
import Testing

@testable import KubeClient

private let podsResource = GroupVersionResource(group: "", version: "v1", resource: "pods")

/// Collects log messages for assertions.
final class CapturedLogs: Sendable {
    private let entries = Mutex<[(Logger.Level, String)]>([])

    var messages: [(Logger.Level, String)] { entries.withLock { $0 } }

    func logger() -> Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ level: Logger.Level, _ message: String) { entries.withLock { $0.append((level, message)) } }
}

private struct CapturingHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { logs.append(event.level, event.message.description) }
}

private func client(_ server: String, retryPolicy: RetryPolicy = .default, logger: Logger = Logger(label: "test")) throws -> RESTClient {
    try RESTClient(configuration: trustingConfiguration(server), retryPolicy: retryPolicy, logger: logger)
}

@Suite("REST client")
struct RESTClientTests {
    @Test("get decodes the object at the namespaced path")
    func get() async throws {
        try await TestServer.run { server, _ in
            let pod = try await client(server).get(podsResource, namespace: "default", name: "web")
            #expect(pod.kind == "Pod")
            #expect(pod.name == "web")
            #expect(pod.namespace == "default")
        }
    }

    @Test("a 404 Status body becomes an APIError with reason NotFound and the server's message")
    func notFound() async throws {
        try await TestServer.run { server, _ in
            let error = try await #require(throws: APIError.self) {
                try await client(server).get(podsResource, namespace: "default", name: "missing")
            }
            #expect(error.code == 404)
            #expect(error.reason == .notFound)
            #expect(error.message == #"pods "missing" not found"#)
            #expect(error.status.details?.name == "missing")
        }
    }

    @Test("a 502 with an HTML body becomes an InternalError quoting the body")
    func badGateway() async throws {
        try await TestServer.run { server, _ in
            let error = try await #require(throws: APIError.self) {
                try await client(server).request(method: .get, path: "/bad-gateway")
            }
            #expect(error.code == 502)
            #expect(error.reason == .internalError)
            #expect(error.message == #"an error on the server ("<html>bad gateway</html>") has prevented the request from succeeding"#)
        }
    }

    @Test("a 2xx body that is not an object is a decoding error")
    func notJSON() async throws {
        try await TestServer.run { server, _ in
            let error = try await #require(throws: ResponseDecodingError.self) {
                try await client(server).get(GroupVersionResource(group: "", version: "v1", resource: "notjson"), name: "y")
            }
            #expect(error.message.contains("/api/v1/notjson/y"))
        }
    }

    @Test("list fills item kinds from the list and exposes the page metadata")
    func list() async throws {
        try await TestServer.run { server, _ in
            let list = try await client(server).list(podsResource, namespace: "default", options: ListOptions(limit: 2))
            #expect(list.items.map(\.name) == ["a", "b"])
            #expect(list.items.map(\.kind) == ["Pod", "Pod"])
            #expect(list.items.map(\.apiVersion) == ["v1", "v1"])
            #expect(list.resourceVersion == "42")
            #expect(list.continueToken == "next-page")
        }
    }

    @Test("create POSTs the object with write options in the query")
    func create() async throws {
        try await TestServer.run { server, _ in
            let pod = KubeObject(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web"]])
            let echo = try await client(server).create(
                podsResource, namespace: "default", pod, options: WriteOptions(dryRun: true, fieldManager: "operator"))
            #expect(echo.json["method"] == "POST")
            #expect(echo.json["path"] == "/api/v1/namespaces/default/pods")
            #expect(echo.json["query"] == "dryRun=All&fieldManager=operator")
            #expect(echo.json["body"] == pod.value)
            #expect(echo.json["headers"]?["content-type"] == "application/json")
            #expect(echo.json["headers"]?["accept"] == "application/json")
        }
    }

    @Test("update PUTs to the object's name, or its subresource")
    func update() async throws {
        try await TestServer.run { server, _ in
            var pod = KubeObject(["apiVersion": "v1", "kind": "Pod"])
            pod.name = "web"
            pod.resourceVersion = "5"
            let echo = try await client(server).update(podsResource, namespace: "default", pod, subresource: "status")
            #expect(echo.json["method"] == "PUT")
            #expect(echo.json["path"] == "/api/v1/namespaces/default/pods/web/status")
            #expect(echo.json["body"] == pod.value)
        }
    }

    @Test(
        "patch sends the patch type's content type",
        arguments: [
            (PatchType.merge, "application/merge-patch+json", ""),
            (.json, "application/json-patch+json", ""),
            (.strategic, "application/strategic-merge-patch+json", ""),
            (.apply(fieldManager: "openshell-operator", force: true), "application/apply-patch+yaml", "fieldManager=openshell-operator&force=true"),
        ])
    func patch(type: PatchType, contentType: String, query: String) async throws {
        try await TestServer.run { server, _ in
            let patch: JSONValue = ["metadata": ["labels": ["a": "b"]]]
            let echo = try await client(server).patch(podsResource, namespace: "default", name: "web", type: type, patch: patch)
            #expect(echo.json["method"] == "PATCH")
            #expect(echo.json["headers"]?["content-type"] == .string(contentType))
            #expect(echo.json["query"] == .string(query))
            #expect(echo.json["body"] == patch)
        }
    }

    @Test("delete sends DeleteOptions as the body and dryRun in the query")
    func delete() async throws {
        try await TestServer.run { server, _ in
            let echo = try await client(server).delete(
                podsResource, namespace: "default", name: "web",
                options: DeleteOptions(preconditions: Preconditions(uid: "u-1"), propagationPolicy: .background, dryRun: true))
            #expect(echo.json["method"] == "DELETE")
            #expect(echo.json["path"] == "/api/v1/namespaces/default/pods/web")
            #expect(echo.json["query"] == "dryRun=All")
            #expect(echo.json["body"] == [
                "apiVersion": "v1", "kind": "DeleteOptions", "preconditions": ["uid": "u-1"], "propagationPolicy": "Background",
            ])
        }
    }

    @Test("deleteCollection sends list options in the query")
    func deleteCollection() async throws {
        try await TestServer.run { server, _ in
            let echo = try await client(server).deleteCollection(
                podsResource, namespace: "default", listOptions: ListOptions(labelSelector: "app=web"))
            #expect(echo.json["method"] == "DELETE")
            #expect(echo.json["path"] == "/api/v1/namespaces/default/pods")
            #expect(echo.json["query"] == "labelSelector=app%3Dweb")
            #expect(echo.json["body"] == nil)
        }
    }

    @Test("group resources and subresources use /apis paths")
    func groupPath() async throws {
        try await TestServer.run { server, _ in
            let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
            let echo = try await client(server).get(deployments, namespace: "prod", name: "api", subresource: "scale")
            #expect(echo.json["path"] == "/apis/apps/v1/namespaces/prod/deployments/api/scale")
        }
    }

    @Test("every Warning header is logged at warning level with its text")
    func warnings() async throws {
        try await TestServer.run { server, _ in
            let logs = CapturedLogs()
            _ = try await client(server, logger: logs.logger()).request(method: .get, path: "/warnings")
            let warnings = logs.messages.filter { $0.0 == .warning }.map(\.1)
            #expect(warnings == ["first warning", #"second, with "quotes""#])
        }
    }

    @Test("429 with Retry-After is retried until it succeeds")
    func retries() async throws {
        try await TestServer.run { server, state in
            let response = try await client(server).request(method: .get, path: "/flaky")
            #expect(try JSONValue.parse(response.body)["metadata"]?["name"] == "attempt-3")
            #expect(state.count("flaky") == 3)
        }
    }

    @Test("without retries, a 429 surfaces as TooManyRequests")
    func noRetries() async throws {
        try await TestServer.run { server, state in
            let error = try await #require(throws: APIError.self) {
                try await client(server, retryPolicy: .none).request(method: .get, path: "/flaky")
            }
            #expect(error.reason == .tooManyRequests)
            #expect(state.count("flaky") == 1)
        }
    }

    @Test("watch decodes a stream whose chunks split lines and characters")
    func watch() async throws {
        try await TestServer.run { server, _ in
            let events = try await client(server).watch(podsResource, namespace: "default", options: WatchOptions(resourceVersion: "10"))
            var received: [WatchEvent] = []
            for try await event in events { received.append(event) }
            #expect(received.map(\.type) == [.added, .modified, .bookmark, .error])
            #expect(received.first?.object.name == "café-🚀")
            #expect(received[1].object.spec?["note"] == "日本語のテキスト")
            #expect(received[2].object.resourceVersion == "13")
            #expect(received[3].status?.reason == .expired)
        }
    }

    @Test("a watch the server refuses throws its Status")
    func watchRefused() async throws {
        try await TestServer.run { server, _ in
            let error = try await #require(throws: APIError.self) {
                _ = try await client(server).watch(GroupVersionResource(group: "", version: "v1", resource: "nothing"))
            }
            #expect(error.code == 404)
            #expect(error.reason == .notFound)
        }
    }

    @Test("cancelling a watch consumer closes the server's stream")
    func cancelWatch() async throws {
        try await TestServer.run { server, state in
            let restClient = try client(server)
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            let consumer = Task {
                let response = try await restClient.transport.stream(TransportRequest(path: "/stream-forever"))
                var names: [String] = []
                for try await event in RESTClient.decodeEvents(response.body) {
                    names.append(event.object.name)
                    if names.count == 3 { startedContinuation.yield() }
                }
                return names
            }
            for await _ in started { break }
            consumer.cancel()
            _ = try await withDeadline("the cancelled watch consumer ends") { await consumer.result }
            try await withDeadline("the server sees the disconnect") {
                for await _ in state.disconnects { return }
            }
        }
    }
}
