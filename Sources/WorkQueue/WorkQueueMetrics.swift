//! WorkQueueMetrics: the client-go workqueue metrics (label `name` = the
//! controller), created once per controller, and the database fault metrics
//! (recoveries by reason, whether the queue runs in memory), through an
//! injected swift-metrics factory.
import CoreMetrics
import Synchronization

/// The metrics of one controller's queue.
struct ControllerQueueMetrics: Sendable {
    /// Unclaimed items that are due (sampled; see `PersistentWorkQueue.depth`).
    let depth: Gauge
    /// Keys added that were not already waiting.
    let adds: Counter
    /// Failed attempts scheduled for a retry.
    let retries: Counter
    /// From when an item became due (added, or its delay ran out) to its claim.
    let queueDuration: Timer
    /// From claim to finish.
    let workDuration: Timer
    /// Seconds claimed items have been running and not yet finished (sampled).
    let unfinishedWork: Gauge

    init(controller: String, factory: any MetricsFactory) {
        let dimensions = [("name", controller)]
        depth = Gauge(label: "workqueue_depth", dimensions: dimensions, factory: factory)
        adds = Counter(label: "workqueue_adds_total", dimensions: dimensions, factory: factory)
        retries = Counter(label: "workqueue_retries_total", dimensions: dimensions, factory: factory)
        queueDuration = Timer(
            label: "workqueue_queue_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        workDuration = Timer(
            label: "workqueue_work_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        unfinishedWork = Gauge(label: "workqueue_unfinished_work_seconds", dimensions: dimensions, factory: factory)
    }
}

/// Lazily created per-controller metrics, plus the process-wide ones.
final class WorkQueueMetrics: Sendable {
    private let factory: any MetricsFactory
    private let controllers = Mutex<[String: ControllerQueueMetrics]>([:])
    /// Faults of the database file recovered from, by `reason` (a `DatabaseFault`).
    private let recoveries: [DatabaseFault: Counter]
    /// 1 while the queue runs in memory after a fault, else 0.
    let inMemory: Gauge

    init(factory: any MetricsFactory) {
        self.factory = factory
        var recoveries: [DatabaseFault: Counter] = [:]
        for fault in DatabaseFault.allCases {
            recoveries[fault] = Counter(
                label: "openshell_operator_queue_database_recoveries_total", dimensions: [("reason", fault.rawValue)], factory: factory)
        }
        self.recoveries = recoveries
        inMemory = Gauge(label: "openshell_operator_queue_database_in_memory", factory: factory)
    }

    /// Counts one recovery from `fault`.
    func recovered(_ fault: DatabaseFault) {
        recoveries[fault]?.increment()
    }

    func controller(_ name: String) -> ControllerQueueMetrics {
        controllers.withLock { cache in
            if let metrics = cache[name] { return metrics }
            let metrics = ControllerQueueMetrics(controller: name, factory: factory)
            cache[name] = metrics
            return metrics
        }
    }
}
