//! WatchSession: one client's watch, from store events to encoded watch events,
//! with the server-side timeout and periodic bookmarks of kube-apiserver.
import KubeCore

public struct WatchSession: Sendable {
    let store: ObjectStore
    /// nil when the watch failed to start and only `initialError` is sent.
    let watch: StoreWatch?
    let timeout: Duration?
    let bookmarkInterval: Duration?
    /// Encodes an event; the flag is true for the first event sent.
    let encode: @Sendable (StoreEvent, Bool) -> JSONValue
    let initialError: JSONValue?

    /// The store's id of this watch (for fault injection that cuts streams).
    public var id: Int? { watch?.id }

    /// Streams encoded events to `emit` until the timeout passes, the store ends
    /// the watch, or `emit` throws (the client went away). Always releases the watch.
    public func run(_ emit: (JSONValue) async throws -> Void) async throws {
        if let initialError {
            try await emit(initialError)
            return
        }
        guard let watch else { return }
        defer { store.endWatch(watch.id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let timeout {
                group.addTask { [store] in
                    try await Task.sleep(for: timeout)
                    store.endWatch(watch.id)
                }
            }
            if let bookmarkInterval {
                group.addTask { [store] in
                    while true {
                        try await Task.sleep(for: bookmarkInterval)
                        store.bookmark(watch.id)
                    }
                }
            }
            var first = true
            for await event in watch.events {
                try await emit(encode(event, first))
                first = false
            }
            group.cancelAll()
        }
    }

    /// The encoded events as an async sequence (for in-process clients).
    public func events() -> AsyncThrowingStream<JSONValue, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await run { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
