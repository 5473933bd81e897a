//! WorkQueue: the operator's crash-safe work queue and observed-state cache,
//! kept in one SQLite file (WAL). Pending work, retry backoff, scheduled
//! deadlines and the last reconciled state of every object survive restarts.
//! The API server stays the source of truth; this file only decides what to
//! look at first.
import Foundation
import KubeCore

/// Tuning of a `PersistentWorkQueue`.
public struct WorkQueueConfiguration: Sendable, Hashable {
    /// Delay after the first failure of a key; doubles with every further failure. Default 5 ms.
    public var baseDelay: Duration
    /// The longest failure backoff. Default 1000 s (client-go's numbers).
    public var maxDelay: Duration
    /// How long a write waits for SQLite's lock before failing with "database is locked". Default 5 s.
    public var busyTimeout: Duration

    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000), busyTimeout: Duration = .seconds(5)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.busyTimeout = busyTimeout
    }
}

/// Item priorities: any `Int`, higher first. Named values match controller-runtime's.
public enum WorkPriority {
    /// Resync and initial-list items (controller-runtime `handler.LowPriority`).
    public static let low = -100
    /// Everything else.
    public static let normal = 0
}

/// A key handed to a worker by `claim`. Until `finish` is called with it, the
/// key is claimed by nobody else.
public struct ClaimedItem: Sendable, Hashable {
    public var controller: String
    public var key: ObjectKey
    public var priority: Int
    /// 1 on the first try; n + 1 after n consecutive failures.
    public var attempt: Int
    /// When the request this item answers was made (the first add, kept across retries).
    public var addedAt: Date
    public var claimedAt: Date
    /// The failure message of the previous attempt, if it failed.
    public var lastError: String?

    public init(controller: String, key: ObjectKey, priority: Int, attempt: Int, addedAt: Date, claimedAt: Date, lastError: String? = nil) {
        self.controller = controller
        self.key = key
        self.priority = priority
        self.attempt = attempt
        self.addedAt = addedAt
        self.claimedAt = claimedAt
        self.lastError = lastError
    }
}

/// What a controller last reconciled successfully for one object: compared
/// with the listed object at startup to decide what needs a prompt reconcile.
public struct ObservedState: Sendable, Hashable, Codable {
    public var key: ObjectKey
    public var uid: String
    public var generation: Int64
    /// Opaque: compare for equality only.
    public var resourceVersion: String
    /// A hash of the inputs the reconciler reads beyond the spec (labels, annotations, referenced Secrets' versions).
    public var inputHash: String
    public var reconciledAt: Date

    public init(key: ObjectKey, uid: String, generation: Int64, resourceVersion: String, inputHash: String, reconciledAt: Date) {
        self.key = key
        self.uid = uid
        self.generation = generation
        self.resourceVersion = resourceVersion
        self.inputHash = inputHash
        self.reconciledAt = reconciledAt
    }
}

/// How a claimed item ended.
public enum WorkOutcome: Sendable, Hashable {
    /// Reconciled. Resets the key's backoff; `observed` (if given) replaces the
    /// key's observed row in the same transaction; `requeueAfter` schedules the
    /// key again (the earliest of this and any pending request wins).
    case success(observed: ObservedState?, requeueAfter: Duration?)
    /// Failed: the key is retried after its backoff (`baseDelay · 2^(n-1)`, capped at `maxDelay`).
    case failure(message: String)
    /// The object is gone for good: drop the item and its observed row. A request
    /// that arrived while the item was claimed still runs.
    case forget
}

/// A failure of the work queue. Runtime write failures (disk full, I/O error)
/// carry SQLite's message; the caller decides whether to retry or stop.
public enum WorkQueueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An SQLite call failed: what the queue was doing, SQLite's extended result code and message.
    case database(operation: String, code: Int32, message: String)
    /// The database file could not be created, inspected or moved aside.
    case fileSystem(path: String, message: String)
    /// A key whose text form (`namespace/name`) does not read back as the same key.
    case invalidKey(String)
    /// A row held a value the queue cannot read (e.g. an unparsable key).
    case invalidRow(String)
    /// `close()` was called.
    case closed

    public var description: String {
        switch self {
        case .database(let operation, let code, let message):
            return "work queue: \(operation): \(message) (SQLite code \(code))"
        case .fileSystem(let path, let message):
            return "work queue: \(path): \(message)"
        case .invalidKey(let key):
            return "work queue: key \(key) cannot be stored (a namespace or name contains \"/\")"
        case .invalidRow(let message):
            return "work queue: invalid row: \(message)"
        case .closed:
            return "work queue: closed"
        }
    }
}

/// Where the queue keeps its state.
public enum WorkQueueStorage: String, Sendable, Hashable {
    /// The SQLite file: pending work, backoff and observed state survive restarts.
    case file
    /// An in-memory database, after a fault of the file, until the process restarts.
    case memory
}

/// What `PersistentWorkQueue.open` found and did.
public struct WorkQueueOpenReport: Sendable, Hashable {
    /// This process's epoch (bumped at every open).
    public var epoch: Int64
    /// Migration versions applied by this open (empty when the schema was current).
    public var appliedMigrations: [Int]
    /// The schema version now in the file.
    public var schemaVersion: Int
    /// Claims left by a previous process, released to ready.
    public var releasedClaims: Int
    /// When the file could not be used: what was wrong and what was done. Nil otherwise.
    public var recovery: Recovery?
    /// Where the queue keeps its state.
    public var storage: WorkQueueStorage = .file

    public struct Recovery: Sendable, Hashable {
        /// `<path>.corrupt-<unix time>` when the file was moved aside; nil when it was left in place.
        public var movedTo: String?
        /// The error that made the file unusable.
        public var reason: String
        public var fault: DatabaseFault
        /// `file`: rebuilt at the path; `memory`: the queue runs in memory.
        public var storage: WorkQueueStorage
    }
}
