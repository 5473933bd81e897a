//! The PKI module's single error type, and the draining of OpenSSL's per-thread error queue into it.

import COpenSSL

/// An error from the PKI module.
///
/// Every failing OpenSSL call is reported as a `PKIError`; the module never traps on bad input.
/// `openSSLErrors` carries the text of OpenSSL's error queue at the time of the failure (oldest
/// first), which is drained so that a later operation does not see stale entries.
public struct PKIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable {
        /// Input text or bytes are not a valid PEM document of the expected kind.
        case invalidPEM
        /// Input bytes are not valid DER of the expected kind.
        case invalidDER
        /// An argument is out of range or malformed (e.g. an IP address SAN that does not parse).
        case invalidArgument
        /// A key uses an algorithm this module does not handle.
        case unsupportedAlgorithm
        /// OpenSSL failed while generating, encoding or signing.
        case openSSLFailure
    }

    /// The kind of failure.
    public var code: Code
    /// A human readable description of what failed.
    public var message: String
    /// OpenSSL's error queue entries (`ERR_error_string_n` text), oldest first; empty when the
    /// failure was detected by this module rather than by OpenSSL.
    public var openSSLErrors: [String]

    /// Creates an error; `openSSLErrors` defaults to none.
    public init(_ code: Code, _ message: String, openSSLErrors: [String] = []) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        if openSSLErrors.isEmpty {
            return "\(code.rawValue): \(message)"
        }
        return "\(code.rawValue): \(message) (\(openSSLErrors.joined(separator: "; ")))"
    }

    /// An error of `code` carrying (and clearing) the current thread's OpenSSL error queue.
    static func openSSL(_ code: Code, _ message: String) -> PKIError {
        PKIError(code, message, openSSLErrors: OpenSSLErrorQueue.drain())
    }

    /// An `openSSLFailure` carrying (and clearing) the current thread's OpenSSL error queue.
    static func openSSL(_ message: String) -> PKIError {
        openSSL(.openSSLFailure, message)
    }
}

/// Access to OpenSSL's thread-local error queue.
///
/// Every public entry point is synchronous, so the queue it reads is the one the failing
/// OpenSSL call wrote on the same thread.
enum OpenSSLErrorQueue {
    /// Removes and returns every queued error as text, oldest first.
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { raw in
                if let base = raw.baseAddress {
                    ERR_error_string_n(code, base, raw.count)
                }
            }
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages
    }

    /// Discards every queued error (called before an operation so its report is its own).
    static func clear() {
        ERR_clear_error()
    }
}
