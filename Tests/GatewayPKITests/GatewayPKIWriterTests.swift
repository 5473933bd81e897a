//! Tests of `GatewayPKIWriter` (plans carried out as Secret writes) and `GatewayPKIChecksum`.

import Foundation
import GatewayPKI
import KubeCore
import PKI
import Testing

@Suite("GatewayPKIWriter")
struct GatewayPKIWriterTests {
    @Test("nothing exists: creates CA, server, client, JWT (owned) and the KEK (not owned), in order")
    func createAll() throws {
        let s = Fixtures.defaults
        let plan = GatewayPKIPlanner.plan(observed: ObservedGatewaySecrets(), settings: s, gatewayUID: "gw-uid", now: t0)
        let writes = try GatewayPKIWriter.writes(plan: plan, observed: ObservedGatewaySecrets(), settings: s, now: t0)
        #expect(writes.map(\.object.name) == ["openshell-ca-tls", "openshell-server-tls", "openshell-client-tls", "gw-jwt-keys",
                                              "gw-credential-storage-key-encryption-key"])
        #expect(writes.map(\.verb) == [.create, .create, .create, .create, .create])
        #expect(writes.map(\.ownedByGateway) == [true, true, true, true, false])
        // What was written plans as untouched.
        let observed = ObservedGatewaySecrets(ca: writes[0].object, server: writes[1].object, client: writes[2].object,
                                              signingKey: writes[3].object, keyEncryptionKey: writes[4].object)
        let again = GatewayPKIPlanner.plan(observed: observed, settings: s, gatewayUID: "gw-uid", now: t0.addingTimeInterval(hour))
        #expect(again.isUntouched)
        #expect(again.degraded == nil)
    }

    @Test("JWT only: one created Secret, the TLS Secrets are left alone")
    func jwtOnly() throws {
        var observed = Fixtures.main.all
        observed.signingKey = nil
        let plan = GatewayPKIPlanner.plan(observed: observed, settings: Fixtures.defaults, gatewayUID: "gw-uid", now: t0)
        let writes = try GatewayPKIWriter.writes(plan: plan, observed: observed, settings: Fixtures.defaults, now: t0)
        #expect(writes.count == 1)
        #expect(writes.first?.verb == .create)
        #expect(writes.first?.object.name == "gw-jwt-keys")
    }

    @Test("renewal replaces the server and client Secrets from the same CA, conditional on their resourceVersion")
    func renewal() async throws {
        var observed = Fixtures.main.all
        var server = Fixtures.main.server
        server.metadata["resourceVersion"] = "41"
        server.metadata["ownerReferences"] = [["apiVersion": "openshell.ai/v1alpha1", "kind": "OpenShellGateway", "name": "gw", "uid": "u1"]]
        observed.server = server
        let now = t0.addingTimeInterval(340 * day)
        let plan = GatewayPKIPlanner.plan(observed: observed, settings: Fixtures.defaults, gatewayUID: "gw-uid", now: now)
        #expect(plan.renewals.map(\.leaf) == [.server, .client])
        #expect(plan.rollsGateway)
        let writes = try GatewayPKIWriter.writes(plan: plan, observed: observed, settings: Fixtures.defaults, now: now)
        #expect(writes.map(\.verb) == [.replace, .replace])
        #expect(writes.map(\.object.name) == ["openshell-server-tls", "openshell-client-tls"])
        let renewed = writes[0].object
        #expect(renewed.resourceVersion == "41")
        #expect(renewed.ownerReferences.map(\.uid) == ["u1"])
        #expect(text(renewed, "ca.crt") == text(Fixtures.main.ca, "tls.crt"))
        #expect(text(renewed, "tls.key") != text(Fixtures.main.server, "tls.key"))
        let certificate = try Certificate(pem: text(renewed, "tls.crt") ?? "")
        #expect(certificate.notAfter == now.addingTimeInterval(365 * day))

        // The renewed certificate verifies against the unchanged CA with openssl.
        let scratch = try ScratchDirectory()
        let caPath = try scratch.write("ca.crt", text(Fixtures.main.ca, "tls.crt") ?? "")
        let serverPath = try scratch.write("server.crt", text(renewed, "tls.crt") ?? "")
        let verified = try await openssl(["verify", "-attime", attime(now), "-CAfile", caPath, "-purpose", "sslserver", serverPath])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")

        // And the state after the renewal plans as untouched.
        observed.server = renewed
        observed.client = writes[1].object
        #expect(GatewayPKIPlanner.plan(observed: observed, settings: Fixtures.defaults, gatewayUID: "gw-uid", now: now).isUntouched)
    }

    @Test("completion creates the missing server and client Secrets from the existing CA, which the openssl command line verifies")
    func completion() async throws {
        var observed = Fixtures.main.all
        observed.ca?.ownerReferences = [OwnerReference(
            apiVersion: "openshell.ai/v1alpha1", kind: "OpenShellGateway", name: "gw", uid: "gw-uid", controller: true, blockOwnerDeletion: true)]
        observed.server = nil
        observed.client = nil
        let now = t0.addingTimeInterval(day)
        let plan = GatewayPKIPlanner.plan(observed: observed, settings: Fixtures.defaults, gatewayUID: "gw-uid", now: now)
        #expect(plan.completions == [.server, .client])
        #expect(plan.rollsGateway)
        let writes = try GatewayPKIWriter.writes(plan: plan, observed: observed, settings: Fixtures.defaults, now: now)
        #expect(writes.map(\.verb) == [.create, .create])
        #expect(writes.map(\.object.name) == ["openshell-server-tls", "openshell-client-tls"])
        #expect(writes.allSatisfy { $0.ownedByGateway })
        let scratch = try ScratchDirectory()
        let caPath = try scratch.write("ca.crt", text(Fixtures.main.ca, "tls.crt") ?? "")
        for (write, purpose) in zip(writes, ["sslserver", "sslclient"]) {
            #expect(text(write.object, "ca.crt") == text(Fixtures.main.ca, "tls.crt"))
            let path = try scratch.write("\(purpose).crt", text(write.object, "tls.crt") ?? "")
            let verified = try await openssl(["verify", "-attime", attime(now), "-CAfile", caPath, "-purpose", purpose, path])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        }
        // What was written, owned like the reconciler owns it, plans as untouched.
        observed.server = writes[0].object
        observed.client = writes[1].object
        observed.server?.ownerReferences = observed.ca?.ownerReferences ?? []
        observed.client?.ownerReferences = observed.ca?.ownerReferences ?? []
        let again = GatewayPKIPlanner.plan(observed: observed, settings: Fixtures.defaults, gatewayUID: "gw-uid", now: now)
        #expect(again.isUntouched)
        #expect(again.degraded == nil)
    }

    @Test("a Degraded plan writes nothing but a missing KEK")
    func degradedWritesNothing() throws {
        var observed = Fixtures.main.all
        observed.ca = nil
        observed.keyEncryptionKey = nil
        let plan = GatewayPKIPlanner.plan(observed: observed, settings: Fixtures.defaults, gatewayUID: "gw-uid", now: t0)
        #expect(plan.degraded?.reason == "PartialTLSSecrets")
        let writes = try GatewayPKIWriter.writes(plan: plan, observed: observed, settings: Fixtures.defaults, now: t0)
        #expect(writes.map(\.object.name) == ["gw-credential-storage-key-encryption-key"])
        #expect(writes.first?.ownedByGateway == false)
    }

    @Test("the checksum changes with the server certificate and the signing key, not with the KEK or client")
    func checksum() {
        let base = GatewayPKIChecksum.value(server: Fixtures.main.server, signingKey: Fixtures.main.jwt)
        #expect(base == GatewayPKIChecksum.value(server: Fixtures.main.server, signingKey: Fixtures.main.jwt))
        #expect(base != GatewayPKIChecksum.value(server: Fixtures.other.server, signingKey: Fixtures.main.jwt))
        #expect(base != GatewayPKIChecksum.value(server: Fixtures.main.server, signingKey: Fixtures.other.jwt))
        #expect(base != GatewayPKIChecksum.value(server: nil, signingKey: Fixtures.main.jwt))
    }
}
