//! StatusCommit and OwnerWriter: the decision (write or not, with which
//! precondition; which Events are recorded, before or after the write, or
//! dropped) as pure tests over a fake write; and against the local API server,
//! a plan from a stale copy of the owner ending in a 409 and no second Event.
import Foundation
import KubeClient
import KubeCore
import Logging
import TestSupport
import Testing

@testable import KubeRuntime

/// The status of the test kind: a phase and an optional count.
struct WidgetStatus: Codable, Equatable, Sendable {
    var phase: String?
    var count: Int?
}

/// An owner as a cache holds it: `Widget` `default/w` at resourceVersion `rv`.
private func owner(status: JSONValue? = nil, rv: String = "7") -> KubeObject {
    var object = KubeObject([
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": ["name": "w", "namespace": "default", "uid": "uid-w", "finalizers": ["example.com/cleanup"]],
        "spec": ["size": 3],
    ])
    object.resourceVersion = rv
    if let status { object.status = status }
    return object
}

private let ready = PlannedEvent(.normal, "Ready", "the widget is ready")
private let created = PlannedEvent(.normal, "Created", "created the child", basis: .write)
private let conflict = PlannedEvent(.warning, "ChildConflict", "the child's name is taken", basis: .write)

// MARK: - The decision

struct StatusCommitDecisionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var current: JSONValue?
        var planned: WidgetStatus?
        var writes: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "unchanged status: no write", current: ["phase": "Ready"], planned: WidgetStatus(phase: "Ready"), writes: false),
        Case(name: "changed status: a write", current: ["phase": "Pending"], planned: WidgetStatus(phase: "Ready"), writes: true),
        Case(name: "no plan (being released): no write", current: ["phase": "Pending"], planned: nil, writes: false),
        Case(name: "absent status reads as {}: an empty plan is no change", current: nil, planned: WidgetStatus(), writes: false),
        Case(name: "absent status, a plan with fields: a write", current: nil, planned: WidgetStatus(phase: "Pending"), writes: true),
        Case(name: "a status that does not decode: rewritten", current: ["count": "many"], planned: WidgetStatus(), writes: true),
    ])
    func writesOnlyWhenThePlannedStatusDiffers(_ c: Case) throws {
        let commit = try StatusCommit(owner: owner(status: c.current), planned: c.planned, events: [])
        #expect((commit.update != nil) == c.writes)
    }

    @Test func theWriteIsTheOwnerAsReadWithThePlannedStatusAndItsResourceVersion() throws {
        let read = owner(status: ["phase": "Pending"], rv: "42")
        let commit = try StatusCommit(owner: read, planned: WidgetStatus(phase: "Ready", count: 2), events: [])
        let update = try #require(commit.update)
        #expect(update.resourceVersion == "42")
        #expect(update.json["metadata"] == read.json["metadata"])
        #expect(update.spec == read.spec)
        #expect(update.status == ["phase": "Ready", "count": 2])
    }

    @Test func anOwnerWithoutAResourceVersionIsNeverWritten() throws {
        #expect(throws: OwnerWriteError.noResourceVersion(ObjectKey(namespace: "default", name: "w"))) {
            try StatusCommit(owner: owner(status: ["phase": "Pending"], rv: ""), planned: WidgetStatus(phase: "Ready"), events: [])
        }
        // Nothing to write: nothing to refuse.
        let unchanged = try StatusCommit(owner: owner(status: ["phase": "Ready"], rv: ""), planned: WidgetStatus(phase: "Ready"), events: [])
        #expect(unchanged.update == nil)
    }

    @Test func eventsAreSplitByBasisKeepingTheirOrder() throws {
        let commit = try StatusCommit(
            owner: owner(), planned: WidgetStatus(phase: "Ready"), events: [ready, created, conflict, PlannedEvent(.normal, "Installed", "")])
        #expect(commit.writeEvents == [created, conflict])
        #expect(commit.transitionEvents.map(\.reason) == ["Ready", "Installed"])
    }
}

// MARK: - Carrying it out over a fake write

/// A fake status write: remembers what it was given and answers with `failure`, if any.
private final class FakeStatusWrite: Sendable {
    let failure: (any Error & Sendable)?
    private let state = Locked<(writes: [KubeObject], log: [String])>(([], []))

    init(failing failure: (any Error & Sendable)? = nil) { self.failure = failure }

    var writes: [KubeObject] { state.value.writes }
    /// `write` and `event <reason>` in the order they happened.
    var log: [String] { state.value.log }

    func write(_ object: KubeObject) throws {
        state.withLock {
            $0.writes.append(object)
            $0.log.append("write")
        }
        if let failure { throw failure }
    }

    func record(_ event: PlannedEvent) { state.withLock { $0.log.append("event \(event.reason)") } }
}

struct StatusCommitRunTests {
    static let gone = APIError.notFound(GroupResource(group: "example.com", resource: "widgets"), name: "w")
    static let behind = APIError.modified(GroupResource(group: "example.com", resource: "widgets"), name: "w")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var planned: WidgetStatus?
        var failure: APIError?
        var outcome: StatusCommitOutcome?
        var log: [String]
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "written: write Events, the write, then transition Events", planned: WidgetStatus(phase: "Ready"), failure: nil,
             outcome: .written, log: ["event Created", "event ChildConflict", "write", "event Ready"]),
        Case(name: "unchanged: every Event, no write", planned: WidgetStatus(phase: "Pending"), failure: nil,
             outcome: .unchanged, log: ["event Created", "event ChildConflict", "event Ready"]),
        Case(name: "no plan: every Event, no write", planned: nil, failure: nil,
             outcome: .unchanged, log: ["event Created", "event ChildConflict", "event Ready"]),
        Case(name: "409: transition Events dropped, superseded", planned: WidgetStatus(phase: "Ready"), failure: behind,
             outcome: .superseded, log: ["event Created", "event ChildConflict", "write"]),
        Case(name: "404: transition Events dropped, superseded", planned: WidgetStatus(phase: "Ready"), failure: gone,
             outcome: .superseded, log: ["event Created", "event ChildConflict", "write"]),
        Case(name: "500: thrown, transition Events dropped", planned: WidgetStatus(phase: "Ready"),
             failure: APIError(APIStatus(message: "etcd is down", reason: .internalError, code: 500)),
             outcome: nil, log: ["event Created", "event ChildConflict", "write"]),
    ])
    func recordsTransitionEventsOnlyAfterASuccessfulOrUnneededWrite(_ c: Case) async throws {
        let fake = FakeStatusWrite(failing: c.failure)
        let commit = try StatusCommit(owner: owner(status: ["phase": "Pending"]), planned: c.planned, events: [created, ready, conflict])
        var outcome: StatusCommitOutcome?
        do {
            outcome = try await commit.run(write: { try fake.write($0) }, record: { fake.record($0) })
        } catch let error as APIError {
            #expect(error.code == 500)
        }
        #expect(outcome == c.outcome)
        #expect(fake.log == c.log)
    }

    @Test func theFakeWriteReceivesTheReadResourceVersionAsPrecondition() async throws {
        let fake = FakeStatusWrite()
        let commit = try StatusCommit(owner: owner(status: ["phase": "Pending"], rv: "19"), planned: WidgetStatus(phase: "Ready"), events: [])
        _ = try await commit.run(write: { try fake.write($0) }, record: { fake.record($0) })
        #expect(fake.writes.map(\.resourceVersion) == ["19"])
    }

    /// The case the Event deduplication is for, as two plans: the first from the current copy, the
    /// second from the same (now stale) copy repeating it. Only the first one's Events are recorded.
    @Test func aRepeatedPlanFromAStaleCopyRecordsNoTransitionTwice() async throws {
        let stale = owner(status: ["phase": "Pending"], rv: "7")
        let first = FakeStatusWrite()
        let second = FakeStatusWrite(failing: Self.behind)
        for fake in [first, second] {
            let commit = try StatusCommit(owner: stale, planned: WidgetStatus(phase: "Ready"), events: [ready])
            _ = try await commit.run(write: { try fake.write($0) }, record: { fake.record($0) })
        }
        #expect(first.log == ["write", "event Ready"])
        #expect(second.log == ["write"])
    }
}

// MARK: - Against the API server

/// A namespaced `Widget` CRD with a status subresource.
private let widgetCRD = KubeObject([
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": ["name": "widgets.example.com"],
    "spec": [
        "group": "example.com", "scope": "Namespaced",
        "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
        "versions": [[
            "name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
            "schema": ["openAPIV3Schema": [
                "type": "object",
                "properties": [
                    "spec": ["type": "object", "properties": ["size": ["type": "integer"]]],
                    "status": ["type": "object", "properties": ["phase": ["type": "string"], "count": ["type": "integer"]]],
                ],
            ]],
        ]],
    ],
])

@Suite(.serialized)
struct OwnerWriterServerTests {
    static let widgets = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets")

    /// Runs `body` with a created Widget `default/w` and an OwnerWriter whose recorder runs.
    static func withWidget(
        _ body: @Sendable (TestServer, KubeObject, OwnerWriter, EventRecorder) async throws -> Void
    ) async throws {
        try await TestServer.with { server in
            try await server.installCRD(widgetCRD, resource: widgets)
            let created = try await server.client.create(widgets, namespace: "default", KubeObject([
                "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"], "spec": ["size": 3],
            ]))
            try await EventRecorderServerTests.withRecorder(server) { recorder in
                let writer = OwnerWriter(
                    client: server.client, resource: widgets, recorder: recorder, fieldManager: "status-commit-test",
                    logger: testLogger("owner-writer"))
                try await body(server, created, writer, recorder)
            }
        }
    }

    /// Records a marker Event and waits for it: the recorder sends in order, so every Event recorded
    /// before it has been sent by then.
    static func drain(_ server: TestServer, _ recorder: EventRecorder, about owner: KubeObject) async throws {
        recorder.record(regarding: owner, type: .normal, reason: "Marker", action: "Test", note: "")
        try await eventually { try await EventRecorderServerTests.events(server).contains { $0.json["reason"] == "Marker" } }
    }

    @Test func aPlanFromAStaleCopyConflictsAndRecordsNoSecondEvent() async throws {
        try await Self.withWidget { server, stale, writer, recorder in
            let planned = WidgetStatus(phase: "Ready")
            // The first run plans from the current copy: written, its Event recorded.
            #expect(try await writer.commit(owner: stale, planned: planned, events: [ready]) == .written)
            // The next run's cache still holds that copy and plans the same transition again.
            #expect(try await writer.commit(owner: stale, planned: planned, events: [ready]) == .superseded)
            try await Self.drain(server, recorder, about: stale)

            let readyEvents = try await EventRecorderServerTests.events(server).filter { $0.json["reason"] == "Ready" }
            #expect(readyEvents.count == 1)
            #expect(readyEvents.first?.json["series"] == nil, "a repeat would have extended the first Event's series")
            let live = try await server.client.get(Self.widgets, namespace: "default", name: "w")
            #expect(live.status == ["phase": "Ready"])
        }
    }

    @Test func aStaleCopysWriteEventsAreStillRecorded() async throws {
        try await Self.withWidget { server, stale, writer, recorder in
            _ = try await writer.commit(owner: stale, planned: WidgetStatus(phase: "Ready"), events: [])
            #expect(try await writer.commit(owner: stale, planned: WidgetStatus(phase: "Ready"), events: [ready, conflict]) == .superseded)
            try await Self.drain(server, recorder, about: stale)
            let reasons = try await EventRecorderServerTests.events(server).compactMap { $0.json["reason"]?.stringValue }
            #expect(reasons.contains("ChildConflict"))
            #expect(!reasons.contains("Ready"))
        }
    }

    @Test func theStatusWriteCarriesTheResourceVersionTheRunRead() async throws {
        try await Self.withWidget { server, read, writer, _ in
            // Someone else changes the widget after this run read it.
            var edited = read
            edited.labels = ["edited": "yes"]
            _ = try await server.client.update(Self.widgets, namespace: "default", edited)
            #expect(try await writer.commit(owner: read, planned: WidgetStatus(phase: "Ready"), events: []) == .superseded)
            let live = try await server.client.get(Self.widgets, namespace: "default", name: "w")
            #expect(live.status == nil)
            #expect(live.labels["edited"] == "yes")
        }
    }

    @Test func finalizersAreWrittenWithThePreconditionAndAStaleCopyStopsTheRun() async throws {
        try await Self.withWidget { server, read, writer, _ in
            let added = try #require(try await writer.addFinalizer("example.com/cleanup", to: read))
            #expect(added.finalizers == ["example.com/cleanup"])
            // The copy read before the add is behind now.
            #expect(try await writer.removeFinalizer("example.com/other", from: read) == read, "absent: nothing to write")
            #expect(try await writer.addFinalizer("example.com/other", to: read) == nil)
            let removed = try #require(try await writer.removeFinalizer("example.com/cleanup", from: added))
            #expect(removed.finalizers.isEmpty)
            let live = try await server.client.get(Self.widgets, namespace: "default", name: "w")
            #expect(live.finalizers.isEmpty)
        }
    }

    @Test func aStatusWriteForAnOwnerThatIsGoneIsSuperseded() async throws {
        try await Self.withWidget { server, read, writer, _ in
            _ = try await server.client.delete(Self.widgets, namespace: "default", name: "w")
            #expect(try await writer.commit(owner: read, planned: WidgetStatus(phase: "Ready"), events: [ready]) == .superseded)
        }
    }
}
