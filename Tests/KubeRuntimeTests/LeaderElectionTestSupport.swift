//! Test support for the leader-election and Event-recorder tests: a metrics
//! factory that keeps the last value of every counter and gauge so tests can
//! read `leader_election_master_status` and `openshell_operator_events_dropped_total`.
import CoreMetrics
import KubeCore

/// Records counters and gauges by label and dimensions. Timers, meters and
/// histograms are accepted and ignored.
final class RuntimeOpsTestMetrics: MetricsFactory, Sendable {
    private let values = Locked<[String: Double]>([:])

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    /// The value of a counter or gauge, nil when it was never created.
    func value(_ label: String, _ dimensions: [(String, String)] = []) -> Double? {
        values.withLock { $0[Self.key(label, dimensions)] }
    }

    fileprivate func add(_ key: String, _ amount: Double) { values.withLock { $0[key, default: 0] += amount } }
    fileprivate func set(_ key: String, _ value: Double) { values.withLock { $0[key] = value } }
    fileprivate func touch(_ key: String) { values.withLock { $0[key] = $0[key] ?? 0 } }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions), gauge: false)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions), gauge: false)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions), gauge: true)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(metrics: self, key: Self.key(label, dimensions), gauge: true)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(metrics: self, key: Self.key(label, dimensions), gauge: true)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class Handler: CounterHandler, FloatingPointCounterHandler, MeterHandler, RecorderHandler, TimerHandler, Sendable {
        let metrics: RuntimeOpsTestMetrics
        let key: String
        let gauge: Bool

        init(metrics: RuntimeOpsTestMetrics, key: String, gauge: Bool) {
            self.metrics = metrics
            self.key = key
            self.gauge = gauge
            metrics.touch(key)
        }

        func increment(by amount: Int64) { metrics.add(key, Double(amount)) }
        func increment(by amount: Double) { metrics.add(key, amount) }
        func decrement(by amount: Double) { metrics.add(key, -amount) }
        func reset() { metrics.set(key, 0) }
        func set(_ value: Int64) { metrics.set(key, Double(value)) }
        func set(_ value: Double) { metrics.set(key, value) }
        func record(_ value: Int64) { metrics.set(key, Double(value)) }
        func record(_ value: Double) { metrics.set(key, value) }
        func recordNanoseconds(_ duration: Int64) {}
    }
}
