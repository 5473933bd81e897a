//! WorkQueueMetrics: the client-go workqueue metrics (label `name` = the
//! controller) and the database recovery counter, created once per controller
//! through an injected swift-metrics factory.
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
    /// Database files found unreadable and rebuilt.
    let databaseRecoveries: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        databaseRecoveries = Counter(label: "openshell_operator_queue_database_recoveries_total", factory: factory)
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
