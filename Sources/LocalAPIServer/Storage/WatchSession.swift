//! WatchSession: one client's watch, from store events to encoded watch events,
//! with the server-side timeout and periodic bookmarks of kube-apiserver; a
//! graceful shutdown of the server ends it.
import Foundation
import KubeCore
import ServiceLifecycle

public struct WatchSession: Sendable {
    let store: ObjectStore
    /// nil when the watch failed to start and only `initialError` is sent.
    let watch: StoreWatch?
    let timeout: Duration?
    let bookmarkInterval: Duration?
    /// Encodes an event; the flag is true for the first event sent.
    let encode: @Sendable (StoreEvent, Bool) -> JSONValue
    /// A key under which an event's encoding may be shared with other watchers
    /// (nil when this watch's encoding is its own, as for Tables).
    let sharedEncodingKey: String?
    let initialError: JSONValue?

    /// The store's id of this watch (for fault injection that cuts streams).
    public var id: Int? { watch?.id }

    /// Streams encoded events to `emit` until the timeout passes, the store ends
    /// the watch, or `emit` throws (the client went away). Always releases the watch.
    public func run(_ emit: (JSONValue) async throws -> Void) async throws {
        try await run(encodeLine: { event, first in encode(event, first) }, emit)
    }

    private func run<Output>(encodeLine: (StoreEvent, Bool) -> Output, _ emit: (Output) async throws -> Void) async throws {
        if let initialError {
            try await emit(encodeLine(StoreEvent(type: .error, resource: GroupResource(group: "", resource: ""),
                                                 object: KubeObject(initialError.objectValue ?? [:]), previous: nil,
                                                 resourceVersion: 0), true))
            return
        }
        guard let watch else { return }
        defer { store.endWatch(watch.id) }
        // Like kube-apiserver, a server shutting down ends its watches (clients
        // resume elsewhere from their last resourceVersion) instead of waiting.
        try await withGracefulShutdownHandler {
            try await stream(watch, encodeLine: encodeLine, emit)
        } onGracefulShutdown: { [store] in
            store.endWatch(watch.id)
        }
    }

    private func stream<Output>(_ watch: StoreWatch, encodeLine: (StoreEvent, Bool) -> Output,
                                _ emit: (Output) async throws -> Void) async throws {
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
                try await emit(encodeLine(event, first))
                first = false
            }
            group.cancelAll()
        }
    }

    /// Streams events as newline-terminated JSON lines, reusing an event's
    /// encoding when another watcher already made the same one.
    public func runLines(_ emit: (Data) async throws -> Void) async throws {
        try await run(encodeLine: { event, first in
            let make = { () -> Data in
                var data = encode(event, first).serialized()
                data.append(UInt8(ascii: "\n"))
                return data
            }
            guard let key = sharedEncodingKey, event.type != .bookmark else { return make() }
            return event.encodings.line("\(event.type.rawValue)|\(key)", make)
        }, emit)
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
