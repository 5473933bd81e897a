//! Discovery, authentication, the two Event views, OpenAPI, and the fault
//! injection and request accounting the control API offers.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import PKI
import Testing
import TestSupport

@Suite("Discovery, authentication and events over HTTPS")
struct DiscoveryAuthTests {
    @Test("/version, /api, /apis and resource lists describe what is served")
    func discovery() async throws {
        try await TestServer.with { t in
            let version = try JSONValue.parse(try await t.client.request(method: .get, path: "/version").body)
            #expect(version["major"] == "1")
            let api = try JSONValue.parse(try await t.client.request(method: .get, path: "/api").body)
            #expect(api["versions"] == ["v1"])
            let apis = try JSONValue.parse(try await t.client.request(method: .get, path: "/apis").body)
            let groups = apis["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            for group in ["apps", "batch", "rbac.authorization.k8s.io", "coordination.k8s.io", "networking.k8s.io", "events.k8s.io", "apiextensions.k8s.io"] {
                #expect(groups.contains(group), "missing group \(group)")
            }
            let core = try JSONValue.parse(try await t.client.request(method: .get, path: "/api/v1").body)
            let resources = core["resources"]?.arrayValue ?? []
            let pods = resources.first { $0["name"] == "pods" }
            #expect(pods?["namespaced"] == true)
            #expect(pods?["kind"] == "Pod")
            #expect(pods?["shortNames"] == ["po"])
            #expect(resources.contains { $0["name"] == "pods/status" })
            #expect(resources.contains { $0["name"] == "namespaces/finalize" })
        }
    }

    @Test("requests without credentials get a 401 Status")
    func unauthenticated() async throws {
        try await TestServer.with { t in
            let anonymous = try t.client()
            let error = await expectAPIError { _ = try await anonymous.list(.configMaps, namespace: "default") }
            #expect(error?.code == 401)
            #expect(error?.reason == .unauthorized)
        }
    }

    @Test("a bearer token from the token table authenticates as its user")
    func bearerToken() async throws {
        try await TestServer.with(tokens: ["s3cret": UserInfo(name: "alice", groups: ["dev"])]) { t in
            let alice = try t.client(token: "s3cret")
            _ = try await alice.create(.configMaps, namespace: "default", configMap("by-alice"))
            #expect(t.server.requests.total(verb: "create", user: "alice") == 1)
            let wrong = try t.client(token: "wrong")
            let error = await expectAPIError { _ = try await wrong.get(.configMaps, namespace: "default", name: "by-alice") }
            #expect(error?.code == 401)
        }
    }

    @Test("a token file reads users, uids and quoted group lists; comments and blank lines are skipped")
    func tokenFile() {
        let tokens = Authenticator.parseTokenFile("""
            # token,user,uid,"groups"
            abc,alice,u1,"dev,ops"

            def,system:serviceaccount:team:builder,u2
            """)
        #expect(tokens["abc"] == UserInfo(name: "alice", uid: "u1", groups: ["dev", "ops", "system:authenticated"]))
        #expect(tokens["def"] == UserInfo(name: "system:serviceaccount:team:builder", uid: "u2", groups: ["system:authenticated"]))
        #expect(tokens.count == 2)
    }

    @Test("a client certificate signed by the cluster CA authenticates as CN; one from another CA is refused")
    func clientCertificates() async throws {
        try await TestServer.with { t in
            let bob = try t.credentials.clientCredentials(user: "bob", groups: ["team"])
            _ = try await t.client(certificate: (bob.certificate, bob.key)).create(.configMaps, namespace: "default", configMap("by-bob"))
            #expect(t.server.requests.total(verb: "create", user: "bob") == 1)

            let foreign = try ClusterCredentials.generate().clientCredentials(user: "mallory", groups: ["system:masters"])
            let rejected = try t.client(certificate: (foreign.certificate, foreign.key))
            do {
                _ = try await rejected.get(.configMaps, namespace: "default", name: "by-bob")
                Issue.record("a certificate from a foreign CA was accepted")
            } catch let error as APIError {
                #expect(error.code == 401)
            } catch {
                // The TLS handshake itself may refuse the foreign certificate; that is a refusal too.
            }
            #expect(t.server.requests.total(user: "mallory") == 0)
        }
    }

    @Test("core/v1 and events.k8s.io/v1 are two views of the same events, with field selectors")
    func eventViews() async throws {
        try await TestServer.with { t in
            _ = try await t.client.create(.eventsV1, namespace: "default", KubeObject([
                "apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": ["name": "e1", "namespace": "default"],
                "eventTime": "2026-11-29T01:00:00.000000Z", "reportingController": "example.com/ctl", "reportingInstance": "ctl-1",
                "action": "Reconciling", "reason": "Created", "type": "Normal", "note": "made it",
                "regarding": ["kind": "ConfigMap", "name": "target", "namespace": "default", "apiVersion": "v1"],
            ]))
            let core = try await t.client.get(.events, namespace: "default", name: "e1")
            #expect(core.json["message"] == "made it")
            #expect(core.json["involvedObject"]?["name"] == "target")
            #expect(core.json["reportingComponent"] == "example.com/ctl")
            let selected = try await t.client.list(.events, namespace: "default",
                                                   options: ListOptions(fieldSelector: "involvedObject.name=target,involvedObject.kind=ConfigMap"))
            #expect(selected.items.map(\.name) == ["e1"])
            let none = try await t.client.list(.events, namespace: "default", options: ListOptions(fieldSelector: "involvedObject.name=other"))
            #expect(none.items.isEmpty)
            let missingFields = await expectAPIError {
                _ = try await t.client.create(.eventsV1, namespace: "default", KubeObject([
                    "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e2"], "reason": "X",
                ]))
            }
            #expect(missingFields?.code == 422)
            #expect(missingFields?.status.details?.causes?.contains { $0.field == "reportingController" } == true)
        }
    }

    @Test("the OpenAPI v3 documents declare fieldValidation on PATCH and carry CRD descriptions")
    func openAPI() async throws {
        try await TestServer.with { t in
            try await t.installCRD(widgetCRD, resource: .widgets)
            let root = try JSONValue.parse(try await t.client.request(method: .get, path: "/openapi/v3").body)
            let url = root["paths"]?["apis/example.com/v1"]?["serverRelativeURL"]?.stringValue ?? ""
            #expect(url.hasPrefix("/openapi/v3/apis/example.com/v1"))
            let doc = try JSONValue.parse(try await t.client.request(method: .get, path: "/openapi/v3/apis/example.com/v1").body)
            let patch = doc["paths"]?["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]?["patch"]
            #expect(patch?["x-kubernetes-group-version-kind"]?["kind"] == "Widget")
            #expect(patch?["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" } == true)
            let schema = doc["components"]?["schemas"]?["com.example.v1.Widget"]
            #expect(schema?[path: ["properties", "spec", "properties", "size", "description"]] == "How big the widget is.")
        }
    }

    @Test("injected faults answer with the chosen status and Retry-After, a set number of times")
    func faults() async throws {
        try await TestServer.with { t in
            t.server.faults.add(FaultRule(verb: "get", resource: "configmaps", code: 429, retryAfterSeconds: 7, count: 1))
            _ = try await t.client.create(.configMaps, namespace: "default", configMap("f"))
            let raw = try t.client(certificate: try {
                let c = try t.credentials.clientCredentials(user: "raw", groups: ["system:masters"])
                return (c.certificate, c.key)
            }())
            let throttled = await expectAPIError {
                _ = try await RESTClient(transport: raw.transport, retryPolicy: .none).get(.configMaps, namespace: "default", name: "f")
            }
            #expect(throttled?.code == 429)
            #expect(throttled?.status.details?.retryAfterSeconds == 7)
            let fine = try await t.client.get(.configMaps, namespace: "default", name: "f")
            #expect(fine.name == "f")
            #expect(t.server.requests.total(verb: "get", resource: "configmaps", user: "raw") == 1)
        }
    }
}
