//! `GatewayPKIPlanner`: the pure decision of what the PKI reconcile step does with the Secrets it
//! found — leave them, create what is missing, renew certificates from the same CA, or report a
//! Degraded state with a recovery hint and write nothing over what exists.

import Foundation
import KubeCore
import OpenShellAPI
import PKI

/// The Event reasons the PKI step emits (Normal unless noted).
public enum PKIEventReason {
    public static let certificatesCreated = "CertificatesCreated"
    public static let certificateRenewed = "CertificateRenewed"
    /// The server certificate was reissued because the SANs the spec asks for changed.
    public static let certificateReissued = "CertificateReissued"
    /// A server or client certificate whose Secret was missing was issued from the gateway's
    /// existing CA (an install interrupted between its Secret writes, or a Secret deleted).
    public static let certificateIssued = "CertificateIssued"
    public static let signingKeyCreated = "SigningKeyCreated"
    public static let keyEncryptionKeyCreated = "KeyEncryptionKeyCreated"
}

/// The reasons of a Degraded PKI (the condition reason, and a Warning Event's reason).
public enum PKIDegradedReason {
    /// Some but not all of the CA, server and client Secrets exist, and the missing ones cannot be
    /// issued from the CA (the CA is missing, or a present Secret is not this gateway's own).
    public static let partialTLSSecrets = "PartialTLSSecrets"
    /// A CA, server or client Secret exists but cannot be used as is.
    public static let invalidTLSSecret = "InvalidTLSSecret"
    /// The CA certificate expired or expires within the renewal window.
    public static let certificateAuthorityExpiring = "CertificateAuthorityExpiring"
    /// The JWT Secret exists but holds no usable Ed25519 pair.
    public static let invalidSigningKey = "InvalidSigningKey"
    /// The KEK Secret exists but holds no key.
    public static let invalidKeyEncryptionKey = "InvalidKeyEncryptionKey"
}

/// A Kubernetes Event to record on the OpenShellGateway.
public struct PKIEvent: Sendable, Hashable, CustomStringConvertible {
    /// `Normal` or `Warning`.
    public var type: String
    public var reason: String
    public var message: String
    public init(type: String = "Normal", reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
    public var description: String { "\(type) \(reason): \(message)" }
}

/// What is wrong, and how an administrator recovers.
public struct PKIDegradation: Sendable, Hashable {
    /// The first problem's `PKIDegradedReason`.
    public var reason: String
    /// Every problem, `; `-separated.
    public var message: String
    /// What to do, naming the Secrets to delete (or restore).
    public var recoveryHint: String
    public init(reason: String, message: String, recoveryHint: String) {
        self.reason = reason
        self.message = message
        self.recoveryHint = recoveryHint
    }
}

/// Why a server or client certificate is issued again from the existing CA.
public enum RenewalCause: Sendable, Hashable {
    /// It expires at the date, which lies within the renewal window.
    case expiring(notAfter: Date)
    /// It expired at the date.
    case expired(notAfter: Date)
    /// The server certificate's SANs differ from the spec's: DNS names and IPs to add and remove.
    case namesChanged(added: [String], removed: [String])
}

/// One certificate to issue again.
public struct LeafRenewal: Sendable, Hashable {
    public var leaf: GatewayLeaf
    public var cause: RenewalCause
    public init(_ leaf: GatewayLeaf, _ cause: RenewalCause) {
        self.leaf = leaf
        self.cause = cause
    }
}

/// The outcome of planning: what to write, what to emit, and when to look again.
public struct PKIPlan: Sendable, Hashable {
    /// Generate a new CA, server and client certificate (none of their Secrets exists).
    public var createCertificates: Bool
    /// Server/client certificates to issue again from the existing CA, replacing their Secrets.
    public var renewals: [LeafRenewal]
    /// Server/client certificates to issue from the existing CA into Secrets that do not exist.
    public var completions: [GatewayLeaf]
    /// Generate the JWT signing pair (its Secret does not exist).
    public var createSigningKey: Bool
    /// Generate the key-encryption key (its Secret does not exist); an existing one is never replaced.
    public var createKeyEncryptionKey: Bool
    /// Set when something exists that the operator must not overwrite; no certificate is then written.
    public var degraded: PKIDegradation?
    /// The Events to record, in order.
    public var events: [PKIEvent]
    /// When the earliest certificate not renewed now enters its renewal window: requeue then.
    public var nextRenewal: Date?

    public init(createCertificates: Bool = false, renewals: [LeafRenewal] = [], completions: [GatewayLeaf] = [],
                createSigningKey: Bool = false, createKeyEncryptionKey: Bool = false, degraded: PKIDegradation? = nil,
                events: [PKIEvent] = [], nextRenewal: Date? = nil) {
        self.createCertificates = createCertificates
        self.renewals = renewals
        self.completions = completions
        self.createSigningKey = createSigningKey
        self.createKeyEncryptionKey = createKeyEncryptionKey
        self.degraded = degraded
        self.events = events
        self.nextRenewal = nextRenewal
    }

    /// Nothing to write.
    public var isUntouched: Bool {
        !createCertificates && renewals.isEmpty && completions.isEmpty && !createSigningKey && !createKeyEncryptionKey
    }

    /// Whether running gateway pods must restart: they load the server certificate and the signing
    /// key at start, so a renewed or newly issued server certificate or a new signing key (after its
    /// Secret was deleted to rotate it) needs a rolling restart; `GatewayPKIChecksum` gives the pod-template
    /// annotation that does it. A renewed client certificate concerns its users (CLI, sandboxes).
    public var rollsGateway: Bool {
        renewals.contains { $0.leaf == .server } || completions.contains(.server) || (createSigningKey && !createCertificates)
    }
}

/// Decides what to do with the gateway's PKI Secrets.
public enum GatewayPKIPlanner {
    /// The plan for `observed` at `now`, for the gateway whose UID is `gatewayUID`:
    /// - CA, server and client (built-in TLS only): none exists → create all three; the CA and
    ///   some of the others exist, all controlled by this gateway → issue the missing ones from
    ///   that CA (an install killed between its Secret writes finishes; a deleted leaf Secret comes
    ///   back); any other partial group, an unusable Secret (unreadable, key not matching, not
    ///   issued by the CA, wrong usage), or a CA expiring within `settings.renewBefore` →
    ///   Degraded, nothing written; all valid → a certificate that expired, expires within
    ///   `settings.renewBefore`, or (server) carries other SANs than the spec asks for is issued
    ///   again from the same CA.
    /// - JWT Secret: absent → create; unusable → Degraded, never overwritten.
    /// - KEK Secret (when the operator manages one): absent → create; present → never replaced
    ///   (without a key → Degraded).
    /// The three groups are independent: a Degraded TLS group does not stop a missing JWT or KEK
    /// Secret from being created.
    public static func plan(
        observed: ObservedGatewaySecrets, settings: GatewayPKISettings, gatewayUID: String, now: Date
    ) -> PKIPlan {
        var plan = PKIPlan()
        var problems: [(reason: String, message: String, hint: String)] = []

        if settings.managesCertificates {
            planCertificates(observed, settings, gatewayUID, now, &plan, &problems)
        }

        if let secret = observed.signingKey {
            if case .failure(let problem) = GatewaySecretInspection.signingKey(secret) {
                problems.append((PKIDegradedReason.invalidSigningKey, problem.message,
                                 "Delete Secret \(settings.signingSecretName) (kubectl -n \(settings.namespace) delete secret \(settings.signingSecretName)) to generate a new signing key; the gateway restarts with it, and sandbox tokens signed by the old key are rejected from then on."))
            }
        } else {
            plan.createSigningKey = true
            plan.events.append(PKIEvent(reason: PKIEventReason.signingKeyCreated,
                                        message: "Created the JWT signing key in Secret \(settings.signingSecretName)"))
        }

        if let name = settings.keyEncryptionKeySecretName {
            if let secret = observed.keyEncryptionKey {
                if case .failure(let problem) = GatewaySecretInspection.keyEncryptionKey(secret) {
                    problems.append((PKIDegradedReason.invalidKeyEncryptionKey, problem.message,
                                     "Restore key-encryption-key in Secret \(name) from a backup; the operator never replaces it, because credentials stored with the old key cannot be read without it. Delete the Secret only to start over with no stored credentials."))
                }
            } else {
                plan.createKeyEncryptionKey = true
                plan.events.append(PKIEvent(reason: PKIEventReason.keyEncryptionKeyCreated,
                                            message: "Created the key-encryption key in Secret \(name); it is kept when the gateway is deleted"))
            }
        }

        if let first = problems.first {
            var hints: [String] = []
            for problem in problems where !hints.contains(problem.hint) { hints.append(problem.hint) }
            let degradation = PKIDegradation(
                reason: first.reason, message: problems.map(\.message).joined(separator: "; "),
                recoveryHint: hints.joined(separator: " "))
            plan.degraded = degradation
            plan.events.append(PKIEvent(type: "Warning", reason: degradation.reason,
                                        message: "\(degradation.message). \(degradation.recoveryHint)"))
        }
        return plan
    }

    private static func planCertificates(
        _ observed: ObservedGatewaySecrets, _ settings: GatewayPKISettings, _ gatewayUID: String, _ now: Date,
        _ plan: inout PKIPlan, _ problems: inout [(reason: String, message: String, hint: String)]
    ) {
        let group: [(what: String, name: String, secret: KubeObject?)] = [
            ("CA", settings.caSecretName, observed.ca),
            ("server", settings.serverSecretName, observed.server),
            ("client", settings.clientSecretName, observed.client),
        ]
        let present = group.filter { $0.secret != nil }
        if present.isEmpty {
            plan.createCertificates = true
            plan.events.append(PKIEvent(
                reason: PKIEventReason.certificatesCreated,
                message: "Created the CA, server and client certificates in Secrets \(settings.caSecretName), \(settings.serverSecretName) and \(settings.clientSecretName)"))
            return
        }
        let hint = "Delete Secrets \(present.map(\.name).joined(separator: ", ")) (kubectl -n \(settings.namespace) delete secret \(present.map(\.name).joined(separator: " "))) to generate a new CA, server and client certificate; clients then need the new ca.crt."
        let missing = GatewayLeaf.allCases.filter { observed.leaf($0) == nil }
        let ours = present.allSatisfy { !gatewayUID.isEmpty && $0.secret?.controllerReference?.uid == gatewayUID }
        guard let caSecret = observed.ca, missing.isEmpty || ours else {
            let why = observed.ca == nil
                ? "the CA Secret is missing, so the others cannot be completed"
                : "not all present Secrets were created by this gateway, so the missing ones are not issued from its CA"
            let message = "the CA, server and client Secrets must all exist or none: missing "
                + group.filter { $0.secret == nil }.map(\.name).joined(separator: ", ") + "; present "
                + present.map(\.name).joined(separator: ", ") + " (\(why))"
            problems.append((PKIDegradedReason.partialTLSSecrets, message, hint))
            return
        }

        let authority: CertificateAuthority
        switch GatewaySecretInspection.authority(caSecret) {
        case .success(let value): authority = value
        case .failure(let problem):
            problems.append((PKIDegradedReason.invalidTLSSecret, problem.message, hint))
            return
        }
        var leaves: [(GatewayLeaf, Certificate)] = []
        for leaf in GatewayLeaf.allCases {
            guard let secret = observed.leaf(leaf) else { continue }
            switch GatewaySecretInspection.leaf(leaf, secret, authority: authority.certificate) {
            case .success(let issued): leaves.append((leaf, issued.certificate))
            case .failure(let problem): problems.append((PKIDegradedReason.invalidTLSSecret, problem.message, hint))
            }
        }
        guard leaves.count + missing.count == GatewayLeaf.allCases.count else { return }

        let window = settings.renewBefore.timeInterval
        let caExpiry = authority.certificate.notAfter
        if caExpiry <= now {
            problems.append((PKIDegradedReason.certificateAuthorityExpiring,
                             "the CA certificate in Secret \(settings.caSecretName) expired at \(KubeTime.format(caExpiry))", hint))
            return
        }
        if caExpiry.addingTimeInterval(-window) <= now {
            problems.append((PKIDegradedReason.certificateAuthorityExpiring,
                             "the CA certificate in Secret \(settings.caSecretName) expires at \(KubeTime.format(caExpiry)), within the renewal window of \(GoDuration.format(settings.renewBefore))", hint))
            return
        }

        for leaf in missing {
            plan.completions.append(leaf)
            plan.events.append(PKIEvent(
                reason: PKIEventReason.certificateIssued,
                message: "Issued the \(leaf) certificate into the missing Secret \(leaf.secretName(settings)) from the CA in Secret \(settings.caSecretName)"))
        }
        for (leaf, certificate) in leaves {
            let renewAt = certificate.notAfter.addingTimeInterval(-window)
            let cause: RenewalCause?
            if certificate.notAfter <= now {
                cause = .expired(notAfter: certificate.notAfter)
            } else if renewAt <= now {
                cause = .expiring(notAfter: certificate.notAfter)
            } else if leaf == .server, let change = namesChange(certificate, settings) {
                cause = change
            } else {
                cause = nil
                plan.nextRenewal = min(plan.nextRenewal ?? renewAt, renewAt)
            }
            guard let cause else { continue }
            plan.renewals.append(LeafRenewal(leaf, cause))
            plan.events.append(event(leaf, cause, settings))
        }
    }

    /// `.namesChanged` when the server certificate's DNS names or IPs differ (as sets) from the spec's.
    private static func namesChange(_ certificate: Certificate, _ settings: GatewayPKISettings) -> RenewalCause? {
        let wanted = settings.serverDNSNames + settings.serverIPAddresses
        let have = certificate.dnsNames + certificate.ipAddresses
        let added = wanted.filter { !have.contains($0) }
        let removed = have.filter { !wanted.contains($0) }
        return added.isEmpty && removed.isEmpty ? nil : .namesChanged(added: added, removed: removed)
    }

    private static func event(_ leaf: GatewayLeaf, _ cause: RenewalCause, _ settings: GatewayPKISettings) -> PKIEvent {
        let subject = "the \(leaf) certificate in Secret \(leaf.secretName(settings))"
        switch cause {
        case .expired(let notAfter):
            return PKIEvent(reason: PKIEventReason.certificateRenewed,
                            message: "Renewed \(subject), which expired at \(KubeTime.format(notAfter))")
        case .expiring(let notAfter):
            return PKIEvent(reason: PKIEventReason.certificateRenewed,
                            message: "Renewed \(subject), which expires at \(KubeTime.format(notAfter)), within the renewal window of \(GoDuration.format(settings.renewBefore))")
        case .namesChanged(let added, let removed):
            var changes: [String] = []
            if !added.isEmpty { changes.append("added " + added.joined(separator: ", ")) }
            if !removed.isEmpty { changes.append("removed " + removed.joined(separator: ", ")) }
            return PKIEvent(reason: PKIEventReason.certificateReissued,
                            message: "Reissued \(subject) for its new SANs: \(changes.joined(separator: "; "))")
        }
    }
}
