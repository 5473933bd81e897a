//! The simulated cert-manager: a selfSigned CA, a CA issuer and the
//! certificates it issues (Secret contents, chain, status), re-issuing on a
//! spec change and a deleted Secret, and the pause switch.
import Foundation
import KubeCore
import LocalAPIServer
import PKI
import Testing
@testable import ClusterSimulators

private func issuer(_ name: String, _ spec: JSONObject) -> KubeObject {
    object("cert-manager.io/v1", "Issuer", name, ["spec": .object(spec)])
}

private func certificate(_ name: String, _ spec: JSONObject) -> KubeObject {
    object("cert-manager.io/v1", "Certificate", name, ["spec": .object(spec)])
}

private func ready(_ object: KubeObject) -> Bool {
    (object.status?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
}

private func text(_ secret: KubeObject, _ key: String) -> String {
    secret.json["data"]?[key]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
}

private let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")

/// The selfSigned issuer, the CA Certificate and the CA issuer, as the gateway renders them.
private func installCA(_ cluster: TestCluster) async throws {
    _ = try await cluster.client.create(CertManagerCRD.issuers, issuer("selfsigned", ["selfSigned": [:]]))
    _ = try await cluster.client.create(CertManagerCRD.certificates, certificate("ca", [
        "isCA": true, "commonName": "test-ca", "secretName": "ca-tls",
        "privateKey": ["algorithm": "ECDSA", "size": 256], "issuerRef": ["name": "selfsigned", "kind": "Issuer", "group": "cert-manager.io"],
    ]))
    _ = try await cluster.client.create(CertManagerCRD.issuers, issuer("ca-issuer", ["ca": ["secretName": "ca-tls"]]))
}

private let serverSpec: JSONObject = [
    "secretName": "server-tls", "commonName": "gw", "dnsNames": ["gw", "gw.test.svc"], "ipAddresses": ["127.0.0.1"],
    "usages": ["server auth", "digital signature", "key encipherment"], "duration": "2160h", "renewBefore": "360h",
    "privateKey": ["algorithm": "ECDSA"], "issuerRef": ["name": "ca-issuer", "kind": "Issuer", "group": "cert-manager.io"],
]

@Suite("Simulated cert-manager")
struct CertManagerTests {
    static let crds = CertManagerCRD.all.map(\.crd)

    @Test("a CA issuer issues a server certificate: kubernetes.io/tls Secret with tls.crt, tls.key, ca.crt; chain verifies; Ready")
    func issuesFromCA() async throws {
        try await TestCluster.with(crds: Self.crds) { cluster in
            try await installCA(cluster)
            _ = try await cluster.client.create(CertManagerCRD.certificates, certificate("server", serverSpec))
            let issued = try await cluster.waitFor(CertManagerCRD.certificates, "server", "Ready") { ready($0) }
            #expect(issued.status?["revision"]?.intValue == 1)
            #expect(issued.status?["notAfter"]?.stringValue != nil)
            #expect(issued.status?["renewalTime"]?.stringValue != nil)
            _ = try await cluster.waitFor(CertManagerCRD.issuers, "ca-issuer", "Ready") { ready($0) }

            let caSecret = try #require(try await cluster.get(secrets, "ca-tls"))
            let serverSecret = try #require(try await cluster.get(secrets, "server-tls"))
            #expect(serverSecret.json["type"]?.stringValue == "kubernetes.io/tls")
            let ca = try Certificate(pem: text(caSecret, "tls.crt"))
            let server = try Certificate(pem: text(serverSecret, "tls.crt"))
            let key = try PrivateKey(pem: text(serverSecret, "tls.key"))
            #expect(ca.isCA)
            #expect(text(caSecret, "ca.crt") == text(caSecret, "tls.crt"), "a self-signed CA is its own ca.crt")
            #expect(text(serverSecret, "ca.crt") == ca.pem)
            #expect(server.isIssued(by: ca))
            #expect(!server.isCA)
            #expect(server.publicKeyDER == key.publicKey.der)
            #expect(server.subject.commonName == "gw")
            #expect(server.dnsNames == ["gw", "gw.test.svc"])
            #expect(server.ipAddresses == ["127.0.0.1"])
            #expect(server.extendedKeyUsage?.contains(.serverAuth) == true)
            #expect(serverSecret.annotations["cert-manager.io/certificate-name"] == "server")
            #expect(serverSecret.annotations["cert-manager.io/issuer-name"] == "ca-issuer")
        }
    }

    @Test("a spec change and a deleted Secret are both re-issued")
    func reissues() async throws {
        try await TestCluster.with(crds: Self.crds) { cluster in
            try await installCA(cluster)
            _ = try await cluster.client.create(CertManagerCRD.certificates, certificate("server", serverSpec))
            _ = try await cluster.waitFor(CertManagerCRD.certificates, "server", "Ready") { ready($0) }

            _ = try await cluster.client.patch(CertManagerCRD.certificates, namespace: "test", name: "server",
                                               merge: ["spec": ["dnsNames": ["gw", "gw.example.com"]]])
            let renamed = try await cluster.waitFor(secrets, "server-tls", "re-issued for the new names") { secret in
                (try? Certificate(pem: text(secret, "tls.crt")))?.dnsNames == ["gw", "gw.example.com"]
            }
            try await cluster.waitFor(CertManagerCRD.certificates, "server", "revision 2") { $0.status?["revision"]?.intValue == 2 }

            _ = try await cluster.client.delete(secrets, namespace: "test", name: "server-tls")
            let again = try await cluster.waitFor(secrets, "server-tls", "written again") { $0.uid != renamed.uid }
            #expect(text(again, "tls.crt") != text(renamed, "tls.crt"))
        }
    }

    @Test("paused through the fault injector, nothing is issued; resumed, the Certificate is issued")
    func pauses() async throws {
        try await TestCluster.with(crds: Self.crds) { cluster in
            cluster.faults.pause(controller: SimulatedController.certManager.rawValue)
            try await installCA(cluster)
            // Paused before the objects existed: no reconcile can have run.
            #expect(try await cluster.get(secrets, "ca-tls") == nil)
            #expect(try await cluster.get(CertManagerCRD.certificates, "ca").map(ready) == false)
            cluster.faults.resume(controller: SimulatedController.certManager.rawValue)
            _ = try await cluster.waitFor(CertManagerCRD.certificates, "ca", "Ready") { ready($0) }
            #expect(try await cluster.get(secrets, "ca-tls") != nil)
        }
    }

    @Test("durations are read as Go durations", arguments: [
        ("2160h", 7_776_000.0 as Double?), ("1h30m", 5400), ("90s", 90), ("1.5h", 5400), ("500ms", 0.5),
        ("", nil), ("10d", nil), ("5", nil), ("h", nil),
    ])
    func durations(text: String, seconds: Double?) {
        #expect(CertManagerController.parseDuration(text) == seconds)
    }
}
