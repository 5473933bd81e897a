//! PersistentWorkQueue: the crash-safe work queue and observed-state cache.
//! client-go workqueue semantics (dedup per key, never the same key twice at
//! once, dirty re-run, per-key exponential backoff, earliest requeue wins) with
//! controller-runtime priorities, kept in one SQLite file behind one writer
//! connection so pending work, backoff and scheduled deadlines survive restarts.
import CSQLite
import CoreMetrics
import Foundation
import KubeCore
import Logging
import Synchronization

/// A persistent, deduplicating, prioritized work queue for many controllers in one SQLite file.
///
/// - One row per (controller, key). `add` of a waiting key keeps the earliest
///   due time and the highest priority; `add` of a claimed key marks it dirty
///   so it runs once more after `finish`.
/// - `claim` hands out due keys, highest priority first, then earliest due, then FIFO;
///   a claimed key is never handed out again until finished.
/// - Failures back off per key (`baseDelay · 2^(n-1)`, capped at `maxDelay`);
///   success resets the backoff and writes the observed state in the same transaction.
/// - Opening the file starts a new epoch and releases claims held by the previous
///   process; an unreadable file is moved aside and rebuilt empty.
///
/// All calls are synchronous and short (one SQLite transaction each) and safe
/// from any thread. Only one process may use a file at a time.
public final class PersistentWorkQueue: Sendable {
    /// The database file.
    public let path: String
    public let configuration: WorkQueueConfiguration
    /// What `open` found and did (migrations, released claims, recovery).
    public let openReport: WorkQueueOpenReport

    private let clock: any WallClock
    private let logger: Logger
    private let metrics: WorkQueueMetrics
    private let epoch: Int64
    private let state: Mutex<State>

    private struct State {
        var connection: SQLiteConnection?
        /// Per controller: when the depth gauges were last sampled (unix ms).
        var sampledAt: [String: Int64] = [:]
    }

    /// How often (at most) `claim`/`finish` refresh the sampled gauges.
    private static let sampleIntervalMilliseconds: Int64 = 1000

    private init(
        path: String, configuration: WorkQueueConfiguration, report: WorkQueueOpenReport, connection: sending SQLiteConnection,
        clock: any WallClock, logger: Logger, metrics: WorkQueueMetrics
    ) {
        self.path = path
        self.configuration = configuration
        self.openReport = report
        self.epoch = report.epoch
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.state = Mutex(State(connection: connection))
    }

    // MARK: Opening

    /// Opens (creating if needed) the queue file at `path`.
    ///
    /// The file is created with mode 0600 before SQLite sees it (an existing file or
    /// -wal/-shm with wider permissions is tightened); WAL, `synchronous=NORMAL` and
    /// `busy_timeout` are set; migrations are applied; the epoch is bumped and claims
    /// of a previous process are released. A file that cannot be used (not a database,
    /// corrupt, truncated, unreadable, from a newer schema) is moved to
    /// `<path>.corrupt-<unix time>` and rebuilt empty: logged at `.error`, counted in
    /// `openshell_operator_queue_database_recoveries_total`, described in `openReport`.
    /// Throws `WorkQueueError` when even the rebuilt file cannot be opened, or for
    /// errors a rebuild cannot fix (database locked by another process, disk full).
    public static func open(
        path: String,
        configuration: WorkQueueConfiguration = WorkQueueConfiguration(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        metrics factory: any MetricsFactory = MetricsSystem.factory
    ) throws -> PersistentWorkQueue {
        let metrics = WorkQueueMetrics(factory: factory)
        let opened: OpenedDatabase
        var recovery: WorkQueueOpenReport.Recovery?
        do {
            opened = try OpenedDatabase(path: path, configuration: configuration, now: clock.now())
        } catch where isRecoverable(error) {
            let reason = describe(error)
            let movedTo = try DatabaseFile.moveAside(path, now: clock.now())
            logger.error(
                "work queue database is unusable; moved it aside and rebuilt it empty (pending work is re-derived from the API server)",
                metadata: ["path": "\(path)", "moved_to": "\(movedTo)", "error": "\(reason)"])
            metrics.databaseRecoveries.increment()
            recovery = .init(movedTo: movedTo, reason: reason)
            do {
                opened = try OpenedDatabase(path: path, configuration: configuration, now: clock.now())
            } catch {
                throw asWorkQueueError(error, operation: "open rebuilt database")
            }
        } catch {
            throw asWorkQueueError(error, operation: "open")
        }
        let report = WorkQueueOpenReport(
            epoch: opened.epoch, appliedMigrations: opened.appliedMigrations, schemaVersion: opened.schemaVersion,
            releasedClaims: opened.releasedClaims, recovery: recovery)
        logger.info(
            "opened work queue database",
            metadata: [
                "path": "\(path)", "epoch": "\(report.epoch)", "schema_version": "\(report.schemaVersion)",
                "applied_migrations": "\(report.appliedMigrations)", "released_claims": "\(report.releasedClaims)",
            ])
        return PersistentWorkQueue(
            path: path, configuration: configuration, report: report, connection: opened.connection,
            clock: clock, logger: logger, metrics: metrics)
    }

    /// Whether moving the file aside and starting empty can fix `error`. Not for
    /// contention (another process holds the lock), memory or a full disk.
    private static func isRecoverable(_ error: any Error) -> Bool {
        switch error {
        case let error as SQLiteError:
            let transient: Set<Int32> = [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_FULL, SQLITE_INTERRUPT]
            return !transient.contains(error.primaryCode)
        case is NotADatabaseFile, is SchemaTooNewError, is CorruptDatabase:
            return true
        default:
            return false
        }
    }

    private static func describe(_ error: any Error) -> String {
        String(describing: error)
    }

    static func asWorkQueueError(_ error: any Error, operation: String) -> WorkQueueError {
        switch error {
        case let error as WorkQueueError:
            return error
        case let error as SQLiteError:
            return .database(operation: operation, code: error.code, message: error.message)
        default:
            return .database(operation: operation, code: -1, message: describe(error))
        }
    }

    /// Closes the connection; later calls throw `WorkQueueError.closed`. Idempotent.
    /// Claims still held stay claimed in the file and are released by the next `open`.
    public func close() {
        state.withLock { state in
            state.connection?.close()
            state.connection = nil
        }
    }

    // MARK: Queue operations

    /// Adds `keys` for `controller`, due after `delay` (default now).
    ///
    /// A key already waiting keeps one row: its due time becomes the earlier of
    /// the two and its priority the higher. A key that is claimed is marked dirty:
    /// it runs again after `finish`, at this request's time and priority.
    public func add(controller: String, keys: [ObjectKey], priority: Int = WorkPriority.normal, after delay: Duration = .zero) throws {
        guard !keys.isEmpty else { return }
        for key in keys where ObjectKey(key.description) != key {
            throw WorkQueueError.invalidKey(key.description)
        }
        let now = clock.now().unixMilliseconds
        let notBefore = now.plus(delay.wholeMilliseconds)
        let added = try withDatabase("add") { db, _ in
            try db.transaction {
                var added = 0
                for key in Set(keys).sorted() {
                    let existing = try db.queryFirst(
                        "SELECT state, dirty FROM work_item WHERE controller = ? AND object_key = ?",
                        [.text(controller), .text(key.description)]
                    ) { row in (claimed: row.text(0) == "claimed", dirty: row.int(1) == 1) }
                    if existing == nil || (existing?.claimed == true && existing?.dirty == false) {
                        added += 1
                    }
                    try db.run(Self.upsertSQL, [.text(controller), .text(key.description), .int(priority), .integer(notBefore), .integer(now)])
                }
                return added
            }
        }
        if added > 0 {
            metrics.controller(controller).adds.increment(by: added)
        }
    }

    /// Insert a waiting row, or merge into the existing one (see `add`).
    private static let upsertSQL = """
        INSERT INTO work_item (controller, object_key, priority, not_before, added_at, state)
        VALUES (?1, ?2, ?3, ?4, ?5, 'ready')
        ON CONFLICT (controller, object_key) DO UPDATE SET
            not_before = CASE WHEN state = 'claimed' AND dirty = 0 THEN excluded.not_before
                              ELSE MIN(not_before, excluded.not_before) END,
            priority   = CASE WHEN state = 'claimed' AND dirty = 0 THEN excluded.priority
                              ELSE MAX(priority, excluded.priority) END,
            added_at   = CASE WHEN state = 'claimed' AND dirty = 0 THEN excluded.added_at ELSE added_at END,
            dirty      = CASE WHEN state = 'claimed' THEN 1 ELSE 0 END
        """

    /// Claims up to `limit` due keys of `controller`: highest priority first, then
    /// earliest due, then first added (FIFO). Each stays claimed (never handed out
    /// again) until `finish`.
    public func claim(controller: String, limit: Int) throws -> [ClaimedItem] {
        guard limit > 0 else { return [] }
        let now = clock.now().unixMilliseconds
        let epoch = self.epoch
        let claimed = try withDatabase("claim") { db, state in
            let rows = try db.transaction {
                try db.query(
                    """
                    UPDATE work_item SET state = 'claimed', claim_epoch = ?1, claimed_at = ?2
                    WHERE rowid IN (
                        SELECT rowid FROM work_item
                        WHERE controller = ?3 AND state = 'ready' AND not_before <= ?2
                        ORDER BY priority DESC, not_before, rowid
                        LIMIT ?4)
                    RETURNING object_key, priority, failures, added_at, not_before, last_error, rowid
                    """,
                    [.integer(epoch), .integer(now), .text(controller), .int(limit)]
                ) { row in
                    (key: row.text(0) ?? "", priority: row.int(1), failures: row.int(2),
                     addedAt: row.int64(3), notBefore: row.int64(4), lastError: row.text(5), rowid: row.int64(6))
                }
            }
            try sampleIfStale(db, &state, controller: controller, now: now)
            return rows
        }
        let queueMetrics = metrics.controller(controller)
        var items: [(item: ClaimedItem, notBefore: Int64, rowid: Int64)] = []
        for row in claimed {
            guard let key = ObjectKey(row.key) else {
                throw WorkQueueError.invalidRow("controller \(controller): unparsable object key \(row.key)")
            }
            let waitingSince = max(row.addedAt, row.notBefore)
            queueMetrics.queueDuration.recordNanoseconds(max(0, now - waitingSince).multipliedReportingOverflow(by: 1_000_000).partialValue)
            items.append((
                ClaimedItem(
                    controller: controller, key: key, priority: row.priority, attempt: row.failures + 1,
                    addedAt: Date(unixMilliseconds: row.addedAt), claimedAt: Date(unixMilliseconds: now), lastError: row.lastError),
                row.notBefore, row.rowid))
        }
        items.sort { lhs, rhs in
            if lhs.item.priority != rhs.item.priority { return lhs.item.priority > rhs.item.priority }
            if lhs.notBefore != rhs.notBefore { return lhs.notBefore < rhs.notBefore }
            return lhs.rowid < rhs.rowid
        }
        return items.map(\.item)
    }

    /// The earliest due time of `controller`'s unclaimed keys (in the past when
    /// some are due now), or nil when none wait. Workers sleep until then.
    public func nextDueDate(controller: String) throws -> Date? {
        try withDatabase("nextDueDate") { db, _ in
            try db.queryFirst(
                "SELECT MIN(not_before) FROM work_item WHERE controller = ? AND state = 'ready'", [.text(controller)]
            ) { row in row.isNull(0) ? nil : Date(unixMilliseconds: row.int64(0)) } ?? nil
        }
    }

    /// Ends a claim.
    ///
    /// - `.success`: resets the key's backoff; writes `observed` (stored under
    ///   `item.key`) in the same transaction; the row is removed unless the key was
    ///   re-added while claimed or `requeueAfter` is set (the earlier time wins).
    /// - `.failure`: retried after the key's next backoff delay (or earlier if
    ///   re-added meanwhile); the message is kept as the next attempt's `lastError`.
    /// - `.forget`: drops the row and the observed state; a re-add made while
    ///   claimed still runs.
    ///
    /// A claim this process no longer holds (released by a newer `open` of the
    /// file) is left alone and logged.
    public func finish(_ item: ClaimedItem, _ outcome: WorkOutcome) throws {
        let now = clock.now().unixMilliseconds
        let epoch = self.epoch
        let controller = item.controller
        let key = item.key.description
        let configuration = self.configuration
        let held = try withDatabase("finish") { db, state in
            let held = try db.transaction { () throws -> Bool in
                let claimedRow = try db.queryFirst(
                    """
                    SELECT dirty, failures FROM work_item
                    WHERE controller = ? AND object_key = ? AND state = 'claimed' AND claim_epoch = ?
                    """,
                    [.text(controller), .text(key), .integer(epoch)]
                ) { row in (dirty: row.int(0) == 1, failures: row.int(1)) }
                guard let row = claimedRow else { return false }
                let identity: [SQLiteValue] = [.text(controller), .text(key)]
                switch outcome {
                case .success(let observed, let requeueAfter):
                    if let observed {
                        try db.run(
                            """
                            INSERT INTO observed (controller, object_key, uid, generation, resource_version, input_hash, reconciled_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (controller, object_key) DO UPDATE SET
                                uid = excluded.uid, generation = excluded.generation,
                                resource_version = excluded.resource_version,
                                input_hash = excluded.input_hash, reconciled_at = excluded.reconciled_at
                            """,
                            identity + [
                                .text(observed.uid), .integer(observed.generation), .text(observed.resourceVersion),
                                .text(observed.inputHash), .integer(observed.reconciledAt.unixMilliseconds),
                            ])
                    }
                    let requeueAt = requeueAfter.map { now.plus($0.wholeMilliseconds) }
                    if row.dirty {
                        try release(db, identity, notAfter: requeueAt)
                    } else if let requeueAt {
                        try db.run(
                            """
                            UPDATE work_item SET state = 'ready', dirty = 0, claim_epoch = NULL, claimed_at = NULL,
                                failures = 0, last_error = NULL, not_before = ?3, priority = ?4, added_at = ?5
                            WHERE controller = ?1 AND object_key = ?2
                            """,
                            identity + [.integer(requeueAt), .int(item.priority), .integer(now)])
                    } else {
                        try db.run("DELETE FROM work_item WHERE controller = ? AND object_key = ?", identity)
                    }
                case .failure(let message):
                    let failures = row.failures + 1
                    let retryAt = now.plus(
                        Backoff.delayMilliseconds(failures: failures, base: configuration.baseDelay, max: configuration.maxDelay))
                    try db.run(
                        """
                        UPDATE work_item SET state = 'ready', dirty = 0, claim_epoch = NULL, claimed_at = NULL,
                            failures = ?3, last_error = ?4,
                            not_before = CASE WHEN dirty = 1 THEN MIN(not_before, ?5) ELSE ?5 END,
                            priority = CASE WHEN dirty = 1 THEN MAX(priority, ?6) ELSE ?6 END
                        WHERE controller = ?1 AND object_key = ?2
                        """,
                        identity + [.int(failures), .text(message), .integer(retryAt), .int(item.priority)])
                case .forget:
                    try db.run("DELETE FROM observed WHERE controller = ? AND object_key = ?", identity)
                    if row.dirty {
                        try release(db, identity, notAfter: nil)
                    } else {
                        try db.run("DELETE FROM work_item WHERE controller = ? AND object_key = ?", identity)
                    }
                }
                return true
            }
            try sampleIfStale(db, &state, controller: controller, now: now)
            return held
        }
        guard held else {
            logger.warning(
                "finished a work item this process no longer holds; left it alone",
                metadata: ["controller": "\(controller)", "key": "\(key)", "epoch": "\(epoch)"])
            return
        }
        let queueMetrics = metrics.controller(controller)
        let claimedAt = item.claimedAt.unixMilliseconds
        queueMetrics.workDuration.recordNanoseconds(max(0, now - claimedAt).multipliedReportingOverflow(by: 1_000_000).partialValue)
        if case .failure = outcome {
            queueMetrics.retries.increment()
        }
    }

    /// Turns a dirty claimed row back into a fresh waiting one (backoff reset),
    /// due at the re-add's time or `notAfter`, whichever is earlier.
    private func release(_ db: SQLiteConnection, _ identity: [SQLiteValue], notAfter: Int64?) throws {
        try db.run(
            """
            UPDATE work_item SET state = 'ready', dirty = 0, claim_epoch = NULL, claimed_at = NULL,
                failures = 0, last_error = NULL,
                not_before = CASE WHEN ?3 IS NULL THEN not_before ELSE MIN(not_before, ?3) END
            WHERE controller = ?1 AND object_key = ?2
            """,
            identity + [notAfter.map(SQLiteValue.integer) ?? .null])
    }

    // MARK: Reading

    /// The observed state of every object `controller` reconciled successfully and has not forgotten.
    public func observed(controller: String) throws -> [ObjectKey: ObservedState] {
        let rows = try withDatabase("observed") { db, _ in
            try db.query(
                """
                SELECT object_key, uid, generation, resource_version, input_hash, reconciled_at
                FROM observed WHERE controller = ?
                """,
                [.text(controller)]
            ) { row in
                (key: row.text(0) ?? "", uid: row.text(1) ?? "", generation: row.int64(2), resourceVersion: row.text(3) ?? "",
                 inputHash: row.text(4) ?? "", reconciledAt: row.int64(5))
            }
        }
        var result: [ObjectKey: ObservedState] = [:]
        for row in rows {
            guard let key = ObjectKey(row.key) else {
                throw WorkQueueError.invalidRow("controller \(controller): unparsable observed key \(row.key)")
            }
            result[key] = ObservedState(
                key: key, uid: row.uid, generation: row.generation, resourceVersion: row.resourceVersion,
                inputHash: row.inputHash, reconciledAt: Date(unixMilliseconds: row.reconciledAt))
        }
        return result
    }

    /// Drops the observed state of `key` (an object deleted while the operator
    /// was down, once its clean-up ran). Queued work for the key is left alone.
    public func forgetObserved(controller: String, key: ObjectKey) throws {
        _ = try withDatabase("forgetObserved") { db, _ in
            try db.run("DELETE FROM observed WHERE controller = ? AND object_key = ?", [.text(controller), .text(key.description)])
        }
    }

    /// Every key of `controller` with a row: waiting (due or scheduled) or claimed.
    public func pendingKeys(controller: String) throws -> Set<ObjectKey> {
        let texts = try withDatabase("pendingKeys") { db, _ in
            try db.query("SELECT object_key FROM work_item WHERE controller = ?", [.text(controller)]) { $0.text(0) ?? "" }
        }
        var keys = Set<ObjectKey>()
        for text in texts {
            guard let key = ObjectKey(text) else {
                throw WorkQueueError.invalidRow("controller \(controller): unparsable object key \(text)")
            }
            keys.insert(key)
        }
        return keys
    }

    /// The number of `controller`'s unclaimed keys that are due now (client-go's
    /// depth: scheduled keys are not counted until due). Also refreshes the
    /// `workqueue_depth` and `workqueue_unfinished_work_seconds` gauges, which
    /// `claim`/`finish` otherwise refresh at most once a second.
    public func depth(controller: String) throws -> Int {
        let now = clock.now().unixMilliseconds
        return try withDatabase("depth") { db, state in
            try sample(db, &state, controller: controller, now: now)
        }
    }

    /// Proves the file still takes writes (for `/readyz`): commits a small meta row.
    /// Throws `WorkQueueError` with SQLite's message when it cannot.
    public func checkWritable() throws {
        let now = clock.now().unixMilliseconds
        _ = try withDatabase("checkWritable") { db, _ in
            try db.transaction {
                try db.run(
                    "INSERT INTO meta (key, value) VALUES ('writable_check_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [.integer(now)])
            }
        }
    }

    // MARK: Internals

    /// Runs `body` with the connection under the lock; SQLite errors become `WorkQueueError.database`.
    private func withDatabase<T: Sendable>(_ operation: String, _ body: (SQLiteConnection, inout State) throws -> T) throws -> T {
        try state.withLock { state throws -> T in
            guard let db = state.connection else { throw WorkQueueError.closed }
            do {
                return try body(db, &state)
            } catch {
                throw Self.asWorkQueueError(error, operation: operation)
            }
        }
    }

    /// Internal access for tests (e.g. to make writes fail).
    func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withDatabase("test") { db, _ in try body(db) }
    }

    private func sampleIfStale(_ db: SQLiteConnection, _ state: inout State, controller: String, now: Int64) throws {
        if let last = state.sampledAt[controller], now - last < Self.sampleIntervalMilliseconds, now >= last { return }
        _ = try sample(db, &state, controller: controller, now: now)
    }

    /// Counts due keys and running time, and sets the gauges.
    private func sample(_ db: SQLiteConnection, _ state: inout State, controller: String, now: Int64) throws -> Int {
        let depth = try db.queryFirst(
            "SELECT COUNT(*) FROM work_item WHERE controller = ? AND state = 'ready' AND not_before <= ?",
            [.text(controller), .integer(now)]
        ) { $0.int(0) } ?? 0
        let running = try db.queryFirst(
            "SELECT COALESCE(SUM(? - claimed_at), 0) FROM work_item WHERE controller = ? AND state = 'claimed' AND claim_epoch = ?",
            [.integer(now), .text(controller), .integer(epoch)]
        ) { $0.int64(0) } ?? 0
        state.sampledAt[controller] = now
        let queueMetrics = metrics.controller(controller)
        queueMetrics.depth.record(depth)
        queueMetrics.unfinishedWork.record(Double(max(0, running)) / 1000)
        return depth
    }
}

/// `PRAGMA quick_check` found damage.
struct CorruptDatabase: Error, CustomStringConvertible {
    var findings: String
    var description: String { "database disk image is malformed: \(findings)" }
}

/// A freshly opened, migrated connection with this process's epoch.
private struct OpenedDatabase {
    var connection: SQLiteConnection
    var epoch: Int64
    var appliedMigrations: [Int]
    var schemaVersion: Int
    var releasedClaims: Int

    init(path: String, configuration: WorkQueueConfiguration, now: Date) throws {
        try DatabaseFile.prepare(path)
        guard DatabaseFile.isReadableAndWritable(path) else {
            throw NotADatabaseFile(reason: "\(path): permission denied (need read and write)")
        }
        let db = try SQLiteConnection(path: path)
        do {
            try db.execute("PRAGMA busy_timeout = \(configuration.busyTimeout.wholeMilliseconds)")
            let mode = try db.queryFirst("PRAGMA journal_mode = WAL") { $0.text(0) } ?? nil
            guard mode == "wal" else {
                throw NotADatabaseFile(reason: "cannot switch to WAL (journal_mode is \(mode ?? "unknown"))")
            }
            try db.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")
            let findings = try db.query("PRAGMA quick_check") { $0.text(0) ?? "" }
            guard findings == ["ok"] else {
                throw CorruptDatabase(findings: findings.prefix(3).joined(separator: "; "))
            }
            let nowMilliseconds = now.unixMilliseconds
            appliedMigrations = try Migrator.migrate(db, nowMilliseconds: nowMilliseconds)
            schemaVersion = try Migrator.currentVersion(db)
            (epoch, releasedClaims) = try db.transaction {
                try db.run(
                    "INSERT INTO meta (key, value) VALUES ('created_at', ?) ON CONFLICT (key) DO NOTHING", [.integer(nowMilliseconds)])
                let epoch = try db.queryFirst(
                    """
                    INSERT INTO meta (key, value) VALUES ('epoch', 1)
                    ON CONFLICT (key) DO UPDATE SET value = value + 1
                    RETURNING value
                    """
                ) { $0.int64(0) } ?? 1
                // A reconcile cut short by the end of its process counts as a failed
                // attempt: it runs again at once the first time, but a key whose
                // reconcile crashes the process backs off instead of looping.
                let released = try db.run(
                    """
                    UPDATE work_item SET state = 'ready', dirty = 0, claim_epoch = NULL, claimed_at = NULL,
                        failures = failures + 1,
                        last_error = 'interrupted: the operator process ended during this reconcile',
                        not_before = ?1 + MIN(?2 * (1 << MIN(failures, 40)), ?3)
                    WHERE state = 'claimed'
                    """,
                    [.integer(nowMilliseconds), .integer(Int64(configuration.baseDelay.wholeMilliseconds)),
                     .integer(Int64(configuration.maxDelay.wholeMilliseconds))])
                return (epoch, released)
            }
            try DatabaseFile.tightenCompanions(of: path)
        } catch {
            db.close()
            throw error
        }
        connection = db
    }
}
