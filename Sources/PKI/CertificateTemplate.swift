//! What to put in a certificate, as pure values: `CertificateTemplate`, `Validity`,
//! `BasicConstraints`, `KeyUsage`, `ExtendedKeyUsage`, and IP address text <-> bytes.
//! Nothing here touches OpenSSL; `CertificateAuthority` turns a template into a certificate.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// X.509 key usage bits (RFC 5280 §4.2.1.3).
public struct KeyUsage: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let digitalSignature = KeyUsage(rawValue: 1 << 0)
    /// Also known as nonRepudiation.
    public static let contentCommitment = KeyUsage(rawValue: 1 << 1)
    public static let keyEncipherment = KeyUsage(rawValue: 1 << 2)
    public static let dataEncipherment = KeyUsage(rawValue: 1 << 3)
    public static let keyAgreement = KeyUsage(rawValue: 1 << 4)
    public static let keyCertSign = KeyUsage(rawValue: 1 << 5)
    public static let cRLSign = KeyUsage(rawValue: 1 << 6)
    public static let encipherOnly = KeyUsage(rawValue: 1 << 7)
    public static let decipherOnly = KeyUsage(rawValue: 1 << 8)

    /// Each bit with its OpenSSL configuration name, in RFC order.
    static let names: [(usage: KeyUsage, name: String)] = [
        (.digitalSignature, "digitalSignature"), (.contentCommitment, "nonRepudiation"),
        (.keyEncipherment, "keyEncipherment"), (.dataEncipherment, "dataEncipherment"),
        (.keyAgreement, "keyAgreement"), (.keyCertSign, "keyCertSign"), (.cRLSign, "cRLSign"),
        (.encipherOnly, "encipherOnly"), (.decipherOnly, "decipherOnly"),
    ]
}

/// X.509 extended key usages (RFC 5280 §4.2.1.12) this module writes and recognises.
public struct ExtendedKeyUsage: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// TLS server authentication (`id-kp-serverAuth`).
    public static let serverAuth = ExtendedKeyUsage(rawValue: 1 << 0)
    /// TLS client authentication (`id-kp-clientAuth`).
    public static let clientAuth = ExtendedKeyUsage(rawValue: 1 << 1)
    public static let codeSigning = ExtendedKeyUsage(rawValue: 1 << 2)
    public static let emailProtection = ExtendedKeyUsage(rawValue: 1 << 3)
    public static let timeStamping = ExtendedKeyUsage(rawValue: 1 << 4)
    public static let ocspSigning = ExtendedKeyUsage(rawValue: 1 << 5)

    /// Each usage with its OpenSSL configuration name.
    static let names: [(usage: ExtendedKeyUsage, name: String)] = [
        (.serverAuth, "serverAuth"), (.clientAuth, "clientAuth"), (.codeSigning, "codeSigning"),
        (.emailProtection, "emailProtection"), (.timeStamping, "timeStamping"), (.ocspSigning, "OCSPSigning"),
    ]
}

/// The basic constraints extension (RFC 5280 §4.2.1.9), always written as critical.
public enum BasicConstraints: Sendable, Hashable {
    /// `CA:FALSE`.
    case endEntity
    /// `CA:TRUE`, with an optional path length constraint (>= 0).
    case certificateAuthority(pathLength: Int?)
}

/// A certificate's validity period. Certificates store whole seconds: fractional seconds are
/// truncated when a certificate is issued.
public struct Validity: Sendable, Hashable {
    /// The default back-dating of `notBefore`, tolerating clock skew between machines.
    public static let defaultBackdate: Duration = .seconds(5 * 60)
    /// RFC 5280 §4.1.2.5's "no well-defined expiration date": 9999-12-31T23:59:59Z, also the
    /// latest time a certificate can carry.
    public static let noWellDefinedExpiration = Date(timeIntervalSince1970: 253_402_300_799)
    /// The earliest time a certificate can carry: 0001-01-01T00:00:00Z.
    public static let earliestEncodable = Date(timeIntervalSince1970: -62_135_596_800)

    public var notBefore: Date
    public var notAfter: Date

    /// A validity period from `notBefore` to `notAfter`, both truncated to whole seconds.
    public init(notBefore: Date, notAfter: Date) {
        self.notBefore = Validity.wholeSeconds(notBefore)
        self.notAfter = Validity.wholeSeconds(notAfter)
    }

    /// Valid from `start - backdate` until `start + duration`.
    ///
    /// - Parameters:
    ///   - duration: how long after `start` the certificate stays valid.
    ///   - start: the issuing time; defaults to now.
    ///   - backdate: how far `notBefore` is moved before `start`; defaults to `defaultBackdate`.
    public static func lasting(
        _ duration: Duration, from start: Date = Date(), backdate: Duration = defaultBackdate
    ) -> Validity {
        Validity(
            notBefore: start.addingTimeInterval(-seconds(backdate)),
            notAfter: start.addingTimeInterval(seconds(duration))
        )
    }

    /// Valid from `start - backdate` with no well-defined expiration (see `noWellDefinedExpiration`);
    /// what the OpenShell gateway's built-in PKI uses.
    public static func nonExpiring(from start: Date = Date(), backdate: Duration = defaultBackdate) -> Validity {
        Validity(notBefore: start.addingTimeInterval(-seconds(backdate)), notAfter: noWellDefinedExpiration)
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let components = duration.components
        return TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}

/// Everything a certificate says about its subject; the issuer adds the serial number, issuer
/// name, authority key identifier and signature.
///
/// Issued certificates always carry: basic constraints (critical), a subject key identifier, an
/// authority key identifier (key id), key usage (critical, when non-empty), extended key usage
/// (when non-empty) and subject alternative names (when any; critical when the subject is empty).
public struct CertificateTemplate: Sendable, Hashable {
    public var subject: DistinguishedName
    /// DNS subject alternative names (ASCII; a leading `*.` wildcard label is allowed).
    public var dnsNames: [String]
    /// IP subject alternative names as text (`127.0.0.1`, `::1`).
    public var ipAddresses: [String]
    public var validity: Validity
    public var basicConstraints: BasicConstraints
    /// Empty means no key usage extension.
    public var keyUsage: KeyUsage
    /// Empty means no extended key usage extension.
    public var extendedKeyUsage: ExtendedKeyUsage

    /// Creates a template; defaults describe an end-entity certificate with
    /// `digitalSignature, keyEncipherment` and no extended key usage.
    public init(
        subject: DistinguishedName,
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        validity: Validity,
        basicConstraints: BasicConstraints = .endEntity,
        keyUsage: KeyUsage = [.digitalSignature, .keyEncipherment],
        extendedKeyUsage: ExtendedKeyUsage = []
    ) {
        self.subject = subject
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.validity = validity
        self.basicConstraints = basicConstraints
        self.keyUsage = keyUsage
        self.extendedKeyUsage = extendedKeyUsage
    }

    /// A CA: `CA:TRUE` (with `pathLength` when given), key usage `digitalSignature, keyCertSign, cRLSign`.
    public static func certificateAuthority(
        commonName: String, organizations: [String] = [], pathLength: Int? = nil, validity: Validity
    ) -> CertificateTemplate {
        CertificateTemplate(
            subject: DistinguishedName(commonName: commonName, organizations: organizations),
            validity: validity,
            basicConstraints: .certificateAuthority(pathLength: pathLength),
            keyUsage: [.digitalSignature, .keyCertSign, .cRLSign]
        )
    }

    /// A TLS server: key usage `digitalSignature, keyEncipherment`, extended key usage `serverAuth`.
    public static func server(
        commonName: String, dnsNames: [String] = [], ipAddresses: [String] = [], validity: Validity
    ) -> CertificateTemplate {
        CertificateTemplate(
            subject: DistinguishedName(commonName: commonName),
            dnsNames: dnsNames,
            ipAddresses: ipAddresses,
            validity: validity,
            extendedKeyUsage: .serverAuth
        )
    }

    /// A TLS client: key usage `digitalSignature, keyEncipherment`, extended key usage `clientAuth`.
    /// For Kubernetes, `commonName` is the user name and `organizations` are the groups.
    public static func client(
        commonName: String, organizations: [String] = [], organizationalUnits: [String] = [], validity: Validity
    ) -> CertificateTemplate {
        CertificateTemplate(
            subject: DistinguishedName(
                commonName: commonName, organizations: organizations, organizationalUnits: organizationalUnits),
            validity: validity,
            extendedKeyUsage: .clientAuth
        )
    }

    /// Adds `value` as an IP address SAN when it parses as IPv4 or IPv6, otherwise as a DNS SAN
    /// (the rule of the OpenShell gateway's `--server-san`). Values already present are skipped.
    public mutating func addSubjectAlternativeName(_ value: String) {
        if IPAddress.parse(value) != nil {
            if !ipAddresses.contains(value) { ipAddresses.append(value) }
        } else if !dnsNames.contains(value) {
            dnsNames.append(value)
        }
    }

    /// The canonical text of an IPv4 or IPv6 address (`::1` for `0:0:0:0:0:0:0:1`, IPv6
    /// compressed per RFC 5952), the form `Certificate.ipAddresses` reports; nil when `text` is
    /// not an address.
    public static func canonicalIPAddress(_ text: String) -> String? {
        IPAddress.parse(text).flatMap(IPAddress.format)
    }

    /// Checks what OpenSSL would not: names, addresses, path length, validity order and range.
    ///
    /// - Throws: `invalidArgument` naming the first problem.
    func validate() throws(PKIError) {
        guard validity.notBefore < validity.notAfter else {
            throw PKIError(.invalidArgument, "notAfter must be later than notBefore")
        }
        let encodable = Validity.earliestEncodable...Validity.noWellDefinedExpiration
        guard encodable.contains(validity.notBefore), encodable.contains(validity.notAfter) else {
            throw PKIError(.invalidArgument, "validity must lie within years 0001 to 9999")
        }
        if case .certificateAuthority(let pathLength?) = basicConstraints, pathLength < 0 {
            throw PKIError(.invalidArgument, "path length constraint must be >= 0, got \(pathLength)")
        }
        if case .endEntity = basicConstraints,
           !keyUsage.intersection([.keyCertSign, .cRLSign]).isEmpty {
            throw PKIError(.invalidArgument, "keyCertSign and cRLSign require a CA certificate")
        }
        for name in dnsNames where !Self.isValidDNSName(name) {
            throw PKIError(.invalidArgument, "invalid DNS name \"\(name)\"")
        }
        for address in ipAddresses where IPAddress.parse(address) == nil {
            throw PKIError(.invalidArgument, "invalid IP address \"\(address)\"")
        }
        if subject.isEmpty && dnsNames.isEmpty && ipAddresses.isEmpty {
            throw PKIError(.invalidArgument, "a certificate needs a subject or a subject alternative name")
        }
    }

    /// Non-empty printable ASCII without spaces or commas, at most 253 characters, with no empty
    /// label (a leading `*` label is fine).
    static func isValidDNSName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        guard name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ",") }) else { return false }
        return !name.split(separator: ".", omittingEmptySubsequences: false).contains { $0.isEmpty }
    }
}

/// IP address text <-> network-order bytes.
enum IPAddress {
    /// The 4 (IPv4) or 16 (IPv6) bytes of `text`, or nil when it is neither.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 {
            return v4
        }
        var v6 = [UInt8](repeating: 0, count: 16)
        if v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 {
            return v6
        }
        return nil
    }

    /// The canonical text of 4 or 16 address bytes (IPv6 compressed per RFC 5952), or nil for
    /// any other length.
    static func format(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            buffer.withUnsafeMutableBufferPointer { out in
                inet_ntop(family, raw.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
            }
        }
        guard ok else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
