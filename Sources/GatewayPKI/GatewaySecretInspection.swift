//! Reading existing gateway Secrets back: the certificates, keys and values they hold, or the
//! problem that makes one unusable. Pure: a Secret object in, parsed material or a message out.

import Foundation
import KubeCore
import PKI

/// The gateway Secrets as read from the cluster; nil means the Secret does not exist.
public struct ObservedGatewaySecrets: Sendable, Hashable {
    public var ca: KubeObject?
    public var server: KubeObject?
    public var client: KubeObject?
    public var signingKey: KubeObject?
    public var keyEncryptionKey: KubeObject?

    public init(ca: KubeObject? = nil, server: KubeObject? = nil, client: KubeObject? = nil,
                signingKey: KubeObject? = nil, keyEncryptionKey: KubeObject? = nil) {
        self.ca = ca
        self.server = server
        self.client = client
        self.signingKey = signingKey
        self.keyEncryptionKey = keyEncryptionKey
    }

    /// The Secret of a server or client certificate.
    public func leaf(_ leaf: GatewayLeaf) -> KubeObject? {
        leaf == .server ? server : client
    }
}

/// Reads gateway Secrets. Every failure is a sentence naming the Secret, for a condition message.
public enum GatewaySecretInspection {
    /// The decoded bytes of `key` in a Secret's `data`, or nil when absent or not base64.
    public static func data(_ secret: KubeObject, _ key: String) -> [UInt8]? {
        guard let text = secret.json["data"]?[key]?.stringValue, let bytes = Data(base64Encoded: text) else { return nil }
        return Array(bytes)
    }

    /// The CA of a CA Secret: a `kubernetes.io/tls` Secret whose `tls.crt` is a CA certificate
    /// and whose `tls.key` is its key.
    public static func authority(_ secret: KubeObject) -> Result<CertificateAuthority, InspectionProblem> {
        let name = secret.name
        let pair: (Certificate, PrivateKey)
        switch certificateAndKey(secret) {
        case .success(let value): pair = value
        case .failure(let problem): return .failure(problem)
        }
        guard pair.0.isCA else {
            return .failure(InspectionProblem("Secret \(name) holds no CA certificate (tls.crt is not CA:TRUE)"))
        }
        guard let authority = try? CertificateAuthority(certificate: pair.0, key: pair.1) else {
            return .failure(InspectionProblem("Secret \(name): tls.key does not match tls.crt"))
        }
        return .success(authority)
    }

    /// The server or client certificate of a leaf Secret: a `kubernetes.io/tls` Secret whose
    /// `tls.key` matches `tls.crt`, whose `ca.crt` is `authority`, which `authority` issued, and
    /// which allows the leaf's extended key usage.
    public static func leaf(
        _ leaf: GatewayLeaf, _ secret: KubeObject, authority: Certificate
    ) -> Result<IssuedCertificate, InspectionProblem> {
        let name = secret.name
        let pair: (Certificate, PrivateKey)
        switch certificateAndKey(secret) {
        case .success(let value): pair = value
        case .failure(let problem): return .failure(problem)
        }
        let (certificate, key) = pair
        guard let caText = data(secret, GatewaySecretKeys.caCertificate).map({ String(decoding: $0, as: UTF8.self) }),
              let ca = try? Certificate(pem: caText) else {
            return .failure(InspectionProblem("Secret \(name) has no readable ca.crt"))
        }
        guard ca == authority else {
            return .failure(InspectionProblem("Secret \(name): ca.crt is not the CA certificate of the CA Secret"))
        }
        guard certificate.isIssued(by: authority) else {
            return .failure(InspectionProblem("Secret \(name): tls.crt was not issued by the CA of the CA Secret"))
        }
        let usage: ExtendedKeyUsage = leaf == .server ? .serverAuth : .clientAuth
        if let extended = certificate.extendedKeyUsage, !extended.contains(usage) {
            let name = leaf == .server ? "serverAuth" : "clientAuth"
            return .failure(InspectionProblem("Secret \(secret.name): tls.crt does not allow \(name)"))
        }
        return .success(IssuedCertificate(certificate: certificate, key: key))
    }

    /// The JWT signing key of a JWT Secret: `signing.pem` an Ed25519 private key, `public.pem`
    /// its public key, `kid` non-empty.
    public static func signingKey(_ secret: KubeObject) -> Result<GatewaySigningKey, InspectionProblem> {
        let name = secret.name
        guard let pem = data(secret, GatewaySecretKeys.signingKey).map({ String(decoding: $0, as: UTF8.self) }),
              let key = try? PrivateKey(pem: pem) else {
            return .failure(InspectionProblem("Secret \(name) has no readable signing.pem"))
        }
        guard let signingKey = try? GatewaySigningKey(key: key) else {
            return .failure(InspectionProblem("Secret \(name): signing.pem is \(key.algorithm), not Ed25519"))
        }
        guard let publicPEM = data(secret, GatewaySecretKeys.publicKey).map({ String(decoding: $0, as: UTF8.self) }),
              let publicKey = try? PublicKey(pem: publicPEM) else {
            return .failure(InspectionProblem("Secret \(name) has no readable public.pem"))
        }
        guard publicKey == key.publicKey else {
            return .failure(InspectionProblem("Secret \(name): public.pem is not the public key of signing.pem"))
        }
        guard let kid = data(secret, GatewaySecretKeys.keyID), !kid.isEmpty else {
            return .failure(InspectionProblem("Secret \(name) has no kid"))
        }
        return .success(signingKey)
    }

    /// Whether a KEK Secret holds a non-empty `key-encryption-key`.
    public static func keyEncryptionKey(_ secret: KubeObject) -> Result<Void, InspectionProblem> {
        guard let key = data(secret, GatewaySecretKeys.keyEncryptionKey), !key.isEmpty else {
            return .failure(InspectionProblem("Secret \(secret.name) has no key-encryption-key"))
        }
        return .success(())
    }

    /// `tls.crt` and `tls.key` of a `kubernetes.io/tls` Secret.
    private static func certificateAndKey(_ secret: KubeObject) -> Result<(Certificate, PrivateKey), InspectionProblem> {
        let name = secret.name
        let type = secret.json["type"]?.stringValue ?? GatewaySecretKeys.opaqueType
        guard type == GatewaySecretKeys.tlsType else {
            return .failure(InspectionProblem("Secret \(name) has type \(type), not \(GatewaySecretKeys.tlsType)"))
        }
        guard let certificateText = data(secret, GatewaySecretKeys.certificate).map({ String(decoding: $0, as: UTF8.self) }),
              let certificate = try? Certificate(pem: certificateText) else {
            return .failure(InspectionProblem("Secret \(name) has no readable tls.crt"))
        }
        guard let keyText = data(secret, GatewaySecretKeys.privateKey).map({ String(decoding: $0, as: UTF8.self) }),
              let key = try? PrivateKey(pem: keyText) else {
            return .failure(InspectionProblem("Secret \(name) has no readable tls.key"))
        }
        guard certificate.publicKeyDER == key.publicKey.der else {
            return .failure(InspectionProblem("Secret \(name): tls.key does not match tls.crt"))
        }
        return .success((certificate, key))
    }
}

/// Why an existing Secret cannot be used.
public struct InspectionProblem: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
