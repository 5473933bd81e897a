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

/// The planner's decision. Each listed key appears in exactly one of `normal`
/// and `lowPriority`; `gone` holds only keys that are not listed.
public struct StartupPlan: Sendable {
    /// Enqueue now at `WorkPriority.normal`, sorted by key.
    public var normal: [ObjectKey]
    /// Enqueue at `WorkPriority.low` after `delay`, sorted by key.
    public var lowPriority: [(key: ObjectKey, delay: Duration)]
    /// Remembered (observed) but no longer listed: deleted while the process was
    /// down. The caller runs cleanup and forgets them. Sorted.
    public var gone: [ObjectKey]

    public init(normal: [ObjectKey] = [], lowPriority: [(key: ObjectKey, delay: Duration)] = [], gone: [ObjectKey] = []) {
        self.normal = normal
        self.lowPriority = lowPriority
        self.gone = gone
    }
}

/// Startup resync without a reconcile storm (see the operator runtime notes §4.3).
public enum StartupPlanner {
    /// Why a listed object needs a prompt reconcile; nil when it does not.
    public enum Reason: String, Sendable, Hashable {
        case pending, beingDeleted, new, uidChanged, generationChanged, inputsChanged
    }

    /// Plans the startup enqueue of one controller.
    ///
    /// At normal priority: keys still pending in the queue, objects being deleted,
    /// objects never reconciled, and objects whose uid, generation or input hash
    /// differ from the observed row. Everything else (unchanged since its last
    /// successful reconcile; `resourceVersion` alone is not a reason, as status
    /// writes change it) at low priority, each after a random delay in
    /// `[0, window)` drawn from `rng`. Observed keys that are not listed are `gone`.
    /// Duplicate listed keys count once (the last one wins).
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
            if reason(for: object, observed: observed[key], isPending: pending.contains(key)) != nil {
                plan.normal.append(key)
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
    public static func reason(for object: ListedObject, observed: ObservedState?, isPending: Bool) -> Reason? {
        if isPending { return .pending }
        if object.isBeingDeleted { return .beingDeleted }
        guard let observed else { return .new }
        if observed.uid != object.uid { return .uidChanged }
        if observed.generation != object.generation { return .generationChanged }
        if observed.inputHash != object.inputHash { return .inputsChanged }
        return nil
    }
}
