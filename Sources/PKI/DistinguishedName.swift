//! `DistinguishedName`: the subject/issuer attributes this module writes and reads (CN, O, OU),
//! and its conversion to and from OpenSSL `X509_NAME`.

import COpenSSL

/// The parts of an X.509 distinguished name that Kubernetes and OpenShell use.
///
/// Kubernetes maps a client certificate's `commonName` to the user name and its
/// `organizations` to the groups. Other attributes (C, L, ...) are not represented: reading a
/// name ignores them.
public struct DistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// `CN`. When a name holds several, reading keeps the last one (as Go's `crypto/x509` does).
    public var commonName: String?
    /// `O` values in order.
    public var organizations: [String]
    /// `OU` values in order.
    public var organizationalUnits: [String]

    /// Creates a name; every part defaults to absent.
    public init(commonName: String? = nil, organizations: [String] = [], organizationalUnits: [String] = []) {
        self.commonName = commonName
        self.organizations = organizations
        self.organizationalUnits = organizationalUnits
    }

    /// True when the name has no attributes.
    public var isEmpty: Bool {
        commonName == nil && organizations.isEmpty && organizationalUnits.isEmpty
    }

    /// `O=a, O=b, OU=c, CN=d` (in the order the attributes are written).
    public var description: String {
        var parts = organizations.map { "O=\($0)" }
        parts += organizationalUnits.map { "OU=\($0)" }
        if let commonName { parts.append("CN=\(commonName)") }
        return parts.joined(separator: ", ")
    }

    /// A new `X509_NAME` the caller must free: all `O`, then all `OU`, then `CN`, as UTF8String
    /// values (the order Go's `crypto/x509` writes).
    ///
    /// - Throws: `invalidArgument` for an empty value, or one OpenSSL rejects (e.g. a CN over 64 characters).
    func makeX509Name() throws(PKIError) -> OpaquePointer {
        guard let name = X509_NAME_new() else {
            throw .openSSL("X509_NAME_new failed")
        }
        var entries: [(nid: Int32, label: String, value: String)] = []
        entries += organizations.map { (NID_organizationName, "O", $0) }
        entries += organizationalUnits.map { (NID_organizationalUnitName, "OU", $0) }
        if let commonName { entries.append((NID_commonName, "CN", commonName)) }
        for entry in entries {
            let bytes = Array(entry.value.utf8)
            guard !bytes.isEmpty else {
                X509_NAME_free(name)
                throw PKIError(.invalidArgument, "\(entry.label) must not be empty")
            }
            let added = OpenSSL.withBytes(bytes) { pointer, count in
                X509_NAME_add_entry_by_NID(name, entry.nid, MBSTRING_UTF8, pointer, Int32(clamping: count), -1, 0) == 1
            }
            guard added else {
                X509_NAME_free(name)
                throw .openSSL(.invalidArgument, "invalid \(entry.label) value \"\(entry.value)\"")
            }
        }
        return name
    }

    /// Reads CN, O and OU from an `X509_NAME` the caller owns.
    init(x509Name name: OpaquePointer) {
        var commonName: String?
        var organizations: [String] = []
        var organizationalUnits: [String] = []
        for index in 0..<max(0, X509_NAME_entry_count(name)) {
            guard let entry = X509_NAME_get_entry(name, index),
                  let object = X509_NAME_ENTRY_get_object(entry),
                  let data = X509_NAME_ENTRY_get_data(entry)
            else { continue }
            let nid = OBJ_obj2nid(object)
            guard nid == NID_commonName || nid == NID_organizationName || nid == NID_organizationalUnitName else {
                continue
            }
            var utf8: UnsafeMutablePointer<UInt8>? = nil
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { continue }
            let value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
            copenssl_free(utf8)
            switch nid {
            case NID_commonName: commonName = value
            case NID_organizationName: organizations.append(value)
            default: organizationalUnits.append(value)
            }
        }
        OpenSSLErrorQueue.clear()
        self.init(commonName: commonName, organizations: organizations, organizationalUnits: organizationalUnits)
    }
}
