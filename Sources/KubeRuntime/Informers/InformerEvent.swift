//! `InformerEvent`, the change notifications informers hand to their
//! handlers, and the pure rules that turn cache states into them: one
//! object's transition, and the diff of a relist against the cache.
import KubeCore

/// A change to an informer's cache, as delivered to its handlers.
public enum InformerEvent: Sendable, Hashable {
    /// An object the cache did not hold.
    case added(KubeObject)
    /// A new resourceVersion of an object the cache held.
    case updated(old: KubeObject, new: KubeObject)
    /// An object left the cache: deleted, or no longer matching the selectors.
    /// Carries the last known state (the watch's final object when there was
    /// one, otherwise what the cache held).
    case deleted(KubeObject)

    /// The object as it is now (the last known state for `.deleted`).
    public var object: KubeObject {
        switch self {
        case .added(let object), .deleted(let object): object
        case .updated(_, let new): new
        }
    }

    /// The object's namespace/name.
    public var key: ObjectKey { object.key }

    /// The events that take the cache from `old` to `new` for one key.
    ///
    /// - Nothing when both are absent, or when the resourceVersion is unchanged
    ///   (a duplicate: the cache already holds this version).
    /// - `.deleted(old)` then `.added(new)` when the UID differs: the object was
    ///   deleted and recreated under the same name.
    /// - Otherwise `.added`, `.updated` or `.deleted`.
    public static func transition(from old: KubeObject?, to new: KubeObject?) -> [InformerEvent] {
        switch (old, new) {
        case (nil, nil):
            return []
        case (nil, let new?):
            return [.added(new)]
        case (let old?, nil):
            return [.deleted(old)]
        case (let old?, let new?):
            if !old.uid.isEmpty, !new.uid.isEmpty, old.uid != new.uid { return [.deleted(old), .added(new)] }
            if old.resourceVersion == new.resourceVersion { return [] }
            return [.updated(old: old, new: new)]
        }
    }
}

/// The diff of a (re)list against the cache. Pure.
public enum RelistDiff {
    /// The events that turn `cached` into exactly the `listed` objects.
    ///
    /// Listed objects come first, in list order (`.added` for new keys,
    /// `.updated` for a changed resourceVersion, nothing for an unchanged one,
    /// `.deleted` + `.added` for a recreated object), then `.deleted` with the
    /// cached state for every key the list no longer has, in key order.
    /// Applied in order, the events leave the cache equal to the list, so a
    /// relist neither loses nor repeats a change the handlers already saw.
    public static func events(cached: [ObjectKey: KubeObject], listed: [KubeObject]) -> [InformerEvent] {
        var current = cached
        var listedKeys: Set<ObjectKey> = []
        var events: [InformerEvent] = []
        for object in listed {
            let key = object.key
            events += InformerEvent.transition(from: current[key], to: object)
            current[key] = object
            listedKeys.insert(key)
        }
        for key in cached.keys.sorted() where !listedKeys.contains(key) {
            if let gone = cached[key] { events.append(.deleted(gone)) }
        }
        return events
    }
}
