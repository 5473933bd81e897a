//! ObjectStore: the server's etcd. Objects of every resource, one cluster-wide
//! resourceVersion counter, a bounded history of changes, and the watchers fed
//! from it. Every write is a synchronous transaction under one lock, so a
//! reader never sees a half-applied change and watchers see changes in order.
import DequeModule
import Foundation
import KubeCore
import Synchronization

/// The kinds of change a watch reports.
public enum WatchEventType: String, Sendable, Codable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

/// Serialized forms of one event, shared by every watcher that sends it the
/// same way, so a change watched by many clients is encoded once.
public final class EventEncodingCache: Sendable {
    private let lines = Locked<[String: Data]>([:])

    public init() {}

    /// The cached line for `key`, or the one `make` produces (then cached).
    public func line(_ key: String, _ make: () -> Data) -> Data {
        if let cached = lines.withLock({ $0[key] }) { return cached }
        let data = make()
        lines.withLock { $0[key] = data }
        return data
    }
}

/// One committed change (or a bookmark), as watchers receive it.
public struct StoreEvent: Sendable {
    public var type: WatchEventType
    /// The storage resource the object belongs to.
    public var resource: GroupResource
    /// The object after the change; for DELETED, its last state with the deletion's resourceVersion.
    public var object: KubeObject
    /// The object before the change (MODIFIED and DELETED).
    public var previous: KubeObject?
    public var resourceVersion: UInt64
    /// Encodings of this event already made for watchers.
    public let encodings = EventEncodingCache()
}

/// What a transaction decided to do with an object.
public enum StoreMutation: Sendable {
    /// Leave the object as it is (no new resourceVersion, no event).
    case unchanged
    /// Create or replace the object.
    case put(KubeObject)
    /// Remove the object.
    case delete
}

/// The outcome of a committed transaction.
public struct StoreCommit: Sendable {
    public var previous: KubeObject?
    /// The stored object after the transaction (for `.delete`, its final state).
    public var current: KubeObject?
    public var deleted: Bool
}

/// A watch on the store: which objects it wants and the stream it reads.
public struct StoreWatch: Sendable {
    public var id: Int
    public var events: AsyncStream<StoreEvent>
}

/// A filter on watched objects; `resource` nil means every resource.
public struct WatchFilter: Sendable {
    public var resource: GroupResource?
    public var namespace: String?
    public var matches: @Sendable (KubeObject) -> Bool

    public init(resource: GroupResource?, namespace: String? = nil, matches: @escaping @Sendable (KubeObject) -> Bool = { _ in true }) {
        self.resource = resource
        self.namespace = namespace
        self.matches = matches
    }

    func admits(_ resource: GroupResource, _ object: KubeObject) -> Bool {
        if let r = self.resource, r != resource { return false }
        if let ns = namespace, !ns.isEmpty, object.namespace != ns { return false }
        return matches(object)
    }
}

public final class ObjectStore: Sendable {
    private struct Watcher {
        var filter: WatchFilter
        var continuation: AsyncStream<StoreEvent>.Continuation
    }

    private struct State {
        var resourceVersion: UInt64 = 1
        var objects: [GroupResource: [ObjectKey: KubeObject]] = [:]
        var history: Deque<StoreEvent> = []
        /// Watching from a resourceVersion lower than this answers 410 Gone.
        var compactedThrough: UInt64 = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 1
    }

    private let state = Mutex(State())
    /// Watches whose consumer went away, to drop from `watchers` at the next
    /// write. A leaf lock: nothing else is taken while it is held. A stream's
    /// `onTermination` may run while the stream holds its own lock, and a
    /// write yields to streams while holding `state`, so taking `state` there
    /// would invert the lock order and deadlock.
    private let terminated = Mutex(Set<Int>())
    /// How many changes are kept for watch resumption.
    public let historyLimit: Int
    /// Events a watcher may have unread before the server closes it (as kube-apiserver closes slow watchers).
    public let watcherBufferLimit: Int

    public init(historyLimit: Int = 100_000, watcherBufferLimit: Int = 100_000) {
        self.historyLimit = historyLimit
        self.watcherBufferLimit = watcherBufferLimit
    }

    // MARK: Reads

    /// The latest committed resourceVersion.
    public var resourceVersion: UInt64 { state.withLock { $0.resourceVersion } }

    /// The oldest resourceVersion a watch can resume from.
    public var oldestResumableVersion: UInt64 { state.withLock { $0.compactedThrough } }

    public func get(_ resource: GroupResource, _ key: ObjectKey) -> KubeObject? {
        state.withLock { $0.objects[resource]?[key] }
    }

    /// A consistent snapshot of the objects of a resource (optionally in one
    /// namespace), sorted by key, with the resourceVersion it was taken at.
    public func list(_ resource: GroupResource, namespace: String? = nil) -> (items: [(ObjectKey, KubeObject)], resourceVersion: UInt64) {
        state.withLock { s in
            let table = s.objects[resource] ?? [:]
            let items = table.filter { key, _ in namespace.map { $0.isEmpty || key.namespace == $0 } ?? true }
                .sorted { $0.key < $1.key }
                .map { ($0.key, $0.value) }
            return (items, s.resourceVersion)
        }
    }

    /// Number of objects of a resource (all resources when nil).
    public func count(_ resource: GroupResource? = nil) -> Int {
        state.withLock { s in
            if let resource { return s.objects[resource]?.count ?? 0 }
            return s.objects.values.reduce(0) { $0 + $1.count }
        }
    }

    // MARK: Writes

    /// Runs `body` on the current object (nil when absent) under the store lock
    /// and commits its decision atomically, assigning a new resourceVersion and
    /// notifying watchers. `body` must be quick and must not block.
    @discardableResult
    public func transact(_ resource: GroupResource, _ key: ObjectKey, _ body: (KubeObject?) throws -> StoreMutation) throws -> StoreCommit {
        var overflowed: [AsyncStream<StoreEvent>.Continuation] = []
        defer { for c in overflowed { c.finish() } }
        return try state.withLock { s in
            let existing = s.objects[resource]?[key]
            switch try body(existing) {
            case .unchanged:
                return StoreCommit(previous: existing, current: existing, deleted: false)
            case .put(var object):
                s.resourceVersion += 1
                object.resourceVersion = String(s.resourceVersion)
                s.objects[resource, default: [:]][key] = object
                let event = StoreEvent(type: existing == nil ? .added : .modified, resource: resource,
                                       object: object, previous: existing, resourceVersion: s.resourceVersion)
                overflowed = Self.record(event, in: &s, historyLimit: historyLimit, dropping: drainTerminated())
                return StoreCommit(previous: existing, current: object, deleted: false)
            case .delete:
                guard var final = existing else { return StoreCommit(previous: nil, current: nil, deleted: false) }
                s.resourceVersion += 1
                final.resourceVersion = String(s.resourceVersion)
                s.objects[resource]?[key] = nil
                let event = StoreEvent(type: .deleted, resource: resource, object: final, previous: existing,
                                       resourceVersion: s.resourceVersion)
                overflowed = Self.record(event, in: &s, historyLimit: historyLimit, dropping: drainTerminated())
                return StoreCommit(previous: existing, current: final, deleted: true)
            }
        }
    }

    /// Forgets all history: every watch resuming from an older resourceVersion gets 410 Gone.
    public func compact() {
        state.withLock { s in
            s.history.removeAll()
            s.compactedThrough = s.resourceVersion
        }
    }

    // MARK: Watches

    /// Errors starting a watch.
    public enum WatchStartError: Error, Sendable {
        /// The requested resourceVersion is older than the retained history.
        case gone(requested: UInt64, oldest: UInt64)
    }

    /// Starts a watch. With `from` nil, the watcher first receives an ADDED event
    /// for every existing matching object (kube's "start at most recent" with
    /// initial state); otherwise it receives every matching change after `from`.
    public func watch(_ filter: WatchFilter, from: UInt64?) throws -> StoreWatch {
        let (stream, continuation) = AsyncStream<StoreEvent>.makeStream(bufferingPolicy: .bufferingOldest(watcherBufferLimit))
        let id: Int = try state.withLock { s in
            if let from, from < s.compactedThrough {
                throw WatchStartError.gone(requested: from, oldest: s.compactedThrough + 1)
            }
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            if let from {
                for event in s.history where event.resourceVersion > from {
                    if let translated = Self.translate(event, for: filter) { continuation.yield(translated) }
                }
            } else {
                let resources = filter.resource.map { [$0] } ?? Array(s.objects.keys)
                for resource in resources {
                    for (_, object) in (s.objects[resource] ?? [:]).sorted(by: { $0.key < $1.key }) where filter.admits(resource, object) {
                        continuation.yield(StoreEvent(type: .added, resource: resource, object: object, previous: nil,
                                                      resourceVersion: UInt64(object.resourceVersion) ?? s.resourceVersion))
                    }
                }
            }
            s.watchers[id] = Watcher(filter: filter, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.terminated.withLock { _ = $0.insert(id) }
        }
        return StoreWatch(id: id, events: stream)
    }

    /// Sends a BOOKMARK carrying the current resourceVersion to one watcher,
    /// ordered after every event already delivered to it.
    public func bookmark(_ watchID: Int) {
        state.withLock { s in
            guard let watcher = s.watchers[watchID] else { return }
            let marker = KubeObject(["metadata": ["resourceVersion": .string(String(s.resourceVersion))]])
            watcher.continuation.yield(StoreEvent(type: .bookmark, resource: watcher.filter.resource ?? GroupResource(group: "", resource: ""),
                                                  object: marker, previous: nil, resourceVersion: s.resourceVersion))
        }
    }

    /// Ends a watch from the server side (a cut stream, or a shutdown).
    public func endWatch(_ watchID: Int) {
        let continuation = state.withLock { $0.watchers.removeValue(forKey: watchID)?.continuation }
        continuation?.finish()
    }

    /// Ends every watch.
    public func endAllWatches() {
        let continuations = state.withLock { s -> [AsyncStream<StoreEvent>.Continuation] in
            defer { s.watchers.removeAll() }
            return s.watchers.values.map(\.continuation)
        }
        for c in continuations { c.finish() }
    }

    public var watcherCount: Int {
        state.withLock { s in
            for id in drainTerminated() { s.watchers[id] = nil }
            return s.watchers.count
        }
    }

    /// The watches whose consumers went away since the last call.
    private func drainTerminated() -> Set<Int> {
        terminated.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
    }

    // MARK: Internals

    /// Drops the watchers in `gone`, appends to history and fans out; returns the
    /// streams of watchers that overflowed, to be finished by the caller once
    /// the lock is released.
    private static func record(
        _ event: StoreEvent, in s: inout State, historyLimit: Int, dropping gone: Set<Int>
    ) -> [AsyncStream<StoreEvent>.Continuation] {
        for id in gone { s.watchers[id] = nil }
        s.history.append(event)
        while s.history.count > historyLimit, let dropped = s.history.popFirst() {
            s.compactedThrough = dropped.resourceVersion
        }
        var overflowed: [Int] = []
        for (id, watcher) in s.watchers {
            guard let translated = translate(event, for: watcher.filter) else { continue }
            if case .dropped = watcher.continuation.yield(translated) { overflowed.append(id) }
        }
        return overflowed.compactMap { s.watchers.removeValue(forKey: $0)?.continuation }
    }

    /// Selector-aware delivery: an object that starts matching is ADDED, one
    /// that stops matching is DELETED (with its previous content and the new
    /// resourceVersion), as kube-apiserver's watch cache does.
    private static func translate(_ event: StoreEvent, for filter: WatchFilter) -> StoreEvent? {
        switch event.type {
        case .added:
            return filter.admits(event.resource, event.object) ? event : nil
        case .deleted:
            return filter.admits(event.resource, event.previous ?? event.object) ? event : nil
        case .modified:
            let now = filter.admits(event.resource, event.object)
            let before = event.previous.map { filter.admits(event.resource, $0) } ?? false
            switch (before, now) {
            case (true, true): return event
            case (false, true):
                var added = event
                added.type = .added
                return added
            case (true, false):
                guard var old = event.previous else { return nil }
                old.resourceVersion = String(event.resourceVersion)
                return StoreEvent(type: .deleted, resource: event.resource, object: old, previous: event.previous,
                                  resourceVersion: event.resourceVersion)
            case (false, false): return nil
            }
        case .bookmark, .error:
            return event
        }
    }
}
