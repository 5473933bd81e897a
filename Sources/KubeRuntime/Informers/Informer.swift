//! `Informer`: a list+watch reflector with client-go's contract over
//! `RESTClient`, feeding an `ObjectCache` and ordered, awaited handlers.
//!
//! The reflector's life: a paginated LIST, then WATCHes that resume from the
//! last resourceVersion seen (events and bookmarks), a full relist diffed
//! against the cache when the server answers 410, and backoff on any other
//! failure. A `ServiceLifecycle.Service`.
import Foundation
import KubeClient
import KubeCore
import Logging
import ServiceLifecycle

/// Misuse and lifecycle failures of an `Informer`.
public enum InformerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `run()` was called on an informer that already ran.
    case alreadyStarted
    /// The informer stopped before its first list reached the handlers.
    case stoppedBeforeSync

    public var description: String {
        switch self {
        case .alreadyStarted: "the informer was already started"
        case .stoppedBeforeSync: "the informer stopped before its cache synced"
        }
    }
}

/// Lists and watches one resource, keeps `cache` current and tells handlers
/// about every change, in order.
///
/// ## Contract
/// - **List.** Pages of `pageSize` items, following `continue`. The first
///   list asks for `resourceVersion=0` (any recent state, which
///   kube-apiserver can serve from its watch cache); later pages send only the
///   `continue` token, and relists after a 410 use `resourceVersion=""` (a
///   consistent, most recent read), as client-go's reflector does. The
///   list's resourceVersion is the first page's: every page of one paginated
///   list is the same snapshot. If a `continue` token expires (410) part way,
///   the list starts over once with `resourceVersion=""`.
/// - **Watch.** From the list's resourceVersion with `allowWatchBookmarks=true`
///   and `timeoutSeconds` drawn from `watchTimeout`; the client abandons a
///   watch silent for that timeout plus 5 s. A watch the server ends is
///   resumed at once from the last resourceVersion seen in an event or a
///   bookmark (no relist). A 410 — the watch refused with HTTP 410 or an
///   `ERROR` event with code 410 — leads to a relist. Any other failure (a
///   refused watch, a broken or idle connection, an `ERROR` event, a watch
///   ending within a second without a single event) waits per `backoff`
///   and resumes the watch from the same resourceVersion.
/// - **Events.** Added/modified objects whose resourceVersion the cache
///   already holds are duplicates and produce nothing; a DELETED object the
///   cache does not hold produces nothing. A relist is diffed against the
///   cache with `RelistDiff`, so handlers see each change exactly once.
/// - **Cache.** Updated before the handlers see an event, so a handler
///   finds the event's state in `cache`. `metadata.managedFields` is
///   stripped from every object before it is cached or delivered, then the
///   configuration's `transform` applies. A list is held packed and applied
///   one object at a time; after it, free memory is handed back to the
///   system (`MemoryTrim`).
/// - **Handlers.** Called one event at a time, in registration order, each
///   awaited before the next; a slow handler slows the informer.
/// - **Lifecycle.** `run()` runs until its task is cancelled or a graceful
///   shutdown is triggered, then returns. An informer runs once.
public final class Informer: Service, Sendable {
    /// Receives each event; awaited before the next handler and the next event.
    public typealias Handler = @Sendable (InformerEvent) async -> Void

    public let configuration: InformerConfiguration
    /// The informer's objects. Current as of the last delivered event.
    public let cache = ObjectCache()

    private let client: RESTClient
    private let logger: Logger
    private let state = Locked(State())

    private struct State {
        var handlers: [Handler] = []
        var started = false
        var stopped = false
        var synced = false
        var resourceVersion = ""
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
    }

    /// - Parameters:
    ///   - client: the API client; its retry policy applies to LIST pages.
    ///   - logger: receives relists and 410s (`info`), reconnects with their
    ///     delay (`warning`), and routine watch restarts (`debug`).
    public init(client: RESTClient, configuration: InformerConfiguration, logger: Logger = Logger(label: "informer")) {
        self.client = client
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "resource"] = "\(configuration.resource.groupResource)"
        if let namespace = configuration.namespace { logger[metadataKey: "namespace"] = "\(namespace)" }
        self.logger = logger
    }

    // MARK: Public API

    /// Adds a handler. Add handlers before `run()`: a handler added later
    /// sees only the events after it was added.
    public func addHandler(_ handler: @escaping Handler) {
        state.withLock { $0.handlers.append(handler) }
    }

    /// Whether the first list has been stored and delivered to the handlers.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// The last resourceVersion seen (a list's, an event's or a bookmark's):
    /// where the next watch resumes. Empty before the first list.
    public var resourceVersion: String { state.withLock { $0.resourceVersion } }

    /// Returns once `hasSynced` is true.
    /// - Throws: `CancellationError` when the calling task is cancelled,
    ///   `InformerError.stoppedBeforeSync` when the informer stops first.
    public func waitUntilSynced() async throws {
        let id = state.withLock { s in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = state.withLock { s in
                    if s.synced { return .success(()) }
                    if s.stopped { return .failure(InformerError.stoppedBeforeSync) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Lists, then watches, until the task is cancelled or a graceful
    /// shutdown is triggered; then returns.
    /// - Throws: `InformerError.alreadyStarted` on a second call.
    public func run() async throws {
        try state.withLock { s in
            guard !s.started else { throw InformerError.alreadyStarted }
            s.started = true
        }
        await cancelWhenGracefulShutdown { await self.reflect() }
        let waiters = state.withLock { s in
            s.stopped = true
            defer { s.waiters.removeAll() }
            return s.synced ? [] : Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: InformerError.stoppedBeforeSync) }
        logger.debug("informer stopped")
    }

    // MARK: The reflector loop

    /// How one watch ended without throwing.
    private enum WatchEnd {
        /// The server (or a cancellation) ended the stream after `events` events.
        case closed(events: Int, lasted: Duration)
        /// A 410 `ERROR` event after `events` other events.
        case expired(APIStatus, events: Int)
    }

    private func reflect() async {
        var backoff = configuration.backoff
        // Non-nil: list at this resourceVersion before watching.
        var listAt: String? = "0"
        // True from a list until a watch delivered something or ran its
        // course: a 410 in that window means the fresh list expired at once,
        // so the relist backs off instead of looping.
        var listJustCompleted = false
        while !Task.isCancelled {
            if let version = listAt {
                do {
                    try await listAndSync(resourceVersion: version)
                    listAt = nil
                    listJustCompleted = true
                } catch {
                    if Task.isCancelled { return }
                    await pause(&backoff, after: error, while: "list")
                    continue
                }
            }
            do {
                switch try await watchOnce() {
                case .closed(let events, let lasted):
                    if Task.isCancelled { return }
                    if events == 0, lasted < .seconds(1) {
                        await pause(&backoff, after: ShortWatch(), while: "watch")
                    } else {
                        logger.debug("watch ended; resuming", metadata: ["resourceVersion": "\(resourceVersion)"])
                        listJustCompleted = false
                    }
                case .expired(let status, let events):
                    if events > 0 { listJustCompleted = false }
                    await expired(status, &backoff, backOff: listJustCompleted)
                    listAt = ""
                }
            } catch let error as APIError where Self.isExpired(error.status) {
                await expired(error.status, &backoff, backOff: listJustCompleted)
                listAt = ""
            } catch {
                if Task.isCancelled { return }
                await pause(&backoff, after: error, while: "watch")
            }
        }
    }

    /// Logs a 410 and, when the list it came from was fresh, backs off before the relist.
    private func expired(_ status: APIStatus, _ backoff: inout ReflectorBackoff, backOff: Bool) async {
        logger.info("watch expired (410), relisting", metadata: [
            "resourceVersion": "\(resourceVersion)", "message": "\(status.message ?? "")",
        ])
        if backOff { await pause(&backoff, after: APIError(status), while: "watch") }
    }

    /// Waits the backoff's next delay (or until cancelled), logging the failure.
    private func pause(_ backoff: inout ReflectorBackoff, after error: any Error, while phase: String) async {
        var random = SystemRandomNumberGenerator()
        let delay = backoff.next(now: .now, using: &random)
        logger.warning("\(phase) failed, retrying in \(Self.seconds(delay))", metadata: [
            "error": "\(error)", "resourceVersion": "\(resourceVersion)",
        ])
        try? await Task.sleep(for: delay)
    }

    // MARK: List

    /// A `continue` token rejected with 410 part way through a list.
    private struct ContinueExpired: Error {
        var error: APIError
        var pages: Int
    }

    /// Lists everything and makes cache and handlers match the list, with
    /// `RelistDiff`'s rule applied one listed object at a time: the list is
    /// held packed, so a list of thousands of objects never exists as
    /// `JSONValue` trees all at once.
    private func listAndSync(resourceVersion version: String) async throws {
        let (items, listVersion) = try await listAll(resourceVersion: version)
        var added = 0, updated = 0, deleted = 0
        func deliverCounted(_ event: InformerEvent) async {
            switch event {
            case .added: added += 1
            case .updated: updated += 1
            case .deleted: deleted += 1
            }
            await deliver(event)
        }
        var listedKeys: Set<ObjectKey> = []
        listedKeys.reserveCapacity(items.count)
        for packed in items {
            try Task.checkCancellation()
            guard let object = (try? PackedJSON.unpack(packed)).flatMap(KubeObject.init) else { continue }
            listedKeys.insert(object.key)
            let old = cache.put(object)
            for event in InformerEvent.transition(from: old, to: object) { await deliverCounted(event) }
        }
        for key in cache.keys where !listedKeys.contains(key) {
            try Task.checkCancellation()
            if let gone = cache.remove(key) { await deliverCounted(.deleted(gone)) }
        }
        // The pages' parsed trees are garbage now: give their memory back.
        MemoryTrim.releaseFreeMemory()
        let wasSynced = state.withLock { s in
            s.resourceVersion = listVersion
            return s.synced
        }
        if wasSynced {
            logger.info("relisted", metadata: [
                "objects": "\(items.count)", "added": "\(added)", "updated": "\(updated)", "deleted": "\(deleted)",
                "resourceVersion": "\(listVersion)",
            ])
        } else {
            logger.debug("synced", metadata: ["objects": "\(items.count)", "resourceVersion": "\(listVersion)"])
            markSynced()
        }
    }

    /// All pages of a list, each object stripped and packed; starts over once if a `continue` token expires.
    private func listAll(resourceVersion version: String) async throws -> (items: [[UInt8]], resourceVersion: String) {
        do {
            return try await listPages(resourceVersion: version)
        } catch let expired as ContinueExpired {
            logger.info("list continue token expired (410), restarting the list", metadata: [
                "pages": "\(expired.pages)", "message": "\(expired.error.message)",
            ])
        }
        do {
            return try await listPages(resourceVersion: "")
        } catch let expired as ContinueExpired {
            throw expired.error
        }
    }

    private func listPages(resourceVersion version: String) async throws -> (items: [[UInt8]], resourceVersion: String) {
        var items: [[UInt8]] = []
        var listVersion: String?
        var continueToken: String?
        var pages = 0
        repeat {
            var options = ListOptions(labelSelector: configuration.labelSelector, fieldSelector: configuration.fieldSelector)
            if configuration.pageSize > 0 { options.limit = configuration.pageSize }
            if let continueToken {
                options.continueToken = continueToken
            } else if !version.isEmpty {
                options.resourceVersion = version
            }
            let page: ObjectList
            do {
                page = try await client.list(configuration.resource, namespace: configuration.namespace, options: options)
            } catch let error as APIError where continueToken != nil && Self.isExpired(error.status) {
                throw ContinueExpired(error: error, pages: pages)
            }
            pages += 1
            if listVersion == nil { listVersion = page.resourceVersion }
            items.append(contentsOf: page.items.map { PackedJSON.pack(prepared($0).value) })
            continueToken = page.continueToken
        } while continueToken != nil
        return (items, listVersion ?? "")
    }

    // MARK: Watch

    /// One watch from the last resourceVersion, applying its events until it ends.
    private func watchOnce() async throws -> WatchEnd {
        let timeout = Int.random(in: configuration.watchTimeout)
        let options = WatchOptions(
            labelSelector: configuration.labelSelector, fieldSelector: configuration.fieldSelector,
            resourceVersion: resourceVersion, timeoutSeconds: timeout, allowWatchBookmarks: true)
        let started = ContinuousClock.now
        let stream = try await client.watch(
            configuration.resource, namespace: configuration.namespace, options: options, idleTimeout: .seconds(timeout + 5))
        var events = 0
        for try await event in stream {
            switch event.type {
            case .added, .modified:
                await store(prepared(event.object))
            case .deleted:
                await remove(prepared(event.object))
            case .bookmark:
                advance(to: event.object.resourceVersion)
            case .error:
                let status = event.status
                    ?? APIStatus(message: "watch ERROR event without a Status object", reason: .internalError, code: 500)
                if Self.isExpired(status) { return .expired(status, events: events) }
                throw APIError(status)
            }
            events += 1
        }
        return .closed(events: events, lasted: ContinuousClock.now - started)
    }

    private func store(_ object: KubeObject) async {
        let old = cache.put(object)
        advance(to: object.resourceVersion)
        for event in InformerEvent.transition(from: old, to: object) { await deliver(event) }
    }

    private func remove(_ object: KubeObject) async {
        let old = cache.remove(object.key)
        advance(to: object.resourceVersion)
        if old != nil { await deliver(.deleted(object)) }
    }

    // MARK: Plumbing

    private func advance(to version: String) {
        guard !version.isEmpty else { return }
        state.withLock { $0.resourceVersion = version }
    }

    private func deliver(_ event: InformerEvent) async {
        let handlers = state.withLock { $0.handlers }
        for handler in handlers { await handler(event) }
    }

    private func markSynced() {
        let waiters = state.withLock { s in
            s.synced = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// 410 Gone / Expired: the requested resourceVersion is no longer available.
    static func isExpired(_ status: APIStatus) -> Bool {
        status.code == 410 || status.reason == .expired || status.reason == .gone
    }

    /// What the cache keeps of `object`: `stripped`, then the configuration's transform.
    private func prepared(_ object: KubeObject) -> KubeObject {
        let stripped = Self.stripped(object, redactingData: configuration.redactData)
        return configuration.transform.map { $0(stripped) } ?? stripped
    }

    /// `object` without `metadata.managedFields`, and with every value of
    /// `data` and `stringData` emptied when `redactingData`.
    static func stripped(_ object: KubeObject, redactingData: Bool = false) -> KubeObject {
        var object = object
        if object.metadata["managedFields"] != nil {
            var metadata = object.metadata
            metadata["managedFields"] = nil
            object.metadata = metadata
        }
        if redactingData {
            for field in ["data", "stringData"] {
                if let values = object.json[field]?.objectValue { object.json[field] = .object(values.mapValues { _ in "" }) }
            }
        }
        return object
    }

    /// `1.234s`.
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return String(format: "%.3fs", value)
    }
}

/// A watch that the server ended within a second without sending anything
/// (client-go's "very short watch"): treated as a failure, so a server that
/// keeps closing watches is not hammered.
struct ShortWatch: Error, CustomStringConvertible {
    var description: String { "very short watch: the watch lasted less than a second and no items were received" }
}
