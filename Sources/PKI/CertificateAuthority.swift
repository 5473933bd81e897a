//! Issuing: `CertificateAuthority` (a CA certificate with its key) and the OpenSSL code that
//! turns a `CertificateTemplate` into a signed X.509 v3 certificate.

import COpenSSL
import Foundation

/// A certificate authority: a CA certificate and its private key.
public struct CertificateAuthority: Sendable, CustomStringConvertible {
    /// The CA certificate.
    public let certificate: Certificate
    /// The CA's private key; its public half is `certificate`'s key.
    public let key: PrivateKey

    /// Pairs an existing CA certificate with its key (e.g. read back from a Secret).
    ///
    /// - Throws: `invalidArgument` when `certificate` is not a CA, or `key` is not its key.
    public init(certificate: Certificate, key: PrivateKey) throws(PKIError) {
        guard certificate.isCA else {
            throw PKIError(.invalidArgument, "certificate \(certificate.subject) is not a CA")
        }
        guard certificate.publicKeyDER == key.publicKey.der else {
            throw PKIError(.invalidArgument, "private key does not match the CA certificate")
        }
        self.certificate = certificate
        self.key = key
    }

    /// A self-signed root CA from `CertificateTemplate.certificateAuthority(...)`.
    ///
    /// - Throws: see `selfSigned(_:key:)`.
    public static func selfSigned(
        commonName: String, organizations: [String] = [], validity: Validity, key: PrivateKey
    ) throws(PKIError) -> CertificateAuthority {
        try selfSigned(
            .certificateAuthority(commonName: commonName, organizations: organizations, validity: validity),
            key: key
        )
    }

    /// A self-signed root CA from a CA template, signed by `key` (SHA-256; Ed25519 without a
    /// digest). The authority key identifier equals the subject key identifier.
    ///
    /// - Throws: `invalidArgument` when the template is not a CA template or is invalid
    ///   (see `CertificateTemplate`); `openSSLFailure` when OpenSSL cannot build or sign.
    public static func selfSigned(_ template: CertificateTemplate, key: PrivateKey) throws(PKIError) -> CertificateAuthority {
        guard case .certificateAuthority = template.basicConstraints else {
            throw PKIError(.invalidArgument, "a self-signed CA needs a CA template (basic constraints CA:TRUE)")
        }
        let certificate = try CertificateSigner.sign(template, subjectKey: key.publicKey, issuer: nil, issuerKey: key)
        return try CertificateAuthority(certificate: certificate, key: key)
    }

    /// Issues a certificate for `publicKey` from `template`, signed by this CA (SHA-256; Ed25519
    /// without a digest), with a random 16-byte positive serial number (126 random bits; the top
    /// two bits are `01` so the encoding is always 16 bytes), an authority key
    /// identifier of this CA's subject key identifier. The validity is used as given, even when
    /// it outlasts the CA.
    ///
    /// - Throws: `invalidArgument` for an invalid template; `openSSLFailure` when OpenSSL cannot
    ///   build or sign.
    public func issue(_ template: CertificateTemplate, for publicKey: PublicKey) throws(PKIError) -> Certificate {
        try CertificateSigner.sign(template, subjectKey: publicKey, issuer: certificate, issuerKey: key)
    }

    public var description: String { "CertificateAuthority(\(certificate.subject))" }
}

/// Builds and signs X.509 v3 certificates.
enum CertificateSigner {
    /// Signs `template` for `subjectKey`; `issuer` nil means self-signed by `issuerKey`.
    static func sign(
        _ template: CertificateTemplate, subjectKey: PublicKey, issuer: Certificate?, issuerKey: PrivateKey
    ) throws(PKIError) -> Certificate {
        try template.validate()
        OpenSSLErrorQueue.clear()
        guard let certificate = X509_new() else {
            throw .openSSL("X509_new failed")
        }
        defer { X509_free(certificate) }

        guard X509_set_version(certificate, Int(X509_VERSION_3)) == 1 else {
            throw .openSSL("could not set the certificate version")
        }
        try setRandomSerialNumber(certificate)
        try setValidity(certificate, template.validity)

        let subjectName = try template.subject.makeX509Name()
        defer { X509_NAME_free(subjectName) }
        guard X509_set_subject_name(certificate, subjectName) == 1 else {
            throw .openSSL("could not set the subject name")
        }

        // Keep the issuer handle alive until the extensions (authority key id) are written.
        var issuerHandle: OpaquePointer? = nil
        defer { if let issuerHandle { X509_free(issuerHandle) } }
        if let issuer {
            let handle = try OpenSSL.decodeCertificate(der: issuer.der)
            issuerHandle = handle
            guard X509_set_issuer_name(certificate, X509_get_subject_name(handle)) == 1 else {
                throw .openSSL("could not set the issuer name")
            }
        } else {
            guard X509_set_issuer_name(certificate, subjectName) == 1 else {
                throw .openSSL("could not set the issuer name")
            }
        }

        let publicKey = try OpenSSL.decodePublicKey(der: subjectKey.der)
        defer { EVP_PKEY_free(publicKey) }
        guard X509_set_pubkey(certificate, publicKey) == 1 else {
            throw .openSSL("could not set the public key")
        }

        try addExtensions(template, to: certificate, issuer: issuerHandle ?? certificate)

        let signingKey = try OpenSSL.decodePrivateKey(der: issuerKey.pkcs8DER)
        defer { EVP_PKEY_free(signingKey) }
        guard X509_sign(certificate, signingKey, issuerKey.algorithm.signingDigest) > 0 else {
            throw .openSSL("could not sign the certificate with \(issuerKey.algorithm)")
        }
        return try Certificate(der: OpenSSL.encode(certificate: certificate))
    }

    /// A random positive serial number of exactly 16 bytes: the top two bits are `01` (positive,
    /// no leading zero byte), the other 126 are random.
    private static func setRandomSerialNumber(_ certificate: OpaquePointer) throws(PKIError) {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard bytes.withUnsafeMutableBufferPointer({ RAND_bytes($0.baseAddress, Int32($0.count)) }) == 1 else {
            throw .openSSL("RAND_bytes failed")
        }
        bytes[0] = (bytes[0] & 0x3f) | 0x40
        guard let number = bytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            throw .openSSL("BN_bin2bn failed")
        }
        defer { BN_free(number) }
        guard let serial = BN_to_ASN1_INTEGER(number, nil) else {
            throw .openSSL("BN_to_ASN1_INTEGER failed")
        }
        defer { ASN1_INTEGER_free(serial) }
        guard X509_set_serialNumber(certificate, serial) == 1 else {
            throw .openSSL("could not set the serial number")
        }
    }

    private static func setValidity(_ certificate: OpaquePointer, _ validity: Validity) throws(PKIError) {
        let notBefore = time_t(validity.notBefore.timeIntervalSince1970)
        let notAfter = time_t(validity.notAfter.timeIntervalSince1970)
        guard ASN1_TIME_set(X509_getm_notBefore(certificate), notBefore) != nil,
              ASN1_TIME_set(X509_getm_notAfter(certificate), notAfter) != nil else {
            throw .openSSL(.invalidArgument, "validity period cannot be encoded")
        }
    }

    /// Adds basic constraints, key usage, extended key usage, subject and authority key ids and
    /// subject alternative names. `issuer` is the issuing certificate (or `certificate` itself
    /// when self-signed) and must already carry its subject key identifier.
    private static func addExtensions(
        _ template: CertificateTemplate, to certificate: OpaquePointer, issuer: OpaquePointer
    ) throws(PKIError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer, certificate, nil, nil, 0)

        // Every value below is built from this module's own constants, never from caller text.
        var configured: [(nid: Int32, value: String)] = []
        switch template.basicConstraints {
        case .endEntity:
            configured.append((NID_basic_constraints, "critical,CA:FALSE"))
        case .certificateAuthority(let pathLength):
            configured.append((NID_basic_constraints, "critical,CA:TRUE" + (pathLength.map { ",pathlen:\($0)" } ?? "")))
        }
        if !template.keyUsage.isEmpty {
            let names = KeyUsage.names.filter { template.keyUsage.contains($0.usage) }.map(\.name)
            configured.append((NID_key_usage, "critical," + names.joined(separator: ",")))
        }
        if !template.extendedKeyUsage.isEmpty {
            let names = ExtendedKeyUsage.names.filter { template.extendedKeyUsage.contains($0.usage) }.map(\.name)
            configured.append((NID_ext_key_usage, names.joined(separator: ",")))
        }
        configured.append((NID_subject_key_identifier, "hash"))
        configured.append((NID_authority_key_identifier, "keyid:always"))

        for (nid, value) in configured {
            guard let extensionHandle = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw .openSSL("could not build the \(String(cString: OBJ_nid2sn(nid))) extension")
            }
            defer { X509_EXTENSION_free(extensionHandle) }
            guard X509_add_ext(certificate, extensionHandle, -1) == 1 else {
                throw .openSSL("could not add the \(String(cString: OBJ_nid2sn(nid))) extension")
            }
        }

        if !template.dnsNames.isEmpty || !template.ipAddresses.isEmpty {
            let names = try makeGeneralNames(dnsNames: template.dnsNames, ipAddresses: template.ipAddresses)
            defer { GENERAL_NAMES_free(names) }
            // RFC 5280 §4.2.1.6: critical when the subject is empty.
            let critical: Int32 = template.subject.isEmpty ? 1 : 0
            guard X509_add1_ext_i2d(certificate, NID_subject_alt_name, UnsafeMutableRawPointer(names), critical,
                                UInt(X509V3_ADD_DEFAULT)) == 1 else {
                throw .openSSL("could not add the subject alternative names")
            }
        }
    }

    /// A new `GENERAL_NAMES` the caller must free, with every DNS name then every IP address.
    private static func makeGeneralNames(dnsNames: [String], ipAddresses: [String]) throws(PKIError) -> OpaquePointer {
        guard let names = GENERAL_NAMES_new() else {
            throw .openSSL("GENERAL_NAMES_new failed")
        }
        var entries: [(type: Int32, bytes: [UInt8], text: String)] = dnsNames.map { (GEN_DNS, Array($0.utf8), $0) }
        for address in ipAddresses {
            guard let bytes = IPAddress.parse(address) else {
                GENERAL_NAMES_free(names)
                throw PKIError(.invalidArgument, "invalid IP address \"\(address)\"")
            }
            entries.append((GEN_IPADD, bytes, address))
        }
        for entry in entries {
            guard let name = GENERAL_NAME_new() else {
                GENERAL_NAMES_free(names)
                throw .openSSL("GENERAL_NAME_new failed")
            }
            let value = entry.type == GEN_DNS ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new()
            guard let value,
                  entry.bytes.withUnsafeBufferPointer({ ASN1_STRING_set(value, $0.baseAddress, Int32($0.count)) }) == 1
            else {
                ASN1_STRING_free(value)
                GENERAL_NAME_free(name)
                GENERAL_NAMES_free(names)
                throw .openSSL("could not encode subject alternative name \"\(entry.text)\"")
            }
            GENERAL_NAME_set0_value(name, entry.type, UnsafeMutableRawPointer(value))
            guard copenssl_general_names_push(names, name) > 0 else {
                GENERAL_NAME_free(name)
                GENERAL_NAMES_free(names)
                throw .openSSL("could not add subject alternative name \"\(entry.text)\"")
            }
        }
        return names
    }
}
