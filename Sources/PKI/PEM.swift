//! Pure PEM (RFC 7468) encoding of DER bytes. Decoding goes through OpenSSL, which also copes
//! with explanatory text, headers and several blocks in one document.

import Foundation

/// PEM encoding.
enum PEM {
    /// `der` as a PEM block: `-----BEGIN <label>-----`, base64 in 64-character lines, `-----END <label>-----`,
    /// every line ending in `\n` (the same text `openssl` writes).
    static func encode(label: String, der: [UInt8]) -> String {
        let body = Array(Data(der).base64EncodedString().utf8)
        var text = "-----BEGIN \(label)-----\n"
        var start = 0
        while start < body.count {
            let end = min(start + 64, body.count)
            text += String(decoding: body[start..<end], as: UTF8.self) + "\n"
            start = end
        }
        text += "-----END \(label)-----\n"
        return text
    }
}
