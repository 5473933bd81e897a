//! Internal plumbing over OpenSSL handles: memory BIOs, DER/PEM decoding into owned handles,
//! SHA-256, and hex formatting. Nothing here is public; handles never escape a function.

import COpenSSL

enum OpenSSL {
    /// Calls `body` with a non-null pointer to `bytes` (a dummy byte when `bytes` is empty,
    /// so OpenSSL never sees NULL) and the real count.
    static func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>?, Int) -> R) -> R {
        let storage = bytes.isEmpty ? [0] : bytes
        return storage.withUnsafeBufferPointer { buffer in
            body(buffer.baseAddress, bytes.count)
        }
    }

    /// The largest input OpenSSL's `int`-sized length parameters accept.
    static func checkedLength(_ count: Int, _ what: String) throws(PKIError) -> Int32 {
        guard let length = Int32(exactly: count) else {
            throw PKIError(.invalidArgument, "\(what) is too large (\(count) bytes)")
        }
        return length
    }

    /// Runs `body` with a read-only memory BIO over `bytes`; the BIO is freed afterwards.
    static func withReadBIO<R>(
        _ bytes: [UInt8], _ body: (OpaquePointer) -> Result<R, PKIError>
    ) throws(PKIError) -> R {
        let length = try checkedLength(bytes.count, "input")
        let result: Result<R, PKIError> = withBytes(bytes) { pointer, _ in
            guard let bio = BIO_new_mem_buf(pointer, length) else {
                return .failure(.openSSL("BIO_new_mem_buf failed"))
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
        return try result.get()
    }

    /// Creates a writable memory BIO, lets `write` fill it, and returns what was written.
    /// `write` returns false on failure; the error then names `what`.
    static func collect(_ what: String, _ write: (OpaquePointer) -> Bool) throws(PKIError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .openSSL("BIO_new failed")
        }
        defer { BIO_free(bio) }
        guard write(bio) else {
            throw .openSSL("could not encode \(what)")
        }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = copenssl_bio_get_mem_data(bio, &data)
        guard length > 0, let data else {
            throw .openSSL("could not encode \(what): empty output")
        }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// Decodes a private key (PKCS#8, or traditional RSA/EC) from DER into an owned `EVP_PKEY`
    /// the caller must free. Trailing bytes after the key are rejected.
    static func decodePrivateKey(der: [UInt8]) throws(PKIError) -> OpaquePointer {
        let length = try checkedLength(der.count, "private key DER")
        let decoded: OpaquePointer? = withBytes(der) { pointer, count in
            var cursor = pointer
            guard let key = d2i_AutoPrivateKey(nil, &cursor, Int(length)) else { return nil }
            guard let start = pointer, let end = cursor, end - start == count else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let decoded else {
            throw .openSSL(.invalidDER, "not a valid DER private key")
        }
        return decoded
    }

    /// Decodes a SubjectPublicKeyInfo from DER into an owned `EVP_PKEY` the caller must free.
    /// Trailing bytes after the key are rejected.
    static func decodePublicKey(der: [UInt8]) throws(PKIError) -> OpaquePointer {
        let length = try checkedLength(der.count, "public key DER")
        let decoded: OpaquePointer? = withBytes(der) { pointer, count in
            var cursor = pointer
            guard let key = d2i_PUBKEY(nil, &cursor, Int(length)) else { return nil }
            guard let start = pointer, let end = cursor, end - start == count else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let decoded else {
            throw .openSSL(.invalidDER, "not a valid DER SubjectPublicKeyInfo")
        }
        return decoded
    }

    /// Decodes one X.509 certificate from DER into an owned `X509` the caller must free.
    /// Trailing bytes after the certificate are rejected.
    static func decodeCertificate(der: [UInt8]) throws(PKIError) -> OpaquePointer {
        let length = try checkedLength(der.count, "certificate DER")
        let decoded: OpaquePointer? = withBytes(der) { pointer, count in
            var cursor = pointer
            guard let certificate = d2i_X509(nil, &cursor, Int(length)) else { return nil }
            guard let start = pointer, let end = cursor, end - start == count else {
                X509_free(certificate)
                return nil
            }
            return certificate
        }
        guard let decoded else {
            throw .openSSL(.invalidDER, "not a valid DER X.509 certificate")
        }
        return decoded
    }

    /// The DER encoding of a certificate handle.
    static func encode(certificate: OpaquePointer) throws(PKIError) -> [UInt8] {
        try collect("certificate") { bio in i2d_X509_bio(bio, certificate) == 1 }
    }

    /// The SubjectPublicKeyInfo DER of a key handle (public or private).
    static func encodePublicKey(_ key: OpaquePointer) throws(PKIError) -> [UInt8] {
        try collect("public key") { bio in i2d_PUBKEY_bio(bio, key) == 1 }
    }

    /// SHA-256 of `bytes`.
    static func sha256(_ bytes: [UInt8]) throws(PKIError) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        let ok = withBytes(bytes) { pointer, count in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(pointer, count, out.baseAddress, &size, EVP_sha256(), nil) == 1
            }
        }
        guard ok else {
            throw .openSSL("SHA-256 failed")
        }
        return Array(digest.prefix(Int(size)))
    }

    /// The bytes of an ASN.1 string (any ASN.1 string type, raw content octets).
    static func bytes(of string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}

/// Hex formatting shared by key ids, serial numbers and fingerprints.
enum Hex {
    /// `bytes` as hex digits, two per byte, joined by `separator`.
    static func encode(_ bytes: some Sequence<UInt8>, uppercase: Bool = false, separator: String = "") -> String {
        let digits: [Character] = uppercase
            ? Array("0123456789ABCDEF")
            : Array("0123456789abcdef")
        return bytes.map { byte in
            String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined(separator: separator)
    }
}
