//! ServiceScope: runs a `Service` (the local API server, a whole local
//! cluster) for the duration of a scope and stops it with a graceful shutdown.
//!
//! Cancelling a running Hummingbird server is not safe: a connection accepted
//! in the moment the accept loop is cancelled is dropped before anyone calls
//! `executeThenClose` on it, and NIO traps ("Deinited NIOAsyncWriter without
//! calling finish()"). A graceful shutdown closes the listening socket first
//! and serves every connection already accepted, so scopes that start a server
//! (tests, benchmarks) stop it this way. Open watches end on graceful shutdown
//! (see `WatchSession`), so the shutdown does not wait for watch timeouts.
import Logging
import ServiceLifecycle

/// Runs `service` while `body` runs, then shuts it down gracefully and waits
/// for it to return. `body`'s result or error is the scope's; a service that
/// fails on its way down is logged.
/// - Parameter shutdownDeadline: how long the graceful shutdown may take before
///   the service is cancelled after all.
public func withRunningService<S: Service, T: Sendable>(
    _ service: S,
    logger: Logger,
    shutdownDeadline: Duration = .seconds(30),
    _ body: () async throws -> T
) async throws -> T {
    var configuration = ServiceGroupConfiguration(services: [service], logger: logger)
    configuration.maximumGracefulShutdownDuration = shutdownDeadline
    let group = ServiceGroup(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        await group.triggerGracefulShutdown()
        do {
            try await tasks.waitForAll()
        } catch {
            logger.warning("service failed while shutting down", metadata: ["error": "\(error)"])
        }
        return try result.get()
    }
}
