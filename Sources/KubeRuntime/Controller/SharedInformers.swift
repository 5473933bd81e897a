//! SharedInformers: one informer (one list+watch, one cache) per watched
//! resource and scope, however many controllers read it — controller-runtime's
//! shared cache. Owns starting them and telling when all have synced.
import KubeClient
import KubeCore
import Logging
import ServiceLifecycle

/// The process's informers, shared between controllers.
///
/// Ask for informers with `informer(for:)` while setting controllers up;
/// then `run()` starts them all. Informers asked for after `run()` started
/// are not run — set everything up first.
public final class SharedInformers: Service, Sendable {
    private let client: RESTClient
    private let logger: Logger
    private let informers = Locked<[String: Informer]>([:])

    public init(client: RESTClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The informer for `configuration`, created on first request.
    public func informer(for configuration: InformerConfiguration) -> Informer {
        let id = Self.identity(of: configuration)
        return informers.withLock { informers in
            if let existing = informers[id] { return existing }
            var logger = self.logger
            logger[metadataKey: "resource"] = .string(configuration.resource.description)
            let informer = Informer(client: client, configuration: configuration, logger: logger)
            informers[id] = informer
            return informer
        }
    }

    /// Every informer requested so far.
    public var all: [Informer] { informers.withLock { Array($0.values) } }

    /// True once every informer has delivered its first list.
    public var hasSynced: Bool { all.allSatisfy(\.hasSynced) }

    /// Runs every informer until cancelled or shut down gracefully.
    public func run() async throws {
        let informers = all
        try await cancelWhenGracefulShutdown {
            // A long-running service, even with nothing to watch.
            guard !informers.isEmpty else { return await suspendUntilCancelled() }
            try await withThrowingDiscardingTaskGroup { group in
                for informer in informers {
                    group.addTask { try await informer.run() }
                }
            }
        }
    }

    private static func identity(of configuration: InformerConfiguration) -> String {
        [
            configuration.resource.description, configuration.namespace ?? "", configuration.labelSelector ?? "",
            configuration.fieldSelector ?? "", configuration.redactData ? "redacted" : "", configuration.transform?.name ?? "",
        ].joined(separator: "|")
    }
}

/// Suspends until the current task is cancelled.
public func suspendUntilCancelled() async {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    for await _ in stream {}
    continuation.finish()
}
