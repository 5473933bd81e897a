//! SecretScrubber: the registry of sensitive strings (Secret values the
//! reconcilers have read) and their removal from text that leaves the
//! process — Event notes and log lines.
import Foundation
import KubeCore

/// A thread-safe set of sensitive strings, and `scrub`, which replaces each
/// occurrence of any of them with `[redacted]`.
///
/// Reconcilers register a Secret's values as they read them. Registration
/// lasts for the life of the process (values are not forgotten when the
/// Secret changes: a rotated-out credential is still a credential).
public final class SecretScrubber: Sendable {
    /// What a scrubbed value is replaced with.
    public static let replacement = "[redacted]"

    /// Values shorter than this are not registered: replacing every `a` or
    /// `42` would mangle unrelated text while hiding nothing worth hiding.
    public let minimumLength: Int

    /// Registered values, longest first, so a value containing another is
    /// replaced whole.
    private let secrets = Locked<[String]>([])

    public init(minimumLength: Int = 4) {
        self.minimumLength = minimumLength
    }

    /// Registers `secret`; surrounding whitespace and newlines are trimmed
    /// (file-sourced values often end in a newline), and each line of a
    /// multi-line value (a PEM key) is registered too.
    public func register(_ secret: String) {
        var candidates = [secret.trimmingCharacters(in: .whitespacesAndNewlines)]
        let lines = secret.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if lines.count > 1 { candidates += lines }
        let accepted = candidates.filter { $0.count >= minimumLength }
        guard !accepted.isEmpty else { return }
        secrets.withLock { secrets in
            for value in accepted where !secrets.contains(value) {
                let index = secrets.firstIndex { $0.count < value.count } ?? secrets.endIndex
                secrets.insert(value, at: index)
            }
        }
    }

    /// Registers each value.
    public func register(contentsOf values: some Sequence<String>) {
        for value in values { register(value) }
    }

    /// The number of registered values.
    public var count: Int { secrets.withLock { $0.count } }

    /// `text` with every occurrence of a registered value replaced by `[redacted]`.
    public func scrub(_ text: String) -> String {
        let secrets = secrets.value
        guard !secrets.isEmpty, !text.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacing(secret, with: Self.replacement)
        }
        return result
    }
}
