//! Controller: the loop that turns watched changes into reconciles. Informer
//! events become keys in the persistent work queue; a dispatcher claims due
//! keys and runs up to `maxConcurrentReconciles` reconciles at once; each
//! outcome goes back to the queue (backoff, requeue, observed state).
//!
//! Phases of `run()`: wait for caches → plan the start-up from the observed
//! state (only changed objects at once, the rest spread out at low priority)
//! → dispatch until cancelled. Run it only while holding leadership; the
//! informers feeding it run all the time, so a standby's caches stay warm.
import Foundation
import KubeClient
import KubeCore
import Logging
import CoreMetrics
import ServiceLifecycle
import WorkQueue

/// How one controller runs.
public struct ControllerConfiguration: Sendable {
    /// The controller's name: the queue's partition, the `controller` label
    /// of metrics and the logger's `controller` field.
    public var name: String
    /// Reconciles of different keys run at once (controller-runtime's
    /// `MaxConcurrentReconciles`, default 1).
    public var maxConcurrentReconciles: Int
    /// Unchanged objects found at start-up are reconciled once, at low
    /// priority, spread at random over this window (default 10 minutes).
    public var startupSweepWindow: Duration
    /// A reconcile running longer is cancelled and retried with backoff;
    /// `nil` (the default, as controller-runtime) sets no limit.
    public var reconcileTimeout: Duration?
    /// The pause after the queue itself fails (disk, corruption) before the
    /// loop tries again (default 1 s).
    public var queueErrorPause: Duration

    public init(
        name: String, maxConcurrentReconciles: Int = 1, startupSweepWindow: Duration = .seconds(600),
        reconcileTimeout: Duration? = nil, queueErrorPause: Duration = .seconds(1)
    ) {
        self.name = name
        self.maxConcurrentReconciles = max(1, maxConcurrentReconciles)
        self.startupSweepWindow = startupSweepWindow
        self.reconcileTimeout = reconcileTimeout
        self.queueErrorPause = queueErrorPause
    }
}

/// What the start-up planning decided, for logs and tests.
public struct StartupSummary: Sendable, Hashable {
    /// Objects reconciled at once: new, changed or being deleted.
    public var immediate: Int
    /// Unchanged objects already queued before the restart, left at their scheduled time.
    public var queued: Int
    /// Unchanged objects scheduled at low priority over the sweep window.
    public var deferred: Int
    /// Objects remembered but deleted while the operator was down.
    public var gone: Int

    public init(immediate: Int, queued: Int = 0, deferred: Int, gone: Int) {
        self.immediate = immediate
        self.queued = queued
        self.deferred = deferred
        self.gone = gone
    }
}

/// Runs one reconciler over one kind of primary object.
///
/// Register every watched informer (`owns`, `watches`) before the informers
/// start; then run the informers, and `run()` the controller while leading.
public final class Controller: Service, Sendable {
    public let configuration: ControllerConfiguration
    public let primary: Informer
    private let secondaries: Locked<[Informer]>
    private let reconciler: any Reconciler
    private let queue: PersistentWorkQueue
    private let clock: any WallClock
    private let logger: Logger
    private let metrics: ControllerMetrics
    private let doorbell = Doorbell()
    private let startup = Locked<StartupSummary?>(nil)

    /// - Parameters:
    ///   - primary: the informer of the objects `reconciler` reconciles; its
    ///     changes enqueue their own keys.
    ///   - queue: the persistent queue (shared by all controllers of the process).
    public init(
        configuration: ControllerConfiguration, primary: Informer, queue: PersistentWorkQueue,
        reconciler: any Reconciler, clock: any WallClock = SystemWallClock(), logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.primary = primary
        self.secondaries = Locked([])
        self.reconciler = reconciler
        self.queue = queue
        self.clock = clock
        var logger = logger
        logger[metadataKey: "controller"] = .string(configuration.name)
        self.logger = logger
        self.metrics = ControllerMetrics(
            controller: configuration.name, maxConcurrentReconciles: configuration.maxConcurrentReconciles,
            factory: metricsFactory)
        // Weak captures: the informer keeps its handlers, so strong ones would be a cycle.
        primary.addHandler { [weak self] event in
            guard let self, self.primary.hasSynced else { return }
            self.enqueue([event.key])
        }
    }

    /// Reconciles the controller owner (of kind `ownerKind`) of every object
    /// of `informer` that changes — the owned objects' drift or status
    /// brings their owner back.
    public func owns(_ informer: Informer, ownerKind: GroupKind) {
        watches(informer) { object in
            OwnerMapping.controllerOwnerKey(of: object, ownerGroupKind: ownerKind).map { [$0] } ?? []
        }
    }

    /// Reconciles the keys `mapping` names for every object of `informer`
    /// that changes (e.g. the sandboxes that reference a changed policy).
    public func watches(_ informer: Informer, mapping: @escaping @Sendable (KubeObject) -> [ObjectKey]) {
        secondaries.withLock { $0.append(informer) }
        informer.addHandler { [weak self, weak informer] event in
            guard let self, let informer, informer.hasSynced else { return }
            var keys = mapping(event.object)
            if case .updated(let old, _) = event { keys += mapping(old) }
            self.enqueue(keys)
        }
    }

    /// Queues `keys` for a reconcile now (normal priority).
    public func enqueue(_ keys: [ObjectKey]) {
        guard !keys.isEmpty else { return }
        do {
            try queue.add(controller: configuration.name, keys: Array(Set(keys)))
            doorbell.ring()
        } catch {
            logger.error("cannot queue keys; they will be found again on the next change or restart",
                         metadata: ["keys": "\(keys.count)", "error": "\(error)"])
        }
    }

    /// What the last start-up planning decided; `nil` before it ran.
    public var startupSummary: StartupSummary? { startup.withLock { $0 } }

    /// Waits for the caches, plans the start-up, then reconciles until cancelled.
    public func run() async throws {
        let started = ContinuousClock.now
        try await primary.waitUntilSynced()
        for informer in secondaries.withLock({ $0 }) {
            try await informer.waitUntilSynced()
        }
        try await planStartup()
        // The plan's inputs (every cached object and observed row) are garbage now.
        MemoryTrim.releaseFreeMemory()
        try await dispatch(started: started)
    }

    // MARK: Start-up

    /// Compares the cache with what was reconciled before the restart and
    /// queues only what needs a look now (see `StartupPlanner`).
    private func planStartup() async throws {
        let name = configuration.name
        // One object unpacked at a time, not the whole cache at once.
        let cache = primary.cache
        let listed = cache.keys.compactMap { cache.get($0) }.map { object in
            ListedObject(
                key: object.key, uid: object.uid, generation: object.generation,
                resourceVersion: object.resourceVersion, inputHash: reconciler.inputHash(for: object),
                isBeingDeleted: object.isBeingDeleted)
        }
        let observed = try queue.observed(controller: name)
        let pending = try queue.pendingKeys(controller: name)
        var random = SystemRandomNumberGenerator()
        let plan = StartupPlanner.plan(
            listed: listed, observed: observed, pending: pending,
            spreadOver: configuration.startupSweepWindow, using: &random)
        try queue.add(controller: name, keys: plan.normal, priority: WorkPriority.normal)
        for key in plan.normal {
            logger.debug("reconciling at once after the restart", metadata: ["key": "\(key)", "reason": "\(plan.reasons[key]?.rawValue ?? "")"])
        }
        // One transaction per whole second of delay keeps 10,000 deferred keys cheap.
        let bySecond = Dictionary(grouping: plan.lowPriority) { Int($0.delay.timeInterval) }
        for (seconds, entries) in bySecond {
            try queue.add(
                controller: name, keys: entries.map(\.key), priority: WorkPriority.low, after: .seconds(seconds))
        }
        for key in plan.gone {
            do {
                try await reconciler.cleanup(key)
                try queue.forgetObserved(controller: name, key: key)
            } catch {
                logger.warning("clean-up of an object deleted while the operator was down failed; it is retried at the next start",
                               metadata: ["key": "\(key)", "error": "\(error)"])
            }
        }
        let summary = StartupSummary(
            immediate: plan.normal.count, queued: plan.queued.count, deferred: plan.lowPriority.count, gone: plan.gone.count)
        startup.withLock { $0 = summary }
        metrics.planned(summary)
        logger.info("start-up planned from the observed state", metadata: [
            "objects": "\(listed.count)", "immediate": "\(summary.immediate)", "queued": "\(summary.queued)",
            "deferred": "\(summary.deferred)",
            "gone": "\(summary.gone)", "sweepWindow": "\(configuration.startupSweepWindow)",
        ])
    }

    // MARK: Dispatch

    /// Claims due keys and runs them. `started` is when `run()` began; the
    /// first time nothing is due and nothing runs, the start-up is reported
    /// as caught up (log line and `openshell_operator_startup_seconds`).
    private func dispatch(started: ContinuousClock.Instant) async throws {
        let active = Locked(0)
        var caughtUp = false
        let limit = configuration.maxConcurrentReconciles
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let free = limit - active.withLock { $0 }
                var wait: Duration? = nil
                if free > 0 {
                    do {
                        let items = try queue.claim(controller: configuration.name, limit: free)
                        for item in items {
                            metrics.workers(active.withLock { $0 += 1; return $0 })
                            group.addTask {
                                await self.process(item)
                                self.metrics.workers(active.withLock { $0 -= 1; return $0 })
                                self.doorbell.ring()
                            }
                        }
                        if items.count == free { continue }
                        // Going idle: refresh the depth gauges, which claims and
                        // finishes only sample now and then.
                        _ = try queue.depth(controller: configuration.name)
                        wait = try queue.nextDueDate(controller: configuration.name).map { due in
                            .milliseconds(max(1, Int((due.timeIntervalSince(clock.now()) * 1000).rounded(.up))))
                        }
                        if !caughtUp, items.isEmpty, active.withLock({ $0 }) == 0 {
                            caughtUp = true
                            let elapsed = ContinuousClock.now - started
                            metrics.caughtUp(after: elapsed)
                            logger.info("start-up work done", metadata: ["elapsed": "\(elapsed)"])
                        }
                    } catch {
                        logger.error("the work queue failed; retrying", metadata: ["error": "\(error)"])
                        wait = configuration.queueErrorPause
                    }
                }
                await doorbell.wait(timeout: free > 0 ? wait : nil)
            }
        }
    }

    /// Runs one reconcile and reports its outcome to the queue.
    private func process(_ item: ClaimedItem) async {
        var logger = self.logger
        logger[metadataKey: "key"] = .string(item.key.description)
        let request = ReconcileRequest(key: item.key, attempt: item.attempt)
        let started = ContinuousClock.now
        let outcome: WorkOutcome
        do {
            let result = try await reconcileWithTimeout(request)
            let observed = observedState(of: item.key)
            switch result {
            case .done:
                metrics.reconciled(.success, duration: ContinuousClock.now - started)
                outcome = observed.map { .success(observed: $0, requeueAfter: nil) } ?? .forget
            case .requeue(let after):
                metrics.reconciled(after > .zero ? .requeueAfter : .requeue, duration: ContinuousClock.now - started)
                outcome = .success(observed: observed, requeueAfter: after)
            }
            logger.debug("reconciled", metadata: ["attempt": "\(item.attempt)", "result": "\(result)"])
        } catch let error as ReconcileError {
            metrics.reconciled(.error, duration: ContinuousClock.now - started)
            metrics.terminalError()
            logger.error("reconcile failed and will not be retried until the object changes",
                         metadata: ["error": "\(error)"])
            outcome = .success(observed: observedState(of: item.key), requeueAfter: nil)
        } catch is CancellationError where Task.isCancelled {
            // Shutting down or leadership lost: leave the key queued, no penalty.
            outcome = .success(observed: nil, requeueAfter: .zero)
        } catch {
            metrics.reconciled(.error, duration: ContinuousClock.now - started)
            if let api = error as? APIError, api.code == 409, item.attempt < 5 {
                // A conflict or an AlreadyExists: the cache was behind the server.
                // Expected now and then (the retry reads the newer version); only
                // a key that keeps conflicting is worth an error line.
                logger.debug("reconcile raced a newer version of an object; retrying with backoff",
                             metadata: ["attempt": "\(item.attempt)", "error": "\(error)"])
            } else {
                logger.error("reconcile failed; retrying with backoff",
                             metadata: ["attempt": "\(item.attempt)", "error": "\(error)"])
            }
            outcome = .failure(message: "\(error)")
        }
        do {
            try queue.finish(item, outcome)
        } catch {
            logger.error("cannot record the reconcile's outcome; the key is looked at again after a restart",
                         metadata: ["error": "\(error)"])
        }
    }

    private func reconcileWithTimeout(_ request: ReconcileRequest) async throws -> ReconcileResult {
        guard let timeout = configuration.reconcileTimeout else {
            return try await reconciler.reconcile(request)
        }
        return try await withThrowingTaskGroup(of: ReconcileResult?.self) { group in
            group.addTask { try await self.reconciler.reconcile(request) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw ReconcileTimeout(timeout: timeout)
            }
            return result
        }
    }

    /// What to remember about a reconciled object; `nil` when it is gone.
    private func observedState(of key: ObjectKey) -> ObservedState? {
        guard let object = primary.cache.get(key) else { return nil }
        return ObservedState(
            key: key, uid: object.uid, generation: object.generation, resourceVersion: object.resourceVersion,
            inputHash: reconciler.inputHash(for: object), reconciledAt: clock.now())
    }
}

/// A reconcile ran longer than `ControllerConfiguration.reconcileTimeout`.
public struct ReconcileTimeout: Error, Sendable, CustomStringConvertible {
    public var timeout: Duration
    public var description: String { "reconcile timed out after \(timeout)" }
}
