//! Key pairs: `KeyAlgorithm`, `PrivateKey` (generation, PKCS#8 PEM/DER, signing) and `PublicKey`
//! (SPKI PEM/DER, verification, key id). Both are value types holding DER; OpenSSL handles live
//! only inside a single call.

import COpenSSL

/// The key algorithms this module generates, reads and signs with.
public enum KeyAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// ECDSA on NIST P-256 (`prime256v1`); signs ECDSA with SHA-256.
    case ecdsaP256
    /// RSA with a modulus of `bits` bits; signs PKCS#1 v1.5 with SHA-256.
    /// Generation accepts 2048...16384 bits.
    case rsa(bits: Int)
    /// Ed25519; signs pure EdDSA (no separate digest).
    case ed25519

    /// The RSA sizes `PrivateKey.generate` accepts.
    public static let rsaBitRange = 2048...16384

    public var description: String {
        switch self {
        case .ecdsaP256: return "ECDSA P-256"
        case .rsa(let bits): return "RSA \(bits)"
        case .ed25519: return "Ed25519"
        }
    }

    /// The algorithm of a key handle, or an `unsupportedAlgorithm` error.
    static func of(_ key: OpaquePointer) throws(PKIError) -> KeyAlgorithm {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_ED25519:
            return .ed25519
        case EVP_PKEY_RSA:
            return .rsa(bits: Int(EVP_PKEY_get_bits(key)))
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            let ok = name.withUnsafeMutableBufferPointer { buffer in
                EVP_PKEY_get_group_name(key, buffer.baseAddress, buffer.count, &length) == 1
            }
            let curve = ok ? String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
            guard curve == "prime256v1" else {
                OpenSSLErrorQueue.clear()
                throw PKIError(.unsupportedAlgorithm, "unsupported elliptic curve \(curve); only P-256 is supported")
            }
            return .ecdsaP256
        default:
            let name = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "unknown"
            throw PKIError(.unsupportedAlgorithm, "unsupported key type \(name)")
        }
    }

    /// The digest to sign with: SHA-256, or none (NULL) for Ed25519.
    var signingDigest: OpaquePointer? {
        switch self {
        case .ed25519: return nil
        case .ecdsaP256, .rsa: return EVP_sha256()
        }
    }
}

/// A private key (with its public half), held as PKCS#8 DER.
///
/// `description` never shows key material. Create one with `generate(_:)`, `init(pem:)` or
/// `init(der:)`.
public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key's algorithm.
    public let algorithm: KeyAlgorithm
    /// The unencrypted PKCS#8 `PrivateKeyInfo` DER.
    public let pkcs8DER: [UInt8]
    /// The public half.
    public let publicKey: PublicKey

    /// Generates a fresh key pair from OpenSSL's default CSPRNG.
    ///
    /// - Throws: `invalidArgument` for an RSA size outside `KeyAlgorithm.rsaBitRange`;
    ///   `openSSLFailure` when OpenSSL cannot generate.
    public static func generate(_ algorithm: KeyAlgorithm) throws(PKIError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        let type: Int32
        switch algorithm {
        case .ecdsaP256: type = EVP_PKEY_EC
        case .ed25519: type = EVP_PKEY_ED25519
        case .rsa(let bits):
            guard KeyAlgorithm.rsaBitRange.contains(bits) else {
                throw PKIError(.invalidArgument, "RSA key size \(bits) is outside \(KeyAlgorithm.rsaBitRange)")
            }
            type = EVP_PKEY_RSA
        }
        guard let context = EVP_PKEY_CTX_new_id(type, nil) else {
            throw .openSSL("EVP_PKEY_CTX_new_id failed for \(algorithm)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw .openSSL("EVP_PKEY_keygen_init failed for \(algorithm)")
        }
        switch algorithm {
        case .ecdsaP256:
            guard EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) > 0 else {
                throw .openSSL("could not select curve P-256")
            }
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) > 0 else {
                throw .openSSL("could not set RSA key size \(bits)")
            }
        case .ed25519:
            break
        }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw .openSSL("key generation failed for \(algorithm)")
        }
        defer { EVP_PKEY_free(key) }
        return try PrivateKey(handle: key)
    }

    /// Reads the first private key in a PEM document: PKCS#8 `PRIVATE KEY`, or the traditional
    /// `RSA PRIVATE KEY` / `EC PRIVATE KEY`. Other PEM blocks before it are skipped.
    ///
    /// - Throws: `invalidPEM` when there is no readable unencrypted key (encrypted keys are
    ///   rejected, never prompted for); `unsupportedAlgorithm` for keys other than `KeyAlgorithm`'s.
    public init(pem: String) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer = try OpenSSL.withReadBIO(Array(pem.utf8)) { bio in
            // A callback that refuses every passphrase: an encrypted key fails instead of prompting.
            guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil) else {
                return .failure(.openSSL(.invalidPEM, "no readable unencrypted private key in PEM input"))
            }
            return .success(key)
        }
        defer { EVP_PKEY_free(key) }
        try self.init(handle: key)
    }

    /// Reads a DER private key: PKCS#8 `PrivateKeyInfo` (traditional RSA/EC DER is accepted too).
    ///
    /// - Throws: `invalidDER` for anything else, including trailing bytes; `unsupportedAlgorithm`.
    public init(der: [UInt8]) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let key = try OpenSSL.decodePrivateKey(der: der)
        defer { EVP_PKEY_free(key) }
        try self.init(handle: key)
    }

    /// Builds the value from a key handle the caller keeps owning.
    init(handle key: OpaquePointer) throws(PKIError) {
        algorithm = try KeyAlgorithm.of(key)
        pkcs8DER = try OpenSSL.collect("PKCS#8 private key") { bio in
            i2d_PKCS8PrivateKey_bio(bio, key, nil, nil, 0, nil, nil) == 1
        }
        publicKey = try PublicKey(handle: key)
    }

    /// The key as an unencrypted PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`).
    public var pemPKCS8: String {
        PEM.encode(label: "PRIVATE KEY", der: pkcs8DER)
    }

    /// The public key id; see `PublicKey.keyID`.
    public var keyID: String { publicKey.keyID }

    /// Signs `message`: pure Ed25519 (64 bytes), ECDSA P-256 with SHA-256 (DER `ECDSA-Sig-Value`,
    /// not the JOSE `r||s` form), or RSA PKCS#1 v1.5 with SHA-256.
    ///
    /// - Throws: `openSSLFailure` when OpenSSL cannot sign.
    public func sign(_ message: [UInt8]) throws(PKIError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        let key = try OpenSSL.decodePrivateKey(der: pkcs8DER)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else {
            throw .openSSL("EVP_MD_CTX_new failed")
        }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, algorithm.signingDigest, nil, key) == 1 else {
            throw .openSSL("could not initialise \(algorithm) signing")
        }
        let signature: [UInt8]? = OpenSSL.withBytes(message) { pointer, count in
            var length = 0
            guard EVP_DigestSign(context, nil, &length, pointer, count) == 1 else { return nil }
            var output = [UInt8](repeating: 0, count: length)
            let ok = output.withUnsafeMutableBufferPointer { buffer in
                EVP_DigestSign(context, buffer.baseAddress, &length, pointer, count) == 1
            }
            return ok ? Array(output.prefix(length)) : nil
        }
        guard let signature else {
            throw .openSSL("\(algorithm) signing failed")
        }
        return signature
    }

    public var description: String { "PrivateKey(\(algorithm), kid: \(keyID))" }
    public var debugDescription: String { description }
}

/// A public key, held as SubjectPublicKeyInfo (SPKI) DER.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's algorithm.
    public let algorithm: KeyAlgorithm
    /// The SubjectPublicKeyInfo DER.
    public let der: [UInt8]
    /// A stable key id: the lowercase hex of the first 16 bytes of SHA-256 over `der`
    /// (32 hex characters). This is the `kid` derivation the OpenShell gateway uses for its JWT
    /// signing key, so the value can be stored as the JWT Secret's `kid` as is.
    public let keyID: String

    /// Reads the first `PUBLIC KEY` (SPKI) block of a PEM document.
    ///
    /// - Throws: `invalidPEM`; `unsupportedAlgorithm`.
    public init(pem: String) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer = try OpenSSL.withReadBIO(Array(pem.utf8)) { bio in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                return .failure(.openSSL(.invalidPEM, "no readable public key in PEM input"))
            }
            return .success(key)
        }
        defer { EVP_PKEY_free(key) }
        try self.init(handle: key)
    }

    /// Reads SubjectPublicKeyInfo DER.
    ///
    /// - Throws: `invalidDER`, including for trailing bytes; `unsupportedAlgorithm`.
    public init(der: [UInt8]) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let key = try OpenSSL.decodePublicKey(der: der)
        defer { EVP_PKEY_free(key) }
        try self.init(handle: key)
    }

    /// Builds the value from a key handle (public or private) the caller keeps owning.
    init(handle key: OpaquePointer) throws(PKIError) {
        algorithm = try KeyAlgorithm.of(key)
        der = try OpenSSL.encodePublicKey(key)
        keyID = Hex.encode(try OpenSSL.sha256(der).prefix(16))
    }

    /// The key as a PEM `PUBLIC KEY` (SPKI) block.
    public var pem: String {
        PEM.encode(label: "PUBLIC KEY", der: der)
    }

    /// Whether `signature` is a valid signature of `message` by this key, in the scheme
    /// `PrivateKey.sign(_:)` produces. Any failure, including a malformed signature, is `false`.
    public func verify(signature: [UInt8], for message: [UInt8]) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard let key = try? OpenSSL.decodePublicKey(der: der) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, algorithm.signingDigest, nil, key) == 1 else {
            return false
        }
        return OpenSSL.withBytes(signature) { signaturePointer, signatureCount in
            OpenSSL.withBytes(message) { messagePointer, messageCount in
                EVP_DigestVerify(context, signaturePointer, signatureCount, messagePointer, messageCount) == 1
            }
        }
    }

    public var description: String { "PublicKey(\(algorithm), kid: \(keyID))" }
}
