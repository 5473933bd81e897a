//! EventRecorder: records `events.k8s.io/v1` Events without ever blocking the
//! caller — a bounded buffer, a per-object rate limit, series aggregation of
//! repeats, scrubbed and truncated notes — and sends them from a background
//! service with retries. Every dropped event is counted.
import CoreMetrics
import Foundation
import KubeClient
import KubeCore
import Logging
import ServiceLifecycle

/// Records Events about objects, as client-go's `events.k8s.io/v1` recorder does.
///
/// `record` is synchronous, never throws and never waits: it scrubs and cuts
/// the note, applies the per-object token bucket, and queues the event in a
/// buffer of `bufferSize`. `run()` (a `Service`) sends the queue in order:
/// the first occurrence of an event creates an Event named
/// `<regarding name>.<hex nanoseconds>`; a repeat (same type, action, reason,
/// regarding and related objects; any note) within `seriesWindow` of the last
/// occurrence patches that Event's `series` (count, lastObservedTime).
/// Failed sends are retried with backoff while the cause is transient, then
/// dropped with a log line. Every drop increments
/// `openshell_operator_events_dropped_total{reason}` and logs at debug.
///
/// On graceful shutdown, `run` sends what is queued and returns; events
/// recorded afterwards are dropped (`reason="shutdown"`). `run` may be called once.
public final class EventRecorder: Service, Sendable {
    public let reportingController: String
    public let reportingInstance: String
    public let configuration: EventRecorderConfiguration
    private let client: RESTClient
    private let scrubber: SecretScrubber
    private let clock: any WallClock
    private let logger: Logger
    private let dropped: [EventDropReason: Counter]
    private let stream: AsyncStream<PendingEvent>
    private let continuation: AsyncStream<PendingEvent>.Continuation
    private let limiter: Locked<EventRateLimiter>
    private let started = Locked(false)

    static let events = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")

    /// - Parameters:
    ///   - client: the API client. Its transport is reused with retries turned
    ///     off: the recorder retries itself, without holding up the queue for
    ///     client-go's ten 429 retries.
    ///   - reportingController: `reportingController` of the Events, e.g. `openshell.io/operator`.
    ///   - reportingInstance: `reportingInstance`, e.g. the leader-election identity.
    ///   - scrubber: applied to every note.
    ///   - factory: where `openshell_operator_events_dropped_total` goes.
    public init(
        client: RESTClient, reportingController: String, reportingInstance: String, scrubber: SecretScrubber,
        configuration: EventRecorderConfiguration = EventRecorderConfiguration(), clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "event-recorder"), metrics factory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.client = RESTClient(transport: client.transport, retryPolicy: .none, logger: client.logger)
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.configuration = configuration
        self.scrubber = scrubber
        self.clock = clock
        self.logger = logger
        var dropped: [EventDropReason: Counter] = [:]
        for reason in EventDropReason.allCases {
            dropped[reason] = Counter(
                label: "openshell_operator_events_dropped_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        self.dropped = dropped
        (stream, continuation) = AsyncStream.makeStream(of: PendingEvent.self, bufferingPolicy: .bufferingOldest(max(1, configuration.bufferSize)))
        limiter = Locked(EventRateLimiter(burst: configuration.burst, refillInterval: configuration.refillInterval))
    }

    // MARK: Recording

    /// Records an event regarding `regarding` (and optionally `related`).
    ///
    /// Never blocks and never fails: an event that cannot be queued (rate
    /// limit, full buffer, recorder stopped) is dropped and counted.
    /// - Parameters:
    ///   - reason: CamelCase, why the action was taken (`Created`, `FailedSync`).
    ///   - action: CamelCase, what was done or failed (`Reconcile`, `CreateSandbox`).
    ///   - note: human-readable; registered secrets are replaced with
    ///     `[redacted]`, then it is cut to `maxNoteBytes` UTF-8 bytes.
    public func record(
        regarding: KubeObject, related: KubeObject? = nil, type: EventType, reason: String, action: String, note: String
    ) {
        let now = clock.now()
        let reference = EventNotes.reference(to: regarding)
        let event = PendingEvent(
            regarding: reference, related: related.map(EventNotes.reference(to:)), type: type, reason: reason, action: action,
            note: EventNotes.prepare(note, scrubber: scrubber, maxBytes: configuration.maxNoteBytes), time: now,
            namespace: regarding.namespace.isEmpty ? "default" : regarding.namespace, regardingName: regarding.name)
        guard limiter.withLock({ $0.allow(EventRateLimiter.key(of: reference), now: now) }) else {
            drop(event, .rateLimited)
            return
        }
        switch continuation.yield(event) {
        case .enqueued: break
        case .dropped: drop(event, .bufferFull)
        case .terminated: drop(event, .shutdown)
        @unknown default: drop(event, .bufferFull)
        }
    }

    private func drop(_ event: PendingEvent, _ reason: EventDropReason, error: (any Error)? = nil) {
        dropped[reason]?.increment()
        var metadata: Logger.Metadata = [
            "reason": "\(event.reason)", "type": "\(event.type.rawValue)", "object": "\(event.namespace)/\(event.regardingName)",
            "dropReason": "\(reason.rawValue)",
        ]
        if let error { metadata["error"] = "\(scrubber.scrub(String(describing: error)))" }
        switch reason {
        case .sendFailed, .rejected: logger.warning("dropped event", metadata: metadata)
        default: logger.debug("dropped event", metadata: metadata)
        }
    }

    // MARK: Sending

    /// Sends queued events until cancelled; on graceful shutdown, sends what
    /// is queued, then returns.
    /// - Throws: `EventRecorderError.alreadyRunning` on a second call.
    public func run() async throws {
        guard started.withLock({ started in
            defer { started = true }
            return !started
        }) else { throw EventRecorderError.alreadyRunning }
        var series = EventSeriesCache(window: configuration.seriesWindow)
        await withGracefulShutdownHandler {
            for await event in stream {
                await send(event, series: &series)
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    private func send(_ event: PendingEvent, series: inout EventSeriesCache) async {
        switch series.observe(event) {
        case .create(let name, let namespace):
            if await create(event, name: name, namespace: namespace, series: nil) == false { series.forget(event) }
        case .updateSeries(let current):
            let patch: JSONValue = ["series": seriesValue(current)]
            let outcome = await attempt(event, notFoundIsOutcome: true) {
                _ = try await self.client.patch(
                    Self.events, namespace: current.namespace, name: current.name, type: .merge, patch: patch)
            }
            if case .notFound = outcome {
                let name = series.renamed(event)
                if await create(event, name: name, namespace: current.namespace, series: current) == false { series.forget(event) }
            }
        }
    }

    /// Creates the Event; false when it was dropped.
    private func create(_ event: PendingEvent, name: String, namespace: String, series: EventSeriesCache.Series?) async -> Bool {
        let object = eventObject(event, name: name, namespace: namespace, series: series)
        let outcome = await attempt(event, notFoundIsOutcome: false) {
            _ = try await self.client.create(Self.events, namespace: namespace, object)
        }
        return outcome == .sent
    }

    private enum SendOutcome: Equatable {
        case sent, notFound, dropped
    }

    /// Runs `operation` with retries on transient failures; drops (and counts) the event otherwise.
    /// With `notFoundIsOutcome`, a 404 is returned to the caller rather than dropped.
    private func attempt(
        _ event: PendingEvent, notFoundIsOutcome: Bool, _ operation: @Sendable () async throws -> Void
    ) async -> SendOutcome {
        var delay = configuration.retryDelay
        var attempt = 1
        while true {
            do {
                try await operation()
                return .sent
            } catch let error as APIError where error.code == 404 && notFoundIsOutcome {
                return .notFound
            } catch is CancellationError {
                drop(event, .shutdown)
                return .dropped
            } catch {
                if Task.isCancelled {
                    drop(event, .shutdown)
                    return .dropped
                }
                let transient = (error as? APIError).map { $0.code == 429 || $0.code >= 500 } ?? true
                guard transient else {
                    drop(event, .rejected, error: error)
                    return .dropped
                }
                guard attempt < configuration.sendAttempts else {
                    drop(event, .sendFailed, error: error)
                    return .dropped
                }
                logger.debug("retrying event after error", metadata: ["error": "\(scrubber.scrub(String(describing: error)))"])
                do { try await Task.sleep(for: delay) } catch {
                    drop(event, .shutdown)
                    return .dropped
                }
                attempt += 1
                delay = min(delay * 2, configuration.maxRetryDelay)
            }
        }
    }

    private func seriesValue(_ series: EventSeriesCache.Series) -> JSONValue {
        ["count": .int(Int64(series.count)), "lastObservedTime": .string(KubeTime.formatMicro(series.lastObserved))]
    }

    /// The `events.k8s.io/v1` Event for `event`.
    private func eventObject(_ event: PendingEvent, name: String, namespace: String, series: EventSeriesCache.Series?) -> KubeObject {
        var object: JSONObject = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "eventTime": .string(KubeTime.formatMicro(event.time)),
            "reportingController": .string(reportingController),
            "reportingInstance": .string(reportingInstance),
            "type": .string(event.type.rawValue),
            "reason": .string(event.reason),
            "action": .string(event.action),
            "note": .string(event.note),
            "regarding": .object(event.regarding),
        ]
        if let related = event.related { object["related"] = .object(related) }
        if let series { object["series"] = seriesValue(series) }
        return KubeObject(object)
    }
}

/// Misuse of an `EventRecorder`.
public enum EventRecorderError: Error, Sendable, Hashable, CustomStringConvertible {
    case alreadyRunning

    public var description: String {
        switch self {
        case .alreadyRunning: "the event recorder is already running"
        }
    }
}
