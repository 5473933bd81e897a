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
/// - Faults of the file never stop the queue (see `DatabaseFault`): a file that
///   is deleted, replaced, truncated, overwritten, made unwritable or fills the
///   disk — at open or while running — is rebuilt, recreated, or replaced by an
///   in-memory database until the process restarts; each fault is one error log
///   line and one `openshell_operator_queue_database_recoveries_total{reason}`.
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
    private let state: Mutex<State>
    private let stateLostHandlers = Mutex<[@Sendable () -> Void]>([])

    private struct State {
        var connection: SQLiteConnection?
        var storage: WorkQueueStorage
        /// The epoch claims are made in (a rebuilt database starts a new one).
        var epoch: Int64
        /// The file the connection has open (nil in memory).
        var identity: FileIdentity?
        /// Claims this process holds, to carry into a rebuilt database.
        var held: [HeldKey: ClaimedItem] = [:]
        /// Per controller: when the depth gauges were last sampled (unix ms).
        var sampledAt: [String: Int64] = [:]
        /// When the file was last looked at (unix ms).
        var checkedAt: Int64 = 0
    }

    private struct HeldKey: Hashable {
        var controller: String
        var key: String
    }

    /// How often (at most) `claim`/`finish` refresh the sampled gauges.
    private static let sampleIntervalMilliseconds: Int64 = 1000
    /// How often (at most) an operation first checks the file is still the one opened, whole and writable.
    private static let fileCheckIntervalMilliseconds: Int64 = 1000

    private init(
        path: String, configuration: WorkQueueConfiguration, report: WorkQueueOpenReport, connection: sending SQLiteConnection,
        identity: FileIdentity?, clock: any WallClock, logger: Logger, metrics: WorkQueueMetrics
    ) {
        self.path = path
        self.configuration = configuration
        self.openReport = report
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.state = Mutex(State(
            connection: connection, storage: report.storage, epoch: report.epoch, identity: identity,
            checkedAt: clock.now().unixMilliseconds))
        metrics.inMemory.record(report.storage == .memory ? 1 : 0)
    }

    /// Where the queue keeps its state now: the file, or memory after a fault.
    public var storage: WorkQueueStorage { state.withLock { $0.storage } }

    /// Calls `handler` (outside the queue's lock, on the thread of the failing
    /// operation) whenever a fault left the queue with a new, empty database:
    /// the keys that were pending are unknown, so the caller queues every key
    /// it knows again. Not called when the state was carried over.
    public func onStateLost(_ handler: @escaping @Sendable () -> Void) {
        stateLostHandlers.withLock { $0.append(handler) }
    }

    // MARK: Opening

    /// Opens (creating if needed) the queue file at `path`.
    ///
    /// The file is created with mode 0600 before SQLite sees it (an existing file or
    /// -wal/-shm with wider permissions is tightened); WAL, `synchronous=NORMAL` and
    /// `busy_timeout` are set; migrations are applied; the epoch is bumped and claims
    /// of a previous process are released. A file that cannot be used (not a database,
    /// corrupt, truncated, unreadable or unwritable, from a newer schema) is moved to
    /// `<path>.corrupt-<unix time>` and rebuilt empty. When that fails too (a read-only
    /// or immutable file), or cannot help (disk full, another process holds the lock),
    /// the queue runs in memory until the process restarts and the file is left alone.
    /// Either is logged at `.error`, counted in
    /// `openshell_operator_queue_database_recoveries_total{reason}`, described in `openReport`.
    /// Throws `WorkQueueError` only for errors no new database can fix (out of memory).
    public static func open(
        path: String,
        configuration: WorkQueueConfiguration = WorkQueueConfiguration(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        metrics factory: any MetricsFactory = MetricsSystem.factory
    ) throws -> PersistentWorkQueue {
        let metrics = WorkQueueMetrics(factory: factory)
        let created = DatabaseFile.identity(of: path) == nil
        let opened: OpenedDatabase
        var recovery: WorkQueueOpenReport.Recovery?
        do {
            opened = try OpenedDatabase.file(path: path, configuration: configuration, now: clock.now())
        } catch {
            guard let fault = classify(error) else { throw asWorkQueueError(error, operation: "open") }
            let reason = describe(error)
            var movedTo: String?
            var rebuilt: OpenedDatabase?
            var rebuildError: String?
            if fault.recovery(atOpen: true) != .memory {
                do {
                    movedTo = try DatabaseFile.moveAside(path, now: clock.now())
                    rebuilt = try OpenedDatabase.file(path: path, configuration: configuration, now: clock.now())
                } catch {
                    rebuildError = describe(error)
                }
            }
            if let rebuilt, let movedTo {
                opened = rebuilt
                logger.error(
                    "work queue database is unusable; moved it aside and rebuilt it empty (pending work is re-derived from the API server)",
                    metadata: ["path": "\(path)", "moved_to": "\(movedTo)", "reason": "\(fault.rawValue)", "error": "\(reason)"])
                recovery = .init(movedTo: movedTo, reason: reason, fault: fault, storage: .file)
            } else {
                do {
                    opened = try OpenedDatabase.memory(configuration: configuration, now: clock.now())
                } catch {
                    throw asWorkQueueError(error, operation: "open in-memory database")
                }
                var metadata: Logger.Metadata = ["path": "\(path)", "reason": "\(fault.rawValue)", "error": "\(reason)"]
                if let rebuildError { metadata["rebuild_error"] = "\(rebuildError)" }
                if let movedTo { metadata["moved_to"] = "\(movedTo)" }
                logger.error(
                    "work queue database cannot be used; running with the queue in memory until the operator restarts (pending work is re-derived from the API server; the file is left as it is)",
                    metadata: metadata)
                recovery = .init(movedTo: movedTo, reason: reason, fault: fault, storage: .memory)
            }
            metrics.recovered(fault)
        }
        let report = WorkQueueOpenReport(
            epoch: opened.epoch, appliedMigrations: opened.appliedMigrations, schemaVersion: opened.schemaVersion,
            releasedClaims: opened.releasedClaims, recovery: recovery, storage: opened.storage)
        if opened.storage == .file {
            logger.info(
                created ? "created the work queue database (first start, or the file was deleted: every object is reconciled once)"
                    : "opened work queue database",
                metadata: [
                    "path": "\(path)", "epoch": "\(report.epoch)", "schema_version": "\(report.schemaVersion)",
                    "applied_migrations": "\(report.appliedMigrations)", "released_claims": "\(report.releasedClaims)",
                ])
        }
        return PersistentWorkQueue(
            path: path, configuration: configuration, report: report, connection: opened.connection,
            identity: opened.storage == .file ? DatabaseFile.identity(of: path) : nil, clock: clock, logger: logger, metrics: metrics)
    }

    /// The database fault `error` means; nil for errors a new database cannot
    /// fix (out of memory, an interrupted call, a bad key).
    static func classify(_ error: any Error) -> DatabaseFault? {
        switch error {
        case let error as SQLiteError:
            return DatabaseFault.classify(code: error.code, systemErrno: error.systemErrno)
        case let error as NotADatabaseFile:
            return error.fault
        case is SchemaTooNewError, is CorruptDatabase:
            return .corrupt
        case let error as FileSystemError:
            return DatabaseFault.fromErrno(error.errno) ?? .io
        default:
            return nil
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
        case let error as FileSystemError:
            return .fileSystem(path: error.path, message: error.message)
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
        let claimed = try withDatabase("claim") { db, state in
            let epoch = state.epoch
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
            for row in rows {
                guard let key = ObjectKey(row.key) else { continue }
                state.held[HeldKey(controller: controller, key: row.key)] = ClaimedItem(
                    controller: controller, key: key, priority: row.priority, attempt: row.failures + 1,
                    addedAt: Date(unixMilliseconds: row.addedAt), claimedAt: Date(unixMilliseconds: now), lastError: row.lastError)
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
        let controller = item.controller
        let key = item.key.description
        let configuration = self.configuration
        let (held, epoch) = try withDatabase("finish") { db, state in
            let epoch = state.epoch
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
            if held { state.held[HeldKey(controller: controller, key: key)] = nil }
            try sampleIfStale(db, &state, controller: controller, now: now)
            return (held, epoch)
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
    ///
    /// With `recovering` (all but the test hook): at most once a second the file
    /// is first looked at (`DatabaseFileCheck`), and a fault found there, or an
    /// error of `body` that is a fault of the file, switches the queue to a new
    /// database (`failOver`) and runs `body` once more on it.
    private func withDatabase<T: Sendable>(
        _ operation: String, recovering: Bool = true, _ body: (SQLiteConnection, inout State) throws -> T
    ) throws -> T {
        var lost = false
        defer { if lost { notifyStateLost() } }
        return try state.withLock { state throws -> T in
            guard state.connection != nil else { throw WorkQueueError.closed }
            let now = clock.now().unixMilliseconds
            if recovering, let identity = state.identity,
               now - state.checkedAt >= Self.fileCheckIntervalMilliseconds || now < state.checkedAt {
                state.checkedAt = now
                if let found = DatabaseFileCheck.fault(of: DatabaseFile.observe(path), expected: identity) {
                    lost = failOver(&state, fault: found.fault, detail: found.detail) || lost
                }
            }
            guard let db = state.connection else { throw WorkQueueError.closed }
            do {
                return try body(db, &state)
            } catch {
                guard recovering, let fault = Self.classify(error) else { throw Self.asWorkQueueError(error, operation: operation) }
                lost = failOver(&state, fault: fault, detail: "\(operation) failed: \(Self.describe(error))") || lost
                guard let db = state.connection else { throw WorkQueueError.closed }
                do {
                    return try body(db, &state)
                } catch {
                    throw Self.asWorkQueueError(error, operation: operation)
                }
            }
        }
    }

    /// Moves the queue off a faulty database: a new file at the path (moving a
    /// corrupt or foreign one aside first) or, when that is not the recovery or
    /// fails, an in-memory database. The old connection's content is copied over
    /// unless the file is corrupt; otherwise the new database starts empty, with
    /// this process's claims carried in. Logs one error line and counts the fault.
    /// Returns whether the pending work was lost (the caller notifies `onStateLost`).
    private func failOver(_ state: inout State, fault: DatabaseFault, detail: String) -> Bool {
        guard let old = state.connection else { return false }
        let now = clock.now()
        var problems: [String] = []
        var movedTo: String?
        var target: SQLiteConnection?
        var storage = WorkQueueStorage.memory
        if state.storage == .file, fault.recovery(atOpen: false) != .memory {
            // The old connection must not delete the -wal/-shm names when it
            // closes: they are about to belong to the new file.
            old.keepWALOnClose()
            do {
                if DatabaseFile.identity(of: path) != nil {
                    movedTo = try DatabaseFile.moveAside(path, now: now)
                } else {
                    try DatabaseFile.removeCompanions(of: path)
                }
                target = try OpenedDatabase.connectFile(path: path, configuration: configuration)
                storage = .file
            } catch {
                problems.append(Self.describe(error))
            }
        }
        if target == nil {
            do {
                target = try OpenedDatabase.connectMemory(configuration: configuration)
                storage = .memory
            } catch {
                logger.critical(
                    "work queue database fault, and no new database can be opened; still using the old one",
                    metadata: ["path": "\(path)", "reason": "\(fault.rawValue)", "detail": "\(detail)", "error": "\(error)"])
                return false
            }
        }
        guard let target else { return false }

        var kept = false
        if fault.keepsState {
            do {
                try old.copy(to: target)
                if storage == .file { try OpenedDatabase.useWAL(target) }
                kept = true
            } catch {
                problems.append("copying the pending work failed: \(Self.describe(error))")
            }
        }
        if !kept {
            do {
                state.epoch = try OpenedDatabase.start(target, configuration: configuration, now: now).epoch
                try carryClaims(state.held.values, into: target, epoch: state.epoch)
            } catch {
                problems.append("starting the new database failed: \(Self.describe(error))")
            }
        }
        old.close()
        state.connection = target
        state.storage = storage
        state.identity = storage == .file ? DatabaseFile.identity(of: path) : nil
        state.checkedAt = now.unixMilliseconds
        state.sampledAt = [:]
        if storage == .file { try? DatabaseFile.tightenCompanions(of: path) }

        metrics.recovered(fault)
        metrics.inMemory.record(storage == .memory ? 1 : 0)
        let action = switch (storage, movedTo) {
        case (.file, .some): "moved it aside and rebuilt it"
        case (.file, nil): "recreated it"
        case (.memory, _): "continuing with the queue in memory until the operator restarts"
        }
        var metadata: Logger.Metadata = [
            "path": "\(path)", "reason": "\(fault.rawValue)", "storage": "\(storage.rawValue)", "kept_pending_work": "\(kept)",
        ]
        if let movedTo { metadata["moved_to"] = "\(movedTo)" }
        if !problems.isEmpty { metadata["problems"] = "\(problems.joined(separator: "; "))" }
        logger.error(
            "work queue database fault: \(detail); \(action)\(kept ? ", keeping the pending work" : "; pending work is re-derived from the API server")",
            metadata: metadata)
        return !kept
    }

    /// Writes claims this process holds into a new database, so their `finish` finds them.
    private func carryClaims(_ claims: some Collection<ClaimedItem>, into db: SQLiteConnection, epoch: Int64) throws {
        guard !claims.isEmpty else { return }
        try db.transaction {
            for item in claims {
                try db.run(
                    """
                    INSERT INTO work_item (controller, object_key, priority, not_before, added_at, failures, state, claim_epoch, claimed_at, last_error)
                    VALUES (?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?)
                    ON CONFLICT (controller, object_key) DO NOTHING
                    """,
                    [.text(item.controller), .text(item.key.description), .int(item.priority), .integer(item.claimedAt.unixMilliseconds),
                     .integer(item.addedAt.unixMilliseconds), .int(max(0, item.attempt - 1)), .integer(epoch),
                     .integer(item.claimedAt.unixMilliseconds), .optionalText(item.lastError)])
            }
        }
    }

    private func notifyStateLost() {
        for handler in stateLostHandlers.withLock({ $0 }) { handler() }
    }

    /// Internal access for tests (e.g. to make writes fail).
    func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withDatabase("test", recovering: false) { db, _ in try body(db) }
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
            [.integer(now), .text(controller), .integer(state.epoch)]
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
    var storage: WorkQueueStorage
    var epoch: Int64
    var appliedMigrations: [Int]
    var schemaVersion: Int
    var releasedClaims: Int

    /// The file at `path`, created if needed.
    static func file(path: String, configuration: WorkQueueConfiguration, now: Date) throws -> OpenedDatabase {
        let db = try connectFile(path: path, configuration: configuration)
        do {
            let opened = try started(db, storage: .file, configuration: configuration, now: now)
            try DatabaseFile.tightenCompanions(of: path)
            return opened
        } catch {
            db.close()
            throw error
        }
    }

    /// A new in-memory database.
    static func memory(configuration: WorkQueueConfiguration, now: Date) throws -> OpenedDatabase {
        let db = try connectMemory(configuration: configuration)
        do {
            return try started(db, storage: .memory, configuration: configuration, now: now)
        } catch {
            db.close()
            throw error
        }
    }

    /// Checks, migrates and starts the epoch of an open connection.
    private static func started(
        _ db: SQLiteConnection, storage: WorkQueueStorage, configuration: WorkQueueConfiguration, now: Date
    ) throws -> OpenedDatabase {
        let findings = try db.query("PRAGMA quick_check") { $0.text(0) ?? "" }
        guard findings == ["ok"] else {
            throw CorruptDatabase(findings: findings.prefix(3).joined(separator: "; "))
        }
        let result = try start(db, configuration: configuration, now: now)
        return OpenedDatabase(
            connection: db, storage: storage, epoch: result.epoch, appliedMigrations: result.applied,
            schemaVersion: result.schemaVersion, releasedClaims: result.released)
    }

    /// Opens the file at `path` (created 0600 if missing) in WAL mode with the queue's settings.
    static func connectFile(path: String, configuration: WorkQueueConfiguration) throws -> SQLiteConnection {
        try DatabaseFile.prepare(path)
        guard DatabaseFile.isReadableAndWritable(path) else {
            throw NotADatabaseFile(reason: "\(path): permission denied (need read and write)", fault: .unwritable)
        }
        let db = try SQLiteConnection(path: path)
        do {
            try db.execute("PRAGMA busy_timeout = \(configuration.busyTimeout.wholeMilliseconds)")
            try useWAL(db)
            try db.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")
        } catch {
            db.close()
            throw error
        }
        return db
    }

    /// Switches a file database to WAL (also after a copy over it).
    static func useWAL(_ db: SQLiteConnection) throws {
        let mode = try db.queryFirst("PRAGMA journal_mode = WAL") { $0.text(0) } ?? nil
        guard mode == "wal" else {
            throw NotADatabaseFile(reason: "cannot switch to WAL (journal_mode is \(mode ?? "unknown"))")
        }
    }

    /// Opens a new, empty in-memory database with the queue's settings.
    static func connectMemory(configuration: WorkQueueConfiguration) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: SQLiteConnection.memoryPath)
        try db.execute("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")
        return db
    }

    /// Applies the migrations, bumps the epoch and releases the claims of a previous process.
    static func start(
        _ db: SQLiteConnection, configuration: WorkQueueConfiguration, now: Date
    ) throws -> (applied: [Int], schemaVersion: Int, epoch: Int64, released: Int) {
        let nowMilliseconds = now.unixMilliseconds
        let applied = try Migrator.migrate(db, nowMilliseconds: nowMilliseconds)
        let schemaVersion = try Migrator.currentVersion(db)
        let (epoch, released) = try db.transaction {
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
        return (applied, schemaVersion, epoch, released)
    }
}
