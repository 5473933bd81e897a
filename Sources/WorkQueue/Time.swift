//! Time: conversions between `Date`/`Duration` and the unix milliseconds the
//! database stores, and the failure backoff (pure).
import Foundation

extension Date {
    /// Milliseconds since 1970, rounded to the nearest (a `Date` is a binary
    /// floating-point value: x.005 s may be stored as x.00499999…).
    var unixMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(unixMilliseconds) / 1000)
    }
}

extension Duration {
    /// Whole milliseconds, rounded up (a delay is never shortened); negative
    /// durations count as zero; saturates instead of overflowing.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, !(seconds == 0 && attoseconds <= 0) else { return 0 }
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int64.max }
        let fraction = attoseconds / 1_000_000_000_000_000 + (attoseconds % 1_000_000_000_000_000 > 0 ? 1 : 0)
        let (total, overflow2) = milliseconds.addingReportingOverflow(fraction)
        return overflow2 ? Int64.max : total
    }

    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Int64 {
    /// Saturating addition for timestamps.
    func plus(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}

/// Per-key exponential failure backoff, as client-go's
/// `ItemExponentialFailureRateLimiter`: `base · 2^(failures-1)`, capped at `max`.
enum Backoff {
    /// The delay before the next attempt after `failures` consecutive failures (≥ 1), in milliseconds.
    static func delayMilliseconds(failures: Int, base: Duration, max: Duration) -> Int64 {
        let cap = max.wholeMilliseconds
        guard failures >= 1 else { return 0 }
        let exponent = Double(Swift.min(failures - 1, 1023))
        let delay = Double(base.wholeMilliseconds) * pow(2, exponent)
        return delay >= Double(cap) ? cap : Int64(delay)
    }
}
