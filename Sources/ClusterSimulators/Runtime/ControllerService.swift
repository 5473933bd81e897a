//! The loop every simulated controller runs (a small controller-runtime):
//! watch the store, turn events into keys, and reconcile keys one at a time,
//! level-based, with delayed requeues, back-off on errors, and the fault
//! injector's pause switch honoured before every reconcile.
import Foundation
import KubeCore
import LocalAPIServer
import Logging
import ServiceLifecycle

/// What one simulated controller does. Reconciles must be idempotent: they
/// read the current state and move it one step towards the desired state.
protocol Reconciler: Sendable {
    associatedtype Key: Hashable & Sendable

    /// The controller's name (the switch in `SimulatorOptions.disabled` and `FaultInjector.pause`).
    var name: String { get }
    /// The store changes the controller reacts to.
    var watches: [WatchFilter] { get }
    /// The keys an event concerns (may also update the reconciler's own caches).
    func keys(for event: StoreEvent) -> [Key]
    /// Brings one key closer to its desired state; returns when to look again (nil: on the next event).
    func reconcile(_ key: Key) async throws -> Duration?
}

/// Runs a `Reconciler` until cancelled or until graceful shutdown.
struct ControllerService<R: Reconciler>: Service {
    let reconciler: R
    let store: ObjectStore
    let faults: FaultInjector
    let options: SimulatorOptions
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.runLoop()
        }
    }

    private func runLoop() async {
        let queue = WorkQueue<R.Key>(initialBackoff: options.retryInitialDelay, maximumBackoff: options.retryMaximumDelay)
        await withTaskGroup(of: Void.self) { group in
            for filter in reconciler.watches {
                group.addTask { await self.feed(queue, from: filter) }
            }
            group.addTask { await self.work(queue) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Feeds keys from one store watch; restarts the watch (from the current state) if the store ends it.
    private func feed(_ queue: WorkQueue<R.Key>, from filter: WatchFilter) async {
        while !Task.isCancelled {
            let watch: StoreWatch
            do {
                watch = try store.watch(filter, from: nil)
            } catch {
                logger.warning("watch failed to start", metadata: ["controller": "\(reconciler.name)", "error": "\(error)"])
                try? await Task.sleep(for: options.retryMaximumDelay)
                continue
            }
            for await event in watch.events {
                for key in reconciler.keys(for: event) { queue.add(key) }
            }
            store.endWatch(watch.id)
            if !Task.isCancelled { try? await Task.sleep(for: options.retryInitialDelay) }
        }
    }

    private func work(_ queue: WorkQueue<R.Key>) async {
        while let key = await queue.next() {
            while faults.isPaused(reconciler.name), !Task.isCancelled {
                try? await Task.sleep(for: options.pausePollInterval)
            }
            if Task.isCancelled { return }
            do {
                let again = try await reconciler.reconcile(key)
                queue.forget(key)
                if let again { queue.add(key, after: again) }
            } catch is CancellationError {
                return
            } catch {
                logger.debug("reconcile failed; will retry", metadata: [
                    "controller": "\(reconciler.name)", "key": "\(key)", "error": "\(error)",
                ])
                queue.addRateLimited(key)
            }
        }
    }
}
