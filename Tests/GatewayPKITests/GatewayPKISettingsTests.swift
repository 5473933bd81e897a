//! Tests of `GatewayPKISettings`: Secret names, SANs, lifetimes and their defaults from the spec.

import Foundation
import GatewayPKI
import KubeCore
import OpenShellAPI
import Testing

@Suite("GatewayPKISettings")
struct GatewayPKISettingsTests {
    @Test("defaults: chart Secret names, <name>-jwt-keys, the KEK name, 8760h and 720h, BuiltIn")
    func defaults() throws {
        let s = try settings()
        #expect(s.mode == .builtIn)
        #expect(s.managesCertificates)
        #expect(s.caSecretName == "openshell-ca-tls")
        #expect(s.serverSecretName == "openshell-server-tls")
        #expect(s.clientSecretName == "openshell-client-tls")
        #expect(s.signingSecretName == "gw-jwt-keys")
        #expect(s.keyEncryptionKeySecretName == "gw-credential-storage-key-encryption-key")
        #expect(s.certificateDuration == .seconds(8760 * 3600))
        #expect(s.renewBefore == .seconds(720 * 3600))
        #expect(s.labels == ["openshell.ai/managed-by": "openshell-operator"])
    }

    @Test("default SANs cover the Service in its namespace, localhost and the container host names")
    func defaultSANs() throws {
        let s = try settings()
        #expect(s.serverDNSNames == [
            "gw", "gw.ns", "gw.ns.svc", "gw.ns.svc.cluster.local", "localhost", "gw.localhost", "*.gw.localhost",
            "host.docker.internal", "host.containers.internal",
        ])
        #expect(s.serverIPAddresses == ["127.0.0.1", "::1"])
    }

    @Test("extra SANs follow the defaults, canonical and without duplicates")
    func extraSANs() throws {
        let s = try settings(tls: GatewayTLS(extraDNSNames: ["gw.example.com", "localhost"],
                                             extraIPAddresses: ["10.0.0.7", "0:0:0:0:0:0:0:1", "2001:DB8::1"]))
        #expect(s.serverDNSNames.suffix(2) == ["host.containers.internal", "gw.example.com"])
        #expect(s.serverIPAddresses == ["127.0.0.1", "::1", "10.0.0.7", "2001:db8::1"])
    }

    @Test("overrides: secret names, CA secret, durations, modes")
    func overrides() throws {
        let s = try settings(tls: GatewayTLS(
            mode: "CertManager", duration: "48h", renewBefore: "12h",
            secretNames: GatewayTLSSecretNames(server: "srv", client: "cli"),
            certManager: GatewayCertManager(caSecretName: "my-ca")))
        #expect(s.mode == .certManager)
        #expect(!s.managesCertificates)
        #expect(s.caSecretName == "my-ca")
        #expect(s.serverSecretName == "srv")
        #expect(s.clientSecretName == "cli")
        #expect(s.certificateDuration == .seconds(48 * 3600))
        #expect(s.renewBefore == .seconds(12 * 3600))
        let custom = try GatewayPKISettings(gatewayName: "gw", namespace: "ns", spec: OpenShellGatewaySpec(
            sandboxTokens: GatewaySandboxTokens(signingSecretName: "jwt")))
        #expect(custom.signingSecretName == "jwt")
    }

    @Test("no operator KEK with an existing KEK Secret or a credential driver", arguments: [
        GatewayCredentials(keyEncryptionKeySecretRef: LocalObjectReference(name: "mine")),
        GatewayCredentials(kubernetesSecrets: GatewayKubernetesSecretsDriver()),
        GatewayCredentials(vault: GatewayVaultDriver(address: "https://vault:8200")),
    ])
    func noKEK(credentials: GatewayCredentials) throws {
        #expect(try settings(credentials: credentials).keyEncryptionKeySecretName == nil)
    }

    @Test("invalid values are field errors", arguments: [
        (GatewayTLS(mode: "Sometimes"), "spec.tls.mode"),
        (GatewayTLS(duration: "a year"), "spec.tls.duration"),
        (GatewayTLS(renewBefore: "0"), "spec.tls.renewBefore"),
        (GatewayTLS(duration: "24h", renewBefore: "24h"), "spec.tls.renewBefore"),
        (GatewayTLS(extraIPAddresses: ["10.0.0.1", "ten"]), "spec.tls.extraIPAddresses[1]"),
    ])
    func invalid(tls: GatewayTLS, field: String) {
        let error = #expect(throws: FieldError.self) { try settings(tls: tls) }
        #expect(error?.field == field)
    }
}
