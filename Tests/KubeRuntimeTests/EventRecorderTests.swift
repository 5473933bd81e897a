//! The Event recorder: note preparation, the secret scrubber and the token
//! bucket as pure logic; Events written to the local API server (fields,
//! series aggregation, rate limiting, truncation, scrubbing); and `record`
//! staying non-blocking when the server is unreachable.
import Foundation
import KubeClient
import KubeCore
import LocalAPIServer
import Logging
import TestSupport
import Testing

@testable import KubeRuntime

// MARK: - Pure pieces

struct EventNoteTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var limit: Int
        var expected: String
        var testDescription: String { "\(text.prefix(12))… to \(limit) bytes" }
    }

    @Test(arguments: [
        Case(text: "short", limit: 1024, expected: "short"),
        Case(text: String(repeating: "a", count: 1030), limit: 1024, expected: String(repeating: "a", count: 1024)),
        // "é" is two bytes: the 1024th byte would split it.
        Case(text: String(repeating: "a", count: 1023) + "é", limit: 1024, expected: String(repeating: "a", count: 1023)),
        Case(text: "ab🙂cd", limit: 5, expected: "ab"),
        Case(text: "ab🙂cd", limit: 6, expected: "ab🙂"),
        Case(text: "", limit: 0, expected: ""),
    ])
    func truncation(_ c: Case) {
        let cut = EventNotes.truncate(c.text, toUTF8Bytes: c.limit)
        #expect(cut == c.expected)
        #expect(cut.utf8.count <= c.limit)
    }

    @Test func scrubbingHappensBeforeTruncation() {
        let scrubber = SecretScrubber()
        scrubber.register("s3cr3t-value")
        // The secret straddles the cut: it must not survive as a prefix.
        let note = String(repeating: "x", count: 10) + "s3cr3t-value"
        #expect(EventNotes.prepare(note, scrubber: scrubber, maxBytes: 16) == String(repeating: "x", count: 10) + "[redac")
    }

    @Test func referenceCarriesTheIdentifyingFields() {
        let object = KubeObject([
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "cm", "namespace": "ns", "uid": "u-1", "resourceVersion": "42", "labels": ["a": "b"]],
        ])
        #expect(EventNotes.reference(to: object) == [
            "apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "namespace": "ns", "uid": "u-1", "resourceVersion": "42",
        ])
    }
}

struct SecretScrubberTests {
    @Test func replacesEveryOccurrenceOfEveryRegisteredValue() {
        let scrubber = SecretScrubber()
        scrubber.register("hunter22")
        scrubber.register("tok-abc")
        #expect(scrubber.scrub("a hunter22 b hunter22 c tok-abc") == "a [redacted] b [redacted] c [redacted]")
        #expect(scrubber.scrub("nothing here") == "nothing here")
    }

    @Test func longerValuesWinOverValuesTheyContain() {
        let scrubber = SecretScrubber()
        scrubber.register("pass")
        scrubber.register("password123")
        #expect(scrubber.scrub("x=password123 y=pass") == "x=[redacted] y=[redacted]")
    }

    @Test func shortAndBlankValuesAreNotRegistered() {
        let scrubber = SecretScrubber()
        scrubber.register("")
        scrubber.register("ab")
        scrubber.register("   \n")
        #expect(scrubber.count == 0)
        #expect(scrubber.scrub("ab ab") == "ab ab")
    }

    @Test func trimsTrailingNewlinesAndRegistersEachLineOfMultiLineValues() {
        let scrubber = SecretScrubber()
        scrubber.register("token-from-file\n")
        scrubber.register("-----BEGIN KEY-----\nMIIEabcdef\n-----END KEY-----\n")
        #expect(scrubber.scrub("Bearer token-from-file.") == "Bearer [redacted].")
        #expect(scrubber.scrub("leaked line MIIEabcdef here") == "leaked line [redacted] here")
    }
}

struct EventRateLimiterTests {
    @Test func burstThenOneTokenPerRefillInterval() {
        var limiter = EventRateLimiter(burst: 3, refillInterval: .seconds(300))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let allowed = (0..<5).map { _ in limiter.allow("obj", now: t0) }
        #expect(allowed == [true, true, true, false, false])
        let later = [
            limiter.allow("other", now: t0), limiter.allow("obj", now: t0 + 299), limiter.allow("obj", now: t0 + 300),
            limiter.allow("obj", now: t0 + 301),
        ]
        #expect(later == [true, false, true, false])
    }
}

struct EventSeriesCacheTests {
    func event(reason: String = "Synced", note: String = "n", at time: Date) -> PendingEvent {
        PendingEvent(
            regarding: ["kind": "ConfigMap", "name": "cm", "namespace": "ns"], related: nil, type: .normal, reason: reason,
            action: "Reconcile", note: note, time: time, namespace: "ns", regardingName: "cm")
    }

    @Test func repeatsWithinTheWindowExtendTheSeriesWhateverTheNote() throws {
        var cache = EventSeriesCache(window: .seconds(360))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        guard case .create(let name, "ns") = cache.observe(event(at: t0)) else {
            Issue.record("expected a new Event")
            return
        }
        #expect(name == "cm.\(String(UInt64(1_800_000_000) * 1_000_000_000, radix: 16))")
        #expect(cache.observe(event(note: "other", at: t0 + 10)) == .updateSeries(.init(name: name, namespace: "ns", count: 2, lastObserved: t0 + 10)))
        #expect(cache.observe(event(at: t0 + 370)) == .updateSeries(.init(name: name, namespace: "ns", count: 3, lastObserved: t0 + 370)))
        // A different reason is a different event.
        guard case .create(let other, _) = cache.observe(event(reason: "Failed", at: t0 + 370)) else {
            Issue.record("expected a new Event")
            return
        }
        #expect(other != name)
        // Past the window since the last occurrence, a new Event starts.
        guard case .create(let fresh, _) = cache.observe(event(at: t0 + 370 + 361)) else {
            Issue.record("expected a new Event")
            return
        }
        #expect(fresh != name)
    }

    @Test func namesStayUniqueWithinOneNanosecond() {
        var cache = EventSeriesCache(window: .seconds(360))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = cache.observe(event(reason: "A", at: t0))
        let second = cache.observe(event(reason: "B", at: t0))
        #expect(first != second)
    }
}

// MARK: - Against the API server

@Suite(.serialized)
struct EventRecorderServerTests {
    static let dropped = "openshell_operator_events_dropped_total"

    /// Runs a recorder for `body`, then cancels it.
    static func withRecorder<T: Sendable>(
        _ server: TestServer, configuration: EventRecorderConfiguration = EventRecorderConfiguration(),
        scrubber: SecretScrubber = SecretScrubber(), clock: any WallClock = ManualWallClock(),
        metrics: RuntimeOpsTestMetrics = RuntimeOpsTestMetrics(),
        _ body: @Sendable (EventRecorder) async throws -> T
    ) async throws -> T {
        let recorder = EventRecorder(
            client: server.client, reportingController: "openshell.io/operator", reportingInstance: "operator-0",
            scrubber: scrubber, configuration: configuration, clock: clock, metrics: metrics)
        let running = Task { try await recorder.run() }
        defer { running.cancel() }
        return try await body(recorder)
    }

    static func configMap(_ server: TestServer, _ name: String, namespace: String = "default") async throws -> KubeObject {
        try await server.client.create(
            GroupVersionResource(group: "", version: "v1", resource: "configmaps"), namespace: namespace,
            KubeObject(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)]]))
    }

    static func events(_ server: TestServer, namespace: String = "default") async throws -> [KubeObject] {
        try await server.client.list(EventRecorder.events, namespace: namespace).items
    }

    @Test func createsAnEventWithTheRightFields() async throws {
        try await TestServer.with { server in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000.5))
            let regarding = try await Self.configMap(server, "app-config")
            let related = try await Self.configMap(server, "other-config")
            try await Self.withRecorder(server, clock: clock) { recorder in
                recorder.record(
                    regarding: regarding, related: related, type: .warning, reason: "FailedSync", action: "Reconcile",
                    note: "could not sync")
                try await eventually { try await Self.events(server).count == 1 }
            }
            let event = try #require(try await Self.events(server).first)
            #expect(event.apiVersion == "events.k8s.io/v1")
            #expect(event.kind == "Event")
            #expect(event.namespace == "default")
            let suffix = try #require(event.name.split(separator: ".", maxSplits: 1).last)
            #expect(event.name.hasPrefix("app-config."))
            #expect(UInt64(suffix, radix: 16) != nil)
            #expect(event.json["eventTime"] == "2027-01-15T08:00:00.500000Z")
            #expect(event.json["type"] == "Warning")
            #expect(event.json["reason"] == "FailedSync")
            #expect(event.json["action"] == "Reconcile")
            #expect(event.json["note"] == "could not sync")
            #expect(event.json["reportingController"] == "openshell.io/operator")
            #expect(event.json["reportingInstance"] == "operator-0")
            #expect(event.json["series"] == nil)
            #expect(event.json["regarding"] == .object([
                "apiVersion": "v1", "kind": "ConfigMap", "name": "app-config", "namespace": "default",
                "uid": .string(regarding.uid), "resourceVersion": .string(regarding.resourceVersion),
            ]))
            #expect(event.json["related"]?["name"] == "other-config")
            #expect(event.json["related"]?["uid"] == .string(related.uid))
        }
    }

    @Test func eventsAboutClusterScopedObjectsGoToTheDefaultNamespace() async throws {
        try await TestServer.with { server in
            let namespace = try await server.namespace("team-a")
            try await Self.withRecorder(server) { recorder in
                recorder.record(regarding: namespace, type: .normal, reason: "Adopted", action: "Reconcile", note: "ok")
                try await eventually { try await Self.events(server).count == 1 }
            }
            let event = try #require(try await Self.events(server).first)
            #expect(event.json["regarding"]?["kind"] == "Namespace")
            #expect(event.json["regarding"]?["namespace"] == nil)
        }
    }

    @Test func repeatsAggregateIntoOneEventWithASeries() async throws {
        try await TestServer.with { server in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let regarding = try await Self.configMap(server, "repeated")
            try await Self.withRecorder(server, clock: clock) { recorder in
                for attempt in 1...3 {
                    recorder.record(regarding: regarding, type: .warning, reason: "BackOff", action: "Reconcile", note: "attempt \(attempt)")
                    clock.advance(by: 1.5)
                }
                try await eventually {
                    let events = try await Self.events(server)
                    return events.count == 1 && events.first?.json["series"]?["count"] == 3
                }
            }
            let event = try #require(try await Self.events(server).first)
            #expect(event.json["series"]?["lastObservedTime"] == "2027-01-15T08:00:03.000000Z")
            #expect(event.json["note"] == "attempt 1")
            #expect(event.json["regarding"]?["name"] == "repeated")
            #expect(event.json["reportingController"] == "openshell.io/operator")
            #expect(event.json["eventTime"] == "2027-01-15T08:00:00.000000Z")
        }
    }

    @Test func aRepeatAfterTheSeriesWindowStartsANewEvent() async throws {
        try await TestServer.with { server in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let regarding = try await Self.configMap(server, "slow-repeat")
            try await Self.withRecorder(server, clock: clock) { recorder in
                recorder.record(regarding: regarding, type: .normal, reason: "Synced", action: "Reconcile", note: "one")
                clock.advance(by: 7 * 60)
                recorder.record(regarding: regarding, type: .normal, reason: "Synced", action: "Reconcile", note: "two")
                try await eventually { try await Self.events(server).count == 2 }
            }
            #expect(try await Self.events(server).allSatisfy { $0.json["series"] == nil })
        }
    }

    @Test func rateLimitedEventsAreDroppedAndCounted() async throws {
        try await TestServer.with { server in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
            let metrics = RuntimeOpsTestMetrics()
            var configuration = EventRecorderConfiguration()
            configuration.burst = 3
            let noisy = try await Self.configMap(server, "noisy")
            let quiet = try await Self.configMap(server, "quiet")
            try await Self.withRecorder(server, configuration: configuration, clock: clock, metrics: metrics) { recorder in
                for index in 0..<5 {
                    recorder.record(regarding: noisy, type: .normal, reason: "Step\(index)", action: "Reconcile", note: "")
                }
                recorder.record(regarding: quiet, type: .normal, reason: "Step", action: "Reconcile", note: "")
                #expect(metrics.value(Self.dropped, [("reason", "rate_limited")]) == 2)
                try await eventually { try await Self.events(server).count == 4 }
            }
            let events = try await Self.events(server)
            #expect(events.filter { $0.json["regarding"]?["name"] == "noisy" }.count == 3)
            #expect(events.filter { $0.json["regarding"]?["name"] == "quiet" }.count == 1)
            #expect(metrics.value(Self.dropped, [("reason", "buffer_full")]) == 0)
        }
    }

    @Test func longNotesAreTruncatedAndSecretsScrubbed() async throws {
        try await TestServer.with { server in
            let scrubber = SecretScrubber()
            scrubber.register("sk-live-0123456789")
            let regarding = try await Self.configMap(server, "notes")
            try await Self.withRecorder(server, scrubber: scrubber) { recorder in
                recorder.record(
                    regarding: regarding, type: .warning, reason: "AuthFailed", action: "Connect",
                    note: "gateway refused key sk-live-0123456789 (retrying)")
                recorder.record(
                    regarding: regarding, type: .warning, reason: "TooLong", action: "Connect", note: String(repeating: "ü", count: 1000))
                try await eventually { try await Self.events(server).count == 2 }
            }
            let events = try await Self.events(server)
            let scrubbed = try #require(events.first { $0.json["reason"] == "AuthFailed" })
            #expect(scrubbed.json["note"] == "gateway refused key [redacted] (retrying)")
            let long = try #require(events.first { $0.json["reason"] == "TooLong" })
            #expect(long.json["note"] == .string(String(repeating: "ü", count: 512)))
        }
    }

    @Test func aRejectedEventIsDroppedAndCounted() async throws {
        try await TestServer.with { server in
            let metrics = RuntimeOpsTestMetrics()
            // The namespace does not exist, so the create is refused (404) and not retried.
            let ghost = KubeObject(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "ghost", "namespace": "nowhere"]])
            try await Self.withRecorder(server, metrics: metrics) { recorder in
                recorder.record(regarding: ghost, type: .normal, reason: "Synced", action: "Reconcile", note: "")
                try await eventually { metrics.value(Self.dropped, [("reason", "rejected")]) == 1 }
            }
        }
    }
}

struct EventRecorderOfflineTests {
    static let dropped = "openshell_operator_events_dropped_total"

    static func unreachableClient() throws -> RESTClient {
        // Nothing listens on port 1.
        try RESTClient(configuration: ClientConfiguration(server: "https://127.0.0.1:1"))
    }

    static func object(_ index: Int) -> KubeObject {
        KubeObject(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("cm-\(index)"), "namespace": "default"]])
    }

    @Test func recordNeverBlocksAndAFullBufferDropsAndCounts() throws {
        let metrics = RuntimeOpsTestMetrics()
        var configuration = EventRecorderConfiguration()
        configuration.bufferSize = 10
        let recorder = EventRecorder(
            client: try Self.unreachableClient(), reportingController: "c", reportingInstance: "i", scrubber: SecretScrubber(),
            configuration: configuration, metrics: metrics)
        // Not running and the server unreachable: every call still returns at once.
        for index in 0..<15 {
            recorder.record(regarding: Self.object(index), type: .normal, reason: "R", action: "A", note: "n")
        }
        #expect(metrics.value(Self.dropped, [("reason", "buffer_full")]) == 5)
    }

    @Test func sendsThatKeepFailingAreRetriedThenDroppedAndCounted() async throws {
        let metrics = RuntimeOpsTestMetrics()
        var configuration = EventRecorderConfiguration()
        configuration.sendAttempts = 2
        configuration.retryDelay = .milliseconds(10)
        let recorder = EventRecorder(
            client: try Self.unreachableClient(), reportingController: "c", reportingInstance: "i", scrubber: SecretScrubber(),
            configuration: configuration, metrics: metrics)
        let running = Task { try await recorder.run() }
        defer { running.cancel() }
        recorder.record(regarding: Self.object(0), type: .normal, reason: "R", action: "A", note: "n")
        recorder.record(regarding: Self.object(1), type: .normal, reason: "R", action: "A", note: "n")
        try await eventually { metrics.value(Self.dropped, [("reason", "send_failed")]) == 2 }
    }

    @Test func runCanOnlyBeCalledOnce() async throws {
        let recorder = EventRecorder(
            client: try Self.unreachableClient(), reportingController: "c", reportingInstance: "i", scrubber: SecretScrubber())
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await recorder.run() }
            group.addTask { try await recorder.run() }
            // The first to finish is the second caller, refused at once.
            await #expect(throws: EventRecorderError.alreadyRunning) { try await group.next() }
            group.cancelAll()
        }
    }
}
