//! DatabaseFault: the pure half of the queue's database fault handling —
//! which fault an SQLite result code (and the errno behind it) or a look at
//! the file means, and what the queue does about each fault, at open and
//! while it runs. No IO here: `PersistentWorkQueue` observes and acts.

/// What is wrong with the queue's database file. The raw value is the
/// `reason` label of `openshell_operator_queue_database_recoveries_total`.
public enum DatabaseFault: String, Sendable, Hashable, CaseIterable {
    /// The file was deleted, or replaced by another file, while the queue had it open.
    case missing
    /// Not a usable database: garbage, truncated, corrupt pages, a newer schema, not a regular file.
    case corrupt
    /// The process may not write it: permissions, an immutable file, a read-only file system.
    case unwritable
    /// The disk or quota is full.
    case full
    /// Another process holds the file's lock.
    case locked
    /// Any other I/O error.
    case io
}

/// What the queue does about a fault. When a file-based recovery fails too,
/// the queue continues in memory.
public enum DatabaseRecovery: String, Sendable, Hashable {
    /// Move the file (and its -wal/-shm) aside to `<path>.corrupt-<unix time>` and build a new one at the path.
    case rebuild
    /// Build a new file at the path (the old one is gone; its -wal/-shm are removed).
    case recreate
    /// Keep the queue in an in-memory database until the process restarts; leave the file alone.
    case memory
}

extension DatabaseFault {
    /// The recovery to try first.
    ///
    /// At open there is no state to keep: a file that cannot be used is moved
    /// aside and rebuilt — unless the disk is full or another process holds
    /// the lock, where rebuilding cannot help and the file is left for the
    /// next start. While running, the open connection still holds the state,
    /// so a file that is merely unwritable, full or failing keeps its state in
    /// memory; a missing file is recreated and a corrupt one rebuilt.
    public func recovery(atOpen: Bool) -> DatabaseRecovery {
        switch self {
        case .missing: .recreate
        case .corrupt: .rebuild
        case .unwritable, .io: atOpen ? .rebuild : .memory
        case .full, .locked: .memory
        }
    }

    /// Whether the old connection's contents may be copied into the new
    /// database: not from a corrupt file.
    public var keepsState: Bool { self != .corrupt }

    // SQLite's primary result codes, and the extended ones that matter here.
    static let sqlitePerm: Int32 = 3
    static let sqliteBusy: Int32 = 5
    static let sqliteLocked: Int32 = 6
    static let sqliteReadOnly: Int32 = 8
    static let sqliteIOError: Int32 = 10
    static let sqliteCorrupt: Int32 = 11
    static let sqliteFull: Int32 = 13
    static let sqliteCantOpen: Int32 = 14
    static let sqliteNotADatabase: Int32 = 26
    static let sqliteIOErrorShortRead: Int32 = 10 | (2 << 8)
    static let sqliteReadOnlyDatabaseMoved: Int32 = 8 | (4 << 8)

    // errno values (Linux numbering; Darwin differs only for EDQUOT).
    static let enoent: Int32 = 2
    static let eperm: Int32 = 1
    static let eacces: Int32 = 13
    static let enospc: Int32 = 28
    static let erofs: Int32 = 30
    static let edquot: Set<Int32> = [122, 69]

    /// The fault an SQLite error means: `code` is the extended result code,
    /// `systemErrno` the OS error behind an I/O failure (0 when none). Nil
    /// when the error is not the file's fault (a constraint, misuse, memory).
    public static func classify(code: Int32, systemErrno: Int32) -> DatabaseFault? {
        switch code & 0xFF {
        case sqliteCorrupt, sqliteNotADatabase:
            return .corrupt
        case sqliteFull:
            return .full
        case sqliteBusy, sqliteLocked:
            return .locked
        case sqlitePerm:
            return .unwritable
        case sqliteReadOnly:
            return code == sqliteReadOnlyDatabaseMoved ? .missing : .unwritable
        case sqliteCantOpen:
            return fromErrno(systemErrno) ?? .io
        case sqliteIOError:
            if code == sqliteIOErrorShortRead { return .corrupt }
            return fromErrno(systemErrno) ?? .io
        default:
            return nil
        }
    }

    /// The fault an errno means, when it names one.
    public static func fromErrno(_ value: Int32) -> DatabaseFault? {
        switch value {
        case enoent: .missing
        case eperm, eacces, erofs: .unwritable
        case enospc: .full
        case _ where edquot.contains(value): .full
        default: nil
        }
    }
}

/// Which file a path names: device and inode.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// What a look at the database path found.
public struct FileObservation: Sendable, Hashable {
    /// Nil: nothing at the path.
    public var identity: FileIdentity?
    public var size: Int64
    /// The file's first bytes (up to 100, SQLite's header).
    public var header: [UInt8]
    /// `access(path, R_OK | W_OK)` succeeded.
    public var isReadableAndWritable: Bool
    /// Bytes this process may still write on the file system holding the file; nil when unknown.
    public var freeBytes: Int64?

    public init(
        identity: FileIdentity?, size: Int64 = 0, header: [UInt8] = [], isReadableAndWritable: Bool = true, freeBytes: Int64? = nil
    ) {
        self.identity = identity
        self.size = size
        self.header = header
        self.isReadableAndWritable = isReadableAndWritable
        self.freeBytes = freeBytes
    }
}

/// The periodic look at an open database file (pure).
public enum DatabaseFileCheck {
    /// `SQLite format 3\0`.
    static let magic = Array("SQLite format 3\u{0}".utf8)
    /// Less free space than this is a full disk: a few WAL frames would not fit.
    public static let minimumFreeBytes: Int64 = 64 * 1024

    /// The fault `observation` shows for the file opened as `expected`, with
    /// a sentence saying what was found; nil when the file looks as it should.
    ///
    /// A full disk is seen when less than `minimumFreeBytes` are left.
    /// A truncation is seen when the file is shorter than the pages its own
    /// header counts (the header is written at checkpoints together with the
    /// pages, so a healthy file is never shorter).
    public static func fault(of observation: FileObservation, expected: FileIdentity) -> (fault: DatabaseFault, detail: String)? {
        guard let identity = observation.identity else {
            return (.missing, "the file was deleted while the operator ran")
        }
        guard identity == expected else {
            return (.missing, "the file was replaced by another file while the operator ran")
        }
        guard observation.size > 0 else {
            return (.corrupt, "the file was truncated to 0 bytes")
        }
        guard observation.header.count >= 32, Array(observation.header.prefix(magic.count)) == magic else {
            return (.corrupt, "the file no longer starts with an SQLite header (overwritten)")
        }
        let header = observation.header
        let rawPageSize = Int64(header[16]) << 8 | Int64(header[17])
        let pageSize = rawPageSize == 1 ? 65_536 : rawPageSize
        let pages = header[28..<32].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        if pageSize > 0, pages > 0, observation.size < pages * pageSize {
            return (.corrupt, "the file was truncated to \(observation.size) bytes; its header counts \(pages * pageSize)")
        }
        guard observation.isReadableAndWritable else {
            return (.unwritable, "the file is no longer readable and writable")
        }
        if let free = observation.freeBytes, free < minimumFreeBytes {
            return (.full, "the file system holding the file has \(free) bytes left")
        }
        return nil
    }
}
