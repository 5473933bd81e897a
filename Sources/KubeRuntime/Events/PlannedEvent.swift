//! PlannedEvent: an Event a pure planner decided to record. The reconciler
//! hands it to the `EventRecorder` with the object it is about; planners stay
//! free of IO and their tests compare plain values.
public struct PlannedEvent: Sendable, Hashable {
    public var type: EventType
    /// A stable reason (part of the operator's API; documented per reconciler).
    public var reason: String
    public var note: String

    public init(_ type: EventType, _ reason: String, _ note: String) {
        self.type = type
        self.reason = reason
        self.note = note
    }
}
