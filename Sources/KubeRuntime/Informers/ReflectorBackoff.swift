//! `ReflectorBackoff`: the pure reconnect backoff of the informers' reflector,
//! with client-go's numbers (800 ms → 30 s, ×2, jitter 1.0, reset after two
//! minutes without a failure). Time and randomness are passed in, so the
//! sequence is unit-testable.

/// The delay before a reflector retries after a failed list or watch.
///
/// Each failure waits `base + base × jitter × r` with `r` uniform in [0, 1),
/// where `base` starts at `initial` and is multiplied by `factor` after every
/// failure, up to `cap`. As in client-go (`wait.Backoff` with `Jitter`), the
/// cap bounds `base`, so a jittered delay lies in `[base, base × (1 + jitter))`.
/// When more than `resetAfter` has passed since the previous failure (the
/// reflector was healthy that long), `base` starts over at `initial`.
///
/// A value type: the reflector keeps its own copy; a configured instance is
/// only a template and carries no failures.
public struct ReflectorBackoff: Sendable, Hashable {
    /// The first delay (before jitter). Default 800 ms.
    public var initial: Duration
    /// The largest `base` delay (before jitter). Default 30 s.
    public var cap: Duration
    /// Growth per failure. Default 2.
    public var factor: Double
    /// Extra random share of the delay: 1.0 adds up to 100 %. Default 1.0.
    public var jitter: Double
    /// Failures further apart than this start over at `initial`. Default 120 s.
    public var resetAfter: Duration

    /// The base delay of the next failure; `nil` until the first one.
    public private(set) var nextBase: Duration?
    /// When the previous failure was reported.
    public private(set) var lastFailure: ContinuousClock.Instant?

    /// client-go's reflector backoff: 800 ms → 30 s, ×2, jitter 1.0, reset after 2 minutes.
    public static let `default` = ReflectorBackoff(
        initial: .milliseconds(800), cap: .seconds(30), factor: 2, jitter: 1, resetAfter: .seconds(120))

    public init(initial: Duration, cap: Duration, factor: Double, jitter: Double, resetAfter: Duration) {
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// Records a failure at `now` and returns how long to wait before retrying.
    /// - Parameter random: the jitter's source; one `next()` per call.
    public mutating func next(now: ContinuousClock.Instant, using random: inout some RandomNumberGenerator) -> Duration {
        if let lastFailure, now - lastFailure > resetAfter { nextBase = nil }
        let base = min(nextBase ?? initial, cap)
        nextBase = min(base * factor, cap)
        lastFailure = now
        guard jitter > 0 else { return base }
        // The top 53 bits as a uniform double in [0, 1), independent of how the
        // standard library derives random doubles.
        let unit = Double(random.next() >> 11) * 0x1p-53
        return base + base * (jitter * unit)
    }

    /// Forgets past failures: the next one waits `initial` again.
    public mutating func reset() {
        nextBase = nil
        lastFailure = nil
    }
}
