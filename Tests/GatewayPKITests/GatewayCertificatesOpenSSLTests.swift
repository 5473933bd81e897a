//! The generated certificates, JWT pair and KEK, checked with the `openssl` command line and
//! read back by the PKI module.

import Foundation
import GatewayPKI
import KubeCore
import PKI
import Testing

@Suite("Gateway certificates checked with openssl")
struct GatewayCertificatesOpenSSLTests {
    /// The fixture's Secrets as files: ca.crt, server.crt, server.key, client.crt, client.key, signing.pem, public.pem.
    static func files(_ fixture: Fixture, _ scratch: ScratchDirectory) throws {
        for (prefix, secret) in [("server", fixture.server), ("client", fixture.client), ("ca", fixture.ca)] {
            try scratch.write("\(prefix).crt", text(secret, "tls.crt") ?? "")
            try scratch.write("\(prefix).key", text(secret, "tls.key") ?? "")
            try scratch.write("\(prefix)-ca.crt", text(secret, "ca.crt") ?? "")
        }
        try scratch.write("signing.pem", text(fixture.jwt, "signing.pem") ?? "")
        try scratch.write("public.pem", text(fixture.jwt, "public.pem") ?? "")
    }

    @Test("the Secrets the gateway mounts: kubernetes.io/tls with tls.crt, tls.key, ca.crt; Opaque JWT; no ownerReferences")
    func secretShapes() throws {
        let fixture = Fixtures.main
        for (secret, name) in [(fixture.ca, "openshell-ca-tls"), (fixture.server, "openshell-server-tls"), (fixture.client, "openshell-client-tls")] {
            #expect(secret.name == name)
            #expect(secret.namespace == "ns")
            #expect(secret.json["type"] == "kubernetes.io/tls")
            #expect(Set(secret.json["data"]?.objectValue?.keys ?? [:].keys) == ["tls.crt", "tls.key", "ca.crt"])
            #expect(secret.ownerReferences.isEmpty)
            #expect(secret.labels == ["openshell.ai/managed-by": "openshell-operator"])
        }
        #expect(fixture.jwt.name == "gw-jwt-keys")
        #expect(fixture.jwt.json["type"] == "Opaque")
        #expect(Set(fixture.jwt.json["data"]?.objectValue?.keys ?? [:].keys) == ["signing.pem", "public.pem", "kid"])
        #expect(fixture.jwt.ownerReferences.isEmpty)
        #expect(fixture.kek.name == "gw-credential-storage-key-encryption-key")
        #expect(fixture.kek.json["type"] == "Opaque")
        #expect(fixture.kek.ownerReferences.isEmpty)
    }

    @Test("openssl verify (at t0 + 1h): server and client chain to ca.crt with their purposes, and not the other purpose")
    func verify() async throws {
        let scratch = try ScratchDirectory()
        try Self.files(Fixtures.main, scratch)
        let ca = scratch.url.appendingPathComponent("ca.crt").path
        for (leaf, purpose, wrong) in [("server", "sslserver", "sslclient"), ("client", "sslclient", "sslserver")] {
            let path = scratch.url.appendingPathComponent("\(leaf).crt").path
            // ca.crt in each leaf Secret is the CA.
            #expect(text(leaf == "server" ? Fixtures.main.server : Fixtures.main.client, "ca.crt") == text(Fixtures.main.ca, "tls.crt"))
            let ok = try await openssl(["verify", "-attime", attime(t0), "-CAfile", ca, "-purpose", purpose, path])
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            #expect(ok.stdout == "\(path): OK\n")
            let refused = try await openssl(["verify", "-attime", attime(t0), "-CAfile", ca, "-purpose", wrong, path])
            #expect(refused.status != 0)
            #expect((refused.stdout + refused.stderr).contains("unsuitable certificate purpose"))
        }
        let other = try scratch.write("other-ca.crt", text(Fixtures.other.ca, "tls.crt") ?? "")
        let foreign = try await openssl(["verify", "-attime", attime(t0), "-CAfile", other, scratch.url.appendingPathComponent("server.crt").path])
        #expect(foreign.status != 0)
        #expect((foreign.stdout + foreign.stderr).contains("unable to get local issuer certificate"))
    }

    @Test("openssl x509: server SANs, key usages and EKU; client EKU and subject; CA constraints")
    func extensions() async throws {
        let scratch = try ScratchDirectory()
        try Self.files(Fixtures.main, scratch)
        let server = try await openssl(["x509", "-noout", "-ext", "subjectAltName,keyUsage,extendedKeyUsage,basicConstraints",
                                        "-subject", "-nameopt", "RFC2253", "-in", scratch.url.appendingPathComponent("server.crt").path])
        #expect(server.status == 0, "\(server.stderr)")
        #expect(server.stdout.contains("subject=CN=openshell-server"))
        #expect(server.stdout.contains(
            "DNS:gw, DNS:gw.ns, DNS:gw.ns.svc, DNS:gw.ns.svc.cluster.local, DNS:localhost, DNS:gw.localhost, DNS:*.gw.localhost, DNS:host.docker.internal, DNS:host.containers.internal, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(server.stdout.contains("X509v3 Key Usage: critical\n    Digital Signature, Key Encipherment\n"))
        #expect(server.stdout.contains("X509v3 Extended Key Usage: \n    TLS Web Server Authentication\n"))
        #expect(server.stdout.contains("CA:FALSE"))

        let client = try await openssl(["x509", "-noout", "-ext", "subjectAltName,keyUsage,extendedKeyUsage",
                                        "-subject", "-nameopt", "RFC2253", "-in", scratch.url.appendingPathComponent("client.crt").path])
        #expect(client.status == 0, "\(client.stderr)")
        #expect(client.stdout.contains("subject=CN=openshell-client,OU=openshell-user"))
        #expect(client.stdout.contains("X509v3 Key Usage: critical\n    Digital Signature, Key Encipherment\n"))
        #expect(client.stdout.contains("X509v3 Extended Key Usage: \n    TLS Web Client Authentication\n"))
        #expect(!client.stdout.contains("Subject Alternative Name"))

        let ca = try await openssl(["x509", "-noout", "-ext", "basicConstraints,keyUsage", "-subject", "-nameopt", "RFC2253",
                                    "-in", scratch.url.appendingPathComponent("ca.crt").path])
        #expect(ca.stdout.contains("subject=CN=openshell-ca,O=openshell"))
        #expect(ca.stdout.contains("critical\n    CA:TRUE, pathlen:0"))
        #expect(ca.stdout.contains("Certificate Sign, CRL Sign"))
    }

    @Test("openssl -enddate: server and client expire 8760h after issuing, the CA after ten years")
    func endDates() async throws {
        let scratch = try ScratchDirectory()
        try Self.files(Fixtures.main, scratch)
        // t0 = 2026-09-21T14:13:20Z.
        for (file, expected) in [("server.crt", "notAfter=Sep 21 14:13:20 2027 GMT"), ("client.crt", "notAfter=Sep 21 14:13:20 2027 GMT"),
                                 ("ca.crt", "notAfter=Sep 18 14:13:20 2036 GMT")] {
            let result = try await openssl(["x509", "-noout", "-enddate", "-in", scratch.url.appendingPathComponent(file).path])
            #expect(result.stdout == expected + "\n", "\(file)")
        }
        let start = try await openssl(["x509", "-noout", "-startdate", "-in", scratch.url.appendingPathComponent("server.crt").path])
        #expect(start.stdout == "notBefore=Sep 21 14:08:20 2026 GMT\n")
    }

    @Test("the private keys in tls.key match their certificates (openssl pkey public halves equal)")
    func keysMatch() async throws {
        let scratch = try ScratchDirectory()
        try Self.files(Fixtures.main, scratch)
        for prefix in ["ca", "server", "client"] {
            let fromKey = try await openssl(["pkey", "-pubout", "-in", scratch.url.appendingPathComponent("\(prefix).key").path])
            let fromCert = try await openssl(["x509", "-noout", "-pubkey", "-in", scratch.url.appendingPathComponent("\(prefix).crt").path])
            #expect(fromKey.status == 0)
            #expect(!fromKey.stdout.isEmpty)
            #expect(fromKey.stdout == fromCert.stdout, "\(prefix)")
        }
    }

    @Test("the JWT key parses with openssl pkey as Ed25519, public.pem is its public half, kid its key id")
    func jwtParsesBack() async throws {
        let scratch = try ScratchDirectory()
        try Self.files(Fixtures.main, scratch)
        let signing = scratch.url.appendingPathComponent("signing.pem").path
        let described = try await openssl(["pkey", "-in", signing, "-noout", "-text"])
        #expect(described.status == 0, "\(described.stderr)")
        #expect(described.stdout.hasPrefix("ED25519 Private-Key:"))
        let publicHalf = try await openssl(["pkey", "-in", signing, "-pubout"])
        #expect(publicHalf.stdout == text(Fixtures.main.jwt, "public.pem"))
        let key = try PrivateKey(pem: text(Fixtures.main.jwt, "signing.pem") ?? "")
        #expect(key.algorithm == .ed25519)
        #expect(text(Fixtures.main.jwt, "kid") == key.keyID)
        #expect(key.keyID.count == 32)
        #expect(text(Fixtures.main.jwt, "signing.pem")?.hasPrefix("-----BEGIN PRIVATE KEY-----\n") == true)
    }

    @Test("a JWT signature made with signing.pem verifies with public.pem in the PKI module and in openssl")
    func jwtSignature() async throws {
        let key = try PrivateKey(pem: text(Fixtures.main.jwt, "signing.pem") ?? "")
        let publicKey = try PublicKey(pem: text(Fixtures.main.jwt, "public.pem") ?? "")
        let message = Array("eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.eyJzdWIiOiJzcGlmZmUifQ".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == 64)
        #expect(publicKey.verify(signature: signature, for: message))
        #expect(!publicKey.verify(signature: signature, for: message + [0x2e]))
        let otherKey = try PublicKey(pem: text(Fixtures.other.jwt, "public.pem") ?? "")
        #expect(!otherKey.verify(signature: signature, for: message))

        let scratch = try ScratchDirectory()
        let messagePath = try scratch.write("message", message)
        let signaturePath = try scratch.write("signature", signature)
        let publicPath = try scratch.write("public.pem", publicKey.pem)
        let verified = try await openssl(["pkeyutl", "-verify", "-pubin", "-inkey", publicPath, "-rawin",
                                          "-in", messagePath, "-sigfile", signaturePath])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("Signature Verified Successfully"))
    }

    @Test("the KEK is the base64 text of 32 random bytes, new each time")
    func keyEncryptionKey() throws {
        let value = try #require(text(Fixtures.main.kek, "key-encryption-key"))
        #expect(value.count == 44)
        #expect(Data(base64Encoded: value)?.count == 32)
        #expect(text(Fixtures.other.kek, "key-encryption-key") != value)
    }

    @Test("extra DNS and IP SANs appear in the server certificate")
    func extraSANs() async throws {
        let s = try settings(tls: .init(extraDNSNames: ["gw.example.com"], extraIPAddresses: ["10.1.2.3"]))
        let fixture = try Fixture(settings: s)
        let scratch = try ScratchDirectory()
        let path = try scratch.write("server.crt", text(fixture.server, "tls.crt") ?? "")
        let result = try await openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", path])
        #expect(result.stdout.contains("DNS:host.containers.internal, DNS:gw.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.1.2.3"))
    }

    @Test("a certificate is never issued past its CA's expiry")
    func clampedToCA() throws {
        let authority = Fixtures.main.generated.authority
        let late = authority.certificate.notAfter.addingTimeInterval(-10 * day)
        let issued = try GatewayCertificates.issue(.server, by: authority, settings: Fixtures.defaults, now: late)
        #expect(issued.certificate.notAfter == authority.certificate.notAfter)
    }
}
