//! Status conditions (`metav1.Condition`) and the one rule everybody gets
//! wrong: `lastTransitionTime` moves only when `status` changes.
import Foundation

public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var reason: String
    public var message: String
    public var lastTransitionTime: String
    public var observedGeneration: Int64?

    public init(type: String, status: String, reason: String, message: String, lastTransitionTime: String = "", observedGeneration: Int64? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }

    public var isTrue: Bool { status == "True" }

    public init(type: String, _ value: Bool, reason: String, message: String, observedGeneration: Int64? = nil) {
        self.init(type: type, status: value ? "True" : "False", reason: reason, message: message, observedGeneration: observedGeneration)
    }
}

extension Array where Element == Condition {
    public subscript(type type: String) -> Condition? {
        first { $0.type == type }
    }

    /// Sets a condition like `meta.SetStatusCondition`: keeps the existing
    /// `lastTransitionTime` unless the status changes; returns whether anything changed.
    @discardableResult
    public mutating func set(_ condition: Condition, now: Date) -> Bool {
        var new = condition
        if let index = firstIndex(where: { $0.type == condition.type }) {
            let old = self[index]
            new.lastTransitionTime = old.status == new.status && !old.lastTransitionTime.isEmpty ? old.lastTransitionTime : KubeTime.format(now)
            guard old != new else { return false }
            self[index] = new
            return true
        }
        new.lastTransitionTime = KubeTime.format(now)
        append(new)
        return true
    }

    /// Removes a condition; returns whether it was present.
    @discardableResult
    public mutating func remove(type: String) -> Bool {
        let before = count
        removeAll { $0.type == type }
        return count != before
    }
}

extension KubeObject {
    /// `status.conditions`, decoded (unreadable entries are skipped).
    public var conditions: [Condition] {
        get { status?["conditions"]?.arrayValue?.compactMap { try? $0.decode(Condition.self) } ?? [] }
        set {
            var s = status ?? [:]
            s["conditions"] = (try? JSONValue(encoding: newValue)) ?? []
            status = s
        }
    }
}
