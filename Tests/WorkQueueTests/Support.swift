//! Test support for the work queue: temporary directories, a clock-driven
//! queue factory, captured logs and a Prometheus registry to read metrics from.
import CoreMetrics
import Foundation
import KubeCore
import Logging
import Prometheus
import Synchronization
@testable import WorkQueue

/// A fresh directory removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appending(path: "workqueue-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path(percentEncoded: false))
}

/// Everything one test needs around a queue file.
final class QueueHarness: Sendable {
    let directory: String
    let path: String
    let clock = ManualWallClock()
    let logs = CapturedLogs()
    let registry = PrometheusCollectorRegistry()

    init(directory: String) {
        self.directory = directory
        self.path = directory + "/queue.sqlite"
    }

    func open(_ configuration: WorkQueueConfiguration = WorkQueueConfiguration()) throws -> PersistentWorkQueue {
        try PersistentWorkQueue.open(
            path: path, configuration: configuration, clock: clock, logger: logs.logger(),
            metrics: PrometheusMetricsFactory(registry: registry))
    }

    /// The value of one exposition series, e.g. `workqueue_adds_total{name="c"}`.
    func metric(_ series: String) -> Double? {
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

/// Runs `body` with a harness in a fresh directory.
func withHarness<T>(_ body: (QueueHarness) throws -> T) throws -> T {
    try withTemporaryDirectory { try body(QueueHarness(directory: $0)) }
}

final class CapturedLogs: Sendable {
    let entries = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

    func logger() -> Logger {
        var logger = Logger(label: "workqueue-test") { _ in CapturingHandler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    func messages(at level: Logger.Level) -> [String] {
        entries.withLock { $0.filter { $0.level == level }.map(\.message) }
    }

    func metadata(at level: Logger.Level) -> [Logger.Metadata] {
        entries.withLock { $0.filter { $0.level == level }.map(\.metadata) }
    }

    fileprivate func append(_ event: LogEvent) {
        entries.withLock { $0.append((event.level, event.message.description, event.metadata ?? [:])) }
    }
}

private struct CapturingHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { logs.append(event) }
}

func key(_ name: String, _ namespace: String = "default") -> ObjectKey {
    ObjectKey(namespace: namespace, name: name)
}

/// The POSIX permission bits of `path`.
func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

extension PersistentWorkQueue {
    /// Milliseconds from the clock's now until the controller's next due item.
    func millisecondsUntilDue(_ controller: String, clock: ManualWallClock) throws -> Int64? {
        try nextDueDate(controller: controller).map { $0.unixMilliseconds - clock.now().unixMilliseconds }
    }
}
