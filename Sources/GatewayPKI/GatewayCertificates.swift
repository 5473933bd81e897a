//! Generation of the gateway's key material and its rendering as the Secrets the gateway mounts:
//! the CA, server and client certificates (`kubernetes.io/tls` with `ca.crt`), the Ed25519 JWT
//! signing pair (Opaque `signing.pem`, `public.pem`, `kid`) and the key-encryption key.
//! Secrets carry no ownerReferences: the caller adds them (never to the KEK Secret).

import Foundation
import KubeCore
import PKI

/// Which end-entity certificate of the gateway PKI.
public enum GatewayLeaf: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case server
    case client

    public var description: String { rawValue }

    /// The Secret holding this certificate.
    public func secretName(_ settings: GatewayPKISettings) -> String {
        self == .server ? settings.serverSecretName : settings.clientSecretName
    }
}

/// A certificate with its private key.
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let key: PrivateKey

    public init(certificate: Certificate, key: PrivateKey) {
        self.certificate = certificate
        self.key = key
    }
}

/// A freshly generated gateway PKI: CA, server and client certificates, and the JWT signing key.
public struct GatewayCertificates: Sendable {
    public let authority: CertificateAuthority
    public let server: IssuedCertificate
    public let client: IssuedCertificate
    public let signingKey: GatewaySigningKey

    /// Generates a new CA (ECDSA P-256, `GatewayPKISettings.caValidity`), a server and a client
    /// certificate issued by it (ECDSA P-256, `settings.certificateDuration`), and an Ed25519 JWT
    /// signing key. Every `notBefore` is `now` minus five minutes (clock skew).
    ///
    /// - Throws: `PKIError` when OpenSSL fails or a SAN is invalid.
    public static func generate(settings: GatewayPKISettings, now: Date) throws(PKIError) -> GatewayCertificates {
        let caKey = try PrivateKey.generate(.ecdsaP256)
        // Path length 0: the CA signs the gateway's certificates, never another CA.
        let authority = try CertificateAuthority.selfSigned(
            CertificateTemplate(
                subject: GatewayPKISubjects.ca, validity: .lasting(GatewayPKISettings.caValidity, from: now),
                basicConstraints: .certificateAuthority(pathLength: 0), keyUsage: [.digitalSignature, .keyCertSign, .cRLSign]),
            key: caKey)
        return GatewayCertificates(
            authority: authority,
            server: try issue(.server, by: authority, settings: settings, now: now),
            client: try issue(.client, by: authority, settings: settings, now: now),
            signingKey: try GatewaySigningKey.generate())
    }

    /// Issues a new server or client certificate (new ECDSA P-256 key) from `authority`: the
    /// server with `settings.serverDNSNames`/`serverIPAddresses` and `serverAuth`, the client with
    /// `clientAuth`; both `digitalSignature, keyEncipherment`, valid for `settings.certificateDuration`
    /// but never past the CA's own expiry.
    ///
    /// - Throws: `PKIError` when OpenSSL fails, a SAN is invalid, or the CA has expired.
    public static func issue(
        _ leaf: GatewayLeaf, by authority: CertificateAuthority, settings: GatewayPKISettings, now: Date
    ) throws(PKIError) -> IssuedCertificate {
        var validity = Validity.lasting(settings.certificateDuration, from: now)
        validity.notAfter = min(validity.notAfter, authority.certificate.notAfter)
        let template: CertificateTemplate
        switch leaf {
        case .server:
            template = CertificateTemplate(
                subject: GatewayPKISubjects.server, dnsNames: settings.serverDNSNames,
                ipAddresses: settings.serverIPAddresses, validity: validity,
                keyUsage: [.digitalSignature, .keyEncipherment], extendedKeyUsage: .serverAuth)
        case .client:
            template = CertificateTemplate(
                subject: GatewayPKISubjects.client, validity: validity,
                keyUsage: [.digitalSignature, .keyEncipherment], extendedKeyUsage: .clientAuth)
        }
        let key = try PrivateKey.generate(.ecdsaP256)
        return IssuedCertificate(certificate: try authority.issue(template, for: key.publicKey), key: key)
    }

    /// The CA, server and client Secrets, then the JWT Secret, in that order.
    public func secrets(settings: GatewayPKISettings) -> [KubeObject] {
        [
            GatewaySecrets.caSecret(authority, settings: settings),
            GatewaySecrets.leafSecret(.server, server, authority: authority.certificate, settings: settings),
            GatewaySecrets.leafSecret(.client, client, authority: authority.certificate, settings: settings),
            signingKey.secret(settings: settings),
        ]
    }
}

/// The gateway's Ed25519 key for signing sandbox JWTs.
public struct GatewaySigningKey: Sendable {
    public let key: PrivateKey

    /// The key id stored as `kid`: `PublicKey.keyID`, the lowercase hex of the first 16 bytes of
    /// SHA-256 over the public key's SPKI DER (32 characters). The contract fixes only the file
    /// (`kid`), not the derivation; the gateway reads the value as is.
    public var keyID: String { key.keyID }

    public init(key: PrivateKey) throws(PKIError) {
        guard key.algorithm == .ed25519 else {
            throw PKIError(.unsupportedAlgorithm, "the JWT signing key must be Ed25519, not \(key.algorithm)")
        }
        self.key = key
    }

    /// A new Ed25519 key.
    public static func generate() throws(PKIError) -> GatewaySigningKey {
        try GatewaySigningKey(key: PrivateKey.generate(.ed25519))
    }

    /// The Opaque Secret `settings.signingSecretName`: `signing.pem` (PKCS#8), `public.pem` (SPKI), `kid`.
    public func secret(settings: GatewayPKISettings) -> KubeObject {
        GatewaySecrets.secret(
            name: settings.signingSecretName, type: GatewaySecretKeys.opaqueType, settings: settings,
            data: [
                GatewaySecretKeys.signingKey: Array(key.pemPKCS8.utf8),
                GatewaySecretKeys.publicKey: Array(key.publicKey.pem.utf8),
                GatewaySecretKeys.keyID: Array(keyID.utf8),
            ])
    }
}

/// The key-encryption key the gateway encrypts stored provider credentials with.
public enum GatewayKeyEncryptionKey {
    /// The Opaque Secret `settings.keyEncryptionKeySecretName` whose `key-encryption-key` is the
    /// base64 text of 32 random bytes (the text is what the gateway reads from its environment);
    /// nil when the operator manages no KEK. Never give it an ownerReference: it outlives the gateway.
    public static func secret(settings: GatewayPKISettings) throws(PKIError) -> KubeObject? {
        guard let name = settings.keyEncryptionKeySecretName else { return nil }
        let key = Data(try SecureRandom.bytes(GatewayPKISettings.keyEncryptionKeyBytes)).base64EncodedString()
        return GatewaySecrets.secret(
            name: name, type: GatewaySecretKeys.opaqueType, settings: settings,
            data: [GatewaySecretKeys.keyEncryptionKey: Array(key.utf8)])
    }
}

/// Secret rendering shared by the generators.
enum GatewaySecrets {
    static func caSecret(_ authority: CertificateAuthority, settings: GatewayPKISettings) -> KubeObject {
        tlsSecret(name: settings.caSecretName, certificate: authority.certificate, key: authority.key,
                  authority: authority.certificate, settings: settings)
    }

    static func leafSecret(
        _ leaf: GatewayLeaf, _ issued: IssuedCertificate, authority: Certificate, settings: GatewayPKISettings
    ) -> KubeObject {
        tlsSecret(name: leaf.secretName(settings),
                  certificate: issued.certificate, key: issued.key, authority: authority, settings: settings)
    }

    static func tlsSecret(
        name: String, certificate: Certificate, key: PrivateKey, authority: Certificate, settings: GatewayPKISettings
    ) -> KubeObject {
        secret(name: name, type: GatewaySecretKeys.tlsType, settings: settings, data: [
            GatewaySecretKeys.certificate: Array(certificate.pem.utf8),
            GatewaySecretKeys.privateKey: Array(key.pemPKCS8.utf8),
            GatewaySecretKeys.caCertificate: Array(authority.pem.utf8),
        ])
    }

    static func secret(name: String, type: String, settings: GatewayPKISettings, data: [String: [UInt8]]) -> KubeObject {
        var encoded: JSONObject = [:]
        for (key, bytes) in data {
            encoded[key] = .string(Data(bytes).base64EncodedString())
        }
        var labels: JSONObject = [:]
        for (key, value) in settings.labels {
            labels[key] = .string(value)
        }
        return KubeObject([
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": .object(["name": .string(name), "namespace": .string(settings.namespace), "labels": .object(labels)]),
            "type": .string(type),
            "data": .object(encoded),
        ])
    }
}
