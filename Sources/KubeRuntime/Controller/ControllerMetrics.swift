//! The controller loop's metrics, under the names controller-runtime uses so
//! existing dashboards and alerts work unchanged.
import CoreMetrics
import KubeCore

/// `controller_runtime_*` metrics for one controller.
struct ControllerMetrics: Sendable {
    /// How a reconcile ended, as the `result` label.
    enum Result: String, Sendable {
        case success, error, requeue
        case requeueAfter = "requeue_after"
    }

    private let totals: [Result: Counter]
    private let errors: Counter
    private let terminalErrors: Counter
    private let time: Timer
    private let activeWorkers: Gauge
    private let maxConcurrent: Gauge
    private let startup: Gauge
    private let startupDecisions: [String: Gauge]

    init(controller: String, maxConcurrentReconciles: Int, factory: any MetricsFactory) {
        let dimensions = [("controller", controller)]
        var totals: [Result: Counter] = [:]
        for result in [Result.success, .error, .requeue, .requeueAfter] {
            totals[result] = Counter(
                label: "controller_runtime_reconcile_total",
                dimensions: dimensions + [("result", result.rawValue)], factory: factory)
        }
        self.totals = totals
        errors = Counter(label: "controller_runtime_reconcile_errors_total", dimensions: dimensions, factory: factory)
        terminalErrors = Counter(
            label: "controller_runtime_terminal_reconcile_errors_total", dimensions: dimensions, factory: factory)
        time = Timer(
            label: "controller_runtime_reconcile_time_seconds", dimensions: dimensions,
            preferredDisplayUnit: .seconds, factory: factory)
        activeWorkers = Gauge(label: "controller_runtime_active_workers", dimensions: dimensions, factory: factory)
        maxConcurrent = Gauge(label: "controller_runtime_max_concurrent_reconciles", dimensions: dimensions, factory: factory)
        maxConcurrent.record(maxConcurrentReconciles)
        startup = Gauge(label: "openshell_operator_startup_seconds", dimensions: dimensions, factory: factory)
        var decisions: [String: Gauge] = [:]
        for decision in ["immediate", "queued", "deferred", "gone"] {
            decisions[decision] = Gauge(
                label: "openshell_operator_startup_objects", dimensions: dimensions + [("decision", decision)], factory: factory)
        }
        startupDecisions = decisions
    }

    func reconciled(_ result: Result, duration: Duration) {
        totals[result]?.increment()
        if result == .error { errors.increment() }
        time.recordNanoseconds(duration.totalNanoseconds)
    }

    func terminalError() { terminalErrors.increment() }

    func workers(_ count: Int) { activeWorkers.record(count) }

    /// The time from the controller's start to the first moment nothing was
    /// due and nothing ran: caches synced, start-up planned, urgent work done.
    func caughtUp(after elapsed: Duration) { startup.record(elapsed.timeInterval) }

    /// What the start-up planning decided, per decision.
    func planned(_ summary: StartupSummary) {
        startupDecisions["immediate"]?.record(summary.immediate)
        startupDecisions["queued"]?.record(summary.queued)
        startupDecisions["deferred"]?.record(summary.deferred)
        startupDecisions["gone"]?.record(summary.gone)
    }
}
