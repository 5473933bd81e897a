//! `SecureRandom`: bytes from OpenSSL's CSPRNG, for secrets that are not keys (e.g. the
//! gateway's key-encryption key).

import COpenSSL

/// Random bytes from OpenSSL's default DRBG (`RAND_bytes`).
public enum SecureRandom {
    /// The largest request `bytes(_:)` accepts.
    public static let maximumCount = 1 << 20

    /// `count` cryptographically secure random bytes.
    ///
    /// - Throws: `invalidArgument` for a negative count or one above `maximumCount`;
    ///   `openSSLFailure` when the DRBG cannot produce output (e.g. it is not seeded).
    public static func bytes(_ count: Int) throws(PKIError) -> [UInt8] {
        guard (0...maximumCount).contains(count) else {
            throw PKIError(.invalidArgument, "random byte count \(count) is outside 0...\(maximumCount)")
        }
        guard count > 0 else { return [] }
        OpenSSLErrorQueue.clear()
        var bytes = [UInt8](repeating: 0, count: count)
        guard bytes.withUnsafeMutableBufferPointer({ RAND_bytes($0.baseAddress, Int32($0.count)) }) == 1 else {
            throw .openSSL("RAND_bytes failed")
        }
        return bytes
    }
}
