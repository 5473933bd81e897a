//! Persistence: restarts (clean and crashed), migrations from every earlier
//! schema version, file permissions, and recovery from unusable files.
import Foundation
import KubeCore
import Logging
import Testing
@testable import WorkQueue

private let controller = "sandboxes"

@Suite("Work queue persistence")
struct PersistenceTests {
    @Test("reopening releases claims of the previous process and keeps scheduled items with their times")
    func restartReleasesClaimsAndKeepsSchedule() throws {
        try withHarness { harness in
            let first = try harness.open()
            try first.add(controller: controller, keys: [key("claimed"), key("failed")])
            try first.add(controller: controller, keys: [key("scheduled")], priority: WorkPriority.low, after: .seconds(600))
            let items = try first.claim(controller: controller, limit: 2)
            try #require(items.map(\.key) == [key("claimed"), key("failed")])
            try first.finish(items[1], .failure(message: "boom"))
            #expect(first.openReport.epoch == 1)
            first.close()

            let second = try harness.open()
            #expect(second.openReport.epoch == 2)
            #expect(second.openReport.releasedClaims == 1)
            #expect(second.openReport.appliedMigrations.isEmpty)
            #expect(try second.pendingKeys(controller: controller) == [key("claimed"), key("failed"), key("scheduled")])
            #expect(try second.claim(controller: controller, limit: 10).isEmpty, "the interrupted and the failed key back off")
            harness.clock.advance(by: .milliseconds(5))
            let retried = try second.claim(controller: controller, limit: 10)
            #expect(Set(retried.map(\.key)) == [key("claimed"), key("failed")])
            #expect(retried.map(\.attempt) == [2, 2], "the backoff state survived, and an interruption counts as an attempt")
            #expect(retried.first { $0.key == key("claimed") }?.lastError == "interrupted: the operator process ended during this reconcile")
            #expect(try second.millisecondsUntilDue(controller, clock: harness.clock) == 600_000 - 5)
            harness.clock.advance(by: .seconds(600))
            let scheduled = try second.claim(controller: controller, limit: 10)
            #expect(scheduled.map(\.key) == [key("scheduled")])
            #expect(scheduled.map(\.priority) == [WorkPriority.low])
        }
    }

    @Test("a crashed process's claims are released by the next open; its late finish is ignored")
    func crashedProcessClaims() throws {
        try withHarness { harness in
            let crashed = try harness.open()
            try crashed.add(controller: controller, keys: [key("a")])
            let stale = try #require(try crashed.claim(controller: controller, limit: 1).first)

            // Opened while the first one is still open: as if it had died without closing.
            let next = try harness.open()
            #expect(next.openReport.releasedClaims == 1)
            harness.clock.advance(by: .milliseconds(5))
            let item = try #require(try next.claim(controller: controller, limit: 1).first)
            #expect(item.key == key("a"))

            try crashed.finish(stale, .forget)
            #expect(harness.logs.messages(at: .warning).contains("finished a work item this process no longer holds; left it alone"))
            #expect(try next.pendingKeys(controller: controller) == [key("a")], "the stale finish changed nothing")
            try next.finish(item, .success(observed: nil, requeueAfter: nil))
            #expect(try next.pendingKeys(controller: controller).isEmpty)
            crashed.close()
            next.close()
        }
    }

    @Test("a key whose reconcile keeps ending the process backs off instead of looping")
    func crashLoopBacksOff() throws {
        try withHarness { harness in
            try harness.open().add(controller: controller, keys: [key("poison")])
            var waits: [Int64] = []
            for _ in 0..<4 {
                let process = try harness.open()
                let due = try #require(try process.millisecondsUntilDue(controller, clock: harness.clock))
                waits.append(due)
                harness.clock.advance(by: .milliseconds(Int(max(due, 0))))
                _ = try #require(try process.claim(controller: controller, limit: 1).first)
                // The process dies here, mid-reconcile, without finishing or closing.
            }
            #expect(waits == [0, 5, 10, 20])
        }
    }

    @Test("observed rows survive a restart")
    func observedSurvivesRestart() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            let item = try #require(try queue.claim(controller: controller, limit: 1).first)
            let observed = ObservedState(
                key: key("a"), uid: "u", generation: 7, resourceVersion: "99", inputHash: "abc", reconciledAt: harness.clock.now())
            try queue.finish(item, .success(observed: observed, requeueAfter: nil))
            queue.close()
            #expect(try harness.open().observed(controller: controller) == [key("a"): observed])
        }
    }

    @Test("an empty file gets every migration, recorded in schema_migrations and user_version")
    func migrationsFromEmpty() throws {
        try withHarness { harness in
            let queue = try harness.open()
            let all = Migration.embedded
            #expect(all.count >= 2)
            #expect(all.map(\.version) == Array(1...all.count))
            #expect(queue.openReport.appliedMigrations == all.map(\.version))
            #expect(queue.openReport.schemaVersion == all.count)
            let recorded = try queue.withConnection { db in
                try db.query("SELECT version, name FROM schema_migrations ORDER BY version") { "\($0.int(0)) \($0.text(1) ?? "")" }
            }
            #expect(recorded == all.map { "\($0.version) \($0.name)" })
            #expect(try queue.withConnection { db in try db.queryFirst("PRAGMA user_version") { $0.int(0) } } == all.count)
        }
    }

    @Test("a file made by every earlier schema version upgrades to the same schema as a new file", arguments: 1..<Migration.embedded.count)
    func upgradeFromEarlierVersion(version: Int) throws {
        let fresh = try withHarness { harness in try schema(of: harness.open()) }
        try withHarness { harness in
            // What an older binary left: its migrations only, and some work.
            try DatabaseFile.prepare(harness.path)
            let old = try SQLiteConnection(path: harness.path)
            let applied = try Migrator.migrate(old, to: Array(Migration.embedded.prefix(version)), nowMilliseconds: 0)
            #expect(applied == Array(1...version))
            try old.run(
                "INSERT INTO work_item (controller, object_key, priority, not_before, added_at) VALUES (?, ?, 0, 0, 0)",
                [.text(controller), .text("default/kept")])
            old.close()

            let queue = try harness.open()
            #expect(queue.openReport.appliedMigrations == Array((version + 1)...Migration.embedded.count))
            #expect(queue.openReport.recovery == nil)
            #expect(try schema(of: queue) == fresh)
            #expect(try queue.claim(controller: controller, limit: 1).map(\.key) == [key("kept")])
        }
    }

    @Test("a file from a newer schema version is moved aside and rebuilt")
    func newerSchemaIsRebuilt() throws {
        try withHarness { harness in
            let queue = try harness.open()
            _ = try queue.withConnection { db in
                try db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', 0)")
            }
            queue.close()
            let reopened = try harness.open()
            #expect(reopened.openReport.recovery?.reason.contains("schema version 999 is newer") == true)
            #expect(reopened.openReport.schemaVersion == Migration.embedded.count)
        }
    }

    @Test("the database, -wal and -shm files are mode 0600; a wider existing file is tightened")
    func fileMode() throws {
        try withHarness { harness in
            let queue = try harness.open()
            try queue.add(controller: controller, keys: [key("a")])
            #expect(try permissions(harness.path) == 0o600)
            #expect(try permissions(harness.path + "-wal") == 0o600)
            #expect(try permissions(harness.path + "-shm") == 0o600)
            queue.close()

            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: harness.path)
            let reopened = try harness.open()
            #expect(try permissions(harness.path) == 0o600)
            #expect(reopened.openReport.recovery == nil)
            #expect(try reopened.pendingKeys(controller: controller) == [key("a")])
        }
    }

    @Test("an unusable file is moved aside and rebuilt, with an error log line and the recovery counter", arguments: UnusableFile.allCases)
    func recovery(file: UnusableFile) throws {
        try withHarness { harness in
            try file.make(at: harness.path)
            let queue = try harness.open()

            let recovery = try #require(queue.openReport.recovery)
            let movedTo = try #require(recovery.movedTo)
            #expect(movedTo.hasPrefix(harness.path + ".corrupt-\(Int64(harness.clock.now().timeIntervalSince1970))"))
            #expect(FileManager.default.fileExists(atPath: movedTo))
            #expect(recovery.fault == .corrupt)
            #expect(queue.storage == .file)
            let errors = harness.logs.messages(at: .error)
            #expect(errors == [
                "work queue database is unusable; moved it aside and rebuilt it empty (pending work is re-derived from the API server)"
            ])
            #expect(harness.logs.metadata(at: .error).first?["moved_to"] == "\(movedTo)")
            #expect(harness.metric("openshell_operator_queue_database_recoveries_total{reason=\"corrupt\"}") == 1)

            // The rebuilt queue works.
            #expect(try permissions(harness.path) == 0o600)
            try queue.add(controller: controller, keys: [key("a")])
            #expect(try queue.claim(controller: controller, limit: 1).map(\.key) == [key("a")])
            try queue.checkWritable()
        }
    }

    @Test("a file this process may not read is moved aside and rebuilt", .enabled(if: geteuid() != 0, "root reads any file"))
    func unreadableFile() throws {
        try withHarness { harness in
            let queue = try harness.open()
            queue.close()
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: harness.path)
            let reopened = try harness.open()
            #expect(reopened.openReport.recovery?.reason.contains("permission denied") == true)
            try reopened.checkWritable()
        }
    }

    @Test("a healthy file is not recovered and logs no error")
    func healthyFileIsKept() throws {
        try withHarness { harness in
            try harness.open().close()
            let queue = try harness.open()
            #expect(queue.openReport.recovery == nil)
            #expect(harness.logs.messages(at: .error).isEmpty)
            #expect(harness.metric("openshell_operator_queue_database_recoveries_total{reason=\"corrupt\"}") == 0)
            #expect(harness.metric("openshell_operator_queue_database_in_memory") == 0)
        }
    }
}

/// Kinds of file the queue cannot use.
enum UnusableFile: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case garbage, truncated, notADatabase, corruptPage, directory

    var testDescription: String { rawValue }

    func make(at path: String) throws {
        switch self {
        case .garbage:
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        case .truncated, .corruptPage:
            try makeDatabaseWithData(at: path)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if self == .truncated {
                // Keep the header and the first pages; the tables' later pages are gone.
                try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
            } else {
                // Overwrite the middle of the file (b-tree pages) with junk.
                var damaged = data
                let start = data.count / 2
                damaged.replaceSubrange(start..<(start + 4096), with: Data(repeating: 0xA5, count: 4096))
                try damaged.write(to: URL(fileURLWithPath: path))
            }
        case .notADatabase:
            try Data("queue:\n  - default/a\n".utf8).write(to: URL(fileURLWithPath: path))
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
    }

    /// A real queue file with enough rows for many pages, checkpointed into the main file.
    private func makeDatabaseWithData(at path: String) throws {
        let queue = try PersistentWorkQueue.open(path: path, logger: Logger(label: "setup") { _ in SwiftLogNoOpLogHandler() })
        let keys = (0..<3000).map { ObjectKey(namespace: "namespace-\($0 % 10)", name: "object-with-a-long-name-\($0)") }
        try queue.add(controller: "c", keys: keys)
        queue.close()
        for companion in [path + "-wal", path + "-shm"] {
            try? FileManager.default.removeItem(atPath: companion)
        }
    }
}

/// Every table's columns and every index, for comparing schemas.
private func schema(of queue: PersistentWorkQueue) throws -> [String] {
    try queue.withConnection { db in
        let objects = try db.query(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ) { "\($0.text(0) ?? "") \($0.text(1) ?? "") on \($0.text(2) ?? "")" }
        var result = objects
        for table in try db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", row: { $0.text(0) ?? "" }) {
            result += try db.query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", [.text(table)]) {
                "\(table).\($0.text(0) ?? "") \($0.text(1) ?? "") notnull=\($0.int(2)) default=\($0.text(3) ?? "-") pk=\($0.int(4))"
            }
        }
        for index in try db.query("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name", row: { $0.text(0) ?? "" }) {
            result += try db.query("SELECT seqno, name, desc FROM pragma_index_xinfo(?) WHERE key = 1", [.text(index)]) {
                "\(index)[\($0.int(0))] \($0.text(1) ?? "") desc=\($0.int(2))"
            }
        }
        return result
    }
}
