//! Pure request-side logic: server URLs and the TLS server name, query
//! encoding, resource paths, verb options, response header lines, durations.
import Foundation
import KubeCore
import Testing

@testable import KubeClient

@Suite("Request encoding")
struct RequestEncodingTests {
    @Test(
        "server URLs resolve to a base URL",
        arguments: [
            ("https://127.0.0.1:6443", "https://127.0.0.1:6443"),
            ("https://example.com", "https://example.com"),
            ("https://example.com/k8s/clusters/c1/", "https://example.com/k8s/clusters/c1"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("https://[::1]:6443", "https://[::1]:6443"),
        ])
    func baseURL(server: String, expected: String) throws {
        let endpoint = try ServerEndpoint(server: server, serverName: nil)
        #expect(endpoint.baseURL == expected)
        #expect(endpoint.connectTo == nil)
        #expect(endpoint.hostHeader == nil)
    }

    @Test("unusable server URLs are rejected", arguments: ["ftp://example.com", "example.com:6443", "https://", "https://h/?a=b", "https://u@h"])
    func invalidServer(server: String) {
        #expect(throws: TransportError.self) { try ServerEndpoint(server: server, serverName: nil) }
    }

    @Test("a TLS server name addresses requests to the name and connects to the real host")
    func serverName() throws {
        let endpoint = try ServerEndpoint(server: "https://127.0.0.1:6443/prefix", serverName: "kubernetes.default.svc")
        #expect(endpoint.baseURL == "https://kubernetes.default.svc:6443/prefix")
        #expect(endpoint.connectTo == "kubernetes.default.svc:6443:127.0.0.1:6443")
        #expect(endpoint.hostHeader == "127.0.0.1:6443")
        #expect(endpoint.url(path: "/api", query: []) == "https://kubernetes.default.svc:6443/prefix/api")

        let v6 = try ServerEndpoint(server: "https://[::1]", serverName: "api")
        #expect(v6.connectTo == "api:443:[::1]:443")
        #expect(v6.hostHeader == "[::1]")
    }

    @Test("a TLS server name equal to the host changes nothing")
    func serverNameSameAsHost() throws {
        let endpoint = try ServerEndpoint(server: "https://localhost:6443", serverName: "localhost")
        #expect(endpoint.connectTo == nil)
        #expect(endpoint.baseURL == "https://localhost:6443")
    }

    @Test("query values escape everything but unreserved characters")
    func queryEncoding() {
        let query = QueryEncoding.encode([
            URLQueryItem(name: "labelSelector", value: "app in (a,b),!legacy"),
            URLQueryItem(name: "fieldSelector", value: "metadata.name=web-0"),
            URLQueryItem(name: "continue", value: "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ=="),
            URLQueryItem(name: "x", value: "ü/+ ~"),
            URLQueryItem(name: "flag", value: nil),
        ])
        #expect(query == "labelSelector=app%20in%20%28a%2Cb%29%2C%21legacy&fieldSelector=metadata.name%3Dweb-0"
            + "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ%3D%3D&x=%C3%BC%2F%2B%20~&flag")
    }

    @Test(
        "resource paths",
        arguments: [
            (ResourcePath(GroupVersionResource(group: "", version: "v1", resource: "pods"), namespace: "ns", name: "web", subresource: "status"),
             "/api/v1/namespaces/ns/pods/web/status"),
            (ResourcePath(GroupVersionResource(group: "", version: "v1", resource: "pods")), "/api/v1/pods"),
            (ResourcePath(GroupVersionResource(group: "", version: "v1", resource: "namespaces"), name: "kube-system"),
             "/api/v1/namespaces/kube-system"),
            (ResourcePath(GroupVersionResource(group: "apps", version: "v1", resource: "deployments"), namespace: "default"),
             "/apis/apps/v1/namespaces/default/deployments"),
            (ResourcePath(GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions"),
                          name: "sandboxes.agents.x-k8s.io"),
             "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sandboxes.agents.x-k8s.io"),
            (ResourcePath(GroupVersionResource(group: "apps", version: "v1", resource: "deployments"), namespace: "d", subresource: "scale"),
             "/apis/apps/v1/namespaces/d/deployments"),
            (ResourcePath(GroupVersionResource(group: "", version: "v1", resource: "configmaps"), namespace: "d", name: "a b/c"),
             "/api/v1/namespaces/d/configmaps/a%20b%2Fc"),
        ])
    func resourcePaths(path: ResourcePath, expected: String) {
        #expect(path.path == expected)
    }

    @Test("list options use kube-apiserver's parameter names")
    func listOptions() {
        let options = ListOptions(
            labelSelector: "a=b", fieldSelector: "metadata.name=x", limit: 500, continueToken: "tok",
            resourceVersion: "0", resourceVersionMatch: .notOlderThan, timeoutSeconds: 30)
        #expect(options.queryItems == [
            URLQueryItem(name: "labelSelector", value: "a=b"), URLQueryItem(name: "fieldSelector", value: "metadata.name=x"),
            URLQueryItem(name: "limit", value: "500"), URLQueryItem(name: "continue", value: "tok"),
            URLQueryItem(name: "resourceVersion", value: "0"), URLQueryItem(name: "resourceVersionMatch", value: "NotOlderThan"),
            URLQueryItem(name: "timeoutSeconds", value: "30"),
        ])
        #expect(ListOptions().queryItems.isEmpty)
    }

    @Test("watch options ask for a watch with bookmarks by default")
    func watchOptions() {
        #expect(WatchOptions().queryItems == [URLQueryItem(name: "watch", value: "true"), URLQueryItem(name: "allowWatchBookmarks", value: "true")])
        let options = WatchOptions(resourceVersion: "7", timeoutSeconds: 300, allowWatchBookmarks: false, sendInitialEvents: true)
        #expect(options.queryItems == [
            URLQueryItem(name: "watch", value: "true"), URLQueryItem(name: "resourceVersion", value: "7"),
            URLQueryItem(name: "timeoutSeconds", value: "300"), URLQueryItem(name: "sendInitialEvents", value: "true"),
        ])
    }

    @Test("write options")
    func writeOptions() {
        #expect(WriteOptions().queryItems.isEmpty)
        #expect(WriteOptions(dryRun: true, fieldManager: "op", fieldValidation: .strict).queryItems == [
            URLQueryItem(name: "dryRun", value: "All"), URLQueryItem(name: "fieldManager", value: "op"),
            URLQueryItem(name: "fieldValidation", value: "Strict"),
        ])
    }

    @Test("patch types map to their content types")
    func patchContentTypes() {
        #expect(PatchType.merge.contentType == "application/merge-patch+json")
        #expect(PatchType.json.contentType == "application/json-patch+json")
        #expect(PatchType.strategic.contentType == "application/strategic-merge-patch+json")
        #expect(PatchType.apply(fieldManager: "m").contentType == "application/apply-patch+yaml")
    }

    @Test("delete options become a DeleteOptions body only when needed")
    func deleteOptions() {
        #expect(DeleteOptions().body == nil)
        #expect(DeleteOptions(dryRun: true).body == nil)
        #expect(DeleteOptions(dryRun: true).queryItems == [URLQueryItem(name: "dryRun", value: "All")])
        let options = DeleteOptions(
            preconditions: Preconditions(uid: "u-1", resourceVersion: "9"), propagationPolicy: .foreground, gracePeriodSeconds: 0)
        #expect(options.body == [
            "apiVersion": "v1", "kind": "DeleteOptions", "preconditions": ["uid": "u-1", "resourceVersion": "9"],
            "propagationPolicy": "Foreground", "gracePeriodSeconds": 0,
        ])
    }

    @Test(
        "response header lines",
        arguments: [
            ("HTTP/1.1 200 OK\r\n", ResponseHeaderLine.status(version: "HTTP/1.1", code: 200)),
            ("HTTP/2 404 \r\n", .status(version: "HTTP/2", code: 404)),
            ("HTTP/1.1 100 Continue\r\n", .status(version: "HTTP/1.1", code: 100)),
            ("Content-Type: application/json\r\n", .field(HTTPHeader(name: "Content-Type", value: "application/json"))),
            ("warning:   299 - \"a: b\"  \r\n", .field(HTTPHeader(name: "warning", value: "299 - \"a: b\""))),
            ("Empty:\r\n", .field(HTTPHeader(name: "Empty", value: ""))),
            ("\r\n", .end),
            (" folded continuation\r\n", .other),
            ("HTTP/1.1 abc\r\n", .other),
        ])
    func headerLines(raw: String, expected: ResponseHeaderLine) {
        #expect(ResponseHeaderLine(raw) == expected)
    }

    @Test("header lists keep repeated fields and compare names case-insensitively")
    func headerList() {
        var headers: HTTPHeaders = ["Warning": "one", "Content-Type": "a"]
        headers.add(name: "warning", value: "two")
        #expect(headers.values(for: "WARNING") == ["one", "two"])
        #expect(headers["content-type"] == "a")
        headers.replaceOrAdd(name: "WARNING", value: "three")
        #expect(headers.values(for: "warning") == ["three"])
    }

    @Test("headers with line breaks are invalid")
    func headerValidation() {
        #expect(HeaderValidation.isValid(HTTPHeader(name: "X-Test", value: "ok value")))
        #expect(!HeaderValidation.isValid(HTTPHeader(name: "X-Test", value: "a\r\nInjected: yes")))
        #expect(!HeaderValidation.isValid(HTTPHeader(name: "Bad Name", value: "v")))
        #expect(!HeaderValidation.isValid(HTTPHeader(name: "", value: "v")))
    }

    @Test(
        "durations round up to libcurl's units",
        arguments: [
            (Duration.seconds(30), 30_000, 30), (.milliseconds(1), 1, 1), (.microseconds(1), 1, 1),
            (.milliseconds(1500), 1500, 2), (.zero, 1, 1),
        ])
    func durations(duration: Duration, milliseconds: Int, seconds: Int) {
        #expect(duration.wholeMilliseconds == milliseconds)
        #expect(duration.wholeSeconds == seconds)
    }
}
