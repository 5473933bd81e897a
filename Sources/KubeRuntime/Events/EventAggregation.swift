//! The pure logic of the Event recorder: note preparation (scrubbing,
//! truncation to 1 KiB on a character boundary), the per-object token bucket,
//! and series aggregation of repeated events under client-go's key.
import Foundation
import KubeCore

/// `type` of an Event.
public enum EventType: String, Sendable, Hashable, Codable {
    case normal = "Normal"
    case warning = "Warning"
}

/// Tuning of an `EventRecorder`. Defaults follow client-go.
public struct EventRecorderConfiguration: Sendable, Hashable {
    /// Events waiting to be sent; when full, new events are dropped and counted
    /// (client-go's broadcaster queue is 1000).
    public var bufferSize: Int = 1000
    /// A repeat within this long of the previous occurrence joins its series
    /// (client-go's 6-minute series finish).
    public var seriesWindow: Duration = .seconds(6 * 60)
    /// Per-object token bucket: events about one object beyond this burst are
    /// dropped (and counted) until tokens refill (core/v1's spam filter: 25).
    public var burst: Int = 25
    /// One token comes back per interval (core/v1's spam filter: 5 min).
    public var refillInterval: Duration = .seconds(5 * 60)
    /// Notes are cut to this many UTF-8 bytes (the API's limit is 1 KiB).
    public var maxNoteBytes: Int = 1024
    /// Attempts per send, the first included; only transport failures, 429
    /// and 5xx are retried.
    public var sendAttempts: Int = 4
    /// Wait before the first retry; doubled each time up to `maxRetryDelay`.
    public var retryDelay: Duration = .milliseconds(500)
    public var maxRetryDelay: Duration = .seconds(10)

    public init() {}
}

/// Why an event was not sent; the `reason` label of `openshell_operator_events_dropped_total`.
public enum EventDropReason: String, Sendable, Hashable, CaseIterable {
    /// The buffer was full.
    case bufferFull = "buffer_full"
    /// The per-object token bucket was empty.
    case rateLimited = "rate_limited"
    /// Sending failed after all attempts.
    case sendFailed = "send_failed"
    /// The API server refused the event (4xx); not retried.
    case rejected
    /// Recorded after the recorder stopped.
    case shutdown
}

/// The pieces of an Event that are known when it is recorded.
struct PendingEvent: Sendable, Hashable {
    var regarding: JSONObject
    var related: JSONObject?
    var type: EventType
    var reason: String
    var action: String
    var note: String
    var time: Date
    /// The namespace the Event is written to.
    var namespace: String
    var regardingName: String
}

enum EventNotes {
    /// Scrubbed first (a secret must not survive half-cut), then cut to at
    /// most `maxBytes` UTF-8 bytes without splitting a character.
    static func prepare(_ note: String, scrubber: SecretScrubber, maxBytes: Int) -> String {
        truncate(scrubber.scrub(note), toUTF8Bytes: maxBytes)
    }

    static func truncate(_ text: String, toUTF8Bytes maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var result = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            if bytes + size > maxBytes { break }
            result.append(character)
            bytes += size
        }
        return result
    }

    /// An `ObjectReference` to `object`, with the fields that are set.
    static func reference(to object: KubeObject) -> JSONObject {
        var reference: JSONObject = [:]
        let fields = [
            ("apiVersion", object.apiVersion), ("kind", object.kind), ("name", object.name),
            ("namespace", object.namespace), ("uid", object.uid), ("resourceVersion", object.resourceVersion),
        ]
        for (key, value) in fields where !value.isEmpty { reference[key] = .string(value) }
        return reference
    }
}

/// A token bucket per object: `burst` tokens, one back per `refillInterval`.
struct EventRateLimiter: Sendable {
    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Date
    }

    let burst: Int
    let refillInterval: TimeInterval
    private var buckets: [String: Bucket] = [:]
    /// Beyond this many tracked objects, full buckets are forgotten.
    private let sweepThreshold = 4096

    init(burst: Int, refillInterval: Duration) {
        self.burst = burst
        let (seconds, attoseconds) = refillInterval.components
        self.refillInterval = max(1e-9, TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }

    /// The bucket key of an object: its identity, not its version.
    static func key(of regarding: JSONObject) -> String {
        ["apiVersion", "kind", "namespace", "name", "uid"].map { regarding[$0]?.stringValue ?? "" }.joined(separator: "/")
    }

    var trackedObjects: Int { buckets.count }

    /// Takes a token for `key` at `now`; false when none is left.
    mutating func allow(_ key: String, now: Date) -> Bool {
        if buckets.count > sweepThreshold { sweep(now: now) }
        var bucket = buckets[key] ?? Bucket(tokens: Double(burst), updated: now)
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        bucket.tokens = min(Double(burst), bucket.tokens + elapsed / refillInterval)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        return allowed
    }

    private mutating func sweep(now: Date) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) / refillInterval < Double(burst)
        }
    }
}

/// Series aggregation with client-go's key: type, action, reason, reporting
/// controller and instance, regarding and related — not the note.
struct EventSeriesCache: Sendable {
    /// The reporting controller and instance are the recorder's own, the same
    /// for every event of one cache, so they are left out.
    struct Key: Hashable, Sendable {
        var type: EventType
        var action: String
        var reason: String
        var regarding: JSONObject
        var related: JSONObject?
    }

    struct Series: Sendable, Hashable {
        var name: String
        var namespace: String
        var count: Int
        var lastObserved: Date
    }

    /// What to send for one recorded event.
    enum Decision: Sendable, Hashable {
        /// A new Event, named `name`.
        case create(name: String, namespace: String)
        /// A repeat: set `series` of the existing Event to `count` and `lastObserved`.
        case updateSeries(Series)
    }

    let window: TimeInterval
    private var entries: [Key: Series] = [:]
    private var lastNameNanos: UInt64 = 0
    private var lastSweep: Date?

    init(window: Duration) {
        let (seconds, attoseconds) = window.components
        self.window = TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    static func key(of event: PendingEvent) -> Key {
        Key(type: event.type, action: event.action, reason: event.reason, regarding: event.regarding, related: event.related)
    }

    var count: Int { entries.count }

    /// Decides for `event`: a repeat within the window extends the series,
    /// anything else starts a new Event.
    mutating func observe(_ event: PendingEvent) -> Decision {
        sweepIfDue(now: event.time)
        let key = Self.key(of: event)
        if var series = entries[key], event.time.timeIntervalSince(series.lastObserved) <= window {
            series.count += 1
            series.lastObserved = event.time
            entries[key] = series
            return .updateSeries(series)
        }
        let name = uniqueName(for: event)
        entries[key] = Series(name: name, namespace: event.namespace, count: 1, lastObserved: event.time)
        return .create(name: name, namespace: event.namespace)
    }

    /// The Event of a series was gone (deleted, expired): the series
    /// continues in a new Event, named as returned.
    mutating func renamed(_ event: PendingEvent) -> String {
        let key = Self.key(of: event)
        let name = uniqueName(for: event)
        entries[key]?.name = name
        return name
    }

    /// Forgets the series of `event` (its Event could not be created).
    mutating func forget(_ event: PendingEvent) {
        entries[Self.key(of: event)] = nil
    }

    /// `<regarding name>.<hex nanoseconds>`, as client-go names Events; strictly
    /// increasing so two events in the same nanosecond do not collide.
    private mutating func uniqueName(for event: PendingEvent) -> String {
        let nanos = UInt64(max(0, event.time.timeIntervalSince1970 * 1_000_000_000))
        lastNameNanos = max(nanos, lastNameNanos + 1)
        return "\(event.regardingName).\(String(lastNameNanos, radix: 16))"
    }

    private mutating func sweepIfDue(now: Date) {
        if let lastSweep, now.timeIntervalSince(lastSweep) < 60 { return }
        lastSweep = now
        entries = entries.filter { now.timeIntervalSince($0.value.lastObserved) <= window }
    }
}
