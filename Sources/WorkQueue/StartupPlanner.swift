//! StartupPlanner: decides, after a restart, which listed objects need a prompt
//! reconcile and which only a low-priority safety pass spread over a window, by
//! comparing them with the observed-state cache (pure; no IO, injected RNG).
import KubeCore

/// What the planner needs to know about one listed object.
public struct ListedObject: Sendable, Hashable {
    public var key: ObjectKey
    public var uid: String
    public var generation: Int64
    public var resourceVersion: String
    /// The same hash the reconciler stores in `ObservedState.inputHash`.
    public var inputHash: String
    /// `metadata.deletionTimestamp` is set.
    public var isBeingDeleted: Bool

    public init(key: ObjectKey, uid: String, generation: Int64, resourceVersion: String, inputHash: String, isBeingDeleted: Bool = false) {
        self.key = key
        self.uid = uid
        self.generation = generation
        self.resourceVersion = resourceVersion
        self.inputHash = inputHash
        self.isBeingDeleted = isBeingDeleted
    }
}

/// The planner's decision. Each listed key appears in exactly one of `normal`,
/// `queued` and `lowPriority`; `gone` holds only keys that are not listed.
public struct StartupPlan: Sendable {
    /// Enqueue now at `WorkPriority.normal`, sorted by key.
    public var normal: [ObjectKey]
    /// Why each key of `normal` is there.
    public var reasons: [ObjectKey: StartupPlanner.Reason] = [:]
    /// Enqueue at `WorkPriority.low` after `delay`, sorted by key.
    public var lowPriority: [(key: ObjectKey, delay: Duration)]
    /// Unchanged and already in the queue (a retry backoff, a requeue-after, a
    /// TTL deadline): left to run when they were scheduled. Sorted.
    public var queued: [ObjectKey]
    /// Remembered (observed) but no longer listed: deleted while the process was
    /// down. The caller runs cleanup and forgets them. Sorted.
    public var gone: [ObjectKey]

    public init(
        normal: [ObjectKey] = [], lowPriority: [(key: ObjectKey, delay: Duration)] = [], queued: [ObjectKey] = [], gone: [ObjectKey] = []
    ) {
        self.normal = normal
        self.lowPriority = lowPriority
        self.queued = queued
        self.gone = gone
    }
}

/// Startup resync without a reconcile storm (see the operator runtime notes §4.3).
public enum StartupPlanner {
    /// Why a listed object needs a prompt reconcile; nil when it does not.
    public enum Reason: String, Sendable, Hashable {
        case beingDeleted, new, uidChanged, generationChanged, inputsChanged
    }

    /// Plans the startup enqueue of one controller.
    ///
    /// At normal priority: objects being deleted, objects never reconciled, and
    /// objects whose uid, generation or input hash differ from the observed row
    /// (adding a key that is already queued pulls it forward to now, as a watch
    /// event would). Unchanged keys still pending in the queue keep their
    /// schedule, so a restart does not cut a backoff or a requeue-after short.
    /// Everything else (unchanged since its last successful reconcile;
    /// `resourceVersion` alone is not a reason, as status writes change it) at
    /// low priority, each after a random delay in `[0, window)` drawn from
    /// `rng`. Observed keys that are not listed are `gone`. Duplicate listed
    /// keys count once (the last one wins).
    public static func plan(
        listed: [ListedObject],
        observed: [ObjectKey: ObservedState],
        pending: Set<ObjectKey>,
        spreadOver window: Duration,
        using rng: inout some RandomNumberGenerator
    ) -> StartupPlan {
        var byKey: [ObjectKey: ListedObject] = [:]
        for object in listed { byKey[object.key] = object }

        var plan = StartupPlan()
        let windowMilliseconds = window.wholeMilliseconds
        for key in byKey.keys.sorted() {
            guard let object = byKey[key] else { continue }
            if let reason = reason(for: object, observed: observed[key]) {
                plan.normal.append(key)
                plan.reasons[key] = reason
            } else if pending.contains(key) {
                plan.queued.append(key)
            } else {
                let delay: Duration = windowMilliseconds > 0
                    ? .milliseconds(Int64.random(in: 0..<windowMilliseconds, using: &rng)) : .zero
                plan.lowPriority.append((key, delay))
            }
        }
        plan.gone = observed.keys.filter { byKey[$0] == nil }.sorted()
        return plan
    }

    /// The first reason (in the order of `Reason`) `object` needs a prompt reconcile.
    public static func reason(for object: ListedObject, observed: ObservedState?) -> Reason? {
        if object.isBeingDeleted { return .beingDeleted }
        guard let observed else { return .new }
        if observed.uid != object.uid { return .uidChanged }
        if observed.generation != object.generation { return .generationChanged }
        if observed.inputHash != object.inputHash { return .inputsChanged }
        return nil
    }
}
