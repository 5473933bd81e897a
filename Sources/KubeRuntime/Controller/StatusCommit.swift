//! StatusCommit: how a reconcile run ends — the planned status written once,
//! only when it changed, with the owner's resourceVersion as precondition, and
//! the planned Events recorded so that a plan made from a lagging cache records
//! none of them twice. Pure: the decision, and its execution over a write and a
//! record function the caller supplies (`OwnerWriter` binds them to the API
//! server and the `EventRecorder`).
import KubeCore

/// The end of a reconcile run: the planned status and the planned Events of one plan.
///
/// The contract:
/// - **The status** is written only when the planned one differs from the one the owner carries
///   (decoded as `Status`; an absent status reads as `{}`, one that does not decode as different).
///   The write is the owner *as read* with the planned status, PUT to the status subresource: its
///   `metadata.resourceVersion` is the precondition, so if the object changed since it was read
///   the server answers 409 and writes nothing. An owner without a resourceVersion is refused
///   (`OwnerWriteError`), never written unconditionally. A `nil` plan (the owner is being
///   deleted or was just released) writes nothing.
/// - **`.write` Events** (`PlannedEvent.Basis`) are recorded first, whatever becomes of the status
///   write: they report writes this run already made, which no later run reports again.
/// - **`.transition` Events** are recorded once the status write succeeded, or at once when no
///   write is needed. When the write fails they are dropped: the plan they belong to is void.
/// - **A 409 or 404** on the status write means the owner moved on (a newer version, whose watch
///   event runs the key again and re-plans from it) or is gone: the outcome is `.superseded` and
///   nothing is thrown. Any other error is thrown (and the run retried, re-planned).
///
/// Why a stale cache is then harmless: a plan made from a copy older than the previous run's
/// status write repeats that run's transitions, and since a planner emits a `.transition` Event
/// only with a status that differs from the copy's, that plan has a status to write. The write
/// carries the old resourceVersion, conflicts, and its Events are dropped. So the reconcilers plan
/// from their caches and need no fresh read of the owner.
public struct StatusCommit: Sendable, Hashable {
    /// The owner with the planned status, to PUT to the status subresource; nil when no write is needed.
    public var update: KubeObject?
    /// Recorded before the status write, whatever its outcome.
    public var writeEvents: [PlannedEvent]
    /// Recorded after the status write succeeded (or at once without one); dropped when it fails.
    public var transitionEvents: [PlannedEvent]

    /// Decides what to write and when to record each Event.
    /// - Parameters:
    ///   - owner: the primary object as this run read it (from the cache, or as a write of this run
    ///     returned it, e.g. after adding a finalizer).
    ///   - planned: the status the plan wants; nil for no status write at all.
    ///   - events: the plan's Events, in the order they are recorded within each basis.
    public init<Status: Codable & Equatable>(owner: KubeObject, planned: Status?, events: [PlannedEvent]) throws {
        writeEvents = events.filter { $0.basis == .write }
        transitionEvents = events.filter { $0.basis == .transition }
        update = nil
        guard let planned, planned != Self.status(of: owner, as: Status.self) else { return }
        guard !owner.resourceVersion.isEmpty else { throw OwnerWriteError.noResourceVersion(owner.key) }
        var updated = owner
        updated.status = try JSONValue(encoding: planned)
        update = updated
    }

    /// The status `owner` carries, as `Status`: an absent one reads as `{}`; nil when it does not decode.
    public static func status<Status: Decodable>(of owner: KubeObject, as type: Status.Type) -> Status? {
        try? (owner.status ?? .object([:])).decode(Status.self)
    }

    /// Carries the decision out.
    /// - Parameters:
    ///   - write: PUTs its argument to the owner's status subresource.
    ///   - record: records one Event about the owner.
    /// - Returns: `.unchanged`, `.written`, or `.superseded` (409 or 404: the Events of the plan dropped).
    /// - Throws: any other error of `write`; the transition Events are then dropped too.
    public func run(
        write: (KubeObject) async throws -> Void, record: (PlannedEvent) -> Void
    ) async throws -> StatusCommitOutcome {
        writeEvents.forEach(record)
        var outcome = StatusCommitOutcome.unchanged
        if let update {
            do {
                try await write(update)
                outcome = .written
            } catch let error as APIError where error.code == 409 || error.code == 404 {
                return .superseded
            }
        }
        transitionEvents.forEach(record)
        return outcome
    }
}

/// How a `StatusCommit` ended.
public enum StatusCommitOutcome: Sendable, Hashable {
    /// No status write was needed; every Event was recorded.
    case unchanged
    /// The status was written; every Event was recorded.
    case written
    /// The status write answered 409 (our copy was behind) or 404 (the owner is gone): the
    /// transition Events were dropped. The newer version's watch event runs the key again.
    case superseded
}

/// A write to the owner that cannot carry its precondition.
public enum OwnerWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The owner has no `metadata.resourceVersion`: a write without one would overwrite whatever
    /// the server has, which the Event deduplication relies on never happening.
    case noResourceVersion(ObjectKey)

    public var description: String {
        switch self {
        case .noResourceVersion(let key): "refusing to write \(key) without a resourceVersion precondition"
        }
    }
}
