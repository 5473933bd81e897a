//! `Certificate`: an X.509 certificate held as DER, with its fields decoded once at creation,
//! PEM bundle reading, issuer checks and fingerprints.

import COpenSSL
import Foundation

/// An X.509 v3 certificate.
///
/// The value holds the DER encoding and the fields below, all decoded when the value is
/// created, so reading them never fails. Two certificates are equal when their DER is equal.
public struct Certificate: Sendable, Hashable, CustomStringConvertible {
    /// The DER encoding.
    public let der: [UInt8]
    public let subject: DistinguishedName
    public let issuer: DistinguishedName
    /// The serial number's magnitude, big-endian, without leading zero bytes.
    public let serialNumber: [UInt8]
    public let notBefore: Date
    public let notAfter: Date
    /// DNS subject alternative names, in certificate order.
    public let dnsNames: [String]
    /// IP subject alternative names as canonical text (`127.0.0.1`, `::1`), in certificate order.
    public let ipAddresses: [String]
    /// Whether basic constraints say `CA:TRUE`.
    public let isCA: Bool
    /// The basic constraints path length, when present.
    public let pathLengthConstraint: Int?
    /// The key usage extension; nil when the certificate has none.
    public let keyUsage: KeyUsage?
    /// The extended key usages this module recognises; nil when the certificate has no such
    /// extension.
    public let extendedKeyUsage: ExtendedKeyUsage?
    /// The subject key identifier, when present.
    public let subjectKeyIdentifier: [UInt8]?
    /// The key id of the authority key identifier, when present.
    public let authorityKeyIdentifier: [UInt8]?
    /// The subject's SubjectPublicKeyInfo DER.
    public let publicKeyDER: [UInt8]
    /// SHA-256 over `der` (what `openssl x509 -fingerprint -sha256` prints, as bytes).
    public let fingerprintSHA256: [UInt8]

    /// Reads one DER certificate.
    ///
    /// - Throws: `invalidDER` for anything else, including trailing bytes, malformed extensions or
    ///   a public key OpenSSL cannot read.
    public init(der: [UInt8]) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let certificate = try OpenSSL.decodeCertificate(der: der)
        defer { X509_free(certificate) }
        try self.init(handle: certificate)
    }

    /// Reads the first certificate of a PEM document (like `openssl x509`); use
    /// `Certificate.all(pem:)` for bundles.
    ///
    /// - Throws: `invalidPEM` when there is no readable `CERTIFICATE` block.
    public init(pem: String) throws(PKIError) {
        let certificates = try Certificate.all(pem: pem)
        guard let first = certificates.first else {
            throw PKIError(.invalidPEM, "no certificate in PEM input")
        }
        self = first
    }

    /// Reads every `CERTIFICATE` block of a PEM bundle, in order; text and other PEM blocks
    /// between them are skipped.
    ///
    /// - Throws: `invalidPEM` when there is no certificate or a `CERTIFICATE` block is malformed;
    ///   `invalidDER` when one decodes but has malformed extensions.
    public static func all(pem: String) throws(PKIError) -> [Certificate] {
        OpenSSLErrorQueue.clear()
        let handles: [OpaquePointer] = try OpenSSL.withReadBIO(Array(pem.utf8)) { bio in
            var handles: [OpaquePointer] = []
            while true {
                if let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                    handles.append(certificate)
                    continue
                }
                let last = ERR_peek_last_error()
                let endOfInput = copenssl_err_get_lib(last) == ERR_LIB_PEM
                    && copenssl_err_get_reason(last) == PEM_R_NO_START_LINE
                if endOfInput && !handles.isEmpty {
                    OpenSSLErrorQueue.clear()
                    return .success(handles)
                }
                handles.forEach { X509_free($0) }
                let message = endOfInput ? "no certificate in PEM input" : "malformed certificate in PEM input"
                return .failure(.openSSL(.invalidPEM, message))
            }
        }
        defer { handles.forEach { X509_free($0) } }
        var certificates: [Certificate] = []
        for handle in handles {
            certificates.append(try Certificate(handle: handle))
        }
        return certificates
    }

    /// Decodes every field from a handle the caller keeps owning.
    init(handle certificate: OpaquePointer) throws(PKIError) {
        let flags = X509_get_extension_flags(certificate)
        guard flags & UInt32(EXFLAG_INVALID) == 0 else {
            throw .openSSL(.invalidDER, "certificate has malformed extensions")
        }
        der = try OpenSSL.encode(certificate: certificate)
        fingerprintSHA256 = try OpenSSL.sha256(der)

        guard let subjectName = X509_get_subject_name(certificate),
              let issuerName = X509_get_issuer_name(certificate) else {
            throw .openSSL(.invalidDER, "certificate has no subject or issuer name")
        }
        subject = DistinguishedName(x509Name: subjectName)
        issuer = DistinguishedName(x509Name: issuerName)

        serialNumber = try Certificate.serialNumber(of: certificate)
        guard let notBeforeTime = X509_get0_notBefore(certificate),
              let notAfterTime = X509_get0_notAfter(certificate),
              let notBefore = Certificate.date(notBeforeTime),
              let notAfter = Certificate.date(notAfterTime) else {
            throw .openSSL(.invalidDER, "certificate has an unreadable validity period")
        }
        self.notBefore = notBefore
        self.notAfter = notAfter

        (dnsNames, ipAddresses) = Certificate.subjectAlternativeNames(of: certificate)

        isCA = flags & UInt32(EXFLAG_CA) != 0
        let pathLength = X509_get_pathlen(certificate)
        pathLengthConstraint = isCA && pathLength >= 0 ? Int(pathLength) : nil
        keyUsage = flags & UInt32(EXFLAG_KUSAGE) != 0
            ? Certificate.keyUsage(fromOpenSSL: X509_get_key_usage(certificate)) : nil
        extendedKeyUsage = flags & UInt32(EXFLAG_XKUSAGE) != 0
            ? Certificate.extendedKeyUsage(fromOpenSSL: X509_get_extended_key_usage(certificate)) : nil
        subjectKeyIdentifier = X509_get0_subject_key_id(certificate).map { OpenSSL.bytes(of: $0) }
        authorityKeyIdentifier = X509_get0_authority_key_id(certificate).map { OpenSSL.bytes(of: $0) }

        guard let key = X509_get0_pubkey(certificate) else {
            throw .openSSL(.invalidDER, "certificate has an unreadable public key")
        }
        publicKeyDER = try OpenSSL.encodePublicKey(key)
        OpenSSLErrorQueue.clear()
    }

    /// The certificate as a PEM `CERTIFICATE` block.
    public var pem: String {
        PEM.encode(label: "CERTIFICATE", der: der)
    }

    /// `serialNumber` as uppercase hex, as `openssl x509 -serial` prints it.
    public var serialNumberHex: String {
        serialNumber.isEmpty ? "00" : Hex.encode(serialNumber, uppercase: true)
    }

    /// The subject's public key.
    ///
    /// - Throws: `unsupportedAlgorithm` when the key is not one of `KeyAlgorithm`'s.
    public func publicKey() throws(PKIError) -> PublicKey {
        try PublicKey(der: publicKeyDER)
    }

    /// Whether `date` lies within `notBefore...notAfter`.
    public func isValid(at date: Date) -> Bool {
        notBefore <= date && date <= notAfter
    }

    /// Whether `issuer` issued this certificate: this certificate's issuer name equals
    /// `issuer`'s subject, the key identifiers (when both present) agree, `issuer`'s key usage
    /// (when present) allows certificate signing, and the signature verifies with `issuer`'s
    /// public key. A self-signed certificate is issued by itself.
    public func isIssued(by issuer: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard let subjectHandle = try? OpenSSL.decodeCertificate(der: der) else { return false }
        defer { X509_free(subjectHandle) }
        guard let issuerHandle = try? OpenSSL.decodeCertificate(der: issuer.der) else { return false }
        defer { X509_free(issuerHandle) }
        guard X509_check_issued(issuerHandle, subjectHandle) == X509_V_OK,
              let issuerKey = X509_get0_pubkey(issuerHandle) else { return false }
        return X509_verify(subjectHandle, issuerKey) == 1
    }

    public var description: String {
        "Certificate(subject: \(subject), issuer: \(issuer), serial: \(serialNumberHex))"
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }

    // MARK: Field decoding

    private static func serialNumber(of certificate: OpaquePointer) throws(PKIError) -> [UInt8] {
        guard let serial = X509_get0_serialNumber(certificate),
              let number = ASN1_INTEGER_to_BN(serial, nil) else {
            throw .openSSL(.invalidDER, "certificate has an unreadable serial number")
        }
        defer { BN_free(number) }
        let length = Int((BN_num_bits(number) + 7) / 8)
        var bytes = [UInt8](repeating: 0, count: length)
        let written = bytes.withUnsafeMutableBufferPointer { BN_bn2bin(number, $0.baseAddress) }
        return Array(bytes.prefix(Int(written)))
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>) -> Date? {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func subjectAlternativeNames(of certificate: OpaquePointer) -> (dns: [String], ip: [String]) {
        guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return ([], []) }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var dns: [String] = []
        var ip: [String] = []
        for index in 0..<max(0, copenssl_general_names_count(names)) {
            var type: Int32 = -1
            guard let value = copenssl_general_name_value(copenssl_general_names_value(names, index), &type) else {
                continue
            }
            let bytes = OpenSSL.bytes(of: value)
            if type == GEN_DNS {
                dns.append(String(decoding: bytes, as: UTF8.self))
            } else if type == GEN_IPADD, let text = IPAddress.format(bytes) {
                ip.append(text)
            }
        }
        return (dns, ip)
    }

    private static func keyUsage(fromOpenSSL bits: UInt32) -> KeyUsage {
        let table: [(UInt32, KeyUsage)] = [
            (UInt32(KU_DIGITAL_SIGNATURE), .digitalSignature), (UInt32(KU_NON_REPUDIATION), .contentCommitment),
            (UInt32(KU_KEY_ENCIPHERMENT), .keyEncipherment), (UInt32(KU_DATA_ENCIPHERMENT), .dataEncipherment),
            (UInt32(KU_KEY_AGREEMENT), .keyAgreement), (UInt32(KU_KEY_CERT_SIGN), .keyCertSign),
            (UInt32(KU_CRL_SIGN), .cRLSign), (UInt32(KU_ENCIPHER_ONLY), .encipherOnly),
            (UInt32(KU_DECIPHER_ONLY), .decipherOnly),
        ]
        return table.reduce(into: KeyUsage()) { usage, entry in
            if bits & entry.0 != 0 { usage.insert(entry.1) }
        }
    }

    private static func extendedKeyUsage(fromOpenSSL bits: UInt32) -> ExtendedKeyUsage {
        let table: [(UInt32, ExtendedKeyUsage)] = [
            (UInt32(XKU_SSL_SERVER), .serverAuth), (UInt32(XKU_SSL_CLIENT), .clientAuth),
            (UInt32(XKU_CODE_SIGN), .codeSigning), (UInt32(XKU_SMIME), .emailProtection),
            (UInt32(XKU_TIMESTAMP), .timeStamping), (UInt32(XKU_OCSP_SIGN), .ocspSigning),
        ]
        return table.reduce(into: ExtendedKeyUsage()) { usage, entry in
            if bits & entry.0 != 0 { usage.insert(entry.1) }
        }
    }
}
