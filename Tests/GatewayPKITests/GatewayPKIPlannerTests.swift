//! Table-driven tests of `GatewayPKIPlanner`: each state of the gateway's Secrets → the exact plan,
//! events and Degraded message.

import Foundation
import GatewayPKI
import KubeCore
import OpenShellAPI
import PKI
import Testing

/// One planner state and the plan it must produce.
struct PlannerCase: Sendable, CustomTestStringConvertible {
    var name: String
    var settings: GatewayPKISettings = Fixtures.defaults
    var observed: ObservedGatewaySecrets
    var now: Date = t0.addingTimeInterval(day)
    /// The UID of the gateway planned for; Secrets are "its own" when controlled by it (`ours`).
    var gatewayUID = defaultGatewayUID
    var expected: PKIPlan
    var testDescription: String { name }
}

// Fixed texts of the default settings (gateway gw in namespace ns).
private let ca = "openshell-ca-tls", server = "openshell-server-tls", client = "openshell-client-tls"
private let jwt = "gw-jwt-keys", kek = "gw-credential-storage-key-encryption-key"
/// The fixture's server and client certificates expire at t0 + 365 days: 2027-09-21T14:13:20Z.
private let leafExpiry = t0.addingTimeInterval(365 * day)
/// ... and enter the 720h renewal window 30 days earlier.
private let leafRenewAt = leafExpiry.addingTimeInterval(-30 * day)
/// The fixture's CA expires at t0 + 3650 days: 2036-09-18T14:13:20Z.
private let caExpiry = t0.addingTimeInterval(3650 * day)

private let defaultGatewayUID = "gw-uid"
private let caMissing = " (the CA Secret is missing, so the others cannot be completed)"
private let notOurs = " (not all present Secrets were created by this gateway, so the missing ones are not issued from its CA)"

/// `secret` controlled by the gateway of `defaultGatewayUID`, as the operator writes its PKI Secrets.
private func ours(_ secret: KubeObject?) -> KubeObject? {
    guard var secret else { return nil }
    secret.ownerReferences = [OwnerReference(apiVersion: "openshell.ai/v1alpha1", kind: "OpenShellGateway", name: "gw",
                                             uid: defaultGatewayUID, controller: true, blockOwnerDeletion: true)]
    return secret
}

private func issued(_ leaf: GatewayLeaf) -> PKIEvent {
    PKIEvent(reason: "CertificateIssued", message: "Issued the \(leaf) certificate into the missing Secret \(leaf == .server ? server : client) from the CA in Secret \(ca)")
}

private let created = PKIEvent(reason: "CertificatesCreated",
                               message: "Created the CA, server and client certificates in Secrets \(ca), \(server) and \(client)")
private let signingCreated = PKIEvent(reason: "SigningKeyCreated", message: "Created the JWT signing key in Secret \(jwt)")
private let kekCreated = PKIEvent(reason: "KeyEncryptionKeyCreated",
                                  message: "Created the key-encryption key in Secret \(kek); it is kept when the gateway is deleted")

private func tlsHint(_ present: [String]) -> String {
    "Delete Secrets \(present.joined(separator: ", ")) (kubectl -n ns delete secret \(present.joined(separator: " "))) to generate a new CA, server and client certificate; clients then need the new ca.crt."
}
private let jwtHint = "Delete Secret \(jwt) (kubectl -n ns delete secret \(jwt)) to generate a new signing key; the gateway restarts with it, and sandbox tokens signed by the old key are rejected from then on."
private let kekHint = "Restore key-encryption-key in Secret \(kek) from a backup; the operator never replaces it, because credentials stored with the old key cannot be read without it. Delete the Secret only to start over with no stored credentials."

/// A Degraded plan with its Warning event appended.
private func degraded(_ reason: String, _ message: String, _ hint: String, _ plan: PKIPlan = PKIPlan()) -> PKIPlan {
    var plan = plan
    plan.degraded = PKIDegradation(reason: reason, message: message, recoveryHint: hint)
    plan.events.append(PKIEvent(type: "Warning", reason: reason, message: "\(message). \(hint)"))
    return plan
}

private func with(_ change: (inout ObservedGatewaySecrets) -> Void) -> ObservedGatewaySecrets {
    var observed = Fixtures.main.all
    change(&observed)
    return observed
}

private func mustSettings(_ tls: GatewayTLS? = nil, _ credentials: GatewayCredentials? = nil) -> GatewayPKISettings {
    do { return try settings(tls: tls, credentials: credentials) } catch { fatalError("\(error)") }
}

private func mustLeaf(_ leaf: GatewayLeaf, issuedAt: Date) -> KubeObject {
    do { return try Fixtures.main.leafSecret(leaf, settings: Fixtures.defaults, now: issuedAt) } catch { fatalError("\(error)") }
}

extension PlannerCase {
    static let all: [PlannerCase] = [
        PlannerCase(
            name: "nothing exists: create the certificates, the JWT and the KEK",
            observed: ObservedGatewaySecrets(),
            expected: PKIPlan(createCertificates: true, createSigningKey: true, createKeyEncryptionKey: true,
                              events: [created, signingCreated, kekCreated])),
        PlannerCase(
            name: "all present and valid: untouched, next look when the leaves enter the window",
            observed: Fixtures.main.all,
            expected: PKIPlan(nextRenewal: leafRenewAt)),
        PlannerCase(
            name: "only the JWT Secret missing: create the JWT only",
            observed: with { $0.signingKey = nil },
            expected: PKIPlan(createSigningKey: true, events: [signingCreated], nextRenewal: leafRenewAt)),
        PlannerCase(
            name: "only the KEK Secret missing: create it",
            observed: with { $0.keyEncryptionKey = nil },
            expected: PKIPlan(createKeyEncryptionKey: true, events: [kekCreated], nextRenewal: leafRenewAt)),
        PlannerCase(
            name: "TLS Secrets absent but the JWT present (TLS was Disabled): create the certificates only",
            observed: with { $0.ca = nil; $0.server = nil; $0.client = nil },
            expected: PKIPlan(createCertificates: true, events: [created])),
        PlannerCase(
            name: "CA missing, server and client present: Degraded, nothing written",
            observed: with { $0.ca = nil },
            expected: degraded("PartialTLSSecrets",
                               "the CA, server and client Secrets must all exist or none: missing \(ca); present \(server), \(client)" + caMissing,
                               tlsHint([server, client]))),
        PlannerCase(
            name: "CA missing, server and client this gateway's own: still Degraded (no CA key to issue from)",
            observed: with { $0.ca = nil; $0.server = ours($0.server); $0.client = ours($0.client) },
            expected: degraded("PartialTLSSecrets",
                               "the CA, server and client Secrets must all exist or none: missing \(ca); present \(server), \(client)" + caMissing,
                               tlsHint([server, client]))),
        PlannerCase(
            name: "server and client missing, CA present but not this gateway's: Degraded",
            observed: with { $0.server = nil; $0.client = nil },
            expected: degraded("PartialTLSSecrets",
                               "the CA, server and client Secrets must all exist or none: missing \(server), \(client); present \(ca)" + notOurs,
                               tlsHint([ca]))),
        PlannerCase(
            name: "server and client missing, CA of another gateway (UID): Degraded",
            observed: with { $0.ca = ours($0.ca); $0.server = nil; $0.client = nil },
            gatewayUID: "another-uid",
            expected: degraded("PartialTLSSecrets",
                               "the CA, server and client Secrets must all exist or none: missing \(server), \(client); present \(ca)" + notOurs,
                               tlsHint([ca]))),
        PlannerCase(
            name: "server and client missing, the CA this gateway's own (killed after writing it): both issued from that CA",
            observed: with { $0.ca = ours($0.ca); $0.server = nil; $0.client = nil },
            expected: PKIPlan(completions: [.server, .client], events: [issued(.server), issued(.client)])),
        PlannerCase(
            name: "client missing, CA and server this gateway's own: the client issued, the server's renewal still scheduled",
            observed: with { $0.ca = ours($0.ca); $0.server = ours($0.server); $0.client = nil },
            expected: PKIPlan(completions: [.client], events: [issued(.client)], nextRenewal: leafRenewAt)),
        PlannerCase(
            name: "client missing, CA this gateway's own but the server Secret not: Degraded",
            observed: with { $0.ca = ours($0.ca); $0.client = nil },
            expected: degraded("PartialTLSSecrets",
                               "the CA, server and client Secrets must all exist or none: missing \(client); present \(ca), \(server)" + notOurs,
                               tlsHint([ca, server]))),
        PlannerCase(
            name: "server missing, our CA and an unusable client of ours: Degraded, nothing issued",
            observed: with { $0.ca = ours($0.ca); $0.server = nil; $0.client = ours(setting(Fixtures.main.client, "tls.key", nil)) },
            expected: degraded("InvalidTLSSecret", "Secret \(client) has no readable tls.key", tlsHint([ca, client]))),
        PlannerCase(
            name: "server missing, our CA within its renewal window: Degraded, nothing issued from it",
            observed: with { $0.ca = ours($0.ca); $0.server = nil; $0.client = ours($0.client) },
            now: caExpiry.addingTimeInterval(-10 * day),
            expected: degraded("CertificateAuthorityExpiring",
                               "the CA certificate in Secret \(ca) expires at 2036-09-18T14:13:20Z, within the renewal window of 720h0m0s",
                               tlsHint([ca, client]))),
        PlannerCase(
            name: "server missing and the client in its window, all ours: the server issued and the client renewed",
            observed: with { $0.ca = ours($0.ca); $0.server = nil; $0.client = ours($0.client) },
            now: leafRenewAt.addingTimeInterval(hour),
            expected: PKIPlan(
                renewals: [LeafRenewal(.client, .expiring(notAfter: leafExpiry))], completions: [.server],
                events: [
                    issued(.server),
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the client certificate in Secret \(client), which expires at 2027-09-21T14:13:20Z, within the renewal window of 720h0m0s"),
                ])),
        PlannerCase(
            name: "server key does not match its certificate: Degraded",
            observed: with { $0.server = setting(Fixtures.main.server, "tls.key", text(Fixtures.main.client, "tls.key")) },
            expected: degraded("InvalidTLSSecret", "Secret \(server): tls.key does not match tls.crt", tlsHint([ca, server, client]))),
        PlannerCase(
            name: "server Secret of another PKI (its own ca.crt): Degraded",
            observed: with { $0.server = Fixtures.other.server },
            expected: degraded("InvalidTLSSecret", "Secret \(server): ca.crt is not the CA certificate of the CA Secret",
                               tlsHint([ca, server, client]))),
        PlannerCase(
            name: "server certificate of another CA next to our ca.crt: Degraded",
            observed: with { $0.server = setting(Fixtures.other.server, "ca.crt", text(Fixtures.main.ca, "tls.crt")) },
            expected: degraded("InvalidTLSSecret", "Secret \(server): tls.crt was not issued by the CA of the CA Secret",
                               tlsHint([ca, server, client]))),
        PlannerCase(
            name: "server and client both unusable: both named in the message",
            observed: with {
                $0.server = setting(Fixtures.main.server, "tls.crt", "garbage")
                $0.client = setting(Fixtures.main.client, "tls.key", nil)
            },
            expected: degraded("InvalidTLSSecret",
                               "Secret \(server) has no readable tls.crt; Secret \(client) has no readable tls.key",
                               tlsHint([ca, server, client]))),
        PlannerCase(
            name: "CA Secret of type Opaque: Degraded",
            observed: with {
                var secret = Fixtures.main.ca
                secret.json["type"] = "Opaque"
                $0.ca = secret
            },
            expected: degraded("InvalidTLSSecret", "Secret \(ca) has type Opaque, not kubernetes.io/tls", tlsHint([ca, server, client]))),
        PlannerCase(
            name: "CA key of another CA: Degraded",
            observed: with { $0.ca = setting(Fixtures.main.ca, "tls.key", text(Fixtures.other.ca, "tls.key")) },
            expected: degraded("InvalidTLSSecret", "Secret \(ca): tls.key does not match tls.crt", tlsHint([ca, server, client]))),
        PlannerCase(
            name: "CA Secret holding a leaf certificate: Degraded",
            observed: with { $0.ca = Fixtures.main.client },
            expected: degraded("InvalidTLSSecret", "Secret \(client) holds no CA certificate (tls.crt is not CA:TRUE)",
                               tlsHint([ca, server, client]))),
        PlannerCase(
            name: "server and client within the renewal window: renew both from the same CA",
            observed: Fixtures.main.all,
            now: leafRenewAt.addingTimeInterval(hour),
            expected: PKIPlan(
                renewals: [LeafRenewal(.server, .expiring(notAfter: leafExpiry)), LeafRenewal(.client, .expiring(notAfter: leafExpiry))],
                events: [
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the server certificate in Secret \(server), which expires at 2027-09-21T14:13:20Z, within the renewal window of 720h0m0s"),
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the client certificate in Secret \(client), which expires at 2027-09-21T14:13:20Z, within the renewal window of 720h0m0s"),
                ])),
        PlannerCase(
            name: "server and client expired: renew both",
            observed: Fixtures.main.all,
            now: leafExpiry.addingTimeInterval(day),
            expected: PKIPlan(
                renewals: [LeafRenewal(.server, .expired(notAfter: leafExpiry)), LeafRenewal(.client, .expired(notAfter: leafExpiry))],
                events: [
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the server certificate in Secret \(server), which expired at 2027-09-21T14:13:20Z"),
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the client certificate in Secret \(client), which expired at 2027-09-21T14:13:20Z"),
                ])),
        PlannerCase(
            name: "only the client in its window: renew the client, look again when the server's window opens",
            observed: with { $0.client = mustLeaf(.client, issuedAt: t0.addingTimeInterval(-340 * day)) },
            expected: PKIPlan(
                renewals: [LeafRenewal(.client, .expiring(notAfter: t0.addingTimeInterval(25 * day)))],
                events: [PKIEvent(reason: "CertificateRenewed", message: "Renewed the client certificate in Secret \(client), which expires at 2026-10-16T14:13:20Z, within the renewal window of 720h0m0s")],
                nextRenewal: leafRenewAt)),
        PlannerCase(
            name: "a longer renewBefore moves the server and client into the window",
            settings: mustSettings(GatewayTLS(renewBefore: "8000h")),
            observed: Fixtures.main.all,
            now: t0.addingTimeInterval(32 * day),
            expected: PKIPlan(
                renewals: [LeafRenewal(.server, .expiring(notAfter: leafExpiry)), LeafRenewal(.client, .expiring(notAfter: leafExpiry))],
                events: [
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the server certificate in Secret \(server), which expires at 2027-09-21T14:13:20Z, within the renewal window of 8000h0m0s"),
                    PKIEvent(reason: "CertificateRenewed", message: "Renewed the client certificate in Secret \(client), which expires at 2027-09-21T14:13:20Z, within the renewal window of 8000h0m0s"),
                ])),
        PlannerCase(
            name: "an extra SAN added to the spec: reissue the server certificate",
            settings: mustSettings(GatewayTLS(extraDNSNames: ["gw.example.com"], extraIPAddresses: ["10.0.0.9"])),
            observed: Fixtures.main.all,
            expected: PKIPlan(
                renewals: [LeafRenewal(.server, .namesChanged(added: ["gw.example.com", "10.0.0.9"], removed: []))],
                events: [PKIEvent(reason: "CertificateReissued", message: "Reissued the server certificate in Secret \(server) for its new SANs: added gw.example.com, 10.0.0.9")],
                nextRenewal: leafRenewAt)),
        PlannerCase(
            name: "the CA within the renewal window: Degraded (leaves cannot outlive it)",
            observed: Fixtures.main.all,
            now: caExpiry.addingTimeInterval(-10 * day),
            expected: degraded("CertificateAuthorityExpiring",
                               "the CA certificate in Secret \(ca) expires at 2036-09-18T14:13:20Z, within the renewal window of 720h0m0s",
                               tlsHint([ca, server, client]))),
        PlannerCase(
            name: "the CA expired: Degraded",
            observed: Fixtures.main.all,
            now: caExpiry.addingTimeInterval(day),
            expected: degraded("CertificateAuthorityExpiring", "the CA certificate in Secret \(ca) expired at 2036-09-18T14:13:20Z",
                               tlsHint([ca, server, client]))),
        PlannerCase(
            name: "JWT public.pem of another key: Degraded, the JWT Secret is not overwritten",
            observed: with { $0.signingKey = setting(Fixtures.main.jwt, "public.pem", text(Fixtures.other.jwt, "public.pem")) },
            expected: degraded("InvalidSigningKey", "Secret \(jwt): public.pem is not the public key of signing.pem", jwtHint,
                               PKIPlan(nextRenewal: leafRenewAt))),
        PlannerCase(
            name: "JWT signing.pem not Ed25519: Degraded",
            observed: with { $0.signingKey = setting(Fixtures.main.jwt, "signing.pem", text(Fixtures.main.server, "tls.key")) },
            expected: degraded("InvalidSigningKey", "Secret \(jwt): signing.pem is ECDSA P-256, not Ed25519", jwtHint,
                               PKIPlan(nextRenewal: leafRenewAt))),
        PlannerCase(
            name: "JWT without kid: Degraded",
            observed: with { $0.signingKey = setting(Fixtures.main.jwt, "kid", nil) },
            expected: degraded("InvalidSigningKey", "Secret \(jwt) has no kid", jwtHint, PKIPlan(nextRenewal: leafRenewAt))),
        PlannerCase(
            name: "KEK Secret without its key: Degraded, never replaced",
            observed: with { $0.keyEncryptionKey = setting(Fixtures.main.kek, "key-encryption-key", nil) },
            expected: degraded("InvalidKeyEncryptionKey", "Secret \(kek) has no key-encryption-key", kekHint,
                               PKIPlan(nextRenewal: leafRenewAt))),
        PlannerCase(
            name: "partial TLS and an invalid JWT, KEK missing: both problems, KEK still created",
            observed: with {
                $0.client = nil
                $0.signingKey = setting(Fixtures.main.jwt, "signing.pem", "nope")
                $0.keyEncryptionKey = nil
            },
            expected: degraded("PartialTLSSecrets",
                               "the CA, server and client Secrets must all exist or none: missing \(client); present \(ca), \(server)" + notOurs + "; Secret \(jwt) has no readable signing.pem",
                               tlsHint([ca, server]) + " " + jwtHint,
                               PKIPlan(createKeyEncryptionKey: true, events: [kekCreated]))),
        PlannerCase(
            name: "CertManager mode, nothing exists: only the JWT and the KEK",
            settings: mustSettings(GatewayTLS(mode: "CertManager")),
            observed: ObservedGatewaySecrets(),
            expected: PKIPlan(createSigningKey: true, createKeyEncryptionKey: true, events: [signingCreated, kekCreated])),
        PlannerCase(
            name: "Disabled mode ignores a partial set of TLS Secrets",
            settings: mustSettings(GatewayTLS(mode: "Disabled")),
            observed: with { $0.ca = nil },
            expected: PKIPlan()),
        PlannerCase(
            name: "an existing KEK Secret is configured: no KEK is created",
            settings: mustSettings(nil, GatewayCredentials(keyEncryptionKeySecretRef: LocalObjectReference(name: "mine"))),
            observed: with { $0.keyEncryptionKey = nil },
            expected: PKIPlan(nextRenewal: leafRenewAt)),
    ]
}

@Suite("GatewayPKIPlanner")
struct GatewayPKIPlannerTests {
    @Test("each state of the Secrets gives its exact plan", arguments: PlannerCase.all)
    func plan(_ testCase: PlannerCase) {
        let plan = GatewayPKIPlanner.plan(
            observed: testCase.observed, settings: testCase.settings, gatewayUID: testCase.gatewayUID, now: testCase.now)
        #expect(plan == testCase.expected)
        // Degraded never writes a certificate.
        if plan.degraded != nil {
            #expect(!plan.createCertificates && plan.renewals.isEmpty && plan.completions.isEmpty)
        }
    }

    @Test("untouched means no writes; rollsGateway follows the server certificate and the signing key")
    func derivedFlags() {
        #expect(PKIPlan().isUntouched)
        #expect(PKIPlan(nextRenewal: t0).isUntouched)
        #expect(!PKIPlan(createKeyEncryptionKey: true).isUntouched)
        #expect(PKIPlan(renewals: [LeafRenewal(.server, .expired(notAfter: t0))]).rollsGateway)
        #expect(!PKIPlan(renewals: [LeafRenewal(.client, .expired(notAfter: t0))]).rollsGateway)
        #expect(PKIPlan(createSigningKey: true).rollsGateway)
        #expect(!PKIPlan(createCertificates: true, createSigningKey: true).rollsGateway)
        #expect(!PKIPlan(completions: [.client]).isUntouched)
        #expect(PKIPlan(completions: [.server]).rollsGateway)
        #expect(!PKIPlan(completions: [.client]).rollsGateway)
    }
}
