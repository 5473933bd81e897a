//! Kubernetes time formats: `Time` (RFC 3339, whole seconds) and `MicroTime`
//! (RFC 3339 with six fractional digits), always in UTC.
import Foundation

public enum KubeTime {
    /// Formats a date as a Kubernetes `Time`: `2026-11-29T01:54:42Z`.
    public static func format(_ date: Date) -> String {
        let seconds = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        return seconds.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// Formats a date as a Kubernetes `MicroTime`: `2026-11-29T01:54:42.123456Z`.
    public static func formatMicro(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = min(999_999, Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded(.down)))
        let whole = format(Date(timeIntervalSince1970: seconds))
        return whole.dropLast() + "." + String(micros).leftPadded(to: 6) + "Z"
    }

    /// Parses RFC 3339 timestamps with or without fractional seconds and with
    /// `Z` or a numeric offset. Returns nil for anything else.
    public static func parse(_ text: String) -> Date? {
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false)) { return d }
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        // ISO8601FormatStyle accepts at most a few fractional digits on some
        // platforms; normalise to milliseconds and retry.
        guard let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) else {
            return nil
        }
        let digits = text[text.index(after: dot)..<end]
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber) else { return nil }
        let millis = String(digits.prefix(3)).rightPadded(to: 3)
        let normalised = text[..<dot] + "." + millis + text[end...]
        guard let base = try? Date(String(normalised), strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) else {
            return nil
        }
        let extra = digits.dropFirst(3)
        guard !extra.isEmpty, let rest = Double("0.000" + extra) else { return base }
        return base.addingTimeInterval(rest)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    func rightPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : self + String(repeating: pad, count: width - count)
    }
}

/// Formats a duration the way Kubernetes prints ages (`5m2s`, `3h`, `2d4h`):
/// apimachinery's `HumanDuration`, used by printer columns and the kubectl plugin.
public func humanDuration(_ interval: TimeInterval) -> String {
    let seconds = Int(interval)
    if seconds < -1 { return "<invalid>" }
    if seconds < 0 { return "0s" }
    if seconds < 120 { return "\(seconds)s" }
    let minutes = seconds / 60
    if minutes < 10 {
        let s = seconds % 60
        return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
    }
    if minutes < 180 { return "\(minutes)m" }
    let hours = minutes / 60
    if hours < 8 {
        let m = minutes % 60
        return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
    }
    if hours < 48 { return "\(hours)h" }
    if hours < 24 * 8 {
        let h = hours % 24
        return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
    }
    if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
    if hours < 24 * 365 * 8 {
        let d = (hours / 24) % 365
        return d == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(d)d"
    }
    return "\(hours / 24 / 365)y"
}
