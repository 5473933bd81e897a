//! PlannedEvent: an Event a pure planner decided to record. The reconciler
//! hands it to the `EventRecorder` with the object it is about; planners stay
//! free of IO and their tests compare plain values.
public struct PlannedEvent: Sendable, Hashable {
    /// What makes the event happen once rather than on every run, which decides when it is recorded
    /// (`StatusCommit`).
    public enum Basis: Sendable, Hashable {
        /// Its once-only-ness rests on the owner's status: it reports a change the planned status
        /// records (Ready, Installed, a problem first seen). It stands or falls with the status
        /// write: recorded once that succeeded or was not needed, dropped when it fails. A planner
        /// emits it only together with a status that differs from the owner's (the status is its
        /// record), so a plan from a lagging copy, which repeats the previous run's transitions,
        /// ends in a conflicting status write and records nothing. The default; it also suits an
        /// Event planned on every run while its cause lasts (no record needed), as a plan that is
        /// void has nothing to say.
        case transition
        /// It reports a write this run made to something other than the owner's status (a child
        /// created, put back or deleted, a Secret written, the finalizer released) or attempted (a
        /// create refused because the name is taken). Its once-only-ness rests on that write, so it
        /// is recorded whatever becomes of the status write: no later run would report it again.
        case write
    }

    public var type: EventType
    /// A stable reason (part of the operator's API; documented per reconciler).
    public var reason: String
    public var note: String
    public var basis: Basis

    public init(_ type: EventType, _ reason: String, _ note: String, basis: Basis = .transition) {
        self.type = type
        self.reason = reason
        self.note = note
        self.basis = basis
    }
}
