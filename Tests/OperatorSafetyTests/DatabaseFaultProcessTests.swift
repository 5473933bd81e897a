//! The real operator binary and faults of its queue database — the file
//! deleted, truncated, overwritten with garbage, made immutable (`chattr +i`,
//! which denies root too, unlike chmod), and the disk full (a small tmpfs
//! mount filled up) — once while the operator runs and once between runs.
//! Each time the operator keeps reconciling (a sandbox created after the
//! fault becomes Ready), says what happened in one log line naming the file,
//! counts it in `openshell_operator_queue_database_recoveries_total{reason}`,
//! and nothing the API server holds is lost or made twice.
import Foundation
import KubeClient
import KubeCore
import OpenShellAPI
import SandboxController
import Testing
import TestSupport

/// A fault of the queue database, made from outside the process.
enum DatabaseFaultKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case deleted, truncated, garbage, immutable, diskFull

    var testDescription: String { rawValue }

    /// The `reason` label the operator counts the fault under while it runs.
    var runningReason: String {
        switch self {
        case .deleted: "missing"
        case .truncated, .garbage: "corrupt"
        case .immutable: "unwritable"
        case .diskFull: "full"
        }
    }

    /// The `reason` counted at the next start; nil when nothing is counted
    /// (a deleted file is just created again, as at the first start).
    var startReason: String? {
        switch self {
        case .deleted: nil
        case .truncated, .garbage: "corrupt"
        case .immutable: "unwritable"
        case .diskFull: "full"
        }
    }

    /// Makes the fault on `database` in `directory`.
    func inject(database: String, directory: String) throws {
        switch self {
        case .deleted:
            for file in [database, database + "-wal", database + "-shm"] { unlink(file) }
        case .truncated:
            let size = try fileSize(database)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: database))
            try handle.truncate(atOffset: UInt64(size / 2))
            try handle.close()
        case .garbage:
            var generator = SystemRandomNumberGenerator()
            let size = max(try fileSize(database), 8192)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: database))
            try handle.write(contentsOf: Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            try handle.close()
        case .immutable:
            // Not the -shm: SQLite maps it shared, and a write to the mapping of an
            // immutable file is a SIGBUS in any SQLite process (the restarted
            // process then meets the immutable file at start, the second half here).
            for file in [database, database + "-wal"] where FileManager.default.fileExists(atPath: file) {
                try shell("chattr", "+i", file)
            }
        case .diskFull:
            // Fill what is left of the small file system.
            let filler = directory + "/filler-\(UUID().uuidString.prefix(6))"
            FileManager.default.createFile(atPath: filler, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            defer { try? handle.close() }
            let chunk = Data(repeating: 0x5A, count: 16 * 1024)
            while (try? handle.write(contentsOf: chunk)) != nil {}
            while (try? handle.write(contentsOf: Data([0]))) != nil {}
        }
    }

    /// Undoes what would keep the test from cleaning up (immutable files).
    func cleanUp(directory: String) {
        if self == .immutable, let files = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for file in files { try? shell("chattr", "-i", directory + "/" + file) }
        }
    }
}

private func fileSize(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
}

@discardableResult
private func shell(_ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard process.terminationStatus == 0 else { throw TestFailure("\(arguments.joined(separator: " ")): \(output)") }
    return output
}

/// Whether this process can make the faults that need privileges: mount a
/// tmpfs and set the immutable attribute (root with CAP_SYS_ADMIN and
/// CAP_LINUX_IMMUTABLE, on a file system with attributes).
private let canMakePrivilegedFaults: Bool = {
    guard geteuid() == 0 else { return false }
    let probe = FileManager.default.temporaryDirectory.appendingPathComponent("fault-probe-\(UUID().uuidString)").path
    guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
    defer { try? FileManager.default.removeItem(atPath: probe) }
    let file = probe + "/file"
    FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
    guard (try? shell("chattr", "+i", file)) != nil else { return false }
    try? shell("chattr", "-i", file)
    let mountPoint = probe + "/mnt"
    try? FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    guard (try? shell("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint)) != nil else { return false }
    try? shell("umount", mountPoint)
    return true
}()

@Suite("The operator survives faults of its queue database", .serialized)
struct DatabaseFaultProcessTests {
    @Test("while running and between runs: still reconciling, one log line naming the file, counted, nothing lost",
          .enabled(if: canMakePrivilegedFaults, "needs root with mount and chattr"), arguments: DatabaseFaultKind.allCases)
    func fault(_ kind: DatabaseFaultKind) async throws {
        try await OperatorCluster.with(namespaces: [OperatorCluster.sandboxNamespace]) { cluster in
            let directory = cluster.directory.appendingPathComponent("db").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if kind == .diskFull {
                // Large enough for the WAL to grow to its auto-checkpoint size undisturbed.
                try shell("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", directory)
            }
            defer {
                kind.cleanUp(directory: directory)
                if kind == .diskFull { try? shell("umount", "-l", directory) }
            }
            let database = directory + "/queue.db"

            // Run 1: healthy, then the fault while it runs.
            let first = try cluster.start(name: "run-1", database: database)
            try await cluster.waitUntilServing(first)
            try await cluster.createSandbox("before")
            try await eventually(timeout: .seconds(30)) { await cluster.isReady("before") }
            try await first.waitUntilIdle(quiet: .seconds(1))

            let beforeUIDs = await uids(cluster, "before")
            try kind.inject(database: database, directory: directory)
            try await cluster.createSandbox("during")
            try await showingLog(of: first) { try await eventually(timeout: .seconds(30)) { await cluster.isReady("during") } }
            try await eventually(timeout: .seconds(10)) {
                try await first.metric("openshell_operator_queue_database_recoveries_total", labels: "reason=\"\(kind.runningReason)\"") >= 1
            }
            let runningLines = faultLines(first.log, database: database, reason: kind.runningReason)
            #expect(runningLines.count == 1, "one error line for the fault while running: \(runningLines)")
            let duringUIDs = await uids(cluster, "during")
            #expect(await first.stop() == 0, "\(first.log.suffix(3000))")

            // Run 2: the fault is there (again) when the operator starts.
            // (A full disk is filled again: closing the old connection may have freed its WAL.)
            kind.cleanUp(directory: directory)
            try kind.inject(database: database, directory: directory)
            let second = try cluster.start(name: "run-2", database: database)
            try await cluster.waitUntilServing(second)
            try await cluster.createSandbox("after")
            try await showingLog(of: second) { try await eventually(timeout: .seconds(30)) { await cluster.isReady("after") } }
            if let reason = kind.startReason {
                #expect(try await second.metric("openshell_operator_queue_database_recoveries_total", labels: "reason=\"\(reason)\"") == 1)
                let startLines = faultLines(second.log, database: database, reason: reason)
                #expect(startLines.count == 1, "one error line for the fault at start: \(second.log.prefix(3000))")
            } else {
                #expect(second.log.contains("created the work queue database"), "\(second.log.prefix(3000))")
            }

            // Nothing the server holds was lost or made twice.
            try await second.waitUntilIdle(quiet: .seconds(1))
            for name in ["before", "during", "after"] {
                #expect(await cluster.isReady(name), "\(name) is Ready")
            }
            #expect(await uids(cluster, "before") == beforeUIDs, "before: the same OpenShellSandbox and Sandbox")
            #expect(await uids(cluster, "during") == duringUIDs, "during: the same OpenShellSandbox and Sandbox")
            #expect(!beforeUIDs.contains("") && !duringUIDs.contains(""))
            for (name, count) in try await cluster.createdEvents() {
                #expect(count == 1, "\(name) has \(count) Created Events")
            }
            #expect(await second.stop() == 0, "\(second.log.suffix(3000))")
        }
    }
}

/// The UIDs of the OpenShellSandbox `name` and of its Agent Sandbox ("" when absent).
private func uids(_ cluster: OperatorCluster, _ name: String) async -> [String] {
    [await cluster.sandbox(name)?.uid ?? "", await cluster.agentSandbox(name)?.uid ?? ""]
}

/// Runs `body`; when it throws, records the end of `run`'s log.
private func showingLog(of run: OperatorRun, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        Issue.record(Comment(rawValue: "operator log:\n" + run.log.split(separator: "\n").suffix(60).joined(separator: "\n")))
        throw error
    }
}

/// The error lines of a log that name `database` and the fault `reason`.
private func faultLines(_ log: String, database: String, reason: String) -> [Substring] {
    log.split(separator: "\n").filter { line in
        line.contains("level=error") && line.contains("path=\(database)") && line.contains("reason=\(reason)")
    }
}
