//! `operator-bench`: benchmarks of the operator's own machinery, one
//! subcommand each, printing their figures. Run by `make bench`.
import ArgumentParser
import Foundation
import KubeCore
import Logging
import WorkQueue

@main
struct OperatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-bench",
        abstract: "Benchmarks of the operator runtime.",
        subcommands: [QueueBenchmark.self, InformerBenchmark.self, RestartBenchmark.self, SandboxBenchmark.self, FailoverBenchmark.self, MemoryBenchmark.self])
}

/// Enqueue → claim → finish throughput of the persistent work queue on a temporary file.
struct QueueBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Work queue throughput: enqueue, claim and finish N keys on a temporary SQLite file.")

    @Option(help: "Keys enqueued, claimed and finished.")
    var keys = 10_000

    @Option(help: "Keys per add() and per claim() call (1 = one transaction per key and step).")
    var batch = 1

    func validate() throws {
        guard keys > 0 else { throw ValidationError("--keys must be positive") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
    }

    func run() throws {
        var logger = Logger(label: "operator-bench")
        logger.logLevel = .error
        let directory = FileManager.default.temporaryDirectory.appending(path: "operator-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "queue.sqlite").path(percentEncoded: false)
        let queue = try PersistentWorkQueue.open(path: path, logger: logger)
        defer { queue.close() }

        let controller = "bench"
        let allKeys = (0..<keys).map { ObjectKey(namespace: "ns-\($0 % 100)", name: "object-\($0)") }

        let enqueueStart = ContinuousClock.now
        var index = 0
        while index < allKeys.count {
            let end = min(index + batch, allKeys.count)
            try queue.add(controller: controller, keys: Array(allKeys[index..<end]))
            index = end
        }
        let enqueueTime = ContinuousClock.now - enqueueStart
        let sizeWithPending = try fileSize(path)

        let processStart = ContinuousClock.now
        var finished = 0
        while true {
            let items = try queue.claim(controller: controller, limit: batch)
            if items.isEmpty { break }
            for item in items {
                let observed = ObservedState(
                    key: item.key, uid: "uid-\(item.key.name)", generation: 1, resourceVersion: "\(finished)",
                    inputHash: "hash", reconciledAt: Date())
                try queue.finish(item, .success(observed: observed, requeueAfter: nil))
                finished += 1
            }
        }
        let processTime = ContinuousClock.now - processStart
        let sizeWithObserved = try fileSize(path)

        let total = enqueueTime + processTime
        print("work queue: \(keys) keys, batch \(batch), file \(path)")
        print(row("enqueue", count: keys, time: enqueueTime))
        print(row("claim+finish", count: finished, time: processTime))
        print(row("enqueue+claim+finish", count: finished, time: total))
        print("  file size with \(keys) pending: \(megabytes(sizeWithPending)); with \(finished) observed rows: \(megabytes(sizeWithObserved)) (database + WAL)")
        guard finished == keys else {
            throw ValidationError("finished \(finished) of \(keys) keys")
        }
    }

    private func row(_ name: String, count: Int, time: Duration) -> String {
        let seconds = Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(count) / seconds : 0
        return "  \(name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(format: "%10.0f", rate)) items/s  (\(String(format: "%.3f", seconds)) s)"
    }

    private func fileSize(_ path: String) throws -> Int64 {
        var total: Int64 = 0
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            total += (attributes[.size] as? NSNumber)?.int64Value ?? 0
        }
        return total
    }

    private func megabytes(_ bytes: Int64) -> String {
        String(format: "%.2f MB", Double(bytes) / 1_048_576)
    }
}
