//! `GatewayPKISettings`: everything the gateway's PKI needs from an OpenShellGateway, resolved
//! once with its defaults (Secret names, key names, subjects, SANs, lifetimes, renewal window).
//! Pure: spec in, settings or a `FieldError` out.

import Foundation
import KubeCore
import OpenShellAPI
import PKI

/// The gateway's TLS mode (`spec.tls.mode`).
public enum GatewayTLSMode: String, Sendable, Hashable, CaseIterable {
    /// The operator creates and renews the CA, server and client certificates.
    case builtIn = "BuiltIn"
    /// cert-manager issues the certificates; the operator only creates the JWT and KEK Secrets.
    case certManager = "CertManager"
    /// No TLS; the operator only creates the JWT and KEK Secrets.
    case disabled = "Disabled"
}

/// Key names and fixed values of the Secrets the gateway mounts (openshell-contract §2.6).
public enum GatewaySecretKeys {
    public static let tlsType = "kubernetes.io/tls"
    public static let opaqueType = "Opaque"
    public static let certificate = "tls.crt"
    public static let privateKey = "tls.key"
    public static let caCertificate = "ca.crt"
    /// The JWT Secret's PKCS#8 Ed25519 private key.
    public static let signingKey = "signing.pem"
    /// The JWT Secret's SPKI public key.
    public static let publicKey = "public.pem"
    /// The JWT Secret's key id.
    public static let keyID = "kid"
    /// The KEK Secret's key (`GatewayDefaults.keyEncryptionKeySecretKey`).
    public static let keyEncryptionKey = GatewayDefaults.keyEncryptionKeySecretKey
}

/// The subjects of the built-in PKI (the upstream `generate-certs` names, openshell-contract §2.6).
public enum GatewayPKISubjects {
    public static let ca = DistinguishedName(commonName: "openshell-ca", organizations: ["openshell"])
    public static let server = DistinguishedName(commonName: "openshell-server")
    public static let client = DistinguishedName(commonName: "openshell-client", organizationalUnits: ["openshell-user"])
}

/// The resolved PKI settings of one OpenShellGateway.
public struct GatewayPKISettings: Sendable, Hashable {
    /// How long the built-in CA is valid: 10 years. Server and client certificates are renewed
    /// from the same CA; they are never issued past the CA's expiry.
    public static let caValidity: Duration = .seconds(10 * 365 * 24 * 3600)
    /// The bytes of a generated key-encryption key (stored base64-encoded, 44 characters).
    public static let keyEncryptionKeyBytes = 32

    public var gatewayName: String
    public var namespace: String
    public var mode: GatewayTLSMode
    /// The CA (`tls.crt`, `tls.key`, `ca.crt`): `spec.tls.certManager.caSecretName`, default
    /// `openshell-ca-tls`, the same Secret cert-manager mode keeps its CA in.
    public var caSecretName: String
    /// `spec.tls.secretNames.server`, default `openshell-server-tls`.
    public var serverSecretName: String
    /// `spec.tls.secretNames.client`, default `openshell-client-tls`.
    public var clientSecretName: String
    /// `spec.sandboxTokens.signingSecretName`, default `<name>-jwt-keys`.
    public var signingSecretName: String
    /// `<name>-credential-storage-key-encryption-key`; nil when a credential driver or
    /// `spec.credentials.keyEncryptionKeySecretRef` is configured (the operator then manages no KEK).
    public var keyEncryptionKeySecretName: String?
    /// The server certificate's DNS names: the defaults (`defaultDNSNames`) then `spec.tls.extraDNSNames`.
    public var serverDNSNames: [String]
    /// The server certificate's IP addresses, canonical text: `127.0.0.1`, `::1`, then `spec.tls.extraIPAddresses`.
    public var serverIPAddresses: [String]
    /// Server and client certificate lifetime (`spec.tls.duration`, default 8760h).
    public var certificateDuration: Duration
    /// Renew server and client certificates this long before they expire (`spec.tls.renewBefore`, default 720h).
    public var renewBefore: Duration
    /// Labels on every Secret the PKI creates.
    public var labels: [String: String]

    /// Resolves the settings of the gateway `gatewayName` in `namespace`.
    ///
    /// - Throws: a `FieldError` naming the field when `spec.tls.mode` is unknown, a duration does
    ///   not parse or is not positive, `renewBefore` is not shorter than `duration`, or an extra
    ///   IP address does not parse (the schema rejects all of these at admission already).
    public init(gatewayName: String, namespace: String, spec: OpenShellGatewaySpec) throws(FieldError) {
        let tlsPath = FieldPath("spec").child("tls")
        let tls = spec.tls
        self.gatewayName = gatewayName
        self.namespace = namespace

        let modeText = tls?.mode ?? GatewayTLSMode.builtIn.rawValue
        guard let mode = GatewayTLSMode(rawValue: modeText) else {
            throw FieldError.notSupported(tlsPath.child("mode"), .string(modeText), GatewayTLSMode.allCases.map(\.rawValue))
        }
        self.mode = mode

        caSecretName = tls?.certManager?.caSecretName ?? GatewayDefaults.certManagerCASecretName
        serverSecretName = tls?.secretNames?.server ?? GatewayDefaults.serverSecretName
        clientSecretName = tls?.secretNames?.client ?? GatewayDefaults.clientSecretName
        signingSecretName = spec.sandboxTokens?.signingSecretName ?? "\(gatewayName)-jwt-keys"
        let credentials = spec.credentials
        let externalDriver = credentials?.kubernetesSecrets != nil || credentials?.vault != nil
        keyEncryptionKeySecretName = externalDriver || credentials?.keyEncryptionKeySecretRef != nil
            ? nil : "\(gatewayName)-credential-storage-key-encryption-key"

        serverDNSNames = Self.unique(Self.defaultDNSNames(gatewayName: gatewayName, namespace: namespace) + (tls?.extraDNSNames ?? []))
        var addresses: [String] = []
        for (index, text) in (["127.0.0.1", "::1"] + (tls?.extraIPAddresses ?? [])).enumerated() {
            guard let canonical = CertificateTemplate.canonicalIPAddress(text) else {
                throw FieldError.invalid(tlsPath.child("extraIPAddresses").index(index - 2), .string(text), "must be an IPv4 or IPv6 address")
            }
            addresses.append(canonical)
        }
        serverIPAddresses = Self.unique(addresses)

        certificateDuration = try Self.duration(tls?.duration, default: GatewayDefaults.certificateDuration, at: tlsPath.child("duration"))
        renewBefore = try Self.duration(tls?.renewBefore, default: GatewayDefaults.certificateRenewBefore, at: tlsPath.child("renewBefore"))
        guard renewBefore < certificateDuration else {
            throw FieldError.invalid(tlsPath.child("renewBefore"), .string(tls?.renewBefore ?? GatewayDefaults.certificateRenewBefore),
                                     GatewayRuleMessages.renewBeforeShorter)
        }
        labels = [OpenShellLabels.managedBy: OpenShellLabels.managedByValue]
    }

    /// Whether the operator creates, checks and renews the CA, server and client Secrets.
    public var managesCertificates: Bool { mode == .builtIn }

    /// The server certificate's default DNS names for the gateway Service `gatewayName` in
    /// `namespace`: the chart's `defaultServerDnsNames` (openshell-contract §2.1) plus
    /// `<name>.<namespace>`, which in-cluster clients reach through the DNS search path.
    public static func defaultDNSNames(gatewayName name: String, namespace: String) -> [String] {
        [
            name, "\(name).\(namespace)", "\(name).\(namespace).svc", "\(name).\(namespace).svc.cluster.local",
            "localhost", "\(name).localhost", "*.\(name).localhost", "host.docker.internal", "host.containers.internal",
        ]
    }

    private static func duration(_ text: String?, default fallback: String, at path: FieldPath) throws(FieldError) -> Duration {
        let value = text ?? fallback
        guard let duration = GoDuration.parse(value), duration > .zero else {
            throw FieldError.invalid(path, .string(value), "must be a positive Go duration such as 720h")
        }
        return duration
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
