//! `Api<R>`: the REST verbs for one typed resource, over `RESTClient`,
//! converting models through `KubeObject`.
import Foundation
import KubeCore

/// A page of a typed LIST.
public struct TypedList<R: KubeResource>: Sendable {
    public var items: [R]
    /// Where a following watch starts.
    public var resourceVersion: String
    /// The token of the next page; `nil` on the last page.
    public var continueToken: String?
}

/// One event of a typed watch. `ERROR` events carry a `Status`, not an
/// `R`, so they stay untyped; a `BOOKMARK` carries only a resource version.
public enum TypedWatchEvent<R: KubeResource>: Sendable {
    case added(R)
    case modified(R)
    case deleted(R)
    case bookmark(resourceVersion: String)
    case error(APIStatus?)
}

/// The verbs of one resource, in one namespace or (namespace `nil`) across
/// all namespaces for reads and from each object's own namespace for writes.
///
/// Errors are those of `RESTClient` (`APIError` for HTTP errors), plus
/// `TypedConversionError` when a model does not match the server's object.
public struct Api<R: KubeResource>: Sendable {
    public let client: RESTClient
    /// The namespace of every call; `nil` lists and watches across namespaces
    /// and writes into the object's `metadata.namespace`.
    public let namespace: String?

    public init(client: RESTClient, namespace: String? = nil) {
        self.client = client
        self.namespace = R.isNamespaced ? namespace : nil
    }

    public func get(_ name: String) async throws -> R {
        try R(kubeObject: try await client.get(R.resource, namespace: namespace, name: name))
    }

    /// One page of objects (everything unless `options.limit` is set).
    public func list(options: ListOptions = ListOptions()) async throws -> TypedList<R> {
        let list = try await client.list(R.resource, namespace: namespace, options: options)
        return TypedList(
            items: try list.items.map(R.init(kubeObject:)), resourceVersion: list.resourceVersion,
            continueToken: list.continueToken)
    }

    public func create(_ object: R, options: WriteOptions = WriteOptions()) async throws -> R {
        try R(kubeObject: try await client.create(R.resource, namespace: target(object), try object.kubeObject(), options: options))
    }

    /// Replaces the object (PUT); send `metadata.resourceVersion` for optimistic concurrency.
    public func update(_ object: R, options: WriteOptions = WriteOptions()) async throws -> R {
        try R(kubeObject: try await client.update(R.resource, namespace: target(object), try object.kubeObject(), options: options))
    }

    /// Replaces the `status` subresource (PUT).
    public func updateStatus(_ object: R, options: WriteOptions = WriteOptions()) async throws -> R {
        try R(kubeObject: try await client.update(
            R.resource, namespace: target(object), try object.kubeObject(), subresource: "status", options: options))
    }

    /// Patches the object `name` (or its subresource) with a patch document of `type`.
    public func patch(
        _ name: String, type: PatchType, patch: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions()
    ) async throws -> R {
        try R(kubeObject: try await client.patch(
            R.resource, namespace: namespace, name: name, subresource: subresource, type: type, patch: patch, options: options))
    }

    /// Server-side apply of `object` (the fields it sets) as `fieldManager`;
    /// `force` takes over fields owned by other managers.
    public func apply(
        _ object: R, fieldManager: String, force: Bool = false, subresource: String? = nil, options: WriteOptions = WriteOptions()
    ) async throws -> R {
        let name = object.metadata.name ?? ""
        return try R(kubeObject: try await client.patch(
            R.resource, namespace: target(object), name: name, subresource: subresource,
            type: .apply(fieldManager: fieldManager, force: force), patch: try object.kubeObject().value, options: options))
    }

    /// Deletes the object `name`. Returns it when deletion is pending
    /// (finalizers, graceful deletion), `nil` when the server answered
    /// with a success `Status`.
    @discardableResult
    public func delete(_ name: String, options: DeleteOptions = DeleteOptions()) async throws -> R? {
        let result = try await client.delete(R.resource, namespace: namespace, name: name, options: options)
        guard result.kind == R.kind else { return nil }
        return try R(kubeObject: result)
    }

    /// Watches the collection; see `RESTClient.watch`. A malformed object
    /// ends the stream with `TypedConversionError`.
    public func watch(options: WatchOptions = WatchOptions(), idleTimeout: Duration? = nil) async throws
        -> AsyncThrowingStream<TypedWatchEvent<R>, any Error>
    {
        let events = try await client.watch(R.resource, namespace: namespace, options: options, idleTimeout: idleTimeout)
        let (typed, continuation) = AsyncThrowingStream<TypedWatchEvent<R>, any Error>.makeStream()
        let converting = Task {
            do {
                for try await event in events {
                    let converted: TypedWatchEvent<R>
                    switch event.type {
                    case .added: converted = .added(try R(kubeObject: event.object))
                    case .modified: converted = .modified(try R(kubeObject: event.object))
                    case .deleted: converted = .deleted(try R(kubeObject: event.object))
                    case .bookmark: converted = .bookmark(resourceVersion: event.object.resourceVersion)
                    case .error: converted = .error(event.status)
                    }
                    if case .terminated = continuation.yield(converted) { return }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in converting.cancel() }
        return typed
    }

    /// The namespace a write goes to: this API's, else the object's own.
    private func target(_ object: R) -> String? {
        guard R.isNamespaced else { return nil }
        return namespace ?? object.metadata.namespace
    }
}
