//! Tests for issuing and reading certificates: a kube-style CA, serving and client certificates
//! checked with the real `openssl` CLI, field decoding, bundles, and errors for bad input.

import Foundation
import PKI
import Testing

/// A CA with a serving certificate and a client certificate, as the local API server makes them.
struct KubePKI {
    static let serverDNSNames = ["localhost", "kubernetes.default.svc"]
    static let serverIPAddresses = ["127.0.0.1", "::1"]

    let caKey: PrivateKey
    let ca: CertificateAuthority
    let serverKey: PrivateKey
    let server: Certificate
    let clientKey: PrivateKey
    let client: Certificate

    init(caAlgorithm: KeyAlgorithm = .ecdsaP256, leafAlgorithm: KeyAlgorithm = .ecdsaP256, caCommonName: String = "kube-ca") throws {
        caKey = try PrivateKey.generate(caAlgorithm)
        ca = try CertificateAuthority.selfSigned(
            commonName: caCommonName, validity: .lasting(.seconds(86_400 * 365)), key: caKey)
        serverKey = try PrivateKey.generate(leafAlgorithm)
        server = try ca.issue(
            .server(commonName: "kube-apiserver", dnsNames: Self.serverDNSNames, ipAddresses: Self.serverIPAddresses,
                    validity: .lasting(.seconds(86_400))),
            for: serverKey.publicKey)
        clientKey = try PrivateKey.generate(leafAlgorithm)
        client = try ca.issue(
            .client(commonName: "alice", organizations: ["dev", "system:masters"], validity: .lasting(.seconds(3600))),
            for: clientKey.publicKey)
    }
}

private func date(_ iso: String) throws -> Date {
    try Date(iso, strategy: Date.ISO8601FormatStyle())
}

@Suite("Certificates")
struct CertificateTests {
    // MARK: Checked by the openssl CLI

    @Test("openssl verify accepts the serving and client certificates", arguments: allAlgorithms)
    func opensslVerifies(caAlgorithm: KeyAlgorithm) async throws {
        let pki = try KubePKI(caAlgorithm: caAlgorithm)
        let scratch = try ScratchDirectory()
        let caPath = try scratch.write("ca.pem", pki.ca.certificate.pem)
        let serverPath = try scratch.write("server.pem", pki.server.pem)
        let clientPath = try scratch.write("client.pem", pki.client.pem)

        let server = try await openssl(["verify", "-CAfile", caPath, "-purpose", "sslserver", serverPath])
        #expect(server.status == 0, "\(server.stdout) \(server.stderr)")
        #expect(server.stdout.contains("\(serverPath): OK"))
        let client = try await openssl(["verify", "-CAfile", caPath, "-purpose", "sslclient", clientPath])
        #expect(client.status == 0, "\(client.stdout) \(client.stderr)")
    }

    @Test("openssl verify rejects a certificate issued by another CA with the same name")
    func opensslRejectsForeignIssuer() async throws {
        let pki = try KubePKI()
        let other = try KubePKI()
        let scratch = try ScratchDirectory()
        let caPath = try scratch.write("ca.pem", pki.ca.certificate.pem)
        let foreignPath = try scratch.write("foreign.pem", other.server.pem)
        let result = try await openssl(["verify", "-CAfile", caPath, foreignPath])
        #expect(result.status != 0)
        #expect(!result.stdout.contains(": OK"))
    }

    @Test("openssl x509 -text shows the serving certificate's SANs and usages")
    func opensslTextServer() async throws {
        let pki = try KubePKI()
        let scratch = try ScratchDirectory()
        let path = try scratch.write("server.pem", pki.server.pem)
        let result = try await openssl(["x509", "-in", path, "-noout", "-text"])
        #expect(result.status == 0)
        let text = result.stdout
        #expect(text.contains("DNS:localhost, DNS:kubernetes.default.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"))
        #expect(text.contains("X509v3 Extended Key Usage: \n                TLS Web Server Authentication\n"))
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"))
        #expect(text.contains("X509v3 Subject Key Identifier"))
        #expect(text.contains("X509v3 Authority Key Identifier"))
        #expect(text.contains("Signature Algorithm: ecdsa-with-SHA256"))
        #expect(text.contains("Version: 3 (0x2)"))
    }

    @Test("openssl x509 shows the client certificate's CN, O and client usage")
    func opensslClientSubject() async throws {
        let pki = try KubePKI()
        let scratch = try ScratchDirectory()
        let path = try scratch.write("client.pem", pki.client.pem)
        let subject = try await openssl(["x509", "-in", path, "-noout", "-subject"])
        #expect(subject.stdout == "subject=O = dev, O = system:masters, CN = alice\n")
        let issuer = try await openssl(["x509", "-in", path, "-noout", "-issuer"])
        #expect(issuer.stdout == "issuer=CN = kube-ca\n")
        let text = try await openssl(["x509", "-in", path, "-noout", "-text"]).stdout
        #expect(text.contains("TLS Web Client Authentication"))
        #expect(!text.contains("TLS Web Server Authentication"))
        #expect(!text.contains("Subject Alternative Name"))
    }

    @Test("openssl x509 -text shows the CA's constraints and usages")
    func opensslTextCA() async throws {
        let pki = try KubePKI()
        let scratch = try ScratchDirectory()
        let path = try scratch.write("ca.pem", pki.ca.certificate.pem)
        let text = try await openssl(["x509", "-in", path, "-noout", "-text"]).stdout
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE\n"))
        #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature, Certificate Sign, CRL Sign"))
        #expect(text.contains("Issuer: CN = kube-ca"))
        #expect(text.contains("Subject: CN = kube-ca"))
    }

    @Test("the serial number and fingerprint match openssl's")
    func serialAndFingerprint() async throws {
        let pki = try KubePKI()
        let scratch = try ScratchDirectory()
        let path = try scratch.write("server.pem", pki.server.pem)
        let serial = try await openssl(["x509", "-in", path, "-noout", "-serial"]).stdout
        #expect(serial == "serial=\(pki.server.serialNumberHex)\n")
        let fingerprint = try await openssl(["x509", "-in", path, "-noout", "-fingerprint", "-sha256"]).stdout
        let digits = fingerprint.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "") } ?? ""
        #expect(digits.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == hex(pki.server.fingerprintSHA256))
        let der = try await openssl(["x509", "-in", path, "-outform", "DER"])
        #expect(der.stdoutBytes == pki.server.der)
    }

    @Test("an intermediate CA issues certificates that verify through the chain")
    func intermediateChain() async throws {
        let rootKey = try PrivateKey.generate(.ecdsaP256)
        let root = try CertificateAuthority.selfSigned(commonName: "root", validity: .lasting(.seconds(86_400)), key: rootKey)
        let intermediateKey = try PrivateKey.generate(.ed25519)
        let intermediateCertificate = try root.issue(
            .certificateAuthority(commonName: "intermediate", pathLength: 0, validity: .lasting(.seconds(86_400))),
            for: intermediateKey.publicKey)
        let intermediate = try CertificateAuthority(certificate: intermediateCertificate, key: intermediateKey)
        let leafKey = try PrivateKey.generate(.rsa(bits: 2048))
        let leaf = try intermediate.issue(
            .server(commonName: "leaf", dnsNames: ["leaf.example"], validity: .lasting(.seconds(3600))),
            for: leafKey.publicKey)

        #expect(intermediateCertificate.pathLengthConstraint == 0)
        #expect(leaf.isIssued(by: intermediateCertificate))
        #expect(!leaf.isIssued(by: root.certificate))
        #expect(intermediateCertificate.isIssued(by: root.certificate))
        #expect(try leaf.publicKey() == leafKey.publicKey)

        let scratch = try ScratchDirectory()
        let rootPath = try scratch.write("root.pem", root.certificate.pem)
        let intermediatePath = try scratch.write("intermediate.pem", intermediateCertificate.pem)
        let leafPath = try scratch.write("leaf.pem", leaf.pem)
        let result = try await openssl(["verify", "-CAfile", rootPath, "-untrusted", intermediatePath, leafPath])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let withoutIntermediate = try await openssl(["verify", "-CAfile", rootPath, leafPath])
        #expect(withoutIntermediate.status != 0)
    }

    @Test("the OpenShell gateway PKI shape verifies and reads back")
    func gatewayShape() async throws {
        let defaultSANs = [
            "openshell", "openshell.openshell.svc", "openshell.openshell.svc.cluster.local", "localhost",
            "openshell.localhost", "*.openshell.localhost", "host.docker.internal", "host.containers.internal",
            "127.0.0.1", "::1",
        ]
        let caKey = try PrivateKey.generate(.ecdsaP256)
        let ca = try CertificateAuthority.selfSigned(
            commonName: "openshell-ca", organizations: ["openshell"], validity: .nonExpiring(), key: caKey)
        var serverTemplate = CertificateTemplate.server(commonName: "openshell-server", validity: .nonExpiring())
        for san in defaultSANs + ["10.0.0.7", "gateway.example.com", "localhost"] {
            serverTemplate.addSubjectAlternativeName(san)
        }
        let serverKey = try PrivateKey.generate(.ecdsaP256)
        let server = try ca.issue(serverTemplate, for: serverKey.publicKey)
        let clientKey = try PrivateKey.generate(.ecdsaP256)
        let client = try ca.issue(
            .client(commonName: "openshell-client", organizationalUnits: ["openshell-user"], validity: .nonExpiring()),
            for: clientKey.publicKey)

        #expect(server.dnsNames == Array(defaultSANs.prefix(8)) + ["gateway.example.com"])
        #expect(server.ipAddresses == ["127.0.0.1", "::1", "10.0.0.7"])
        #expect(ca.certificate.subject == DistinguishedName(commonName: "openshell-ca", organizations: ["openshell"]))
        #expect(client.subject == DistinguishedName(commonName: "openshell-client", organizationalUnits: ["openshell-user"]))
        #expect(server.notAfter == Validity.noWellDefinedExpiration)

        let scratch = try ScratchDirectory()
        let caPath = try scratch.write("ca.crt", ca.certificate.pem)
        let serverPath = try scratch.write("tls.crt", server.pem)
        let clientPath = try scratch.write("client.crt", client.pem)
        for path in [serverPath, clientPath] {
            let result = try await openssl(["verify", "-CAfile", caPath, path])
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        }
        let endDate = try await openssl(["x509", "-in", serverPath, "-noout", "-enddate"]).stdout
        #expect(endDate == "notAfter=Dec 31 23:59:59 9999 GMT\n")
        let subject = try await openssl(["x509", "-in", clientPath, "-noout", "-subject"]).stdout
        #expect(subject == "subject=OU = openshell-user, CN = openshell-client\n")
        let hostCheck = try await openssl(["x509", "-in", serverPath, "-noout", "-checkhost", "sandbox.openshell.localhost"])
        #expect(hostCheck.stdout.contains("does match certificate"))
    }

    // MARK: Decoded fields

    @Test("decoded fields match the templates")
    func decodedFields() throws {
        let pki = try KubePKI()
        let caCertificate = pki.ca.certificate

        #expect(caCertificate.isCA)
        #expect(caCertificate.pathLengthConstraint == nil)
        #expect(caCertificate.keyUsage == [.digitalSignature, .keyCertSign, .cRLSign])
        #expect(caCertificate.extendedKeyUsage == nil)
        #expect(caCertificate.subject == DistinguishedName(commonName: "kube-ca"))
        #expect(caCertificate.issuer == caCertificate.subject)
        #expect(caCertificate.subjectKeyIdentifier != nil)
        #expect(caCertificate.authorityKeyIdentifier == caCertificate.subjectKeyIdentifier)
        #expect(caCertificate.publicKeyDER == pki.caKey.publicKey.der)

        #expect(!pki.server.isCA)
        #expect(pki.server.subject.commonName == "kube-apiserver")
        #expect(pki.server.issuer.commonName == "kube-ca")
        #expect(pki.server.dnsNames == KubePKI.serverDNSNames)
        #expect(pki.server.ipAddresses == KubePKI.serverIPAddresses)
        #expect(pki.server.keyUsage == [.digitalSignature, .keyEncipherment])
        #expect(pki.server.extendedKeyUsage == .serverAuth)
        #expect(pki.server.authorityKeyIdentifier == caCertificate.subjectKeyIdentifier)
        #expect(pki.server.subjectKeyIdentifier != caCertificate.subjectKeyIdentifier)
        #expect(try pki.server.publicKey() == pki.serverKey.publicKey)

        #expect(pki.client.subject == DistinguishedName(commonName: "alice", organizations: ["dev", "system:masters"]))
        #expect(pki.client.extendedKeyUsage == .clientAuth)
        #expect(pki.client.dnsNames.isEmpty)
        #expect(pki.client.ipAddresses.isEmpty)
    }

    @Test("serial numbers are random positive 16-byte values")
    func serialNumbers() throws {
        let pki = try KubePKI()
        for certificate in [pki.ca.certificate, pki.server, pki.client] {
            #expect(certificate.serialNumber.count == 16)
            #expect(certificate.serialNumber[0] & 0xc0 == 0x40)
            #expect(certificate.serialNumberHex.count == 32)
        }
        #expect(Set([pki.ca.certificate.serialNumber, pki.server.serialNumber, pki.client.serialNumber]).count == 3)
    }

    @Test("isIssued(by:) checks the issuer's name and signature")
    func isIssuedBy() throws {
        let pki = try KubePKI()
        let sameName = try KubePKI()  // another CA also called kube-ca
        let otherName = try KubePKI(caCommonName: "other-ca")
        #expect(pki.server.isIssued(by: pki.ca.certificate))
        #expect(pki.client.isIssued(by: pki.ca.certificate))
        #expect(pki.ca.certificate.isIssued(by: pki.ca.certificate))
        #expect(!pki.server.isIssued(by: sameName.ca.certificate))
        #expect(!pki.server.isIssued(by: otherName.ca.certificate))
        #expect(!pki.ca.certificate.isIssued(by: pki.server))
        #expect(!pki.server.isIssued(by: pki.server))
    }

    @Test("the validity period is what was requested, in whole seconds")
    func validityMatches() async throws {
        let start = try date("2030-05-06T07:08:09Z").addingTimeInterval(0.75)
        let validity = Validity.lasting(.seconds(90 * 86_400), from: start, backdate: .seconds(60))
        #expect(validity.notBefore == (try date("2030-05-06T07:07:09Z")))
        #expect(validity.notAfter == (try date("2030-08-04T07:08:09Z")))

        let key = try PrivateKey.generate(.ed25519)
        let ca = try CertificateAuthority.selfSigned(commonName: "ca", validity: validity, key: key)
        let leaf = try ca.issue(.client(commonName: "bob", validity: validity), for: key.publicKey)
        for certificate in [ca.certificate, leaf] {
            #expect(certificate.notBefore == validity.notBefore)
            #expect(certificate.notAfter == validity.notAfter)
            #expect(certificate.isValid(at: start))
            #expect(!certificate.isValid(at: validity.notAfter.addingTimeInterval(1)))
            #expect(!certificate.isValid(at: validity.notBefore.addingTimeInterval(-1)))
        }

        let scratch = try ScratchDirectory()
        let path = try scratch.write("leaf.pem", leaf.pem)
        let dates = try await openssl(["x509", "-in", path, "-noout", "-dates"]).stdout
        #expect(dates == "notBefore=May  6 07:07:09 2030 GMT\nnotAfter=Aug  4 07:08:09 2030 GMT\n")
    }

    @Test("an empty subject makes the SAN extension critical")
    func emptySubject() async throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let ca = try CertificateAuthority.selfSigned(commonName: "ca", validity: .lasting(.seconds(3600)), key: key)
        let template = CertificateTemplate(
            subject: DistinguishedName(), dnsNames: ["only-san.example"], validity: .lasting(.seconds(3600)),
            extendedKeyUsage: .serverAuth)
        let certificate = try ca.issue(template, for: key.publicKey)
        #expect(certificate.subject.isEmpty)
        #expect(certificate.dnsNames == ["only-san.example"])
        let scratch = try ScratchDirectory()
        let path = try scratch.write("cert.pem", certificate.pem)
        let text = try await openssl(["x509", "-in", path, "-noout", "-text"]).stdout
        #expect(text.contains("X509v3 Subject Alternative Name: critical"))
    }

    // MARK: Encoding and bundles

    @Test("PEM and DER round trip")
    func roundTrip() throws {
        let pki = try KubePKI()
        for certificate in [pki.ca.certificate, pki.server, pki.client] {
            #expect(certificate.pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
            #expect(try Certificate(pem: certificate.pem) == certificate)
            let reread = try Certificate(der: certificate.der)
            #expect(reread == certificate)
            #expect(reread.subject == certificate.subject)
            #expect(reread.ipAddresses == certificate.ipAddresses)
        }
    }

    @Test("a PEM bundle yields every certificate in order, skipping other text and blocks")
    func bundle() throws {
        let pki = try KubePKI()
        let text = "# chain\n" + pki.server.pem + "\nsome text\n" + pki.ca.certificate.pem
            + pki.clientKey.pemPKCS8 + pki.client.pem
        let certificates = try Certificate.all(pem: text)
        #expect(certificates == [pki.server, pki.ca.certificate, pki.client])
        #expect(try Certificate(pem: text) == pki.server)
    }

    @Test("garbage certificate PEM throws invalidPEM", arguments: [
        "",
        "garbage",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIB",
    ])
    func garbagePEM(text: String) {
        expectPKIError(.invalidPEM) { try Certificate(pem: text) }
        expectPKIError(.invalidPEM) { try Certificate.all(pem: text) }
    }

    @Test("a bundle with a malformed certificate after a good one throws invalidPEM")
    func malformedInBundle() throws {
        let pki = try KubePKI()
        let text = pki.server.pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        expectPKIError(.invalidPEM) { try Certificate.all(pem: text) }
    }

    @Test("a private key alone is not a certificate")
    func keyIsNotCertificate() throws {
        let key = try PrivateKey.generate(.ed25519)
        expectPKIError(.invalidPEM) { try Certificate(pem: key.pemPKCS8) }
    }

    @Test("garbage or trailing DER throws invalidDER")
    func garbageDER() throws {
        let pki = try KubePKI()
        expectPKIError(.invalidDER) { try Certificate(der: []) }
        expectPKIError(.invalidDER) { try Certificate(der: [0x30, 0x82, 0x01]) }
        expectPKIError(.invalidDER) { try Certificate(der: pki.server.der + [0x00]) }
        expectPKIError(.invalidDER) { try Certificate(der: Array(pki.server.der.dropLast())) }
    }

    // MARK: Templates and authorities

    static let invalidTemplates: [(String, CertificateTemplate, String)] = {
        let validity = Validity.lasting(.seconds(3600), from: Date(timeIntervalSince1970: 2_000_000_000))
        let subject = DistinguishedName(commonName: "x")
        return [
            ("bad IP", CertificateTemplate(subject: subject, ipAddresses: ["300.1.1.1"], validity: validity),
             "invalid IP address \"300.1.1.1\""),
            ("IP with port", CertificateTemplate(subject: subject, ipAddresses: ["127.0.0.1:80"], validity: validity),
             "invalid IP address"),
            ("empty DNS name", CertificateTemplate(subject: subject, dnsNames: [""], validity: validity),
             "invalid DNS name"),
            ("DNS name with space", CertificateTemplate(subject: subject, dnsNames: ["a b"], validity: validity),
             "invalid DNS name \"a b\""),
            ("DNS name with comma", CertificateTemplate(subject: subject, dnsNames: ["a,DNS:b"], validity: validity),
             "invalid DNS name"),
            ("DNS name with empty label", CertificateTemplate(subject: subject, dnsNames: ["a..b"], validity: validity),
             "invalid DNS name"),
            ("non-ASCII DNS name", CertificateTemplate(subject: subject, dnsNames: ["bücher.example"], validity: validity),
             "invalid DNS name"),
            ("reversed validity", CertificateTemplate(
                subject: subject, validity: Validity(notBefore: validity.notAfter, notAfter: validity.notBefore)),
             "notAfter must be later than notBefore"),
            ("validity past year 9999", CertificateTemplate(
                subject: subject, validity: Validity(notBefore: validity.notBefore, notAfter: Date(timeIntervalSince1970: 1e12))),
             "validity must lie within years 0001 to 9999"),
            ("negative path length", CertificateTemplate(
                subject: subject, validity: validity, basicConstraints: .certificateAuthority(pathLength: -1)),
             "path length constraint must be >= 0"),
            ("keyCertSign on an end entity", CertificateTemplate(
                subject: subject, validity: validity, keyUsage: [.keyCertSign]),
             "require a CA certificate"),
            ("no subject and no SAN", CertificateTemplate(subject: DistinguishedName(), validity: validity),
             "needs a subject or a subject alternative name"),
            ("empty organization", CertificateTemplate(
                subject: DistinguishedName(commonName: "x", organizations: [""]), validity: validity),
             "O must not be empty"),
            ("empty common name", CertificateTemplate(subject: DistinguishedName(commonName: ""), validity: validity),
             "CN must not be empty"),
            ("common name over 64 characters", CertificateTemplate(
                subject: DistinguishedName(commonName: String(repeating: "a", count: 65)), validity: validity),
             "invalid CN value"),
        ]
    }()

    @Test("invalid templates are rejected with invalidArgument", arguments: invalidTemplates)
    func invalidTemplate(name: String, template: CertificateTemplate, message: String) throws {
        let key = try PrivateKey.generate(.ed25519)
        let ca = try CertificateAuthority.selfSigned(commonName: "ca", validity: .lasting(.seconds(3600)), key: key)
        let error = expectPKIError(.invalidArgument) { try ca.issue(template, for: key.publicKey) }
        #expect(error?.message.contains(message) == true, "\(name): \(String(describing: error))")
    }

    @Test("addSubjectAlternativeName sorts IP addresses from DNS names", arguments: [
        ("127.0.0.1", true), ("::1", true), ("fd00::10", true), ("10.96.0.1", true),
        ("localhost", false), ("*.openshell.localhost", false), ("1.2.3", false), ("host:8080", false),
    ])
    func sanAutodetection(value: String, isIP: Bool) {
        var template = CertificateTemplate.server(commonName: "s", validity: .nonExpiring())
        template.addSubjectAlternativeName(value)
        template.addSubjectAlternativeName(value)
        #expect(template.ipAddresses == (isIP ? [value] : []))
        #expect(template.dnsNames == (isIP ? [] : [value]))
    }

    @Test("IPv6 SANs read back in canonical form")
    func ipv6Canonical() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let ca = try CertificateAuthority.selfSigned(commonName: "ca", validity: .lasting(.seconds(3600)), key: key)
        let certificate = try ca.issue(
            .server(commonName: "s", ipAddresses: ["fd00:0:0:0:0:0:0:10", "::ffff:10.1.2.3"], validity: .lasting(.seconds(60))),
            for: key.publicKey)
        #expect(certificate.ipAddresses == ["fd00::10", "::ffff:10.1.2.3"])
    }

    @Test("a self-signed CA needs a CA template")
    func selfSignedNeedsCATemplate() throws {
        let key = try PrivateKey.generate(.ed25519)
        expectPKIError(.invalidArgument) {
            try CertificateAuthority.selfSigned(.client(commonName: "x", validity: .nonExpiring()), key: key)
        }
    }

    @Test("a CA template's path length is written")
    func pathLength() async throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let ca = try CertificateAuthority.selfSigned(
            .certificateAuthority(commonName: "ca", pathLength: 1, validity: .lasting(.seconds(60))), key: key)
        #expect(ca.certificate.pathLengthConstraint == 1)
        let scratch = try ScratchDirectory()
        let path = try scratch.write("ca.pem", ca.certificate.pem)
        let text = try await openssl(["x509", "-in", path, "-noout", "-text"]).stdout
        #expect(text.contains("CA:TRUE, pathlen:1"))
    }

    @Test("a CertificateAuthority needs a CA certificate and its own key")
    func authorityPairing() throws {
        let pki = try KubePKI()
        #expect(try CertificateAuthority(certificate: pki.ca.certificate, key: pki.caKey).certificate == pki.ca.certificate)
        expectPKIError(.invalidArgument) { try CertificateAuthority(certificate: pki.server, key: pki.serverKey) }
        expectPKIError(.invalidArgument) { try CertificateAuthority(certificate: pki.ca.certificate, key: pki.serverKey) }
    }
}
